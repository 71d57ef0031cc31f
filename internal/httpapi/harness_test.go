package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// client sends requests to an in-process HMS handler, signed in (as an admin unless as
// says otherwise) with a bearer token that do sends unless told otherwise.
type client struct {
	t     *testing.T
	h     http.Handler
	st    *store.Store
	log   *bytes.Buffer
	clock *clock
	token string
	user  int64
}

// testPassword is every test user's password; its hash is computed once.
const testPassword = "Tulip-Anchor-Velvet-42"

var testHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(testPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// testSecret signs the tests' access tokens.
var testSecret = []byte("test-secret-of-at-least-32-bytes-for-hs256")

// clock is the API's clock in tests: real time plus an offset that tests advance
// instead of sleeping.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// response is what a request returned, with the JSON body decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

// newClient serves HMS on st and signs in as an admin.
func newClient(t *testing.T, st *store.Store, loc *time.Location) *client {
	return newClientWith(t, st, httpapi.Options{Location: loc})
}

// newClientWith serves HMS on st with opts (store, logger, clock and auth filled in) and
// signs in as an admin.
func newClientWith(t *testing.T, st *store.Store, opts httpapi.Options) *client {
	t.Helper()
	return newClientWithAuth(t, st, opts, auth.Options{})
}

// newClientWithAuth is newClientWith with the sign-in service configured by ao (its store,
// signer and clock filled in).
func newClientWithAuth(t *testing.T, st *store.Store, opts httpapi.Options, ao auth.Options) *client {
	t.Helper()
	var logs bytes.Buffer
	clk := &clock{}
	signer, err := auth.NewSigner(testSecret, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	opts.Store, opts.Now = st, clk.now
	opts.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	ao.Store, ao.Signer, ao.Now = st, signer, clk.now
	opts.Auth = auth.NewService(ao)
	if opts.AuthRateLimit.Requests == 0 {
		opts.AuthRateLimit = httpapi.RateLimit{Requests: 10000, Window: time.Minute}
	}
	_, h := httpapi.New(opts)
	c := &client{t: t, h: h, st: st, log: &logs, clock: clk}
	return c.as(domain.RoleAdmin)
}

// as returns a client signed in as a user of role, created on first use
// (role@clinic.test), sharing c's handler.
func (c *client) as(role string) *client {
	c.t.Helper()
	return c.signIn(role+"@clinic.test", role)
}

// signIn returns a client signed in as email, creating that user with role when missing.
func (c *client) signIn(email, role string) *client {
	c.t.Helper()
	ctx := context.Background()
	if _, _, err := c.st.UserByEmail(ctx, email); domain.ErrorCode(err) == domain.CodeNotFound {
		// Named after the email: a doctor user gets a doctor of their name, and doctor
		// names are unique.
		local, _, _ := strings.Cut(email, "@")
		if _, err := c.st.CreateUser(ctx, domain.User{Email: email, Name: "Test " + local, Role: role}, testHash()); err != nil {
			c.t.Fatalf("create %s: %v", email, err)
		}
	}
	other := *c
	other.token = ""
	res := other.do("POST", "/api/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword))
	if res.status != 200 {
		c.t.Fatalf("sign in as %s: %d %s", email, res.status, res.raw)
	}
	data := res.body["data"].(map[string]any)
	other.token = data["access_token"].(string)
	other.user = id(data["user"])
	return &other
}

// anonymous returns a client that sends no token.
func (c *client) anonymous() *client {
	other := *c
	other.token = ""
	return &other
}

// do sends a request; a non-empty body goes out as application/json unless headers say otherwise.
func (c *client) do(method, path, body string, headers ...string) response {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	checkContract(c.t, method, path, rec.Code, rec.Body.Bytes())
	page := strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") // the patients' pages
	if method != http.MethodHead && rec.Code != http.StatusNotModified && rec.Code != http.StatusNoContent && !page {
		if err := json.Unmarshal(rec.Body.Bytes(), &res.body); err != nil {
			c.t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, path, err, rec.Body.String())
		}
	}
	return res
}

// must sends a request and fails the test unless it answers want.
func (c *client) must(want int, method, path, body string) map[string]any {
	c.t.Helper()
	res := c.do(method, path, body)
	if res.status != want {
		c.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, res.status, want, res.raw)
	}
	return res.body
}

// createPatient creates a patient and returns its id.
func (c *client) createPatient(name, email string) int64 {
	c.t.Helper()
	body := fmt.Sprintf(`{"name":%q,"email":%q,"date_of_birth":"1980-05-17","phone":"555-0100"}`, name, email)
	return id(c.must(201, "POST", "/api/patients", body)["data"])
}

func (c *client) createAppointment(patientID int64, doctor, when string) int64 {
	c.t.Helper()
	body := fmt.Sprintf(`{"patient_id":%d,"doctor_name":%q,"appointment_datetime":%q,"reason":"check-up"}`, patientID, doctor, when)
	return id(c.must(201, "POST", "/api/appointments", body)["data"])
}

func (c *client) createRecord(patientID int64, diagnosis string) int64 {
	c.t.Helper()
	body := fmt.Sprintf(`{"patient_id":%d,"diagnosis":%q,"doctor_name":"Dr. Grey","prescription":"rest"}`, patientID, diagnosis)
	return id(c.must(201, "POST", "/api/records", body)["data"])
}

// count returns the number of rows in table, to prove that a rejected request wrote nothing.
func (c *client) count(table string) int {
	c.t.Helper()
	var n int
	if err := c.st.DB().QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

func id(data any) int64 {
	return int64(data.(map[string]any)["id"].(float64))
}

func field(body map[string]any, name string) any {
	return body["data"].(map[string]any)[name]
}

func errorField(body map[string]any, name string) string {
	f, _ := body["fields"].(map[string]any)
	s, _ := f[name].(string)
	return s
}
