package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hms-project/hms/internal/pgcluster"
	"github.com/hms-project/hms/internal/seed"
)

// Config describes a benchmark run.
type Config struct {
	Bin       string   // the hms binary to seed with and serve
	Databases []string // "sqlite", "postgres"
	Data      seed.Options
	Duration  time.Duration // measured time of each scenario
	// MaxRequests, when not 0, also ends each measured run after this many requests.
	MaxRequests int
	Warmup      time.Duration // unmeasured time before each scenario
	Conns       int           // connections of the single-endpoint scenarios
	Scenarios   string        // comma-separated name filter; empty runs them all
	// Email and Password sign in when the server has access control; the harness also
	// passes them to the server as its first administrator.
	Email, Password string
	Log             io.Writer // progress lines
	// LogDir keeps each server's log (<db>-serve.log) after the run, for the causes of
	// errors; empty uses the system's temporary directory.
	LogDir string
	// ReferenceDir holds the reference programs of the compare scenario (bare-go/,
	// flask-seed/); empty is DefaultReferenceDir.
	ReferenceDir string
	// Sessions is how many times the compare scenario signs in to HMS: its connections
	// share that many sessions (1 when zero).
	Sessions int
	// Baseline, when set, is another hms binary that the compare scenario also runs, on
	// the same database and in the same turns, as "HMS baseline": an A/B of two builds.
	Baseline string
}

// DBReport is the outcome on one database.
type DBReport struct {
	DB      string
	Data    seed.Summary
	Startup time.Duration // hms serve, from exec to ready, on the loaded database
	IdleRSS int64         // bytes, after start-up and before any load
	Auth    bool          // requests carried a bearer token
	Results []Result
	// Ratios compare HMS with the reference programs (the compare scenario, PostgreSQL
	// only); CompareNote says why they are missing when the scenario was asked for.
	Ratios      []Ratio
	CompareNote string
}

// logDir is where the servers' logs go.
func (cfg Config) logDir() string {
	if cfg.LogDir != "" {
		return cfg.LogDir
	}
	return os.TempDir()
}

// Run benchmarks every database of cfg in turn.
func Run(ctx context.Context, cfg Config) ([]DBReport, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	var out []DBReport
	for _, db := range cfg.Databases {
		rep, err := runOn(ctx, cfg, db)
		if err != nil {
			return out, fmt.Errorf("%s: %w", db, err)
		}
		out = append(out, rep)
	}
	return out, nil
}

