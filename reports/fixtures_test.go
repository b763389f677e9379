package reports

// Fixture runs for the writer tests, built in Go so each edge case is plain to read and
// deterministic: no clock, no randomness, every field set by hand.

import "time"

const (
	fixtureBase   = "https://staging.example/services/apexrest/ThinkLP"
	fixtureCase   = "500Dn00000AbCdEIAZ"
	fixtureSuite  = "sha256:4f8b2c1d9e0a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"
	fixtureTarget = fixtureBase + "/v1/cases/" + fixtureCase
)

// fixtureCatalog is a slice of the real catalog: enough for every status and level.
var fixtureCatalog = []CatalogEntry{
	{ID: "PATCH-OMIT", Level: LevelMust, Title: "Omitted fields keep their value."},
	{ID: "PATCH-NULL", Level: LevelMust, Title: "null clears a field."},
	{ID: "PATCH-SET", Level: LevelMust, Title: "A provided value is stored."},
	{ID: "LOC-PRECEDENCE", Level: LevelMust, Title: "With both location_id and location_number, location_id wins."},
	{ID: "PATCH-EMPTY", Level: LevelShould, Title: "{} is a 2xx no-op."},
	{ID: "PATCH-OWNER-NULL", Level: LevelShould, Title: "owner_id: null is refused (4xx) and the owner is kept."},
	{ID: "PATCH-UNKNOWN", Level: LevelInfo, Title: "What an unknown extra field gets (ignored, stored, refused)."},
	{ID: "VER-DEFAULT", Level: LevelInfo, Title: "A request without API-Version (treated as 1.0, or refused)."},
}

func fixtureBaseRun() Run {
	return Run{
		Schema: Schema,
		Tool:   Tool{Name: "casecert", Version: "0.1.0"},
		Suite:  Suite{Digest: fixtureSuite, Scenarios: 9},
		Target: Target{BaseURL: fixtureBase, APIVersion: "1.0", Profile: "default", Mode: "created-cases"},
		Run: RunInfo{
			StartedAt: "2026-11-27T10:00:00Z", FinishedAt: "2026-11-27T10:00:08.123Z", DurationMS: 8123,
			Seed: 42, Concurrency: 8, Requests: 57,
		},
		Cleanup: Cleanup{CreatedCaseIDs: []string{"500Dn00000AbCdEIAZ", "500Dn00000AbCdFIAZ"}, RemainingCaseIDs: []string{"500Dn00000AbCdEIAZ", "500Dn00000AbCdFIAZ"}, Restored: true},
	}
}

func judged(r Run, catalog []CatalogEntry) Run {
	Judge(&r, catalog)
	return r
}

// patchExchange is one PATCH of the case and its answer, redacted as the client records it.
func patchExchange(reqBody string, status int, respBody string) Exchange {
	return Exchange{
		Method: "PATCH",
		URL:    fixtureTarget,
		RequestHeaders: map[string]string{
			"Authorization": "Bearer [REDACTED]",
			"Content-Type":  "application/json",
			"API-Version":   "1.0",
		},
		RequestBody:     reqBody,
		Status:          status,
		ResponseHeaders: map[string]string{"Content-Type": "application/json;charset=UTF-8"},
		ResponseBody:    respBody,
		DurationMS:      3,
		Curl: "curl -sS -X PATCH '" + fixtureTarget + "' -H 'Authorization: Bearer [REDACTED]' " +
			"-H 'API-Version: 1.0' -H 'Content-Type: application/json' --data-raw '" + reqBody + "'",
	}
}

func getExchange(respBody string) Exchange {
	return Exchange{
		Method:          "GET",
		URL:             fixtureTarget,
		RequestHeaders:  map[string]string{"Authorization": "Bearer [REDACTED]", "API-Version": "1.0"},
		Status:          200,
		ResponseHeaders: map[string]string{"Content-Type": "application/json"},
		ResponseBody:    respBody,
		DurationMS:      2,
		Curl:            "curl -sS -X GET '" + fixtureTarget + "' -H 'Authorization: Bearer [REDACTED]' -H 'API-Version: 1.0'",
	}
}

