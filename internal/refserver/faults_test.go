package refserver

import (
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// probe drives a server through the rule a fault breaks and describes what it observed.
type probe func(s *tsrv) string

func code(r resp) string { return fmt.Sprint(r.code) }

// patchProbe creates a case from base, sends patch, and reports the status and the
// read-back of field.
func patchProbe(base, patch map[string]any, field string) probe {
	return func(s *tsrv) string {
		id := s.create(base)
		r := s.patch(id, patch)
		return code(r) + " " + s.read(id).Get(field).Raw
	}
}

func faultProbes() map[string]probe {
	long := func(c string, n int) string { return strings.Repeat(c, n) }
	return map[string]probe{
		"omit-clears":           patchProbe(full(), map[string]any{"summary": "x"}, "status"),
		"omit-clears-but-owner": patchProbe(full(), map[string]any{"summary": "x"}, "status"),
		"null-ignored":          patchProbe(full(), map[string]any{"region": nil}, "region"),
		"set-dropped":           patchProbe(full(), map[string]any{"loss_category": "new"}, "loss_category"),
		"stores-nothing":        patchProbe(full(), map[string]any{"summary": "new"}, "summary"),
		"mixed-null-ignored":    patchProbe(full(), map[string]any{"status": "Closed", "region": nil}, "region"),
		"readonly-written":      patchProbe(nil, map[string]any{"incident_number": "C-999999", "summary": "x"}, "incident_number"),
		"readonly-written-once": func(s *tsrv) string {
			id := s.create(nil)
			first := code(s.patch(id, map[string]any{"incident_number": "C-999999", "summary": "x"})) + " " + s.read(id).Get("incident_number").Raw
			second := code(s.patch(id, map[string]any{"incident_number": "C-888888", "summary": "y"})) + " " + s.read(id).Get("incident_number").Raw
			return first + ", then " + second
		},
		"readonly-refused": patchProbe(nil, map[string]any{"created_date": "2020-01-01T00:00:00Z", "summary": "x"}, "summary"),
		"nested-updated": func(s *tsrv) string {
			id := s.create(map[string]any{"persons": []any{map[string]any{"first_name": "A"}}})
			r := s.patch(id, map[string]any{"persons": []any{}})
			return code(r) + " " + s.do("GET", incidents+"/"+id+"/persons", "").body
		},
		"owner-reset":         patchProbe(map[string]any{"owner_id": owner2}, map[string]any{"summary": "x"}, "owner_id"),
		"owner-null-accepted": patchProbe(map[string]any{"owner_id": owner2}, map[string]any{"owner_id": nil}, "owner_id"),
		"date-resets-time": patchProbe(map[string]any{"incident_local_date": "2025-01-01", "incident_local_time": "14:30:00"},
			map[string]any{"incident_local_date": "2025-02-02"}, "incident_local_time"),
		"empty-refused":  patchProbe(nil, map[string]any{}, "id"),
		"not-idempotent": patchProbe(map[string]any{"summary": "same"}, map[string]any{"summary": "same"}, "summary"),
		"lost-update": func(s *tsrv) string {
			id := s.create(nil)
			fields := []string{"summary", "status", "region", "district", "priority", "source", "resolution", "department"}
			var wg sync.WaitGroup
			for _, f := range fields {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s.do("PATCH", incidents+"/"+id, mustJSON(s.t, map[string]any{f: "v-" + f}))
				}()
			}
			wg.Wait()
			doc, kept := s.read(id), 0
			for _, f := range fields {
				if doc.Get(f).String() == "v-"+f {
					kept++
				}
			}
			return fmt.Sprintf("%d of %d kept", kept, len(fields))
		},
		"audit-frozen": func(s *tsrv) string {
			id := s.create(nil)
			s.patch(id, map[string]any{"summary": "x"})
			doc := s.read(id)
			return fmt.Sprint(doc.Get("last_modified_date").String() == doc.Get("created_date").String())
		},
		"recordtype-applied":      patchProbe(nil, map[string]any{"record_type": "Other", "summary": "x"}, "record_type"),
		"time-ms-refused":         patchProbe(nil, map[string]any{"incident_local_time": "14:30:00:123"}, "incident_local_time"),
		"time-ms-dropped":         patchProbe(nil, map[string]any{"incident_local_time": "14:30:00:123"}, "incident_local_time"),
		"time-lenient":            patchProbe(nil, map[string]any{"incident_local_time": "24:00:00"}, "incident_local_time"),
		"date-leapday-refused":    patchProbe(nil, map[string]any{"incident_local_date": "2024-02-29"}, "incident_local_date"),
		"date-lenient":            patchProbe(nil, map[string]any{"incident_local_date": "2023-02-29"}, "incident_local_date"),
		"datetime-offset-dropped": patchProbe(nil, map[string]any{"incident_date_time": "2025-01-01T10:00:00+02:00"}, "incident_date_time"),
		"datetime-lenient":        patchProbe(nil, map[string]any{"incident_date_time": "2025-01-01 10:00:00"}, "incident_date_time"),
		"length-off-by-one":       patchProbe(nil, map[string]any{"police_officer": long("x", 51)}, "police_officer"),
		"length-bytes":            patchProbe(nil, map[string]any{"police_officer": long("é", 50)}, "police_officer"),
		"types-coerced":           patchProbe(nil, map[string]any{"initial_case_value": "12.5"}, "initial_case_value"),
		"sfid-suffix-unchecked":   patchProbe(nil, map[string]any{"owner_id": owner3[:15] + "ZZZ"}, "owner_id"),
		"sfid-length-unchecked":   patchProbe(nil, map[string]any{"owner_id": owner3[:15] + "A"}, "owner_id"),
		"partial-apply":           patchProbe(nil, map[string]any{"summary": "p", "incident_local_date": "bad"}, "summary"),
		"id15-unknown": func(s *tsrv) string {
			return code(s.do("GET", incidents+"/"+s.create(nil)[:15], ""))
		},
		"unknown-id-creates": func(s *tsrv) string {
			r := s.do("PATCH", incidents+"/500000000000999AAA", `{"summary": "x"}`)
			return code(r) + " " + s.do("GET", incidents, "").get("#").String()
		},
		"malformed-id-500":    func(s *tsrv) string { return code(s.do("GET", incidents+"/abc", "")) },
		"bad-json-500":        func(s *tsrv) string { return code(s.do("PATCH", incidents+"/"+s.create(nil), `{"summary":`)) },
		"not-object-accepted": func(s *tsrv) string { return code(s.do("PATCH", incidents+"/"+s.create(nil), `[]`)) },
		"content-type-ignored": func(s *tsrv) string {
			return code(s.do("PATCH", incidents+"/"+s.create(nil), `{"summary": "x"}`, "Content-Type: text/plain"))
		},
		"location-number-wins":      patchProbe(nil, map[string]any{"location_id": loc1ID, "location_number": "STORE-0002"}, "location_id"),
		"location-unknown-accepted": patchProbe(nil, map[string]any{"location_number": "STORE-9999"}, "location_number"),
		"no-updated-response": func(s *tsrv) string {
			r := s.do("PATCH", incidents+"/"+s.create(nil), `{"summary": "x"}`)
			return code(r) + " " + r.body
		},
		"error-no-body": func(s *tsrv) string {
			r := s.do("GET", incidents+"/500000000000999AAA", "")
			return r.header.Get("Content-Type") + " " + r.body
		},
		"json-as-text": func(s *tsrv) string { return s.do("GET", incidents, "").header.Get("Content-Type") },
		"no-auth":      func(s *tsrv) string { return code(s.do("GET", incidents, "", "Authorization:")) },
		"signature-unchecked": func(s *tsrv) string {
			return code(s.do("GET", incidents, "", "Authorization: Bearer "+s.token[:len(s.token)-2]+"xx"))
		},
		"expiry-unchecked": func(s *tsrv) string {
			expired, _ := s.srv.MintToken(-time.Hour)
			return code(s.do("GET", incidents, "", "Authorization: Bearer "+expired))
		},
		"basic-accepted": func(s *tsrv) string {
			return code(s.do("GET", incidents, "", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("a:b"))))
		},
		"no-challenge": func(s *tsrv) string {
			return s.do("GET", incidents, "", "Authorization:").header.Get("WWW-Authenticate")
		},
		"version-current-refused": func(s *tsrv) string { return code(s.do("GET", incidents, "", "API-Version: 1.0")) },
		"version-unchecked":       func(s *tsrv) string { return code(s.do("GET", incidents, "", "API-Version: 99.0")) },
		"deep-json-poisons": func(s *tsrv) string {
			poisoned, other := s.create(nil), s.create(nil)
			deep := `{"summary": ` + long("[", 2000) + long("]", 2000) + `}`
			out := []string{code(s.do("PATCH", incidents+"/"+poisoned, deep))}
			out = append(out, code(s.patch(other, map[string]any{"summary": "a"})), code(s.do("GET", incidents+"/"+other, "")))
			out = append(out, code(s.patch(poisoned, map[string]any{"summary": "rewritten"})), code(s.patch(other, map[string]any{"summary": "b"})))
			return strings.Join(out, " ")
		},
		"abuse-breaks-for-good": func(s *tsrv) string {
			id := s.create(nil)
			big := `{"summary": "` + long("x", 1<<20) + `"}`
			return code(s.do("PATCH", incidents+"/"+id, big)) + " " + code(s.do("GET", incidents+"/"+id, ""))
		},
		"plain-ids": func(s *tsrv) string {
			r := s.do("POST", incidents, `{"summary": "x"}`)
			p := s.do("PATCH", incidents+"/"+r.get("id").String(), `{"summary": "y"}`)
			return r.get("id").Raw + " " + p.get("id").Raw
		},
	}
}

