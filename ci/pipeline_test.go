package ci_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/cli"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/reports"
)

// The recipes' jobs are run as their CI would run them (scripts in bash -eo pipefail, the
// GitHub expressions and the GitLab CI variables substituted, artifacts handed from the
// shard jobs to the merge job), with the test binary as the casecert on their PATH and a
// `go` that only accepts the install line, against the reference server on 127.0.0.1.

// target is the reference server a pipeline certifies, and the CI variables that reach it.
type target struct {
	url, token, expired string
}

// startTarget serves profile (nil: the default one) with the faults.
func startTarget(t *testing.T, profile *fixtures.Profile, faults ...string) target {
	t.Helper()
	srv, err := refserver.New(refserver.Options{Faults: faults, Profile: profile})
	require.NoError(t, err)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	token, err := srv.MintToken(time.Hour)
	require.NoError(t, err)
	expired, err := srv.MintToken(-time.Hour)
	require.NoError(t, err)
	return target{url: hs.URL + refserver.DefaultBasePath, token: token, expired: expired}
}

// repository is the checkout of a user's repository: the profile (nil: as `casecert
// profile` prints it), and the baseline (an empty one when not given).
func repository(t *testing.T, profile []byte, baseline string) string {
	t.Helper()
	dir := t.TempDir()
	if profile == nil {
		var out bytes.Buffer
		require.Equal(t, cli.ExitConformant, cli.Main(cli.Env{Args: []string{"profile"}, Stdout: &out, Stderr: os.Stderr, Getenv: func(string) string { return "" }}))
		profile = out.Bytes()
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "casecert"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "casecert", "profile.yaml"), profile, 0o644))
	if baseline == "" {
		baseline = "schema: casecert.baseline/v1\nentries: []\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "casecert", "baseline.yaml"), []byte(baseline), 0o644))
	return dir
}

// shims is a PATH directory holding casecert (this test binary) and a go that accepts only
// `go install github.com/casecert/casecert/cmd/casecert@VERSION`: it is already there.
func shims(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, script string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755))
	}
	write("casecert", fmt.Sprintf("%s=1 exec %q \"$@\"\n", asCLI, self))
	write("go", `case "$1 $2" in
"install github.com/casecert/casecert/cmd/casecert@"?*) exit 0 ;;
esac
echo "go: the recipe test knows only the install of casecert, not: go $*" >&2
exit 1
`)
	return dir
}

// jobRun is one job (one matrix entry or parallel instance) as it ran.
type jobRun struct {
	name      string
	failed    bool
	code      int    // the exit code of the step or script that failed it
	log       string // every step's output
	workspace string
	summary   string // what it wrote to $GITHUB_STEP_SUMMARY
}

// pipeline is one CI run of a recipe: its jobs, and the artifacts they uploaded.
type pipeline struct {
	t         *testing.T
	repo      string
	tgt       target
	path      string
	mu        sync.Mutex
	artifacts map[string]string // name -> directory
	jobs      []*jobRun
}

func newPipeline(t *testing.T, repo string, tgt target) *pipeline {
	return &pipeline{t: t, repo: repo, tgt: tgt, path: shims(t) + ":/usr/local/bin:/usr/bin:/bin", artifacts: map[string]string{}}
}

// script runs a job's shell script as GitHub's `shell: bash` and GitLab's runner do.
func (p *pipeline) script(dir, text string, env map[string]string) (int, string) {
	file := filepath.Join(p.t.TempDir(), "script.sh")
	require.NoError(p.t, os.WriteFile(file, []byte(text), 0o644))
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", file)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + p.path, "HOME=" + p.t.TempDir(), "CI=true"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if err == nil {
		return 0, string(out)
	}
	ee, ok := err.(*exec.ExitError)
	require.True(p.t, ok, "bash: %v", err)
	return ee.ExitCode(), string(out)
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, os.CopyFS(to, os.DirFS(from)))
}

func (p *pipeline) checkout(dir string) { copyTree(p.t, p.repo, dir) }

// --- GitHub Actions ---

type ghWorkflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]ghJob  `yaml:"jobs"`
}

