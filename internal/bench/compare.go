package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the reference schema is set up through database/sql

	"github.com/hms-project/hms/internal/pgcluster"
)

// The compare scenario measures HMS against two programs that live outside the repository
// (BENCH_REFERENCE, by default ../shared/reference beside the checkout): bare-go, about 90
// lines of Go and pgx that read one row (the ceiling of the stack), and flask-seed, the
// Flask + SQLAlchemy + gunicorn build of the original design. Both run on the same
// PostgreSQL cluster as HMS, in a schema of their own (reference) filled with a copy of
// HMS's patients, and the three take turns for the same load.

// DefaultReferenceDir is where the reference programs are looked for when BENCH_REFERENCE
// is not set: beside the checkout, as the project's shared folder lies.
const DefaultReferenceDir = "../shared/reference"

// CompareRounds is how many times each program takes its turn per request kind.
const CompareRounds = 3

// Ratio is a comparison the compare scenario reports: HMS's throughput over another's.
type Ratio struct {
	Name   string
	Value  float64 // HMS req/s / the other's req/s, over all rounds
	Rounds []float64
	Target string
}

// wantsCompare reports whether the scenario filter selects the compare scenario: an empty
// filter runs everything.
func wantsCompare(filter string) bool {
	return len(SelectScenarios([]Scenario{{Name: "compare with the references"}}, filter)) > 0
}

// reference is one running reference program, or the baseline build of HMS (which has
// its own sessions and is stopped by its Server).
type reference struct {
	name   string
	url    string
	tokens []string // the baseline's sessions; none for the references
	pid    int      // of an HMS, whose CPU time each turn reports; 0 for the references
	cmd    *exec.Cmd
}

// baselineName is the name of the baseline build's turns (Config.Baseline).
const baselineName = "HMS baseline"

