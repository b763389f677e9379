package cli

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/casecert/casecert/features"
	"github.com/casecert/casecert/fixtures"
	"github.com/casecert/casecert/internal/refserver"
	"github.com/casecert/casecert/internal/suite"
	"github.com/casecert/casecert/reports"
)

// delayProxy forwards every request to a target after a fixed delay, the round trip of
// a distant target (a staging org answers in 100-300 ms). It counts what it forwards and
// the most requests it ever held at once.
type delayProxy struct {
	delay    time.Duration
	proxy    *httputil.ReverseProxy
	requests atomic.Int64
	inFlight atomic.Int64
	peak     atomic.Int64
	first    atomic.Int64 // unix nanoseconds of the first request of a run
	last     atomic.Int64 // unix nanoseconds of the last answer
}

func newDelayProxy(target string, delay time.Duration) (*delayProxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	p := &delayProxy{delay: delay, proxy: httputil.NewSingleHostReverseProxy(u)}
	p.proxy.Transport = tr
	return p, nil
}

func (p *delayProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	p.first.CompareAndSwap(0, time.Now().UnixNano())
	n := p.inFlight.Add(1)
	defer func() {
		p.inFlight.Add(-1)
		p.last.Store(time.Now().UnixNano())
	}()
	for {
		peak := p.peak.Load()
		if n <= peak || p.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	select {
	case <-time.After(p.delay):
	case <-r.Context().Done():
		return
	}
	p.proxy.ServeHTTP(w, r)
}

// BenchmarkLatency certifies the reference server through a proxy that delays every
// request by 20 ms and by 150 ms, with default settings, and reports side by side:
// requests per scenario, cases created, the run's wall time and its lower bound.
//
// The bound is the least time any run that keeps the spec's order could take: the
// requests of the main phase at full concurrency (or its longest scenario one request
// after another, if that is longer), then the disruptive phase, which requirements.md
// makes serial: its scenarios one at a time after every other scenario, a health probe
// before the first and after each. Each of those is at least one round trip, so the
// phase is at least 2 x disruptive scenarios + 1 round trips, however few requests a
// harness packs into each. "bound-s" is that; "open-bound-s" is the bound of a run
// with no serial phase (every request at full concurrency), the figure before the
// disruptive phase existed, and "disruptive-s" the phase's own wall time.
func BenchmarkLatency(b *testing.B) {
	for _, delay := range []time.Duration{20 * time.Millisecond, 150 * time.Millisecond} {
		b.Run("latency="+delay.String(), func(b *testing.B) {
			srv, err := refserver.New(refserver.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			ts := httptest.NewServer(srv)
			defer ts.Close()
			token, err := srv.MintToken(time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			// The target's own expired token, so AUTH-INVALID is judged whole.
			expired, err := srv.MintToken(-time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			proxy, err := newDelayProxy(ts.URL, delay)
			if err != nil {
				b.Fatal(err)
			}
			ps := httptest.NewServer(proxy)
			defer ps.Close()

			var m latencyRun
			for i := 0; i < b.N; i++ {
				m = runThroughProxy(b, ps.URL+refserver.DefaultBasePath, token, proxy, "--expired-token", expired)
			}
			b.ReportMetric(m.perScenario, "requests/scenario")
			b.ReportMetric(float64(m.cases), "cases")
			b.ReportMetric(m.wall.Seconds(), "wall-s")
			b.ReportMetric(m.bound.Seconds(), "bound-s")
			b.ReportMetric(m.wall.Seconds()/m.bound.Seconds(), "wall/bound")
			b.ReportMetric(m.open.Seconds(), "open-bound-s")
			b.ReportMetric(m.disruptive.Seconds(), "disruptive-s")
			b.ReportMetric(float64(m.peak), "peak-in-flight")
			b.Logf("latency %s: %d requests for %d results (%.2f each), %d cases, concurrency %d, longest scenario %d requests: wall %s, bound %s (%.2fx; %.2fx the open bound %s); disruptive phase %d scenarios, %d requests, %s",
				delay, m.requests, m.results, m.perScenario, m.cases, m.concurrency, m.chain, m.wall.Round(time.Millisecond), m.bound.Round(time.Millisecond), m.wall.Seconds()/m.bound.Seconds(),
				m.wall.Seconds()/m.open.Seconds(), m.open.Round(time.Millisecond), m.phase.Scenarios, m.phase.Requests, m.disruptive.Round(time.Millisecond))
		})
	}
}

type latencyRun struct {
	requests, results, cases, concurrency, chain int
	peak                                         int64
	perScenario                                  float64
	wall, bound, open, disruptive                time.Duration
	phase                                        reports.DisruptivePhase
}

// runThroughProxy runs one default certification of base (behind proxy) and measures it.
func runThroughProxy(b testing.TB, base, token string, proxy *delayProxy, extra ...string) latencyRun {
	dir := b.TempDir()
	env, stdout, stderr := testEnv(b, append([]string{"run", "--base-url", base, "--token", token, "--report-dir", dir, "--format", "json", "--seed", "7"}, extra...)...)
	before := proxy.requests.Load()
	proxy.peak.Store(0)
	proxy.first.Store(0)
	started := time.Now()
	code := Main(env)
	wall := time.Since(started)
	b.Logf("before the first request %s, after the last %s", time.Unix(0, proxy.first.Load()).Sub(started).Round(time.Millisecond), time.Since(time.Unix(0, proxy.last.Load())).Round(time.Millisecond))
	if code != ExitConformant {
		b.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	_, run := readReport(b, dir)
	st, err := suite.Load(features.FS, fixtures.Default())
	if err != nil {
		b.Fatal(err)
	}
	disruptive := map[string]bool{}
	for _, p := range st.Pickles {
		disruptive[p.ID] = p.Disruptive
	}
	m := latencyRun{
		requests: int(proxy.requests.Load() - before), results: len(run.Scenarios),
		cases: len(run.Cleanup.CreatedCaseIDs), concurrency: run.Run.Concurrency,
		peak: proxy.peak.Load(), wall: wall,
	}
	var took time.Duration
	kept := 0
	for _, s := range run.Scenarios {
		m.chain = max(m.chain, len(s.Exchanges)+s.ExchangesOmitted)
		for _, ex := range s.Exchanges {
			took += time.Duration(ex.DurationMS) * time.Millisecond
			kept++
		}
	}
	b.Logf("mean request %s", (took / time.Duration(max(kept, 1))).Round(100*time.Microsecond))
	m.perScenario = float64(m.requests) / float64(m.results)
	delay := proxy.delay
	m.open = max(time.Duration(m.requests)*delay/time.Duration(m.concurrency), time.Duration(m.chain)*delay)
	m.bound = m.open
	if d := run.Run.Disruptive; d != nil {
		m.phase, m.disruptive = *d, time.Duration(d.DurationMS)*time.Millisecond
		mainChain := 0
		for _, s := range run.Scenarios {
			if !disruptive[s.ID] {
				mainChain = max(mainChain, len(s.Exchanges)+s.ExchangesOmitted)
			}
		}
		main := max(time.Duration(m.requests-d.Requests)*delay/time.Duration(m.concurrency), time.Duration(mainChain)*delay)
		m.bound = main + time.Duration(2*d.Scenarios+1)*delay
	}
	if m.requests != run.Run.Requests {
		b.Logf("the proxy forwarded %d requests, the report counts %d", m.requests, run.Run.Requests)
	}
	return m
}