func passed(id, name, feature string, reqs ...string) Scenario {
	return Scenario{
		ID: id, Name: name, Feature: feature, URI: "features/patch.feature", Line: 12,
		Requirements: reqs, Status: StatusPassed, DurationMS: 14,
		Exchanges: []Exchange{
			patchExchange(`{"subject":"Updated"}`, 200, `{"id":"500Dn00000AbCdEIAZ","success":true,"message":"updated","attributes":{}}`),
		},
	}
}

// allPassingRun: every must and should passed, info observed: conformant.
func allPassingRun() Run {
	r := fixtureBaseRun()
	r.Suite.Scenarios = 5
	r.Scenarios = []Scenario{
		passed("patch-semantics;null-clears-description", "null clears description", "PATCH semantics", "PATCH-NULL"),
		passed("patch-semantics;null-clears-subject", "null clears subject", "PATCH semantics", "PATCH-NULL"),
		passed("patch-semantics;omitted-fields-keep-their-value", "omitted fields keep their value", "PATCH semantics", "PATCH-OMIT"),
		passed("patch-semantics;empty-body-is-a-no-op", "empty body is a no-op", "PATCH semantics", "PATCH-EMPTY"),
		func() Scenario {
			sc := passed("open-points;unknown-field", "an unknown field", "Open points", "PATCH-UNKNOWN")
			sc.Observed = "ignored with 200"
			return sc
		}(),
	}
	return judged(r, []CatalogEntry{fixtureCatalog[0], fixtureCatalog[1], fixtureCatalog[4], fixtureCatalog[6]})
}

// mixedRun: a failed must, a failed should, a skipped must, an observed info, an info that
// could not observe, capped exchanges and a transport error: non-conformant.
func mixedRun() Run {
	r := fixtureBaseRun()
	omit := passed("patch-semantics;omitted-fields-keep-their-value", "omitted fields keep their value", "PATCH semantics", "PATCH-OMIT")
	omit.ExchangesOmitted = 3
	nullFail := Scenario{
		ID: "patch-semantics;null-clears-description", Name: "null clears description", Feature: "PATCH semantics",
		URI: "features/patch.feature", Line: 31, Requirements: []string{"PATCH-NULL"}, Level: LevelMust,
		Status: StatusFailed, DurationMS: 21,
		FailedStep: `Then the case reads back "description" as null`,
		Error:      "PATCH-NULL: field description: sent null, expected null or absent, observed \"abc\"\nPATCH-NULL: field description: PATCH answered 200 but the value was kept",
		Exchanges: []Exchange{
			patchExchange(`{"description":null}`, 200, `{"id":"500Dn00000AbCdEIAZ","success":true,"message":"updated","attributes":{"type":"Case"}}`),
			getExchange(`{"id":"500Dn00000AbCdEIAZ","description":"abc","subject":"Broken window"}`),
		},
	}
	ownerFail := Scenario{
		ID: "patch-semantics;owner-null-is-refused", Name: "owner_id null is refused", Feature: "PATCH semantics",
		URI: "features/patch.feature", Line: 88, Requirements: []string{"PATCH-OWNER-NULL"}, Level: LevelShould,
		Status: StatusFailed, DurationMS: 9,
		FailedStep: "Then the answer status is 4xx",
		Error:      "PATCH-OWNER-NULL: field owner_id: sent null, expected a 4xx answer, observed 200",
		Exchanges: []Exchange{
			patchExchange(`{"owner_id":null}`, 200, `{"id":"500Dn00000AbCdEIAZ","success":true,"message":"updated","attributes":{}}`),
		},
	}
	locSkip := Scenario{
		ID: "locations;location-id-wins", Name: "location_id wins over location_number", Feature: "Locations",
		Requirements: []string{"LOC-PRECEDENCE"}, Level: LevelMust, Status: StatusSkipped,
		SkipReason: "the profile has no location fixtures", Exchanges: nil,
	}
	unknown := passed("open-points;unknown-field", "an unknown field", "Open points", "PATCH-UNKNOWN")
	unknown.Observed = "stored: the field came back on GET"
	verFail := Scenario{
		ID: "open-points;no-api-version", Name: "a request without API-Version", Feature: "Open points",
		Requirements: []string{"VER-DEFAULT"}, Status: StatusError, DurationMS: 15000,
		Error: "request failed: dial tcp 10.0.0.7:443: i/o timeout",
		Exchanges: []Exchange{{
			Method: "PATCH", URL: fixtureTarget,
			RequestHeaders: map[string]string{"Authorization": "Bearer [REDACTED]", "Content-Type": "application/json"},
			RequestBody:    `{"subject":"x"}`, DurationMS: 15000,
			Error: "dial tcp 10.0.0.7:443: i/o timeout",
			Curl:  "curl -sS -X PATCH '" + fixtureTarget + "' -H 'Authorization: Bearer [REDACTED]' -H 'Content-Type: application/json' --data-raw '{\"subject\":\"x\"}'",
		}},
	}
	r.Scenarios = []Scenario{
		omit,
		passed("patch-semantics;null-clears-subject", "null clears subject", "PATCH semantics", "PATCH-NULL"),
		nullFail,
		passed("patch-semantics;set-stores-subject", "a provided subject is stored", "PATCH semantics", "PATCH-SET"),
		passed("patch-semantics;empty-body-is-a-no-op", "empty body is a no-op", "PATCH semantics", "PATCH-EMPTY"),
		ownerFail,
		locSkip,
		unknown,
		verFail,
	}
	r.Run.Warnings = []string{"the target answered 429 four times; the requests were retried after Retry-After"}
	r.Run.InsecureTLS = true
	return judged(r, fixtureCatalog)
}

