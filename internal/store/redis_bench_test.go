package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/seed"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// BenchmarkRedisAgainstPostgres measures what a Redis cache would buy HMS's reads, on
// PostgreSQL with a real redis-server on loopback (Debian's redis-server; skipped when it is
// not installed): each lookup a request makes, from Redis, from PostgreSQL and, for the
// session, from the process's own cache, 64 at a time on two cores. Every read of a patient
// also writes its audit event to PostgreSQL, which no cache removes: "audit event" is that
// cost alone.
//
//	HMS_TEST_POSTGRES=required go test -run '^$' -bench RedisAgainstPostgres -benchmem ./internal/store
func BenchmarkRedisAgainstPostgres(b *testing.B) {
	ctx := context.Background()
	st := testutil.OpenStore(b, "postgres")
	sum, err := seed.Run(ctx, st, seed.Options{Patients: 10_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	rdb := startRedis(b)
	u := signedInDoctor(b, st)
	state, err := st.Session(ctx, "session")
	if err != nil {
		b.Fatal(err)
	}
	stateJSON, _ := json.Marshal(state)
	if err := rdb.Set(ctx, "session:session", stateJSON, 0).Err(); err != nil {
		b.Fatal(err)
	}
	const span = 1000 // the patients read, each cached in Redis as its JSON
	for i := range int64(span) {
		p, err := st.Patient(ctx, sum.FirstPatientID+i)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := json.Marshal(p)
		if err := rdb.Set(ctx, "patient:"+strconv.FormatInt(p.ID, 10), body, 0).Err(); err != nil {
			b.Fatal(err)
		}
	}
	actx := domain.WithActor(ctx, domain.Actor{UserID: u.ID, Role: u.Role, IP: "127.0.0.1"})
	parallel := func(b *testing.B, op func(i int64) error) {
		b.ReportAllocs()
		b.SetParallelism(32) // 64 goroutines on two cores
		defer testutil.ReportCPU(b)()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for i := int64(0); pb.Next(); i++ {
				if err := op(i); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("session/process cache", func(b *testing.B) {
		parallel(b, func(int64) error { _, err := st.Session(ctx, "session"); return err })
	})
	b.Run("session/Redis GET", func(b *testing.B) {
		parallel(b, func(int64) error {
			raw, err := rdb.Get(ctx, "session:session").Bytes()
			if err != nil {
				return err
			}
			var s store.SessionState
			return json.Unmarshal(raw, &s)
		})
	})
	b.Run("session/PostgreSQL by primary key", func(b *testing.B) {
		parallel(b, func(int64) error {
			var userID int64
			return st.DB().QueryRowContext(ctx, `SELECT user_id FROM auth_session WHERE id = $1`, "session").Scan(&userID)
		})
	})
	b.Run("patient/Redis GET", func(b *testing.B) {
		parallel(b, func(i int64) error {
			raw, err := rdb.Get(ctx, "patient:"+strconv.FormatInt(sum.FirstPatientID+i%span, 10)).Bytes()
			if err != nil {
				return err
			}
			var p domain.Patient
			return json.Unmarshal(raw, &p)
		})
	})
	b.Run("patient/PostgreSQL", func(b *testing.B) {
		parallel(b, func(i int64) error { _, err := st.Patient(ctx, sum.FirstPatientID+i%span); return err })
	})
	b.Run("patient/audit event", func(b *testing.B) {
		parallel(b, func(i int64) error {
			id := sum.FirstPatientID + i%span
			return st.Audit(actx, store.Event{Action: domain.ActionRead, ResourceType: domain.ResourcePatient, ResourceID: id, PatientID: id})
		})
	})
}

// startRedis starts a redis-server on a free loopback port, without persistence, stopped
// when the benchmark ends.
func startRedis(b *testing.B) *redis.Client {
	b.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		b.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), PoolSize: 64})
	b.Cleanup(func() { rdb.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			b.Fatal("redis-server did not answer within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return rdb
}
