package ci_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/casecert/casecert/internal/cli"
)

const (
	githubRecipe = "github/casecert.yml"
	gitlabRecipe = "gitlab/casecert.gitlab-ci.yml"
	// asCLI makes the test binary casecert itself (see TestMain): the recipes' jobs run
	// it as the casecert on their PATH, so no second binary is built.
	asCLI = "CASECERT_RECIPE_TEST_AS_CLI"
)

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(int(cli.Main(cli.OSEnv(context.Background()))))
	}
	os.Exit(m.Run())
}

func readRecipe(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(data)
}

// Both recipes are YAML, and the check tells a file that is not.
func TestRecipesAreYAML(t *testing.T) {
	t.Parallel()
	for _, name := range []string{githubRecipe, gitlabRecipe} {
		var doc map[string]any
		require.NoError(t, yaml.Unmarshal([]byte(readRecipe(t, name)), &doc), name)
		assert.NotEmpty(t, doc, name)
	}
	broken := strings.Replace(readRecipe(t, githubRecipe), "    steps:", "   steps:", 1)
	var doc map[string]any
	assert.Error(t, yaml.Unmarshal([]byte(broken), &doc), "a mis-indented key is not YAML")
}

// The GitHub workflow passes actionlint (v1.7.12, a go tool of the ci/actionlint module:
// its yaml v4 release candidate cannot share casecert's module graph), and actionlint run
// so does catch a mistake in it.
func TestWorkflowPassesActionlint(t *testing.T) {
	t.Parallel()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "actionlint runs as `go tool actionlint`")
	lint := func(file string) (string, error) {
		cmd := exec.Command(goCmd, "tool", "actionlint", "-shellcheck=", "-pyflakes=", "-no-color", file)
		cmd.Dir = "actionlint"
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	abs, err := filepath.Abs(githubRecipe)
	require.NoError(t, err)
	out, err := lint(abs)
	require.NoError(t, err, "actionlint %s:\n%s", githubRecipe, out)

	broken := filepath.Join(t.TempDir(), "casecert.yml")
	text := strings.Replace(readRecipe(t, githubRecipe), "${{ matrix.shard }}/", "${{ matrix.shards }}/", 1)
	require.NoError(t, os.WriteFile(broken, []byte(text), 0o644))
	out, err = lint(broken)
	require.Error(t, err, "actionlint must refuse an undefined matrix property:\n%s", out)
	assert.Contains(t, out, "shards")
}

// commandLine is one casecert command of a recipe, as written.
type commandLine struct {
	job, text string
}

// casecertLines returns every casecert command in the scripts of a recipe: GitHub steps'
// run, GitLab jobs' before_script and script.
func casecertLines(t *testing.T, name, text string) []commandLine {
	t.Helper()
	var doc map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc), name)
	var out []commandLine
	add := func(job string, script any) {
		s, _ := script.(string)
		s = strings.ReplaceAll(s, "\\\n", " ")
		for _, line := range strings.Split(s, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "casecert ") {
				out = append(out, commandLine{job: job, text: line})
			}
		}
	}
	if jobs, ok := doc["jobs"].(map[string]any); ok { // GitHub Actions
		for job, j := range jobs {
			steps, _ := j.(map[string]any)["steps"].([]any)
			for _, st := range steps {
				add(job, st.(map[string]any)["run"])
			}
		}
		return out
	}
	for job, j := range doc { // GitLab CI
		m, ok := j.(map[string]any)
		if !ok {
			continue
		}
		for _, key := range []string{"before_script", "script"} {
			lines, _ := m[key].([]any)
			for _, l := range lines {
				add(job, l)
			}
		}
	}
	return out
}

