package refserver

import (
	"fmt"
	"sort"
	"strings"

	"github.com/casecert/casecert/internal/platform"
)

// Fault is a switch that makes the reference server break exactly one rule of the Case
// API, so that the harness can prove each of its checks fails when it should.
//
// A row is the whole declaration of a switch: `casecert serve -h` lists its name and
// description, and the self-certification (internal/selftest) runs the suite with it on
// and checks that every requirement in Fails fails and that no other must requirement
// fails unless MayFail names it (or BreaksAll is set).
type Fault struct {
	Name        string
	Description string
	// Fails are the requirements the fault must make fail: at least one.
	Fails []string
	// MayFail are other requirements the fault may also fail because the rule it
	// breaks is part of theirs too; Why says how.
	MayFail []string
	// BreaksAll marks a fault that breaks every request the harness makes, so any
	// requirement may fail; Why says how.
	BreaksAll bool
	// Why explains MayFail and BreaksAll; it is required when either is set.
	Why string
	// Needs are the profile needs (fixtures.Needs) without which the fault breaks
	// nothing a run can judge: under a profile that lacks one, the fault does not apply,
	// and the need's Missing says why. Faults name fields by role (the owner field, the
	// location pair), never by the default names, so they apply under any profile.
	Needs []string
	// NotOn names the platforms (Options.Platform) the fault does not apply to, each with
	// why: the self-certification's mode on that platform leaves it out.
	NotOn map[string]string
	// NonePass is a requirement-ID prefix: with the fault on, no requirement whose ID
	// starts with it may pass (each ends failed, error or skipped). It declares a fault
	// that takes away what those requirements judge, so a pass would be a vacuous one.
	NonePass string
}

// AppliesOn reports whether the fault applies on a platform, and why not when it does not.
func (f Fault) AppliesOn(platform string) (bool, string) {
	why, not := f.NotOn[platform]
	return !not, why
}

