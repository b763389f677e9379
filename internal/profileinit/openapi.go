package profileinit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// Problem is a document a profile cannot be drafted from: what is wrong, and where.
type Problem struct {
	Where string // the document, and the place in it
	What  string
}

func (p *Problem) Error() string { return p.Where + ": " + p.What }

// FromOpenAPI drafts a profile from an OpenAPI 3.0 or 3.1 description (YAML or JSON).
// name is the document's file or URL, for messages; operationID picks the update
// operation when the document has several PATCH operations ("" = the PATCH of an item).
func FromOpenAPI(name string, data []byte, operationID string) (*Draft, error) {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil || top == nil {
		return nil, &Problem{Where: name, What: "not an OpenAPI document: not a JSON or YAML object"}
	}
	version, _ := top["openapi"].(string)
	switch {
	case top["swagger"] != nil:
		return nil, &Problem{Where: name, What: "a Swagger 2.0 document: convert it to OpenAPI 3 first"}
	case version == "":
		return nil, &Problem{Where: name, What: "not an OpenAPI document: no top-level openapi key (such as openapi: 3.1.0)"}
	case !strings.HasPrefix(version, "3."):
		return nil, &Problem{Where: name + ": openapi", What: fmt.Sprintf("OpenAPI %s is not supported (3.0 and 3.1 are)", version)}
	}
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, &Problem{Where: name, What: oneLine(err.Error())}
	}
	r := &reader{name: name, doc: doc, d: newDraft(), examples: map[string][]any{}}
	if err := r.read(operationID); err != nil {
		return nil, err
	}
	r.d.Header = append(r.d.Header, "Drafted by casecert profile init from "+name+" (OpenAPI "+version+").")
	if len(doc.Servers) > 0 {
		r.d.Header = append(r.d.Header, "The document's server: "+doc.Servers[0].URL+" (give it, absolute, as --base-url).")
	}
	if r.d.Profile.Name == "" {
		r.d.Profile.Name = slug(doc.Info)
	}
	r.d.records.samples, r.d.records.examples, r.d.records.from = r.samples, r.examples, "the document's examples"
	finish(r.d)
	return r.d, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

type reader struct {
	name string
	doc  *openapi3.T
	d    *Draft
	// samples are request and response examples: where fixtures come from without a target.
	samples []map[string]any
	// examples are the example values of each field's schema, in the document's order.
	examples map[string][]any
}

// op is an operation and where it is.
type op struct {
	path, method string
	o            *openapi3.Operation
}

func (r *reader) ops() []op {
	var out []op
	paths := r.doc.Paths.Map()
	for _, path := range sortedKeys(paths) {
		for method, o := range paths[path].Operations() {
			out = append(out, op{path, strings.ToUpper(method), o})
		}
	}
	slices.SortFunc(out, func(a, b op) int { return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.method, b.method)) })
	return out
}

func (r *reader) find(path, method string) *openapi3.Operation {
	item := r.doc.Paths.Find(path)
	if item == nil {
		return nil
	}
	return item.GetOperation(method)
}

func (r *reader) read(operationID string) error {
	all := r.ops()
	var update *op
	for i, o := range all {
		if operationID != "" && o.o.OperationID == operationID || operationID == "" && o.method == "PATCH" && update == nil {
			update = &all[i]
		}
	}
	if update == nil {
		var paths []string
		for _, o := range all {
			paths = append(paths, o.method+" "+o.path)
		}
		what := "no PATCH operation (the update of a case)"
		if operationID != "" {
			what = fmt.Sprintf("no operation with operationId %q", operationID)
		}
		if len(paths) == 0 {
			paths = []string{"none"}
		}
		return &Problem{Where: r.name + ": paths", What: what + "; operations: " + strings.Join(paths, ", ")}
	}
	where := fmt.Sprintf("%s: paths.%s.%s", r.name, update.path, strings.ToLower(update.method))
	body := jsonSchema(update.o.RequestBody)
	if body == nil {
		return &Problem{Where: where, What: "the update has no JSON object request body schema"}
	}
	r.samples = append(r.samples, bodyExamples(update.o.RequestBody)...)
	r.paths(update)
	readSchema := r.readSchema()
	params := update.o.Parameters
	if item := r.doc.Paths.Find(update.path); item != nil {
		params = append(slices.Clone(item.Parameters), params...)
	}
	r.apiVersion(params)
	r.fields(body, readSchema)
	return nil
}