func (r *reference) stop() {
	if r == nil || r.cmd == nil || r.cmd.Process == nil {
		return
	}
	// gunicorn's master stops its workers on SIGTERM; the process group catches strays.
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// referenceURL is the URL of the cluster's database with the reference schema first on the
// search path, for libpq (psycopg2, whose SQLAlchemy wants the postgresql: scheme) and pgx
// alike.
func referenceURL(clusterURL string) string {
	return "postgresql:" + strings.TrimPrefix(clusterURL, "postgres:") + "&options=-csearch_path%3Dreference"
}

// startReferences checks that the reference programs exist in dir, builds bare-go, copies
// HMS's patients into the reference schema of the cluster and starts both programs on
// loopback ports. The caller stops them.
func startReferences(ctx context.Context, cfg Config, dir, clusterURL, workDir string) ([]*reference, error) {
	bareDir, flaskDir := filepath.Join(dir, "bare-go"), filepath.Join(dir, "flask-seed")
	for _, f := range []string{filepath.Join(bareDir, "cmd", "hms", "main.go"), filepath.Join(flaskDir, "app.py")} {
		if _, err := os.Stat(f); err != nil {
			return nil, fmt.Errorf("the reference programs are missing: no %s (set BENCH_REFERENCE to the folder that holds bare-go/ and flask-seed/)", f)
		}
	}
	for _, bin := range []string{"/usr/bin/python3", "/usr/bin/gunicorn"} {
		if _, err := os.Stat(bin); err != nil {
			return nil, fmt.Errorf("flask-seed needs %s: apt-get install python3-flask python3-flask-sqlalchemy python3-flask-cors python3-psycopg2 gunicorn", bin)
		}
	}
	refURL := referenceURL(clusterURL)
	db, err := sql.Open("pgx", clusterURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS reference`); err != nil {
		return nil, fmt.Errorf("bench: reference schema: %w", err)
	}
	// flask-seed creates its tables (db.create_all) when its app is imported.
	schema := exec.CommandContext(ctx, "/usr/bin/python3", "-c", "import app")
	schema.Dir, schema.Env = flaskDir, append(os.Environ(), "DATABASE_URL="+refURL, "PYTHONDONTWRITEBYTECODE=1")
	if out, err := schema.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: flask-seed schema: %v\n%s", err, out)
	}
	// The same patients: ids, names, emails, dates of birth, phones, addresses, blood groups.
	if _, err := db.ExecContext(ctx, `TRUNCATE reference.patient RESTART IDENTITY CASCADE`); err != nil {
		return nil, fmt.Errorf("bench: reference data: %w", err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO reference.patient (id, name, email, date_of_birth, phone, address, blood_group, created_at, updated_at)
		SELECT id, name, coalesce(nullif(email, ''), lower(mrn) || '@no-email.invalid'), date_of_birth, phone, address, blood_group, created_at, updated_at
		FROM public.patient`); err != nil {
		return nil, fmt.Errorf("bench: reference data: %w", err)
	}
	for _, q := range []string{`SELECT setval(pg_get_serial_sequence('reference.patient', 'id'), (SELECT max(id) FROM reference.patient))`,
		`VACUUM ANALYZE reference.patient`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("bench: reference data: %w", err)
		}
	}

	bareBin := filepath.Join(workDir, "bare-go")
	build := exec.CommandContext(ctx, "go", "build", "-o", bareBin, "./cmd/hms")
	build.Dir = bareDir
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("bench: build bare-go: %v\n%s", err, out)
	}
	var refs []*reference
	start := func(name string, cmd *exec.Cmd, addr string) error {
		logPath := filepath.Join(cfg.logDir(), "hms-bench-"+name+".log")
		logFile, err := os.Create(logPath)
		if err != nil {
			return err
		}
		defer logFile.Close()
		cmd.Stdout, cmd.Stderr = logFile, logFile
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			return err
		}
		r := &reference{name: name, url: "http://" + addr, cmd: cmd}
		refs = append(refs, r)
		if err := waitHealthy(ctx, r.url+"/health", time.Minute); err != nil {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("bench: %s did not start: %v\n%s", name, err, log)
		}
		return nil
	}
	stopAll := func() {
		for _, r := range refs {
			r.stop()
		}
	}
	port, err := pgcluster.FreePort()
	if err != nil {
		return nil, err
	}
	bare := exec.Command(bareBin, "serve")
	bare.Env = append(os.Environ(), "HMS_ADDR=127.0.0.1:"+port, "HMS_DATABASE_URL="+refURL)
	if err := start("bare-go", bare, "127.0.0.1:"+port); err != nil {
		stopAll()
		return nil, err
	}
	if port, err = pgcluster.FreePort(); err != nil {
		stopAll()
		return nil, err
	}
	flask := exec.Command("/usr/bin/gunicorn", "-c", filepath.Join(flaskDir, "gunicorn.conf.py"), "app:app")
	flask.Dir = flaskDir
	flask.Env = append(os.Environ(), "BIND=127.0.0.1:"+port, "DATABASE_URL="+refURL, "PYTHONDONTWRITEBYTECODE=1")
	if err := start("flask-seed", flask, "127.0.0.1:"+port); err != nil {
		stopAll()
		return nil, err
	}
	return refs, nil
}

