package bench_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hms-project/hms/internal/bench"
)

// loginBurst is how many sign-ins BenchmarkLoginBurst sends at once.
const loginBurst = 100

// BenchmarkLoginBurst starts `hms serve` on SQLite (production settings, a loopback port)
// and sends it bursts of 100 sign-ins at once, of 100 users with their right passwords, each
// on its own connection. It reports the server's peak resident memory during a burst (VmHWM, reset
// before each) and how the sign-ins were answered. BENCH_HMS names the binary to measure
// (for a before-and-after); by default the benchmark builds this tree's:
//
//	go test -run '^$' -bench LoginBurst -benchtime 3x ./internal/bench
func BenchmarkLoginBurst(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	bin := os.Getenv("BENCH_HMS")
	if bin == "" {
		bin = filepath.Join(dir, "hms")
		if out, err := exec.Command("go", "build", "-o", bin, "github.com/hms-project/hms/cmd/hms").CombinedOutput(); err != nil {
			b.Fatalf("build hms: %v\n%s", err, out)
		}
	}
	secret := make([]byte, 48)
	_, _ = rand.Read(secret)
	const email, password = "burst.admin@clinic.test", "Burst-Admin-Password-7"
	env := append(os.Environ(), "HMS_ENV=production", "HMS_DATA_DIR="+filepath.Join(dir, "data"), "HMS_DATABASE_URL=",
		"HMS_JWT_SECRET="+hex.EncodeToString(secret), "HMS_ADMIN_EMAIL="+email, "HMS_ADMIN_PASSWORD="+password,
		"HMS_AUTH_RATE_LIMIT=100000/min")
	srv, err := bench.StartServer(ctx, bin, env, filepath.Join(dir, "serve.log"))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Stop()
	idle, err := bench.ReadProcStats(srv.Pid())
	if err != nil {
		b.Fatal(err)
	}
	c, err := bench.NewClient(srv.URL, loginBurst)
	if err != nil {
		b.Fatal(err)
	}
	admin, err := bench.NewClient(srv.URL, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Login(ctx, email, password); err != nil {
		b.Fatal(err)
	}
	// One user per sign-in of a burst: a single email lets only five be checked at once.
	logins := make([]bench.Request, loginBurst)
	for i := range logins {
		user := fmt.Sprintf("burst-%d@clinic.test", i)
		body := fmt.Appendf(nil, `{"email":%q,"name":"Burst %d","role":"staff","password":%q}`, user, i, password)
		if status, resp, err := admin.Do(ctx, bench.Request{Method: "POST", Path: "/api/users", Body: body}); err != nil || status != 201 {
			b.Fatalf("create %s: %d %s %v", user, status, resp, err)
		}
		logins[i] = bench.Request{Method: "POST", Path: "/api/auth/login", Body: fmt.Appendf(nil, `{"email":%q,"password":%q}`, user, password)}
	}
	var peak int64
	statuses := map[int]int{}
	for b.Loop() {
		if err := bench.ResetPeakRSS(srv.Pid()); err != nil {
			b.Fatal(err)
		}
		var (
			wg sync.WaitGroup
			mu sync.Mutex
		)
		for _, login := range logins {
			wg.Go(func() {
				status, _, err := c.Do(ctx, login)
				if err != nil {
					status = -1
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			})
		}
		wg.Wait()
		st, err := bench.ReadProcStats(srv.Pid())
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, st.PeakRSS)
	}
	for status, n := range statuses {
		if status != 200 && status != 503 {
			b.Errorf("%d sign-ins answered %d", n, status)
		}
	}
	b.ReportMetric(float64(idle.RSS)/(1<<20), "idle-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
	b.ReportMetric(float64(statuses[200])/float64(b.N), "200/op")
	b.ReportMetric(float64(statuses[503])/float64(b.N), "503/op")
}
