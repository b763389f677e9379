package refserver

import (
	"fmt"
	"sort"
	"strings"
)

// Fault is a switch that makes the reference server break exactly one rule of the Case
// API, so that the harness can prove each of its checks fails when it should.
type Fault struct {
	Name        string
	Description string
}

// faultTable lists every fault switch. Its names are a public interface: the harness
// self-tests and `casecert serve --fault NAME` use them.
func faultTable() []Fault {
	return []Fault{
		// PATCH semantics.
		{"omit-clears", "PATCH clears every writable field it omits (PUT semantics) instead of keeping it; the owner falls back to the integration user"},
		{"null-ignored", "a null in a PATCH leaves the stored value instead of clearing it"},
		{"set-dropped", "PATCH silently drops new values of the summary field (nulls still clear it)"},
		{"mixed-null-ignored", "nulls in a PATCH are ignored when the same body also sets a value, so a mixed body does not clear"},
		{"readonly-written", "read-only fields sent in a PATCH (incident_number, created_date, totals, audit fields) are stored instead of ignored"},
		{"readonly-refused", "a PATCH naming a read-only field is refused with 400 instead of ignoring that field"},
		{"nested-updated", "persons/vehicles/items arrays in a PATCH replace the case's child records instead of being ignored"},
		{"owner-reset", "a PATCH without owner_id resets the owner to the integration user instead of keeping it"},
		{"owner-null-accepted", "owner_id: null in a PATCH is accepted and clears the owner instead of being refused"},
		{"date-resets-time", "a PATCH setting a local date without its time sets that time to midnight instead of keeping it"},
		{"empty-refused", "an empty PATCH body {} is refused with 400 instead of being a no-op"},
		{"not-idempotent", "a PATCH sending a text value equal to the stored one stores it with \" (2)\" appended, so repeating a PATCH changes the case"},
		{"lost-update", "PATCH reads the whole row, waits, then writes the whole row back without a transaction, so concurrent PATCHes lose updates"},
		{"audit-frozen", "a successful PATCH does not advance last_modified_date"},
		{"recordtype-applied", "record_type in a PATCH body changes the case's record type instead of being ignored"},
		// Formats.
		{"time-ms-refused", "local times with milliseconds (HH:MM:SS:mmm) are refused; only HH:MM:SS is accepted"},
		{"time-lenient", "local times are parsed leniently: 24:00:00, 1:02:03, 12:00, Z or offset suffixes and 4-digit milliseconds are accepted and normalized"},
		{"date-leapday-refused", "February 29 is refused even in leap years"},
		{"date-lenient", "dates are parsed leniently: impossible days roll over (2023-02-29), 2025-1-5, 2025/01/05 and a trailing T00:00:00Z are accepted"},
		{"datetime-offset-dropped", "the offset of a date-time is ignored: the clock reading is stored as if it were UTC"},
		{"datetime-lenient", "date-times are parsed leniently: no offset (taken as UTC), date only, a space instead of T, and impossible days rolling over are accepted"},
		{"length-off-by-one", "bounded text fields accept one character more than their maximum"},
		{"length-bytes", "lengths of bounded text fields are counted in bytes, so the maximum number of 2-byte characters is refused"},
		{"types-coerced", "values of the wrong JSON type are coerced instead of refused: \"12.5\" for numbers, \"true\" or 1 for booleans, numbers for text"},
		{"sfid-suffix-unchecked", "an 18-character id in the body with a wrong checksum suffix is accepted as its 15-character prefix"},
		{"partial-apply", "a PATCH with one invalid field stores its valid fields before answering 400, so a rejected PATCH is not atomic"},
		// Identity and request handling.
		{"id15-unknown", "a case addressed by its 15-character id is not found (404); only the 18-character id works"},
		{"unknown-id-creates", "a PATCH of a well-formed id that does not exist creates the case and answers 200 instead of 404"},
		{"malformed-id-500", "a malformed case id in the path gets a 500 instead of 400"},
		{"bad-json-500", "a malformed JSON body gets a 500 instead of 400"},
		{"not-object-accepted", "a PATCH body that is JSON but not an object ([], \"x\", 1, null) gets 200 as a no-op instead of 400"},
		{"content-type-ignored", "a non-JSON Content-Type is accepted and the body parsed as JSON anyway instead of 415"},
		{"location-number-wins", "when both location_id and location_number are sent, location_number wins instead of location_id"},
		{"location-unknown-accepted", "an unknown location_number is stored as given (with location_id null) instead of refused"},
		// Responses.
		{"no-updated-response", "a successful PATCH answers 204 with no body instead of the UpdatedResponse JSON"},
		{"error-no-body", "4xx answers carry an empty text/plain body instead of a JSON error with a message"},
		{"json-as-text", "every JSON answer says Content-Type text/plain instead of application/json"},
		{"plain-ids", "create answers the bare record with a plain numeric id (like 17) instead of the envelope with an 18-character Salesforce id; the case is addressable by that number and PATCH answers with it"},
		// Security and versioning.
		{"no-auth", "the Authorization header is not checked at all"},
		{"signature-unchecked", "the JWT signature is not verified (expiry still is)"},
		{"expiry-unchecked", "the JWT expiry is not checked"},
		{"basic-accepted", "any Basic credentials are accepted instead of 401"},
		{"no-challenge", "401 answers carry no WWW-Authenticate header"},
		{"version-current-refused", "API-Version: 1.0 is refused with 400; only a request without the header works"},
		{"version-unchecked", "any API-Version is accepted, unsupported ones included"},
	}
}

// Faults returns every fault switch, sorted by name.
func Faults() []Fault {
	all := faultTable()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// faultSet is the set of switches a server runs with; it is built once by New and only
// read afterwards.
type faultSet map[string]bool

func newFaultSet(names []string) (faultSet, error) {
	valid := map[string]bool{}
	var list []string
	for _, f := range Faults() {
		valid[f.Name] = true
		list = append(list, f.Name)
	}
	set := faultSet{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if !valid[n] {
			return nil, fmt.Errorf("unknown fault %q; valid faults: %s", n, strings.Join(list, ", "))
		}
		set[n] = true
	}
	return set, nil
}

func (f faultSet) on(name string) bool { return f[name] }
