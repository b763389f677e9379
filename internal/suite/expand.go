package suite

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/casecert/casecert/fixtures"
)

// fieldsTag marks an Examples table whose rows come from the profile, e.g.
// "@fields:nullable,readable". Its selectors are ANDed; "!" negates one.
const fieldsTag = "@fields:"

// Expand rewrites the Examples tables of a feature file that carry a @fields: tag: the
// column "field" is filled with every profile field matching the selectors (one row per
// field, crossed with any hand-written rows; several @fields: tags add up). So each field becomes its own scenario,
// and a vendor with other field names edits the profile, never the features.
func Expand(name string, src []byte, p *fixtures.Profile) ([]byte, error) {
	doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), (&messages.Incrementing{}).NewId)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Feature == nil {
		return src, nil
	}
	type edit struct {
		from, to int // 1-based inclusive line range to replace
		lines    []string
	}
	var edits []edit
	for _, child := range allScenarios(doc.Feature) {
		for _, ex := range child.Examples {
			selectors := fieldSelectors(ex.Tags)
			if len(selectors) == 0 {
				continue
			}
			if ex.TableHeader == nil {
				return nil, fmt.Errorf("%s:%d: Examples tagged %s need a table header", name, ex.Location.Line, fieldsTag)
			}
			var names []string
			for _, selector := range selectors {
				picked, err := SelectFields(p, selector)
				if err != nil {
					return nil, fmt.Errorf("%s:%d: %w", name, ex.Location.Line, err)
				}
				for _, n := range picked {
					if !slices.Contains(names, n) {
						names = append(names, n)
					}
				}
			}
			header := cellValues(ex.TableHeader)
			var rows [][]string
			for _, r := range ex.TableBody {
				rows = append(rows, cellValues(r))
			}
			table := crossTable(header, rows, names)
			from := int(ex.TableHeader.Location.Line)
			to := from
			if n := len(ex.TableBody); n > 0 {
				to = int(ex.TableBody[n-1].Location.Line)
			}
			indent := strings.Repeat(" ", int(ex.TableHeader.Location.Column)-1)
			edits = append(edits, edit{from: from, to: to, lines: formatTable(indent, table)})
		}
	}
	if len(edits) == 0 {
		return src, nil
	}
	lines := strings.Split(string(src), "\n")
	slices.SortFunc(edits, func(a, b edit) int { return b.from - a.from })
	for _, e := range edits {
		lines = slices.Replace(lines, e.from-1, e.to, e.lines...)
	}
	return []byte(strings.Join(lines, "\n")), nil
}

func allScenarios(f *messages.Feature) []*messages.Scenario {
	var out []*messages.Scenario
	for _, c := range f.Children {
		if c.Scenario != nil {
			out = append(out, c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					out = append(out, rc.Scenario)
				}
			}
		}
	}
	return out
}

// fieldSelectors returns the selectors of every @fields: tag; several tags are ORed.
func fieldSelectors(tags []*messages.Tag) []string {
	var out []string
	for _, t := range tags {
		if strings.HasPrefix(t.Name, fieldsTag) {
			out = append(out, strings.TrimPrefix(t.Name, fieldsTag))
		}
	}
	return out
}

// crossTable builds the expanded table: the "field" column (added first if the header
// lacks it) takes each name in turn, crossed with the hand-written rows.
func crossTable(header []string, rows [][]string, names []string) [][]string {
	col := slices.Index(header, "field")
	if col < 0 {
		header = append([]string{"field"}, header...)
		for i, r := range rows {
			rows[i] = append([]string{""}, r...)
		}
		col = 0
	}
	if len(rows) == 0 {
		rows = [][]string{make([]string, len(header))}
	}
	table := [][]string{header}
	for _, name := range names {
		for _, r := range rows {
			row := slices.Clone(r)
			row[col] = name
			table = append(table, row)
		}
	}
	return table
}

func cellValues(r *messages.TableRow) []string {
	out := make([]string, len(r.Cells))
	for i, c := range r.Cells {
		out[i] = c.Value
	}
	return out
}

func formatTable(indent string, table [][]string) []string {
	widths := make([]int, len(table[0]))
	for _, row := range table {
		for i, c := range row {
			widths[i] = max(widths[i], len([]rune(escapeCell(c))))
		}
	}
	out := make([]string, 0, len(table))
	for _, row := range table {
		var b strings.Builder
		b.WriteString(indent + "|")
		for i, c := range row {
			c = escapeCell(c)
			b.WriteString(" " + c + strings.Repeat(" ", widths[i]-len([]rune(c))) + " |")
		}
		out = append(out, b.String())
	}
	return out
}

func escapeCell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", `\n`)
}

// SelectFields returns the names the selector picks, in profile order. Terms (ANDed, "!"
// negates): all, readable, nullable (null accepted), null:clears, null:false,
// null:refused (what null does: the field key null), bounded, free-text, paired, ref,
// ref:owner, ref:location and the field types. Two terms pick another source instead of the body
// fields: read-only (the read-only fields) and nested (the nested child kinds).
func SelectFields(p *fixtures.Profile, selector string) ([]string, error) {
	terms := strings.Split(selector, ",")
	switch terms[0] {
	case "read-only":
		return slices.Clone(p.ReadOnly), nil
	case "nested":
		return slices.Clone(p.Nested), nil
	}
	var out []string
	for _, f := range p.Fields {
		keep := true
		for _, term := range terms {
			neg := strings.HasPrefix(term, "!")
			ok, err := matchField(p, f, strings.TrimPrefix(term, "!"))
			if err != nil {
				return nil, err
			}
			if ok == neg {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, f.Name)
		}
	}
	return out, nil
}

func matchField(p *fixtures.Profile, f fixtures.Field, term string) (bool, error) {
	switch term {
	case "all", "writable":
		return true, nil
	case "readable":
		return f.Readable(), nil
	case "nullable":
		return f.IsNullable(), nil
	case "null:clears":
		return f.Clears(), nil
	case "null:false":
		return f.IsNullable() && !f.Clears(), nil
	case "null:refused":
		return !f.IsNullable(), nil
	case "bounded":
		return f.MaxLength > 0, nil
	case "free-text":
		return f.Type == fixtures.TypeString && f.Ref == "" && len(f.Values) == 0, nil
	case "paired":
		_, ok := p.TimeFieldFor(f.Name)
		return ok, nil
	case "ref":
		return f.Ref != "", nil
	case "ref:owner":
		return f.Ref == fixtures.RefOwner, nil
	case "ref:location":
		return f.Ref == fixtures.RefLocation, nil
	case fixtures.TypeString, fixtures.TypeDate, fixtures.TypeLocalTime, fixtures.TypeDateTime,
		fixtures.TypeNumber, fixtures.TypeBoolean, fixtures.TypeSFID:
		return f.Type == term, nil
	}
	return false, fmt.Errorf("unknown field selector %q", term)
}