type ghJob struct {
	Needs    string `yaml:"needs"`
	If       string `yaml:"if"`
	Strategy struct {
		Matrix struct {
			Shard []int `yaml:"shard"`
		} `yaml:"matrix"`
	} `yaml:"strategy"`
	Steps []ghStep `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

const runID = "4242"

func (p *pipeline) ghExpand(s string, ctx map[string]string) string {
	return ghExpr.ReplaceAllStringFunc(s, func(m string) string {
		key := ghExpr.FindStringSubmatch(m)[1]
		v, ok := ctx[key]
		if !ok {
			p.t.Fatalf("the GitHub emulator has no value for %s", m)
		}
		return v
	})
}

// ghCondition says whether a job or step with this `if:` runs, given whether an earlier
// step of the job failed.
func (p *pipeline) ghCondition(cond string, failed bool) bool {
	switch strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(cond), "${{"), "}}")) {
	case "":
		return !failed
	case "always()", "!cancelled()":
		return true
	}
	p.t.Fatalf("the GitHub emulator does not know the condition %q", cond)
	return false
}

// runGitHub runs the workflow's jobs in the order of their needs, a matrix's entries at once.
func (p *pipeline) runGitHub(wf ghWorkflow, only string) {
	var order []string
	for name, j := range wf.Jobs {
		if j.Needs == "" {
			order = append([]string{name}, order...)
		} else {
			order = append(order, name)
		}
	}
	for _, name := range order {
		j := wf.Jobs[name]
		if only != "" && name != only {
			continue
		}
		if j.Needs != "" && !p.ghCondition(j.If, p.anyFailed(j.Needs)) {
			continue
		}
		shards := j.Strategy.Matrix.Shard
		if len(shards) == 0 {
			p.ghJob(wf, name, j, map[string]string{})
			continue
		}
		var wg sync.WaitGroup
		for _, sh := range shards {
			ctx := map[string]string{"matrix.shard": strconv.Itoa(sh), "strategy.job-total": strconv.Itoa(len(shards))}
			wg.Add(1)
			go func() { defer wg.Done(); p.ghJob(wf, name, j, ctx) }()
		}
		wg.Wait()
	}
}

func (p *pipeline) anyFailed(prefix string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, j := range p.jobs {
		if strings.HasPrefix(j.name, prefix) && j.failed {
			return true
		}
	}
	return false
}

func (p *pipeline) ghJob(wf ghWorkflow, name string, j ghJob, ctx map[string]string) {
	t := p.t
	ctx["github.run_id"] = runID
	ctx["github.ref"] = "refs/heads/main"
	ctx["vars.CASECERT_BASE_URL"] = p.tgt.url
	ctx["secrets.CASECERT_TOKEN"] = p.tgt.token
	ctx["secrets.CASECERT_EXPIRED_TOKEN"] = p.tgt.expired
	for k, v := range wf.Env {
		ctx["env."+k] = v
	}
	run := &jobRun{name: name + " " + ctx["matrix.shard"], workspace: t.TempDir()}
	summary := filepath.Join(t.TempDir(), "summary.md")
	var log strings.Builder
	for _, st := range j.Steps {
		if !p.ghCondition(st.If, run.failed) {
			continue
		}
		with := map[string]string{}
		for k, v := range st.With {
			with[k] = p.ghExpand(v, ctx)
		}
		action, _, _ := strings.Cut(st.Uses, "@")
		switch action {
		case "":
			env := map[string]string{"GITHUB_STEP_SUMMARY": summary, "GITHUB_OUTPUT": filepath.Join(t.TempDir(), "output"), "GITHUB_ACTIONS": "true"}
			for _, m := range []map[string]string{wf.Env, st.Env} {
				for k, v := range m {
					env[k] = p.ghExpand(v, ctx)
				}
			}
			code, out := p.script(run.workspace, p.ghExpand(st.Run, ctx), env)
			fmt.Fprintf(&log, "--- %s (exit %d)\n%s", st.Name, code, out)
			if code != 0 {
				run.failed, run.code = true, code
			}
		case "actions/checkout":
			p.checkout(run.workspace)
		case "actions/setup-go": // the go on PATH stands for it
		case "actions/upload-artifact":
			from := filepath.Join(run.workspace, with["path"])
			if _, err := os.Stat(from); err != nil {
				require.Equal(t, "warn", with["if-no-files-found"], "%s: nothing at %s", st.Name, with["path"])
				continue
			}
			to := filepath.Join(t.TempDir(), with["name"])
			copyTree(t, from, to)
			p.mu.Lock()
			p.artifacts[with["name"]] = to
			p.mu.Unlock()
		case "actions/download-artifact":
			// With a pattern and no merge-multiple, v4 puts each artifact in PATH/NAME.
			p.mu.Lock()
			for art, dir := range p.artifacts {
				if ok, _ := path.Match(with["pattern"], art); ok {
					copyTree(t, dir, filepath.Join(run.workspace, with["path"], art))
				}
			}
			p.mu.Unlock()
		default:
			t.Fatalf("the GitHub emulator does not know the action %s", st.Uses)
		}
	}
	run.log = log.String()
	if b, err := os.ReadFile(summary); err == nil {
		run.summary = string(b)
	}
	p.mu.Lock()
	p.jobs = append(p.jobs, run)
	p.mu.Unlock()
}

// --- GitLab CI ---

type glJob struct {
	Extends      string            `yaml:"extends"`
	Parallel     int               `yaml:"parallel"`
	When         string            `yaml:"when"`
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	Needs        []struct {
		Job       string `yaml:"job"`
		Artifacts bool   `yaml:"artifacts"`
	} `yaml:"needs"`
	Artifacts struct {
		When    string   `yaml:"when"`
		Paths   []string `yaml:"paths"`
		Reports struct {
			JUnit string `yaml:"junit"`
		} `yaml:"reports"`
	} `yaml:"artifacts"`
}

func (p *pipeline) runGitLab(text string) {
	t := p.t
	var doc map[string]yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(text), &doc))
	var global map[string]string
	jobs := map[string]glJob{}
	for name, node := range doc {
		switch {
		case name == "variables":
			require.NoError(t, node.Decode(&global))
		case name == "stages", name == "include", name == "default", name == "workflow":
			t.Fatalf("the GitLab emulator does not know the key %s", name)
		default:
			var j glJob
			require.NoError(t, node.Decode(&j), name)
			jobs[name] = j
		}
	}
	for name, j := range jobs {
		if base, ok := jobs[j.Extends]; ok && j.Extends != "" {
			if j.BeforeScript == nil {
				j.BeforeScript = base.BeforeScript
			}
			jobs[name] = j
		}
	}
	names := make([]string, 0, len(jobs))
	for name := range jobs {
		if !strings.HasPrefix(name, ".") {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(a, b int) bool { return len(jobs[names[a]].Needs) < len(jobs[names[b]].Needs) })
	for _, name := range names {
		j := jobs[name]
		needed := map[string]bool{}
		for _, n := range j.Needs {
			if n.Artifacts {
				needed[n.Job] = true
			}
		}
		if len(j.Needs) > 0 && j.When != "always" && p.anyFailed(j.Needs[0].Job) {
			continue
		}
		n := max(j.Parallel, 1)
		var wg sync.WaitGroup
		for i := 1; i <= n; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); p.glJob(name, j, global, i, n, needed) }()
		}
		wg.Wait()
	}
}

func (p *pipeline) glJob(name string, j glJob, global map[string]string, index, total int, needed map[string]bool) {
	t := p.t
	run := &jobRun{name: fmt.Sprintf("%s %d/%d", name, index, total), workspace: t.TempDir()}
	p.checkout(run.workspace)
	p.mu.Lock()
	for art, dir := range p.artifacts {
		if job, _, _ := strings.Cut(art, " "); needed[job] {
			copyTree(t, dir, run.workspace)
		}
	}
	p.mu.Unlock()
	env := map[string]string{"GITLAB_CI": "true", "CI_PIPELINE_ID": runID,
		"CASECERT_BASE_URL": p.tgt.url, "CASECERT_TOKEN": p.tgt.token, "CASECERT_EXPIRED_TOKEN": p.tgt.expired}
	if j.Parallel > 0 {
		env["CI_NODE_INDEX"], env["CI_NODE_TOTAL"] = strconv.Itoa(index), strconv.Itoa(total)
	}
	for _, m := range []map[string]string{global, j.Variables} {
		for k, v := range m {
			env[k] = v
		}
	}
	code, out := p.script(run.workspace, strings.Join(append(append([]string{}, j.BeforeScript...), j.Script...), "\n"), env)
	run.log, run.failed, run.code = out, code != 0, code
	if !run.failed || j.Artifacts.When == "always" {
		art := t.TempDir()
		for _, pat := range j.Artifacts.Paths {
			matches, err := filepath.Glob(filepath.Join(run.workspace, pat))
			require.NoError(t, err)
			for _, m := range matches {
				rel, err := filepath.Rel(run.workspace, m)
				require.NoError(t, err)
				copyTree(t, m, filepath.Join(art, rel))
			}
		}
		p.mu.Lock()
		p.artifacts[run.name] = art
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.jobs = append(p.jobs, run)
	p.mu.Unlock()
}

// --- what the pipelines must show ---

func (p *pipeline) job(t *testing.T, prefix string) []*jobRun {
	var out []*jobRun
	for _, j := range p.jobs {
		if strings.HasPrefix(j.name, prefix) {
			out = append(out, j)
		}
	}
	require.NotEmpty(t, out, "no job %s ran", prefix)
	return out
}

// merged reads the merged report of the merge job.
func merged(t *testing.T, j *jobRun) reports.Run {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(j.workspace, "casecert-report", "report.json"))
	require.NoError(t, err, j.log)
	run, _, err := reports.ReadJSON(bytes.NewReader(data))
	require.NoError(t, err)
	return run
}

// assertCertified: the merge of every shard is conformant with every must requirement
// judged on every one of its scenarios.
func assertCertified(t *testing.T, run reports.Run, shards int) {
	t.Helper()
	assert.Equal(t, reports.VerdictConformant, run.Verdict, run.VerdictReason)
	assert.Len(t, run.Suite.Shards, shards)
	assert.Empty(t, run.Suite.MissingShards)
	assert.Zero(t, run.Summary.Must.Failed)
	assert.Zero(t, run.Summary.Must.NotJudged())
	status := map[string]reports.Status{}
	for _, sc := range run.Scenarios {
		status[sc.ID] = sc.Status
	}
	musts := 0
	for _, req := range run.Requirements {
		if req.Level != "must" {
			continue
		}
		musts++
		assert.Equal(t, reports.StatusPassed, req.Status, req.ID)
		for _, id := range req.Scenarios {
			assert.Equal(t, reports.StatusPassed, status[id], "%s: scenario %s", req.ID, id)
		}
	}
	assert.Greater(t, musts, 20)
}

// assertNoSecret: neither token is in any log, summary or file a job left.
func assertNoSecret(t *testing.T, p *pipeline) {
	t.Helper()
	for _, j := range p.jobs {
		for _, secret := range []string{p.tgt.token, p.tgt.expired} {
			assert.NotContains(t, j.log+j.summary, secret, j.name)
		}
		require.NoError(t, filepath.WalkDir(j.workspace, func(name string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(name)
			if err == nil && (bytes.Contains(b, []byte(p.tgt.token)) || bytes.Contains(b, []byte(p.tgt.expired))) {
				t.Errorf("%s: %s holds a token", j.name, name)
			}
			return err
		}))
	}
}

func readGitHub(t *testing.T) ghWorkflow {
	var wf ghWorkflow
	require.NoError(t, yaml.Unmarshal([]byte(readRecipe(t, githubRecipe)), &wf))
	return wf
}

// The GitHub workflow's jobs, run against the reference server: four shards, each its
// own report; the merge job merges them into a conformant report with every must judged,
// writes summary.md to the job summary and passes the gate; no token is in any log or file.
func TestGitHubRecipeCertifiesTheReferenceServer(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, repository(t, nil, ""), startTarget(t, nil))
	require.NoError(t, os.Remove(filepath.Join(p.repo, "casecert", "baseline.yaml")))
	wf := readGitHub(t)
	p.runGitHub(wf, "")
	shards := p.job(t, "shard")
	require.Len(t, shards, 4)
	for _, j := range shards {
		assert.False(t, j.failed, "%s\n%s", j.name, j.log)
		assert.Contains(t, j.log, "casecert run exited 4", "one shard alone is incomplete")
	}
	m := p.job(t, "merge")[0]
	require.False(t, m.failed, m.log)
	assertCertified(t, merged(t, m), 4)
	summary, err := os.ReadFile(filepath.Join(m.workspace, "casecert-report", "summary.md"))
	require.NoError(t, err)
	assert.Equal(t, string(summary), m.summary, "summary.md is the job summary")
	assert.Contains(t, m.summary, "## ✅ Conformant")
	assertNoSecret(t, p)
}

// Against a server with a fault, the same workflow shows the failure in the job summary
// and the merge job fails (exit 1); with a baseline of that failure in the repository,
// the merge job passes and the merged report says which failures it knew.
func TestGitHubRecipeGatesOnTheVerdictAndTheBaseline(t *testing.T) {
	t.Parallel()
	p := newPipeline(t, repository(t, nil, ""), startTarget(t, nil, "null-ignored"))
	require.NoError(t, os.Remove(filepath.Join(p.repo, "casecert", "baseline.yaml")))
	wf := readGitHub(t)
	p.runGitHub(wf, "")
	m := p.job(t, "merge")[0]
	require.True(t, m.failed, "the gate must fail a non-conformant target\n%s", m.log)
	assert.Equal(t, 1, m.code)
	run := merged(t, m)
	assert.Equal(t, reports.VerdictNonConformant, run.Verdict)
	assert.Contains(t, run.FailedIDs("must"), "PATCH-NULL")
	assert.Contains(t, m.summary, "## ❌ Non-conformant", "a red run still shows its verdict")
	assertNoSecret(t, p)

	var out bytes.Buffer
	baseline := filepath.Join(p.repo, "casecert", "baseline.yaml")
	require.Equal(t, cli.ExitConformant, cli.Main(cli.Env{Args: []string{"baseline", "-o", baseline, filepath.Join(m.workspace, "casecert-report", "report.json")},
		Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }, Now: time.Now, Context: context.Background(),
		ReadFile: os.ReadFile, WriteFile: func(n string, b []byte) error { return os.WriteFile(n, b, 0o644) }}), out.String())
	p.jobs = nil
	p.runGitHub(wf, "merge")
	m = p.job(t, "merge")[0]
	require.False(t, m.failed, "every failure is in the baseline\n%s", m.log)
	run = merged(t, m)
	require.NotNil(t, run.Baseline, "the merge job used the repository's baseline")
	assert.NotEmpty(t, run.Baseline.Known)
	assert.Empty(t, run.Baseline.New)
	assert.Equal(t, reports.VerdictNonConformant, run.Verdict, "a baseline changes the gate, not the verdict")
}

// The GitLab jobs, run against the reference server serving another profile than the
// default one (Salesforce API names, other paths and fixtures: fixtures/testdata/
// salesforce-names.yaml, committed as the repository's profile): `parallel: 4` shards
// from CI_NODE_INDEX/CI_NODE_TOTAL, the merge job conformant with every must judged, its
// summary in the log and its JUnit report where `artifacts: reports: junit` says.
func TestGitLabRecipeCertifiesTheReferenceServer(t *testing.T) {
	t.Parallel()
	const profilePath = "../fixtures/testdata/salesforce-names.yaml"
	data, err := os.ReadFile(profilePath)
	require.NoError(t, err)
	profile, err := fixtures.Parse(profilePath, data)
	require.NoError(t, err)
	p := newPipeline(t, repository(t, data, ""), startTarget(t, profile))
	require.NoError(t, os.Remove(filepath.Join(p.repo, "casecert", "baseline.yaml")))
	text := readRecipe(t, gitlabRecipe)
	p.runGitLab(text)
	shards := p.job(t, "casecert-shard")
	require.Len(t, shards, 4)
	for _, j := range shards {
		assert.False(t, j.failed, "%s\n%s", j.name, j.log)
	}
	m := p.job(t, "casecert-merge")[0]
	require.False(t, m.failed, m.log)
	run := merged(t, m)
	assertCertified(t, run, 4)
	assert.Equal(t, profile.Name, run.Target.Profile, "the repository's profile")
	summary, err := os.ReadFile(filepath.Join(m.workspace, "casecert-report", "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, m.log, string(summary), "the summary is in the merge job's log")

	var jobs map[string]glJob
	require.NoError(t, yaml.Unmarshal([]byte(text), &jobs))
	junit, err := os.ReadFile(filepath.Join(m.workspace, jobs["casecert-merge"].Artifacts.Reports.JUnit))
	require.NoError(t, err, "the JUnit report the merge job declares")
	var suites struct {
		XMLName xml.Name `xml:"testsuites"`
		Suites  []struct {
			Tests int `xml:"tests,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(junit, &suites))
	assert.NotEmpty(t, suites.Suites)
	assertNoSecret(t, p)
}