// waitHealthy polls url until it answers 200, for at most limit.
func waitHealthy(ctx context.Context, url string, limit time.Duration) error {
	probe := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		resp, err := probe.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("no 200 from " + url)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Compare runs GET by id against HMS (at hmsURL, signed in with token) and both references,
// and POST patient against HMS and bare-go's bare insert, each program in turn for
// CompareRounds rounds, and returns the results of every turn and the ratios.
func Compare(ctx context.Context, cfg Config, hmsURL string, tokens []string, hmsPid int, refs []*reference, d Data) ([]Result, []Ratio, error) {
	span := d.LastPatientID - d.FirstPatientID + 1
	byID := func(rng *rand.Rand, _, _ int) Request {
		return Request{Method: "GET", Path: "/api/patients/" + strconv.FormatInt(d.FirstPatientID+rng.Int64N(span), 10)}
	}
	var created atomic.Int64
	post := func(rng *rand.Rand, _, _ int) Request {
		k := created.Add(1)
		body := fmt.Sprintf(`{"name":"Bench Compare %d","email":"bench.compare.%s.%d@example.org","date_of_birth":"19%02d-%02d-%02d"}`,
			k, d.Nonce, k, 30+rng.IntN(70), 1+rng.IntN(12), 1+rng.IntN(28))
		return Request{Method: "POST", Path: "/api/patients", Body: []byte(body)}
	}
	type target struct {
		name, url string
		tokens    []string
		pid       int
	}
	targets := []target{{"HMS", hmsURL, tokens, hmsPid}}
	for _, r := range refs {
		targets = append(targets, target{r.name, r.url, r.tokens, r.pid})
	}
	kinds := []struct {
		name    string
		next    func(*rand.Rand, int, int) Request
		against []string // the references this kind runs on
		target  map[string]string
	}{
		{"GET by id", byID, []string{"bare-go", "flask-seed", baselineName}, map[string]string{"bare-go": "≥ 0.6 (aim 0.9)", "flask-seed": "≥ 10"}},
		{"POST patient", post, []string{"bare-go", baselineName}, map[string]string{"bare-go": "≥ 0.5"}},
	}
	var (
		results []Result
		ratios  []Ratio
	)
	for ki, kind := range kinds {
		type tally struct {
			requests int
			elapsed  time.Duration
			rounds   []float64
		}
		tallies := map[string]*tally{}
		for round := range CompareRounds {
			for ti, t := range targets {
				if t.name != "HMS" && !contains(kind.against, t.name) {
					continue
				}
				sc := Scenario{Name: fmt.Sprintf("compare: %s, %s, round %d", kind.name, t.name, round+1), Conns: cfg.Conns, Next: kind.next}
				seed := uint64(100*ki + 10*round + ti)
				if cfg.Warmup > 0 {
					w, err := NewClient(t.url, sc.Conns)
					if err != nil {
						return results, ratios, err
					}
					w.tokens = t.tokens
					w.Run(ctx, sc, Limits{Duration: cfg.Warmup, MaxRequests: cfg.MaxRequests}, seed+5000)
					w.http.CloseIdleConnections()
				}
				c, err := NewClient(t.url, sc.Conns)
				if err != nil {
					return results, ratios, err
				}
				c.tokens = t.tokens
				before, _ := ReadProcStats(t.pid)
				r := c.Run(ctx, sc, Limits{Duration: cfg.Duration, MaxRequests: cfg.MaxRequests}, seed)
				c.http.CloseIdleConnections()
				cpu := ""
				if after, err := ReadProcStats(t.pid); t.pid != 0 && err == nil && r.Requests > 0 {
					r.ServerCPU = after.CPU - before.CPU
					cpu = fmt.Sprintf("  hms CPU %.0f µs/req", float64(r.ServerCPU.Microseconds())/float64(r.Requests))
				}
				fmt.Fprintf(cfg.Log, "  %-40s %8.0f req/s  p50 %-8s p99 %-8s errors %d%s\n", r.Scenario, r.RPS(), ms(r.P50), ms(r.P99), r.Errors, cpu)
				if r.FirstErr != "" {
					fmt.Fprintf(cfg.Log, "    first error: %s\n", r.FirstErr)
				}
				results = append(results, r)
				tl := tallies[t.name]
				if tl == nil {
					tl = &tally{}
					tallies[t.name] = tl
				}
				tl.requests += r.Requests - r.Errors
				tl.elapsed += r.Elapsed
				tl.rounds = append(tl.rounds, float64(r.Requests-r.Errors)/r.Elapsed.Seconds())
				if err := ctx.Err(); err != nil {
					return results, ratios, err
				}
			}
		}
		hms := tallies["HMS"]
		for _, other := range kind.against {
			o := tallies[other]
			if hms == nil || o == nil || o.requests == 0 {
				continue
			}
			rt := Ratio{Name: fmt.Sprintf("%s: HMS / %s", kind.name, other), Target: kind.target[other],
				Value: (float64(hms.requests) / hms.elapsed.Seconds()) / (float64(o.requests) / o.elapsed.Seconds())}
			for i := range min(len(hms.rounds), len(o.rounds)) {
				if o.rounds[i] > 0 {
					rt.Rounds = append(rt.Rounds, hms.rounds[i]/o.rounds[i])
				}
			}
			ratios = append(ratios, rt)
		}
	}
	return results, ratios, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