// Every fault switch changes what the server does, compared with the default server,
// on the rule it names.
func TestEveryFaultChangesBehaviour(t *testing.T) {
	probes := faultProbes()
	for _, f := range Faults() {
		t.Run(f.Name, func(t *testing.T) {
			p, ok := probes[f.Name]
			require.True(t, ok, "fault %s has no probe", f.Name)
			want := p(newTS(t))
			got := p(newTS(t, f.Name))
			t.Logf("default: %.120s | with fault: %.120s", want, got)
			assert.NotEqual(t, want, got)
		})
	}
	known := map[string]bool{}
	for _, f := range Faults() {
		known[f.Name] = true
	}
	for name := range probes {
		assert.True(t, known[name], "a probe for fault %s, which does not exist", name)
	}
}

// Whatever fault is on, the harness can still set up cases: a create answers 2xx with an
// id, and that id reads back.
func TestFaultsKeepSetupWorking(t *testing.T) {
	for _, f := range Faults() {
		t.Run(f.Name, func(t *testing.T) {
			s := newTS(t, f.Name)
			hdr := []string{}
			if f.Name == "version-current-refused" {
				hdr = append(hdr, "API-Version:")
			}
			r := s.do("POST", incidents, `{"incident_type": "Theft", "summary": "s"}`, hdr...)
			require.Equal(t, 201, r.code, r.body)
			id := r.get("id").String()
			g := s.do("GET", incidents+"/"+id, "", hdr...)
			require.Equal(t, 200, g.code, g.body)
			if f.Name == "stores-nothing" { // it stores the id only: the harness's setup does not hold
				assert.Nil(t, g.get("incident_type").Value(), g.body)
				return
			}
			assert.Equal(t, "Theft", g.get("incident_type").String())
		})
	}
}

