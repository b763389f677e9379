package reports

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMarkdownFirstLineAndTables(t *testing.T) {
	md := string(render(t, WriteMarkdown, mixedRun()))
	first, _, _ := strings.Cut(md, "\n")
	for _, want := range []string{"❌", "Non-conformant", fixtureBase, "must 2 passed, 1 failed, 1 skipped", "should 1 passed, 1 failed", "info 1 observed", "1 must requirement failed: PATCH-NULL"} {
		assert.Contains(t, first, want)
	}
	failed := md[strings.Index(md, "### Failed requirements"):strings.Index(md, "### Requirements")]
	assert.Less(t, strings.Index(failed, "PATCH-NULL"), strings.Index(failed, "PATCH-OWNER-NULL"), "must failures before should ones")
	assert.NotContains(t, failed, "PATCH-OMIT", "only failed requirements in the first table")
	assert.Less(t, strings.Index(md, "### Failed requirements"), strings.Index(md, "### Requirements"))
}

// TestMarkdownEscaping: every table row of the escaping fixture keeps its column count, so
// no | or newline from the data broke out of its cell, and no raw HTML survived.
func TestMarkdownEscaping(t *testing.T) {
	md := string(render(t, WriteMarkdown, escapingRun()))
	unescapedPipe := regexp.MustCompile(`(^|[^\\])\|`)
	cols := 0
	for line := range strings.SplitSeq(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1))
		if cols == 0 {
			cols = n
		}
		assert.Equal(t, cols, n, "row has another column count: %s", line)
	}
	// Outside code spans (where < is literal), every < is backslash-escaped: no raw HTML.
	r := escapingRun()
	plain := strings.NewReplacer(mdCode(r.Target.BaseURL), "", mdCode(r.Target.Profile), "").Replace(md)
	assert.NotRegexp(t, `(^|[^\\])<`, plain)
	assert.NotRegexp(t, `[\x00-\x08\x0b-\x1f]`, md)
	assert.Contains(t, md, "日本 🚀")
}

func TestHTMLSelfContainedAndEscaped(t *testing.T) {
	page := string(render(t, WriteHTML, escapingRun()))
	assert.Contains(t, page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`)
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url(", "<pre></pre><script"} {
		assert.NotContains(t, page, bad)
	}
	assert.Contains(t, page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	assert.Contains(t, page, "日本 🚀")
	assert.NotRegexp(t, `[\x00-\x08\x0b-\x1f]`, page)
}

func TestHTMLContent(t *testing.T) {
	page := string(render(t, WriteHTML, mixedRun()))
	assert.Regexp(t, `<header id="verdict" class="banner v-non-conformant"`, page)
	assert.Contains(t, page, `<pre class="curl">curl -sS -X PATCH &#39;`+fixtureTarget)
	// The failing scenario is open, passing ones are one line each.
	assert.Regexp(t, `<details class="scenario failed lvl-must-s" open id="sc-[^"]+">\s*<summary><span class="badge b-failed">failed</span><span class="name">null clears description`, page)
	assert.Regexp(t, `<li class="row passed" data-scenario="[^"]+"><span class="badge b-passed">passed</span><span class="name">null clears subject`, page)
	// JSON bodies are pretty-printed; the error keeps its newline.
	assert.Contains(t, page, "{\n  &#34;description&#34;: null\n}")
	assert.Contains(t, page, "observed &#34;abc&#34;\nPATCH-NULL")
	// Info requirements show what was observed.
	assert.Contains(t, page, "<b>Observed:</b> stored: the field came back on GET")
	for _, id := range []string{"fs-failed", "fs-passed", "fs-skipped", "fs-observed", "fl-must", "fl-should", "fl-info"} {
		assert.Contains(t, page, `id="`+id+`"`)
		assert.Contains(t, page, `label[for=`+id+`]`, "a CSS rule reads filter %s", id)
	}
}