// faultTable lists every fault switch. Its names are a public interface: the harness
// self-tests and `casecert serve --fault NAME` use them. Requirement IDs appear here
// because this table is the catalog of faults; the behaviour of each switch lives
// beside the rule it breaks (grep for its name).
func faultTable() []Fault {
	return []Fault{
		// PATCH semantics.
		{
			Name:        "omit-clears",
			Description: "PATCH clears every writable field it omits (PUT semantics) instead of keeping it; the owner falls back to the integration user",
			Fails:       []string{"PATCH-OMIT"},
			MayFail:     []string{"PATCH-MIXED", "PATCH-OWNER-KEPT", "PATCH-DATE-KEEPS-TIME", "PATCH-CONCURRENT", "PATCH-EMPTY"},
			Why:         "their PATCHes omit fields too (the owner, the local time, every field of {}) and read them back",
		},
		{
			Name:        "omit-clears-but-owner",
			Description: "PATCH clears every writable field it omits (PUT semantics) except the owner, which it keeps",
			Fails:       []string{"PATCH-OMIT"},
			MayFail:     []string{"PATCH-MIXED", "PATCH-DATE-KEEPS-TIME", "PATCH-CONCURRENT", "PATCH-EMPTY"},
			Why:         "their PATCHes omit fields too (the local time, every field of {}) and read them back; PATCH-OWNER-KEPT judges the owner alone, which is kept",
		},
		{
			Name:        "null-ignored",
			Description: "a null in a PATCH leaves the stored value instead of clearing it",
			Fails:       []string{"PATCH-NULL"},
			MayFail:     []string{"PATCH-MIXED"},
			Why:         "the mixed body clears fields with null too",
		},
		{
			Name:        "set-dropped",
			Description: "PATCH silently drops new values of one free-text field, the last unbounded one (loss_category in the default profile; nulls still clear it)",
			Fails:       []string{"PATCH-SET"},
			MayFail:     []string{"PATCH-MIXED", "PATCH-CONCURRENT", "PATCH-IDEMPOTENT"},
			Why:         "their PATCHes may set the summary field and read it back",
		},
		{
			Name:        "mixed-null-ignored",
			Description: "nulls in a PATCH are ignored when the same body also sets a value, so a mixed body does not clear",
			Fails:       []string{"PATCH-MIXED"},
		},
		{
			Name:        "readonly-written",
			Description: "read-only fields sent in a PATCH (the case number, the totals, the audit dates and users) are stored instead of ignored",
			Fails:       []string{"PATCH-READONLY"},
		},
		{
			Name: "readonly-written-once",
			Description: "the first PATCH naming a read-only field (in the server's life) stores it instead of ignoring it; every later one ignores it. " +
				"A failure seen once: with --rerun-failed the scenario passes when run again, so PATCH-READONLY is flaky",
			Fails: []string{"PATCH-READONLY"},
		},
		{
			Name:        "readonly-refused",
			Description: "a PATCH naming a read-only field is refused with 400 instead of ignoring that field",
			Fails:       []string{"PATCH-READONLY"},
		},
		{
			Name:        "nested-updated",
			Description: "nested arrays (persons/vehicles/items) in a PATCH replace the case's child records instead of being ignored",
			Needs:       []string{"nested"},
			Fails:       []string{"PATCH-NESTED"},
		},
		{
			Name:        "owner-reset",
			Description: "a PATCH without the owner field (ref: owner) resets the owner to the integration user instead of keeping it",
			Needs:       []string{"owner-field", "other-owner"},
			Fails:       []string{"PATCH-OWNER-KEPT"},
			MayFail:     []string{"PATCH-OMIT", "PATCH-MIXED", "PATCH-EMPTY"},
			Why:         "the owner is an omitted field of their PATCHes too",
		},
		{
			Name:        "owner-null-accepted",
			Description: "null for the owner field (ref: owner, nullable: false) in a PATCH is accepted and clears the owner instead of being refused",
			Needs:       []string{"owner-field"},
			Fails:       []string{"PATCH-OWNER-NULL"},
		},
		{
			Name:        "date-resets-time",
			Description: "a PATCH setting a local date without its time sets that time to midnight instead of keeping it",
			Fails:       []string{"PATCH-DATE-KEEPS-TIME"},
			MayFail:     []string{"PATCH-OMIT", "PATCH-CONCURRENT"},
			Why:         "their PATCHes may set a local date alone and read the omitted time back",
		},
		{
			Name:        "empty-refused",
			Description: "an empty PATCH body {} is refused with 400 instead of being a no-op",
			Fails:       []string{"PATCH-EMPTY"},
		},
		{
			Name:        "not-idempotent",
			Description: "a PATCH sending a text value equal to the stored one stores it with \" (2)\" appended, so repeating a PATCH changes the case",
			Fails:       []string{"PATCH-IDEMPOTENT"},
		},
		{
			Name:        "lost-update",
			Description: "PATCH reads the whole row, waits, then writes the whole row back without a transaction, so concurrent PATCHes lose updates",
			Fails:       []string{"PATCH-CONCURRENT"},
		},
		{
			Name:        "audit-frozen",
			Description: "a successful PATCH does not advance the last-modified date",
			Needs:       []string{"audit-fields"},
			Fails:       []string{"PATCH-AUDIT"},
		},
		{
			Name:        "stores-nothing",
			Description: "every create and PATCH of a case is answered 2xx as if applied but nothing of its body is stored: a created case holds its id only (no field, no child record, no record type or audit date), and a PATCH changes nothing",
			Fails:       []string{"PATCH-SET"},
			BreaksAll:   true,
			NonePass:    "PATCH-",
			Why: "every check that reads back a value it wrote fails, and every refusal the target owes is a 2xx; the PATCH rules judged as " +
				"\"unchanged\" or \"cleared\" have nothing stored to judge, so they may not pass: their setup does not hold",
		},
		{
			Name:        "recordtype-applied",
			Description: "the record type field in a PATCH body changes the case's record type instead of being ignored",
			Needs:       []string{"record-type-field"},
			Fails:       []string{"PATCH-RECORDTYPE"},
		},
		// Formats.
		{
			Name:        "time-ms-refused",
			Description: "local times with milliseconds (HH:MM:SS:mmm) are refused; only HH:MM:SS is accepted",
			Fails:       []string{"FMT-TIME"},
		},
		{
			Name:        "time-ms-dropped",
			Description: "local times with milliseconds are accepted but stored without them (14:30:00:123 reads back as 14:30:00)",
			Fails:       []string{"FMT-TIME"},
		},
		{
			Name:        "time-lenient",
			Description: "local times are parsed leniently: 24:00:00, 1:02:03, 12:00, Z or offset suffixes and 4-digit milliseconds are accepted and normalized",
			Fails:       []string{"FMT-TIME-INVALID"},
			MayFail:     []string{"FMT-ATOMIC"},
			Why:         "the invalid field of the atomic body may be a time this fault accepts, so the body applies",
		},
		{
			Name:        "date-leapday-refused",
			Description: "February 29 is refused even in leap years",
			Fails:       []string{"FMT-DATE"},
		},
		{
			Name:        "date-lenient",
			Description: "dates are parsed leniently: impossible days roll over (2023-02-29), 2025-1-5, 2025/01/05 and a trailing T00:00:00Z are accepted",
			Fails:       []string{"FMT-DATE-INVALID"},
			MayFail:     []string{"FMT-ATOMIC"},
			Why:         "the invalid field of the atomic body may be a date this fault accepts, so the body applies",
		},
		{
			Name:        "datetime-offset-dropped",
			Description: "the offset of a date-time is ignored: the clock reading is stored as if it were UTC",
			Fails:       []string{"FMT-DATETIME"},
			MayFail:     []string{"PATCH-SET", "PATCH-MIXED", "PATCH-CONCURRENT"},
			Why:         "their generated date-times may carry offsets, which then read back as other instants",
		},
		{
			Name:        "datetime-lenient",
			Description: "date-times are parsed leniently: no offset (taken as UTC), date only, a space instead of T, and impossible days rolling over are accepted",
			Fails:       []string{"FMT-DATETIME-INVALID"},
			MayFail:     []string{"FMT-ATOMIC"},
			Why:         "the invalid field of the atomic body may be a date-time this fault accepts, so the body applies",
		},
		{
			Name:        "length-off-by-one",
			Description: "bounded text fields accept one character more than their maximum",
			Fails:       []string{"FMT-LENGTH"},
			MayFail:     []string{"FMT-ATOMIC"},
			Why:         "the invalid field of the atomic body may be a string one character too long, which this fault accepts",
		},
		{
			Name:        "length-bytes",
			Description: "lengths of bounded text fields are counted in bytes, so the maximum number of 2-byte characters is refused",
			Fails:       []string{"FMT-LENGTH-CHARS"},
		},
		{
			Name:        "types-coerced",
			Description: "values of the wrong JSON type are coerced instead of refused: \"12.5\" for numbers, \"true\" or 1 for booleans, numbers for text",
			Fails:       []string{"FMT-TYPES"},
			MayFail:     []string{"FMT-ATOMIC"},
			Why:         "the invalid field of the atomic body may be a value of the wrong type, which this fault coerces",
		},
		{
			Name:        "sfid-suffix-unchecked",
			Description: "an 18-character id in the body with a wrong checksum suffix is accepted as its 15-character prefix",
			Fails:       []string{"FMT-SFID-CHECKSUM"},
		},
		{
			Name:        "sfid-length-unchecked",
			Description: "an id in the body of 16, 17 or 19 characters is accepted as its first 15 characters instead of refused",
			Fails:       []string{"FMT-SFID"},
		},
		{
			Name:        "partial-apply",
			Description: "a PATCH with one invalid field stores its valid fields before answering 400, so a rejected PATCH is not atomic",
			Fails:       []string{"FMT-ATOMIC"},
		},
		// Identity and request handling.
		{
			Name:        "id15-unknown",
			Description: "a case addressed by its 15-character id is not found (404); only the 18-character id works",
			Fails:       []string{"ID-FORMS"},
			MayFail:     []string{"RES-UPDATED"},
			Why:         "RES-UPDATED also PATCHes through the 15-character id, which gets 404",
		},
		{
			Name:        "unknown-id-creates",
			Description: "a PATCH of a well-formed id that does not exist creates the case and answers 200 instead of 404",
			Fails:       []string{"ID-UNKNOWN"},
		},
		{
			Name:        "malformed-id-500",
			Description: "a malformed case id in the path gets a 500 instead of 400",
			Fails:       []string{"ID-MALFORMED"},
			MayFail:     []string{"REQ-NO-5XX"},
			Why:         "the 500 is a 5xx of the run",
		},
		{
			Name:        "bad-json-500",
			Description: "a malformed JSON body gets a 500 instead of 400",
			Fails:       []string{"REQ-JSON", "REQ-NO-5XX"},
		},
		{
			Name:        "not-object-accepted",
			Description: "a PATCH body that is JSON but not an object ([], \"x\", 1, null) gets 200 as a no-op instead of 400",
			Fails:       []string{"REQ-NOT-OBJECT"},
		},
		{
			Name:        "content-type-ignored",
			Description: "a non-JSON Content-Type is accepted and the body parsed as JSON anyway instead of 415",
			Fails:       []string{"REQ-CONTENT-TYPE"},
		},
		{
			Name:        "location-number-wins",
			Description: "when both the location id and the location number are sent, the number wins instead of the id",
			Needs:       []string{"location-fields", "two-locations"},
			Fails:       []string{"LOC-PRECEDENCE"},
		},
		{
			Name:        "location-unknown-accepted",
			Description: "an unknown location number is stored as given (with the location id null) instead of refused",
			Needs:       []string{"location-number"},
			Fails:       []string{"LOC-UNKNOWN"},
		},
		// Responses.
		{
			Name:        "no-updated-response",
			Description: "a successful PATCH answers 204 with no body instead of the UpdatedResponse JSON",
			Fails:       []string{"RES-UPDATED"},
		},
		{
			Name:        "error-no-body",
			Description: "4xx answers carry an empty text/plain body instead of a JSON error with a message",
			Fails:       []string{"RES-ERROR"},
			MayFail:     []string{"VER-UNSUPPORTED"},
			Why:         "its refusals of an unsupported API-Version carry no JSON message either",
		},
		{
			Name:        "json-as-text",
			Description: "every JSON answer says Content-Type text/plain instead of application/json",
			Fails:       []string{"RES-CONTENT-TYPE"},
		},
		{
			Name:        "plain-ids",
			Description: "create answers the bare record with a plain numeric id (like 17) instead of the envelope with an 18-character Salesforce id; the case is addressable by that number and PATCH answers with it",
			Fails:       []string{"ID-FORMS"},
			MayFail:     []string{"RES-UPDATED"},
			Why:         "the UpdatedResponse names the case by its plain number, not an 18-character id",
		},
		// A target one abuse breaks beyond its case (disrupt.go): the health probe after
		// each disruptive scenario names the one that broke it, and the run stops there.
		{
			Name: "deep-json-poisons",
			Description: "like json-server 0.17: a PATCH nested over 1000 deep is stored (200), and from then on every write answers " +
				"500 RangeError: Maximum call stack size exceeded until that case is written again",
			Fails: []string{"REQ-NO-5XX"},
		},
		{
			Name:        "abuse-breaks-for-good",
			Description: "after a request body over 1 MiB, every request answers 500 for good",
			Fails:       []string{"REQ-NO-5XX"},
		},
		// Security and versioning.
		{
			Name:        "no-auth",
			Description: "the Authorization header is not checked at all",
			Fails:       []string{"AUTH-MISSING"},
			MayFail:     []string{"AUTH-INVALID", "AUTH-SCHEME", "AUTH-CHALLENGE"},
			Why:         "without an auth check no request gets the 401 those requirements look at",
		},
		{
			Name:        "signature-unchecked",
			Description: "the JWT signature is not verified (expiry still is); on salesforce only the org part of a session id is checked, not its secret",
			Fails:       []string{"AUTH-INVALID"},
		},
		{
			Name:        "expiry-unchecked",
			Description: "the JWT expiry is not checked; on salesforce a revoked session id is still accepted",
			Fails:       []string{"AUTH-INVALID"},
		},
		{
			Name:        "basic-accepted",
			Description: "any Basic credentials are accepted instead of 401",
			Fails:       []string{"AUTH-SCHEME"},
		},
		{
			Name:        "no-challenge",
			Description: "401 answers carry no WWW-Authenticate header",
			Fails:       []string{"AUTH-CHALLENGE"},
			NotOn: map[string]string{platform.SalesforceName: "the org itself answers every bad session with a 401 that has no challenge, " +
				"so AUTH-CHALLENGE is info there (platform-owned): there is no rule left for the fault to break"},
		},
		{
			Name:        "version-current-refused",
			Description: "API-Version: 1.0 is refused with 400; only a request without the header works",
			Fails:       []string{"VER-CURRENT"},
			BreaksAll:   true,
			Why:         "every request the harness makes sends API-Version: 1.0",
		},
		{
			Name:        "version-unchecked",
			Description: "any API-Version is accepted, unsupported ones included",
			Fails:       []string{"VER-UNSUPPORTED"},
		},
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