// The outcomes a few faults must produce exactly, beyond "different".
func TestFaultOutcomes(t *testing.T) {
	probes := faultProbes()
	cases := []struct{ fault, want string }{
		{"omit-clears", "200 null"},
		{"omit-clears-but-owner", "200 null"},
		{"stores-nothing", "200 null"},
		{"null-ignored", `200 "North"`},
		{"owner-reset", `200 "` + integrationUser + `"`},
		{"owner-null-accepted", "200 null"},
		{"date-resets-time", `200 "00:00:00"`},
		{"not-idempotent", `200 "same (2)"`},
		{"partial-apply", `400 "p"`},
		{"unknown-id-creates", "200 1"},
		{"plain-ids", "1 1"},
		{"datetime-offset-dropped", `200 "2025-01-01T10:00:00.000Z"`},
		{"location-unknown-accepted", `200 "STORE-9999"`},
		{"error-no-body", "text/plain; charset=utf-8 "},
		{"no-updated-response", "204 "},
		// Writes fail (reads do not) until the poisoned case is written again.
		{"deep-json-poisons", "200 500 200 200 200"},
		{"abuse-breaks-for-good", "413 500"},
		// Stored the first time only: the second PATCH's number is ignored.
		{"readonly-written-once", `200 "C-999999", then 200 "C-999999"`},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, probes[tc.fault](newTS(t, tc.fault)), tc.fault)
	}
}