func runOn(ctx context.Context, cfg Config, db string) (DBReport, error) {
	rep := DBReport{DB: db}
	dir, err := os.MkdirTemp("", "hms-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	// Production settings, as an operator runs HMS: JSON logs, a signing key of its own
	// and the first admin from the environment (servers without access control ignore both).
	secret := make([]byte, 48)
	_, _ = rand.Read(secret)
	env := append(os.Environ(), "HMS_ENV=production", "HMS_DATA_DIR="+dir, "HMS_DATABASE_URL=",
		"HMS_JWT_SECRET="+hex.EncodeToString(secret), "HMS_ADMIN_EMAIL="+cfg.Email, "HMS_ADMIN_PASSWORD="+cfg.Password,
		// BENCH_SESSIONS signs in many times from one address; /api/auth/* is not measured.
		"HMS_AUTH_RATE_LIMIT=100000/min")
	var clusterURL string
	switch db {
	case "sqlite":
	case "postgres":
		// A durable server (fsync on, unlike the test suite's), with room for the pool.
		cluster, err := pgcluster.StartWith("max_connections=200", "shared_buffers=256MB")
		if err != nil {
			return rep, err
		}
		defer cluster.Remove()
		clusterURL = cluster.URL("postgres")
		env = append(env, "HMS_DATABASE_URL="+clusterURL)
	default:
		return rep, fmt.Errorf("unknown database %q (want sqlite or postgres)", db)
	}
	fmt.Fprintf(cfg.Log, "%s: seeding %s patients…\n", db, seed.FormatCount(cfg.Data.Patients))
	if rep.Data, err = Seed(ctx, cfg.Bin, env, cfg.Data); err != nil {
		return rep, err
	}
	fmt.Fprintf(cfg.Log, "%s: seeded %s patients, %s appointments, %s records in %s\n", db, seed.FormatCount(rep.Data.Patients),
		seed.FormatCount(rep.Data.Appointments), seed.FormatCount(rep.Data.Records), rep.Data.Elapsed.Round(time.Millisecond))
	logPath := filepath.Join(cfg.logDir(), "hms-bench-"+db+"-serve.log")
	srv, err := StartServer(ctx, cfg.Bin, env, logPath)
	if err != nil {
		return rep, err
	}
	defer srv.Stop()
	rep.Startup = srv.Startup
	time.Sleep(500 * time.Millisecond)
	if st, err := ReadProcStats(srv.Pid()); err == nil {
		rep.IdleRSS = st.RSS
	}
	results, auth, err := Measure(ctx, srv.URL, srv.Pid(), cfg, rep.Data)
	rep.Results, rep.Auth = results, auth
	if err == nil && wantsCompare(cfg.Scenarios) {
		if clusterURL == "" {
			rep.CompareNote = "the references run on PostgreSQL only"
		} else {
			err = compareOn(ctx, cfg, &rep, srv.URL, srv.Pid(), clusterURL, dir, env)
		}
	}
	fmt.Fprintf(cfg.Log, "%s: the server's log is in %s\n", db, logPath)
	return rep, err
}

// compareOn runs the compare scenario against the HMS at url and the reference programs on
// its cluster. Missing reference programs are reported in rep, not as an error.
func compareOn(ctx context.Context, cfg Config, rep *DBReport, url string, pid int, clusterURL, workDir string, env []string) error {
	dir := cfg.ReferenceDir
	if dir == "" {
		dir = DefaultReferenceDir
	}
	fmt.Fprintf(cfg.Log, "%s: starting the reference programs of %s…\n", rep.DB, dir)
	refs, err := startReferences(ctx, cfg, dir, clusterURL, workDir)
	if err != nil {
		rep.CompareNote = "compare skipped: " + err.Error()
		fmt.Fprintf(cfg.Log, "%s: %s\n", rep.DB, rep.CompareNote)
		return nil
	}
	defer func() {
		for _, r := range refs {
			r.stop()
		}
	}()
	// signIn signs in cfg.Sessions times (at least once): each connection of a turn sends
	// the requests of one of these sessions.
	signIn := func(url string) ([]string, error) {
		c, err := NewClient(url, 1)
		if err != nil {
			return nil, err
		}
		var tokens []string
		for range max(cfg.Sessions, 1) {
			if _, err := c.Login(ctx, cfg.Email, cfg.Password); err != nil {
				return nil, err
			}
			tokens = append(tokens, c.token)
		}
		return tokens, nil
	}
	if cfg.Baseline != "" {
		logPath := filepath.Join(cfg.logDir(), "hms-bench-"+rep.DB+"-baseline-serve.log")
		base, err := StartServer(ctx, cfg.Baseline, env, logPath)
		if err != nil {
			return fmt.Errorf("the baseline %s: %w", cfg.Baseline, err)
		}
		defer base.Stop()
		tokens, err := signIn(base.URL)
		if err != nil {
			return fmt.Errorf("the baseline %s: %w", cfg.Baseline, err)
		}
		refs = append(refs, &reference{name: baselineName, url: base.URL, tokens: tokens, pid: base.Pid()})
	}
	tokens, err := signIn(url)
	if err != nil {
		return err
	}
	d := Data{FirstPatientID: rep.Data.FirstPatientID, LastPatientID: rep.Data.LastPatientID, Nonce: nonce()}
	results, ratios, err := Compare(ctx, cfg, url, tokens, pid, refs, d)
	rep.Results, rep.Ratios = append(rep.Results, results...), ratios
	return err
}

// Measure runs the scenarios against the server at url; pid, when not 0, is the server's
// process, whose CPU time and peak memory each result then carries.
func Measure(ctx context.Context, url string, pid int, cfg Config, data seed.Summary) ([]Result, bool, error) {
	setup, err := NewClient(url, 4)
	if err != nil {
		return nil, false, err
	}
	auth, err := setup.Login(ctx, cfg.Email, cfg.Password)
	if err != nil {
		return nil, false, err
	}
	d := Data{FirstPatientID: data.FirstPatientID, LastPatientID: data.LastPatientID, HeavyPatientIDs: data.HeavyPatientIDs, Nonce: nonce()}
	if len(d.HeavyPatientIDs) == 0 {
		d.HeavyPatientIDs = []int64{data.FirstPatientID}
	}
	// Walking half the list for the deep page's cursors takes a while at a million patients:
	// only when that scenario runs.
	for _, sc := range SelectScenarios(Scenarios(Data{LastPatientID: 1}, cfg.Conns), cfg.Scenarios) {
		if sc.Name == deepPageScenario {
			if d.DeepCursors, err = setup.DeepCursors(ctx, data.Patients, 20); err != nil {
				return nil, auth, err
			}
		}
	}
	if d.DoctorIDs, err = setup.CreateDoctors(ctx, d.Nonce, 20); err != nil {
		return nil, auth, err
	}
	var results []Result
	for i, sc := range SelectScenarios(Scenarios(d, cfg.Conns), cfg.Scenarios) {
		newClient := func() (*Client, error) {
			c, err := NewClient(url, sc.Conns)
			if c != nil {
				c.token = setup.token
			}
			return c, err
		}
		if cfg.Warmup > 0 {
			// Its own connections: those of requests cut off at its end are not reused.
			w, err := newClient()
			if err != nil {
				return results, auth, err
			}
			w.Run(ctx, sc, Limits{Duration: cfg.Warmup, MaxRequests: cfg.MaxRequests}, uint64(1000+i))
			w.http.CloseIdleConnections()
		}
		c, err := newClient()
		if err != nil {
			return results, auth, err
		}
		var before ProcStats
		if pid != 0 {
			_ = ResetPeakRSS(pid)
			before, _ = ReadProcStats(pid)
		}
		r := c.Run(ctx, sc, Limits{Duration: cfg.Duration, MaxRequests: cfg.MaxRequests}, uint64(i))
		if pid != 0 {
			if after, err := ReadProcStats(pid); err == nil {
				r.ServerCPU, r.PeakRSS = after.CPU-before.CPU, after.PeakRSS
			}
		}
		c.http.CloseIdleConnections()
		fmt.Fprintf(cfg.Log, "  %-32s %8.0f req/s  p50 %-8s p99 %-8s errors %d\n", r.Scenario, r.RPS(), ms(r.P50), ms(r.P99), r.Errors)
		if r.FirstErr != "" {
			fmt.Fprintf(cfg.Log, "    first error: %s\n", r.FirstErr)
		}
		results = append(results, r)
		if err := ctx.Err(); err != nil {
			return results, auth, err
		}
	}
	return results, auth, nil
}

func nonce() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
