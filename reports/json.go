package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"

	"github.com/tidwall/gjson"
)

// digestKey is the top-level field that holds the report's own digest.
const digestKey = "report_digest"

func init() {
	register(Format{Name: "json", File: "report.json", Write: WriteJSON, Sign: WriteSignedJSON,
		Description: "the machine-readable report (schema `casecert.report/v1`): verdict, summary by level, every requirement and scenario with its HTTP exchanges, the seed, and a `report_digest` that `casecert verify` checks"})
}

// WriteJSON writes report.json: two-space indentation, fields in schema order, header maps
// sorted by key (encoding/json sorts them), absent lists as [] rather than null. It embeds
// report_digest, the SHA-256 of the document exactly as written but with that field empty,
// so a reader can detect a report edited after the run (see ReportDigest).
func WriteJSON(w io.Writer, r Run) error {
	doc, err := marshalReport(r, nil)
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}

// marshalReport renders the document once and digests it once. It encodes r with
// report_digest and the signature's value empty, which are the very bytes ReportDigest
// hashes, then splices in the digest and the signature's value: sign(digest) when sign
// is set, else the value r carries.
func marshalReport(r Run, sign func(digest string) string) ([]byte, error) {
	r = normalize(r)
	if r.Schema == "" {
		r.Schema = Schema
	}
	r.ReportDigest = ""
	sigValue := ""
	if r.Signature != nil {
		s := *r.Signature
		sigValue, s.Value = s.Value, ""
		r.Signature = &s
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Bodies hold <, > and & often; \u003c escapes would only make the file harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	doc := buf.Bytes()
	sum := sha256.Sum256(doc)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	splices := []splice{{path: digestKey, val: digest}}
	if r.Signature != nil {
		if sign != nil {
			sigValue = sign(digest)
		}
		splices = append(splices, splice{path: signatureKey + "." + signatureValueKey, val: sigValue})
	}
	return spliceEmpty(doc, splices)
}

// splice is a string value to write over an empty one ("") of the document at path.
type splice struct{ path, val string }

// spliceEmpty writes each splice's value over its empty string in doc, a document this
// package just encoded (each path once, report_digest before the signature), in one copy.
func spliceEmpty(doc []byte, splices []splice) ([]byte, error) {
	out := make([]byte, 0, len(doc)+200)
	at := 0
	for _, s := range splices {
		found := gjson.GetBytes(doc, s.path)
		if found.Type != gjson.String || found.Index < at || found.Raw != `""` {
			return nil, fmt.Errorf("cannot locate %s in the encoded report", s.path)
		}
		out = append(out, doc[at:found.Index]...)
		out = appendJSONString(out, s.val)
		at = found.Index + len(found.Raw)
	}
	return append(out, doc[at:]...), nil
}

// appendJSONString appends s as the report's encoder writes a string (no HTML escapes).
func appendJSONString(out []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// ReportDigest recomputes the digest of a report.json: the value of the top-level
// report_digest, and the value of the signature if there is one, are blanked in the raw
// bytes; everything else (including fields this version does not know) is hashed as it
// is. It returns "sha256:<hex>".
func ReportDigest(doc []byte) (string, error) {
	blank, err := setDigest(doc, "")
	if err != nil {
		return "", err
	}
	if blank, err = setString(blank, false, "", signatureKey, signatureValueKey); err != nil {
		return "", err
	}
	sum := sha256.Sum256(blank)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// setDigest replaces the raw value of the one top-level report_digest with a JSON string.
// It works on bytes, not on a decoded value, so that re-encoding can never change what
// is hashed.
func setDigest(doc []byte, digest string) ([]byte, error) {
	return setString(doc, true, digest, digestKey)
}

// setString replaces the raw value at path (object keys from the top) with the JSON
// string val. Each key must occur once in its object; the value must be a string. A
// path that is absent is an error when required, else doc comes back as it is.
func setString(doc []byte, required bool, val string, path ...string) ([]byte, error) {
	// encoding/json's validator does not recurse (gjson's does: a report.json handed to
	// verify could nest millions deep).
	if !json.Valid(doc) {
		return nil, errors.New("report is not valid JSON")
	}
	found := gjson.ParseBytes(doc)
	if !found.IsObject() {
		return nil, errors.New("report is not a JSON object")
	}
	name := ""
	for _, key := range path {
		if name != "" {
			name += "."
		}
		name += key
		if !found.IsObject() {
			return nil, fmt.Errorf("report has no %s field", name)
		}
		var next gjson.Result
		n := 0
		found.ForEach(func(k, v gjson.Result) bool {
			if k.String() == key {
				next = v
				n++
			}
			return true
		})
		switch {
		case n == 0 && !required:
			return doc, nil
		case n == 0:
			return nil, fmt.Errorf("report has no %s field", name)
		case n > 1:
			return nil, fmt.Errorf("report has %d %s fields", n, name)
		}
		found = next
	}
	switch {
	case found.Type != gjson.String:
		return nil, fmt.Errorf("%s is not a string", name)
	case found.Index <= 0 || found.Index+len(found.Raw) > len(doc) ||
		!bytes.Equal(doc[found.Index:found.Index+len(found.Raw)], []byte(found.Raw)):
		return nil, fmt.Errorf("cannot locate %s in the document", name)
	}
	raw, err := json.Marshal(val)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(doc)-len(found.Raw)+len(raw))
	out = append(out, doc[:found.Index]...)
	out = append(out, raw...)
	out = append(out, doc[found.Index+len(found.Raw):]...)
	return out, nil
}

// ReadJSON reads a report.json and returns it decoded and as raw bytes (which Verify and
// ReportDigest need: the digest is over the bytes, not over the decoded Run).
func ReadJSON(rd io.Reader) (Run, []byte, error) {
	doc, err := io.ReadAll(rd)
	if err != nil {
		return Run{}, nil, fmt.Errorf("read report: %w", err)
	}
	r, err := decodeReport(doc)
	return r, doc, err
}

func decodeReport(doc []byte) (Run, error) {
	var r Run
	if err := json.Unmarshal(doc, &r); err != nil {
		return Run{}, fmt.Errorf("decode report: %w", err)
	}
	if r.Schema != Schema {
		return Run{}, fmt.Errorf("report schema is %q, this version reads %q", r.Schema, Schema)
	}
	return r, nil
}

// normalize returns a copy of r whose lists and maps are never nil, so the document has
// [] and {} where the schema promises a list or an object. The input is not modified.
func normalize(r Run) Run {
	r.Requirements = cloneNonNil(r.Requirements)
	for i := range r.Requirements {
		r.Requirements[i].Scenarios = cloneNonNil(r.Requirements[i].Scenarios)
	}
	r.Scenarios = cloneNonNil(r.Scenarios)
	for i := range r.Scenarios {
		sc := &r.Scenarios[i]
		sc.Requirements = cloneNonNil(sc.Requirements)
		sc.Exchanges = cloneNonNil(sc.Exchanges)
		for j := range sc.Exchanges {
			ex := &sc.Exchanges[j]
			ex.RequestHeaders = cloneMap(ex.RequestHeaders)
			ex.ResponseHeaders = cloneMap(ex.ResponseHeaders)
		}
		if sc.Reruns != nil {
			sc.Reruns = cloneNonNil(sc.Reruns)
			for j := range sc.Reruns {
				a := &sc.Reruns[j]
				a.Exchanges = cloneNonNil(a.Exchanges)
				for k := range a.Exchanges {
					ex := &a.Exchanges[k]
					ex.RequestHeaders = cloneMap(ex.RequestHeaders)
					ex.ResponseHeaders = cloneMap(ex.ResponseHeaders)
				}
			}
		}
	}
	r.Cleanup.CreatedCaseIDs = cloneNonNil(r.Cleanup.CreatedCaseIDs)
	r.Cleanup.RemainingCaseIDs = cloneNonNil(r.Cleanup.RemainingCaseIDs)
	r.Run.Warnings = append([]string(nil), r.Run.Warnings...)
	return r
}

func cloneNonNil[T any](s []T) []T {
	return append(make([]T, 0, len(s)), s...)
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	maps.Copy(out, m)
	return out
}