// escapingRun puts every character that a writer must escape where a target or a profile
// could put it: markup, quotes, CDATA ends, Markdown table syntax, control characters,
// invalid UTF-8 and non-ASCII text.
func escapingRun() Run {
	const nasty = "<script>alert(\"x\")</script> & 'quotes' | pipe ]]> `tick` *star* _u_ [l](http://x) \x00\x07\x1b[31m é 日本 🚀 \xff"
	r := fixtureBaseRun()
	r.Suite.Scenarios = 2
	r.Target.BaseURL = "https://host.example/a|b?x=<1>&y=\"2\""
	r.Target.Profile = "vendor <custom> | \"profile\""
	ex := patchExchange(`{"subject":"</pre><script>alert(1)</script>","note":"a]]>b"}`, 400,
		"<html><body>Bad request ]]> & \x01 done</body></html>")
	ex.RequestHeaders["X-Odd"] = "v<a>l|u\"e' \x1f"
	ex.ResponseHeaders["Content-Type"] = "text/html"
	ex.Curl = `curl -sS -X PATCH '` + fixtureTarget + `' -H 'Authorization: Bearer [REDACTED]' --data-raw '{"subject":"</pre><script>alert(1)</script>","note":"a]]>b"}'`
	r.Scenarios = []Scenario{
		{
			ID: "escaping;" + nasty, Name: "name " + nasty, Feature: "Feature " + nasty,
			Requirements: []string{"PATCH-NULL"}, Status: StatusFailed, DurationMS: 5,
			FailedStep: "Then <step> | \"quoted\"",
			Error:      "line one " + nasty + "\r\nline two\n\n| a | b |\n]]>",
			Exchanges:  []Exchange{ex},
		},
		{
			ID: "escaping;observed", Name: "observed " + nasty, Feature: "Feature " + nasty,
			Requirements: []string{"PATCH-UNKNOWN"}, Status: StatusPassed, DurationMS: 1,
			Observed:  "observed " + nasty,
			Exchanges: []Exchange{},
		},
	}
	return judged(r, []CatalogEntry{
		{ID: "PATCH-NULL", Level: LevelMust, Title: "null <clears> | a \"field\" & ]]> é"},
		{ID: "PATCH-UNKNOWN", Level: LevelInfo, Title: "unknown " + nasty},
	})
}

