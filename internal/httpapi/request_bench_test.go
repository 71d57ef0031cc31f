package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/seed"
	"github.com/hms-project/hms/internal/testutil"
)

// BenchmarkRequest times whole requests through the in-process handler (sign-in check,
// access control, the store, the audit event, the JSON, the request log), without the
// socket, from 64 concurrent requests on each database, signed in as a doctor or as staff
// (who read patients without their blood group):
// go test -run '^$' -bench Request -benchmem ./internal/httpapi
//
// cpu-ns/op is the CPU of this process per request: HMS's side, without the database
// server's. docs/BENCHMARKS.md compares it before and after changes of the read path.
func BenchmarkRequest(b *testing.B) {
	for _, db := range testutil.Databases {
		b.Run(db, func(b *testing.B) {
			ctx := context.Background()
			st := testutil.OpenStore(b, db)
			sum, err := seed.Run(ctx, st, seed.Options{Patients: 2000, RecordsPerPatient: 1, HeavyPatients: 1, Seed: 1})
			if err != nil {
				b.Fatal(err)
			}
			signer, err := auth.NewSigner(testSecret, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			opts := httpapi.Options{Store: st, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
				AuthRateLimit: httpapi.RateLimit{Requests: 1000, Window: time.Minute}}
			opts.Auth = auth.NewService(auth.Options{Store: st, Signer: signer})
			_, h := httpapi.New(opts)
			tokens := map[string]string{}
			for _, role := range []string{domain.RoleDoctor, domain.RoleStaff} {
				email := "bench." + role + "@clinic.test"
				if _, err := st.CreateUser(ctx, domain.User{Email: email, Name: "Bench " + role, Role: role}, testHash()); err != nil {
					b.Fatal(err)
				}
				login := httptest.NewRequest("POST", "/api/auth/login",
					strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword)))
				login.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, login)
				var body struct {
					Data struct {
						AccessToken string `json:"access_token"`
					} `json:"data"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != http.StatusOK {
					b.Fatalf("sign in as %s: %d %s", role, rec.Code, rec.Body)
				}
				tokens[role] = "Bearer " + body.Data.AccessToken
			}
			span := sum.LastPatientID - sum.FirstPatientID + 1
			cases := []struct {
				name, role string
				path       func(i int64) string
			}{
				{"patient by id, doctor", domain.RoleDoctor, func(i int64) string {
					return fmt.Sprintf("/api/patients/%d", sum.FirstPatientID+i%span)
				}},
				{"patient by id, staff", domain.RoleStaff, func(i int64) string {
					return fmt.Sprintf("/api/patients/%d", sum.FirstPatientID+i%span)
				}},
				{"first page, doctor", domain.RoleDoctor, func(int64) string { return "/api/patients" }},
				{"500 records, doctor", domain.RoleDoctor, func(int64) string {
					return fmt.Sprintf("/api/patients/%d/records", sum.HeavyPatientIDs[0])
				}},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					b.SetParallelism(32) // 64 goroutines on two cores
					defer testutil.ReportCPU(b)()
					b.RunParallel(func(pb *testing.PB) {
						for i := int64(0); pb.Next(); i++ {
							r := httptest.NewRequest("GET", c.path(i), nil)
							r.Header.Set("Authorization", tokens[c.role])
							rec := httptest.NewRecorder()
							h.ServeHTTP(rec, r)
							if rec.Code != http.StatusOK {
								b.Errorf("GET %s: %d %s", r.URL, rec.Code, rec.Body)
								return
							}
						}
					})
				})
			}
		})
	}
}
