package refserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/casecert/casecert/fixtures"
)

// jsonArray joins n rendered JSON values into an array.
func jsonArray(n int, item func(int) []byte) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item(i))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// publicID is the id a case is shown with: its 18-character id, or its number under the
// plain-ids fault.
func (s *Server) publicID(rec record) any {
	if s.faults.on("plain-ids") {
		return rec[colSeq]
	}
	return rec[colID]
}

func (s *Server) caseURL(rec record) string {
	return s.base + fixtures.Path(s.sc.routes.read, fmt.Sprint(s.publicID(rec)))
}

// envelope is the UpdatedResponse of a successful write.
func (s *Server) envelope(rec record, msg string) []byte {
	type attributes struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	out, _ := json.Marshal(struct {
		ID         any        `json:"id"`
		Attributes attributes `json:"attributes"`
		Success    bool       `json:"success"`
		Message    string     `json:"message"`
	}{s.publicID(rec), attributes{"Case", s.caseURL(rec)}, true, msg})
	return out
}

// object writes a JSON object with keys in the order they are added.
type object struct{ b bytes.Buffer }

func (o *object) add(key string, v any) {
	if o.b.Len() == 0 {
		o.b.WriteByte('{')
	} else {
		o.b.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	o.b.Write(k)
	o.b.WriteByte(':')
	val, err := json.Marshal(v)
	if err != nil {
		val = []byte("null")
	}
	o.b.Write(val)
}

func (o *object) bytes() []byte {
	if o.b.Len() == 0 {
		return []byte("{}")
	}
	o.b.WriteByte('}')
	return o.b.Bytes()
}

// renderCase is the read view of a case: every field key, null when unset; write-only
// fields left out. The case's id and number come first, then its record type, the body
// fields and the other read-only fields, each under the profile's name.
func (s *Server) renderCase(rec record) []byte {
	var o object
	value := func(f roField) any {
		if f.col == colID {
			return s.publicID(rec)
		}
		if f.col == "" {
			return nil
		}
		return rec[f.col]
	}
	for _, f := range s.sc.readOnly {
		if f.col == colID || f.col == colNumber {
			o.add(f.name, value(f))
		}
	}
	if s.sc.recordType != "" {
		o.add(s.sc.recordType, rec[colRecordType])
	}
	for _, f := range s.sc.fields {
		if f.writeOnly {
			continue
		}
		o.add(f.name, s.show(f, rec[f.name]))
	}
	for _, f := range s.sc.readOnly {
		if f.col != colID && f.col != colNumber {
			o.add(f.name, s.show(field{name: f.name, kind: f.kind}, value(f)))
		}
	}
	return o.bytes()
}

// show is how a stored value reads back: date-times and local times as the platform
// serialises them (generic: local times without :000).
func (s *Server) show(f field, v any) any {
	t, ok := v.(string)
	switch {
	case !ok:
		return v
	case f.kind == kindLocalTime:
		return s.mode.showLocalTime(t)
	case f.kind == kindDateTime:
		return s.mode.showDateTime(t)
	}
	return v
}

func renderChild(c child) []byte {
	var o object
	o.add("id", c.id)
	keys := make([]string, 0, len(c.data))
	for k := range c.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o.add(k, c.data[k])
	}
	return o.bytes()
}