// emptyRun: the catalog, but no scenario ran (a tag filter that matched nothing): error.
func emptyRun() Run {
	r := fixtureBaseRun()
	r.Suite.Scenarios = 0
	r.Run.Requests = 0
	r.Run.DurationMS = 0
	r.Run.FinishedAt = r.Run.StartedAt
	r.Run.Tags = "@nothing"
	r.Cleanup = Cleanup{}
	return judged(r, fixtureCatalog)
}

// baselineRun: the mixed run judged with a baseline: PATCH-NULL's failure known, the
// should failure new, PATCH-EMPTY's entry stale (it passes).
func baselineRun() Run {
	r := mixedRun()
	b := Baseline{Schema: BaselineSchema, Entries: []BaselineEntry{
		{Requirement: "PATCH-NULL", Reason: "vendor ticket: nulls are ignored", Ticket: "THINK-1234", Expires: "2027-01-31"},
		{Requirement: "PATCH-EMPTY", Reason: "fixed in 2.3"},
	}}
	if err := ApplyBaseline(&r, b, "baseline.yaml", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		panic(err)
	}
	return r
}

// flakyRun: PATCH-NULL's scenario failed twice, then passed on its second rerun (a flaky
// must); PATCH-EMPTY's failed on every attempt (a should failed, with its reruns);
// PATCH-OWNER-NULL's could not be judged on its rerun, then passed (a flaky should):
// conformant with warnings, the flaky must named first.
func flakyRun() Run {
	r := fixtureBaseRun()
	r.Suite.Scenarios = 5
	r.Run.RerunFailed = 2
	nullSeen := "PATCH-NULL: field description: sent null; expected null or absent; observed \"abc\""
	nullFlaky := Scenario{
		ID: "patch-semantics;null-clears-description", Name: "null clears description", Feature: "PATCH semantics",
		URI: "features/patch.feature", Line: 31, Requirements: []string{"PATCH-NULL"}, Level: LevelMust,
		Status: StatusFlaky, DurationMS: 21, FailedStep: `Then the case reads back "description" as null`, Error: nullSeen,
		Exchanges: []Exchange{
			patchExchange(`{"description":null}`, 200, `{"id":"500Dn00000AbCdEIAZ","success":true}`),
			getExchange(`{"id":"500Dn00000AbCdEIAZ","description":"abc"}`),
		},
		Reruns: []Attempt{
			{Attempt: 2, Status: StatusFailed, DurationMS: 18, FailedStep: `Then the case reads back "description" as null`, Error: nullSeen,
				Exchanges: []Exchange{
					patchExchange(`{"description":null}`, 200, `{"id":"500Dn00000AbCdFIAZ","success":true}`),
					getExchange(`{"id":"500Dn00000AbCdFIAZ","description":"abc"}`),
				}},
			{Attempt: 3, Status: StatusPassed, DurationMS: 17,
				Exchanges: []Exchange{
					patchExchange(`{"description":null}`, 200, `{"id":"500Dn00000AbCdGIAZ","success":true}`),
					getExchange(`{"id":"500Dn00000AbCdGIAZ","description":null}`),
				}},
		},
	}
	emptyFailed := Scenario{
		ID: "patch-semantics;empty-body-is-a-no-op", Name: "empty body is a no-op", Feature: "PATCH semantics",
		URI: "features/patch.feature", Line: 70, Requirements: []string{"PATCH-EMPTY"}, Level: LevelShould,
		Status: StatusFailed, DurationMS: 6, FailedStep: "Then the PATCH succeeds", Error: "PATCH-EMPTY: expected 2xx; observed 400",
		Exchanges: []Exchange{patchExchange(`{}`, 400, `[{"errorCode":"JSON_PARSER_ERROR"}]`)},
		Reruns: []Attempt{
			{Attempt: 2, Status: StatusFailed, DurationMS: 5, FailedStep: "Then the PATCH succeeds", Error: "PATCH-EMPTY: expected 2xx; observed 400",
				Exchanges: []Exchange{patchExchange(`{}`, 400, `[{"errorCode":"JSON_PARSER_ERROR"}]`)}},
			{Attempt: 3, Status: StatusFailed, DurationMS: 5, FailedStep: "Then the PATCH succeeds", Error: "PATCH-EMPTY: expected 2xx; observed 400",
				Exchanges: []Exchange{patchExchange(`{}`, 400, `[{"errorCode":"JSON_PARSER_ERROR"}]`)}},
		},
	}
	ownerFlaky := Scenario{
		ID: "patch-semantics;owner-null-is-refused", Name: "owner_id null is refused", Feature: "PATCH semantics",
		URI: "features/patch.feature", Line: 88, Requirements: []string{"PATCH-OWNER-NULL"}, Level: LevelShould,
		Status: StatusFlaky, DurationMS: 9, FailedStep: "Then the answer status is 4xx",
		Error:     "PATCH-OWNER-NULL: field owner_id: sent null, expected a 4xx answer, observed 200",
		Exchanges: []Exchange{patchExchange(`{"owner_id":null}`, 200, `{"id":"500Dn00000AbCdEIAZ","success":true}`)},
		Reruns: []Attempt{
			{Attempt: 2, Status: StatusError, DurationMS: 15000, Error: "not judged: request failed: dial tcp 10.0.0.7:443: i/o timeout", Exchanges: []Exchange{}},
			{Attempt: 3, Status: StatusPassed, DurationMS: 8,
				Exchanges: []Exchange{patchExchange(`{"owner_id":null}`, 400, `[{"errorCode":"REQUIRED_FIELD_MISSING"}]`)}},
		},
	}
	r.Scenarios = []Scenario{
		passed("patch-semantics;omitted-fields-keep-their-value", "omitted fields keep their value", "PATCH semantics", "PATCH-OMIT"),
		nullFlaky,
		passed("patch-semantics;set-stores-subject", "a provided subject is stored", "PATCH semantics", "PATCH-SET"),
		emptyFailed,
		ownerFlaky,
	}
	return judged(r, []CatalogEntry{fixtureCatalog[0], fixtureCatalog[1], fixtureCatalog[2], fixtureCatalog[4], fixtureCatalog[5]})
}

