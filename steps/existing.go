package steps

import (
	"encoding/json"
	"net/http"

	"github.com/tidwall/gjson"

	"github.com/casecert/casecert/internal/client"
)

// unrestorable is the first write-only field of a write's body that a --case-id run could
// not put back (the user gave no --restore value for it), or "".
func (w *World) unrestorable(req client.Request) string {
	if w.env.CaseID == "" || req.Method == "" || req.Method == http.MethodGet {
		return ""
	}
	raw := req.Body
	if req.JSON != nil {
		var err error
		if raw, err = json.Marshal(req.JSON); err != nil {
			return ""
		}
	}
	body := gjson.ParseBytes(raw)
	if !body.IsObject() {
		return ""
	}
	for _, f := range w.env.Profile.Fields {
		if _, ok := w.env.WriteOnlyRestore[f.Name]; !f.Readable() && !ok && body.Get(gjson.Escape(f.Name)).Exists() {
			return f.Name
		}
	}
	return ""
}

// skipUnrestorable skips the scenario when req would send a write-only field the run
// could not put back (see unrestorable); do checks before it waits for a slot.
func (w *World) skipUnrestorable(req client.Request) error {
	if field := w.unrestorable(req); field != "" {
		return w.skip("a --case-id run never sends write-only %q: it cannot be read back, so the run could not put it back; "+
			"give its value before the run with --restore %s=VALUE to allow it", field, field)
	}
	return nil
}