var ghExpr = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// argv substitutes a command line's CI expressions and variables and splits it as the
// shell would; what follows "||" (the exit code's capture) is the shell's, not casecert's.
func argv(t *testing.T, line string, expr, vars map[string]string) []string {
	t.Helper()
	line = ghExpr.ReplaceAllStringFunc(line, func(m string) string {
		v, ok := expr[ghExpr.FindStringSubmatch(m)[1]]
		if !ok {
			t.Errorf("%s: no test value for the expression %s", line, m)
		}
		return v
	})
	if i := strings.Index(line, " || "); i >= 0 {
		line = line[:i]
	}
	var args []string
	var cur strings.Builder
	inWord, quote := false, byte(0)
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote == '\'' && c != '\'', quote == '"' && c != '"' && c != '$':
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			if quote == c {
				quote = 0
			} else {
				quote = c
			}
			inWord = true
		case c == '$':
			name := regexp.MustCompile(`^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)`).FindString(line[i:])
			require.NotEmpty(t, name, "%s: a $ the test cannot expand", line)
			key := strings.Trim(name[1:], "{}")
			v, ok := vars[key]
			if !ok {
				t.Errorf("%s: no test value for $%s", line, key)
			}
			cur.WriteString(v)
			inWord = true
			i += len(name) - 1
		case c == ' ' || c == '\t':
			if inWord {
				args = append(args, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	require.Zero(t, quote, "%s: an unclosed quote", line)
	if inWord {
		args = append(args, cur.String())
	}
	return args
}

// checkEnv is what CheckArgs sees: a checkout holding the recipes' profile and baseline,
// and the target's variables set.
func checkEnv(t *testing.T, stderr *bytes.Buffer) cli.Env {
	dir := repository(t, nil, "")
	vars := map[string]string{"CASECERT_BASE_URL": "https://target.example/services/apexrest/ThinkLP", "CASECERT_TOKEN": "t0ken"}
	return cli.Env{
		Stdout: &bytes.Buffer{}, Stderr: stderr, Now: time.Now,
		Getenv:   func(k string) string { return vars[k] },
		ReadFile: func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) },
	}
}

// recipeVars are the values the static check gives each recipe's variables.
func recipeVars(t *testing.T, name, text string) (expr, vars map[string]string) {
	var doc struct {
		Env       map[string]string `yaml:"env"`
		Variables map[string]string `yaml:"variables"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
	vars = map[string]string{"CASECERT_EXPIRED_TOKEN": "expired-t0ken", "CI_NODE_INDEX": "2", "CI_NODE_TOTAL": "4", "CI_PIPELINE_ID": "4242"}
	for k, v := range doc.Env {
		vars[k] = v
	}
	for k, v := range doc.Variables {
		vars[k] = v
	}
	expr = map[string]string{"matrix.shard": "2", "strategy.job-total": "4", "github.run_id": "4242"}
	return expr, vars
}

// Every casecert command line of both recipes is accepted by casecert's own flag parser
// (the one run and merge use), with the files it names present; a flag casecert does not
// have is caught.
func TestRecipeCommandLinesParse(t *testing.T) {
	t.Parallel()
	for _, name := range []string{githubRecipe, gitlabRecipe} {
		text := readRecipe(t, name)
		expr, vars := recipeVars(t, name, text)
		lines := casecertLines(t, name, text)
		commands := map[string]int{}
		for _, l := range lines {
			args := argv(t, l.text, expr, vars)
			require.Greater(t, len(args), 1, l.text)
			commands[args[1]]++
			var stderr bytes.Buffer
			assert.NoError(t, cli.CheckArgs(checkEnv(t, &stderr), args[1:]), "%s, job %s: %s\n%s", name, l.job, l.text, stderr.String())
		}
		// One run per shard, and a merge with and without the baseline.
		assert.Equal(t, map[string]int{"run": 1, "merge": 2}, commands, name)

		broken := casecertLines(t, name, strings.Replace(text, "--report-dir", "--reportdir", 1))
		var refused int
		for _, l := range broken {
			if cli.CheckArgs(checkEnv(t, &bytes.Buffer{}), argv(t, l.text, expr, vars)[1:]) != nil {
				refused++
			}
		}
		assert.Equal(t, 1, refused, "%s: the line with a misspelt flag is refused", name)
	}
}