type fixture struct {
	name string
	run  func() Run
}

var fixtures = []fixture{
	{"all-passing", allPassingRun},
	{"mixed", mixedRun},
	{"escaping", escapingRun},
	{"empty", emptyRun},
	{"baseline", baselineRun},
	{"partly", partlyRun},
	{"flaky", flakyRun},
}

// partlyRun: every must passed, but PATCH-NULL only partly (one scenario skipped for want
// of a flag), while PATCH-OMIT's skipped scenario cannot apply (it stays wholly judged):
// incomplete, naming PATCH-NULL and the flag.
func partlyRun() Run {
	r := fixtureBaseRun()
	r.Suite.Scenarios = 5
	skip := func(id, name, req, reason string, inapplicable bool) Scenario {
		return Scenario{ID: id, Name: name, Feature: "PATCH semantics", Requirements: []string{req}, Level: LevelMust,
			Status: StatusSkipped, SkipReason: reason, Inapplicable: inapplicable, Exchanges: []Exchange{}}
	}
	r.Scenarios = []Scenario{
		passed("patch-semantics;null-clears-description", "null clears description", "PATCH semantics", "PATCH-NULL"),
		skip("patch-semantics;null-clears-an-expired-field", "null with an expired token", "PATCH-NULL",
			"no expired token of the target was supplied (--expired-token)", false),
		passed("patch-semantics;omitted-fields-keep-their-value", "omitted fields keep their value", "PATCH semantics", "PATCH-OMIT"),
		skip("patch-semantics;omitted-signature", "omitted with its signature altered", "PATCH-OMIT",
			"opaque token: the run's token is not a JWT, so it has no signature to alter", true),
		passed("patch-semantics;empty-body-is-a-no-op", "empty body is a no-op", "PATCH semantics", "PATCH-EMPTY"),
	}
	return judged(r, []CatalogEntry{fixtureCatalog[0], fixtureCatalog[1], fixtureCatalog[4]})
}