// paths derives the paths from the update's: read and delete on the same item, create
// and list on its collection, child collections below it.
func (r *reader) paths(update *op) {
	p := &r.d.Profile.Paths
	item := idParam(update.path)
	p.Update, p.Read = item, item
	if r.find(update.path, "GET") == nil {
		r.d.todo("paths.read", "the document has no GET %s: give the path that reads one case", update.path)
	}
	coll := update.path[:max(strings.LastIndex(update.path, "/"), 0)]
	p.Create, p.List = coll, coll
	if r.find(coll, "POST") == nil {
		r.d.todo("paths.create", "the document has no POST %s: give the path that creates a case", coll)
	}
	if r.find(coll, "GET") == nil {
		r.d.todo("paths.list", "the document has no GET %s: give the path that lists cases", coll)
	}
	if r.find(update.path, "DELETE") != nil {
		p.Delete = item
	}
	for _, o := range r.ops() {
		if rest, ok := strings.CutPrefix(o.path, update.path+"/"); ok && !strings.Contains(rest, "/") && (o.method == "GET" || o.method == "POST") {
			if p.Children == nil {
				p.Children = map[string]string{}
			}
			kind := rest
			if k, ok := o.o.Extensions["x-casecert-child"].(string); ok {
				kind = k
			}
			p.Children[kind] = idParam(o.path)
		}
	}
}

// idParam writes a path's parameter ({caseId}, {id}) as {id}.
func idParam(path string) string {
	parts := strings.Split(path, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

// readSchema is the case as the read returns it (GET of the item), nil when unknown.
func (r *reader) readSchema() *openapi3.Schema {
	p := r.d.Profile.Paths
	for path, item := range r.doc.Paths.Map() {
		if idParam(path) != p.Read || item.Get == nil {
			continue
		}
		for _, code := range []string{"200", "201", "default"} {
			if resp := item.Get.Responses.Value(code); resp != nil && resp.Value != nil {
				if mt := jsonContent(resp.Value.Content); mt != nil && mt.Schema != nil {
					r.samples = append(r.samples, mediaExamples(mt)...)
					return mt.Schema.Value
				}
			}
		}
	}
	return nil
}

// apiVersion is the default of a header parameter named like API-Version.
func (r *reader) apiVersion(params openapi3.Parameters) {
	for _, pr := range params {
		if pr.Value == nil || pr.Value.In != "header" || !strings.Contains(strings.ToLower(pr.Value.Name), "version") {
			continue
		}
		if s := pr.Value.Schema; s != nil && s.Value != nil && s.Value.Default != nil {
			r.d.Profile.APIVersion = fmt.Sprint(s.Value.Default)
			return
		}
		r.d.Profile.APIVersion = "1.0"
		r.d.todo("api_version", "the %s header has no default: give the version the target expects", pr.Value.Name)
		return
	}
	r.d.Profile.APIVersion = "1.0"
	r.d.todo("api_version", "the update names no version header: check what the target expects (API-Version)")
}

func jsonContent(c openapi3.Content) *openapi3.MediaType {
	if mt := c.Get("application/json"); mt != nil {
		return mt
	}
	for _, k := range sortedKeys(c) {
		if strings.Contains(k, "json") {
			return c[k]
		}
	}
	return nil
}

func jsonSchema(rb *openapi3.RequestBodyRef) *openapi3.Schema {
	if rb == nil || rb.Value == nil {
		return nil
	}
	mt := jsonContent(rb.Value.Content)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	return mt.Schema.Value
}

func bodyExamples(rb *openapi3.RequestBodyRef) []map[string]any {
	if rb == nil || rb.Value == nil {
		return nil
	}
	if mt := jsonContent(rb.Value.Content); mt != nil {
		return mediaExamples(mt)
	}
	return nil
}

func mediaExamples(mt *openapi3.MediaType) []map[string]any {
	var out []map[string]any
	add := func(v any) {
		switch x := v.(type) {
		case map[string]any:
			out = append(out, x)
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					out = append(out, m)
				}
			}
		}
	}
	add(mt.Example)
	for _, k := range sortedKeys(mt.Examples) {
		if e := mt.Examples[k]; e != nil && e.Value != nil {
			add(e.Value.Value)
		}
	}
	return out
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// slug names the profile after the document's title.
func slug(info *openapi3.Info) string {
	if info == nil || info.Title == "" {
		return "drafted"
	}
	var b strings.Builder
	for _, c := range strings.ToLower(info.Title) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}
