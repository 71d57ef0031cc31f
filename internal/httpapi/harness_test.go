package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/httpapi"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// client sends requests to an in-process HMS handler.
type client struct {
	t   *testing.T
	h   http.Handler
	st  *store.Store
	log *bytes.Buffer
}

// response is what a request returned, with the JSON body decoded.
type response struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func newClient(t *testing.T, st *store.Store, loc *time.Location) *client {
	var logs bytes.Buffer
	_, h := httpapi.New(httpapi.Options{Store: st, Logger: slog.New(slog.NewTextHandler(&logs, nil)), Location: loc})
	return &client{t: t, h: h, st: st, log: &logs}
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
	if method != http.MethodHead && rec.Code != http.StatusNotModified {
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
