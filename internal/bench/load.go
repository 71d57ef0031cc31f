// Package bench is HMS's load generator and benchmark harness: it loads a database with
// `hms seed`, starts `hms serve` on it, drives the API with a fixed set of scenarios from
// many connections for a bounded time, and reports throughput, latency percentiles,
// errors and the server's memory and CPU use.
package bench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Request is one HTTP request of a scenario.
type Request struct {
	Method, Path string
	Body         []byte
	token        string // the session it is sent in, when not the client's
}

// Scenario is a workload: what each request is, and how many connections send them.
type Scenario struct {
	Name   string
	Conns  int
	Target string // the goal it is measured against, for the report
	// Next returns the next request; worker is the connection's number, n its count of
	// requests so far (together they make unique values such as emails).
	Next func(rng *rand.Rand, worker, n int) Request
}

// Result is what one scenario measured.
type Result struct {
	Scenario  string
	Conns     int
	Target    string
	Requests  int
	Errors    int
	FirstErr  string
	Elapsed   time.Duration
	P50, P95  time.Duration
	P99, Max  time.Duration
	ServerCPU time.Duration // user+system time of the server process during the run
	PeakRSS   int64         // bytes; the server's peak resident set during the run
}

// RPS is the throughput in requests per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Client sends a scenario's requests to one HMS server.
type Client struct {
	base  string
	token string
	// tokens, when set, are the sessions of Run's connections: connection w sends
	// tokens[w % len(tokens)] instead of token.
	tokens []string
	http   *http.Client
}

// NewClient returns a client of the HMS at base (http://127.0.0.1:port), which must be
// on the loopback interface: the harness never loads another machine.
func NewClient(base string, maxConns int) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" {
		return nil, fmt.Errorf("bench: %q is not an http:// URL", base)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("bench: %s is not on the loopback interface; the harness only loads a local server", u.Host)
	}
	tr := &http.Transport{
		MaxIdleConns:        maxConns,
		MaxIdleConnsPerHost: maxConns,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &Client{base: u.Scheme + "://" + u.Host, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}, nil
}

// Do sends req and returns the status and body.
func (c *Client) Do(ctx context.Context, req Request) (int, []byte, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	r, err := http.NewRequestWithContext(ctx, req.Method, c.base+req.Path, body)
	if err != nil {
		return 0, nil, err
	}
	if req.Body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token := cmp.Or(req.token, c.token); token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Limits bound a run: it stops at whichever comes first.
type Limits struct {
	Duration    time.Duration
	MaxRequests int // 0: no limit
}

// Run sends sc's requests from sc.Conns connections, each waiting for its answer before
// sending the next (a closed loop), until the limits are reached. A request that fails
// or answers outside 2xx counts as an error; its latency still counts.
func (c *Client) Run(ctx context.Context, sc Scenario, lim Limits, seed uint64) Result {
	ctx, cancel := context.WithTimeout(ctx, lim.Duration)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  string
		sent      int
		wg        sync.WaitGroup
	)
	take := func() bool { // reserves one request under MaxRequests
		if lim.MaxRequests == 0 {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		if sent >= lim.MaxRequests {
			return false
		}
		sent++
		return true
	}
	start := time.Now()
	for w := range sc.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(w)))
			own := make([]time.Duration, 0, 1024)
			ownErrs, ownFirst := 0, ""
			for n := 0; ctx.Err() == nil && take(); n++ {
				req := sc.Next(rng, w, n)
				if len(c.tokens) > 0 {
					req.token = c.tokens[w%len(c.tokens)]
				}
				t0 := time.Now()
				status, body, err := c.Do(ctx, req)
				d := time.Since(t0)
				if ctx.Err() != nil {
					// The run ended while this request was in flight: the server may have
					// seen it cancelled. It counts neither as an answer nor as an error.
					break
				}
				own = append(own, d)
				if err != nil || status < 200 || status > 299 {
					ownErrs++
					if ownFirst == "" {
						ownFirst = fmt.Sprintf("%s %s: %d %v %s", req.Method, req.Path, status, err, truncate(body, 200))
					}
				}
			}
			mu.Lock()
			latencies = append(latencies, own...)
			errs += ownErrs
			if firstErr == "" {
				firstErr = ownFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := Result{Scenario: sc.Name, Conns: sc.Conns, Target: sc.Target, Requests: len(latencies), Errors: errs,
		FirstErr: firstErr, Elapsed: time.Since(start)}
	slices.Sort(latencies)
	res.P50, res.P95, res.P99 = percentile(latencies, 50), percentile(latencies, 95), percentile(latencies, 99)
	if len(latencies) > 0 {
		res.Max = latencies[len(latencies)-1]
	}
	return res
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p+99)/100 - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
