package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
)

// TestReadRecorderFailsClosed: on a route that declares patient data, an answer whose
// payload the audit trail cannot read, or that was written without handing it over, is a
// 500 with none of the data. Nothing is stored, so the API needs no store here.
func TestReadRecorderFailsClosed(t *testing.T) {
	doctor := domain.Doctor{ID: 7, Name: "Dr. Confidential"}
	cases := []struct {
		name  string
		write func(w http.ResponseWriter)
	}{
		{"a payload of a type it does not know", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, item{Success: true, Data: doctor})
		}},
		{"a history that does not say whose it is", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, unpaged[domain.StatusChange]{Success: true, Data: []domain.StatusChange{{ID: 1, To: "Confidential"}}, Count: 1})
		}},
		{"a patient without an id", func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, list{Success: true, Data: []domain.Patient{{Name: "Confidential"}}})
		}},
		{"a body written without its payload", func(w http.ResponseWriter) {
			w.Header().Set("ETag", `"1"`)
			_, _ = w.Write([]byte(`{"name":"Confidential"}`))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/api/patients", nil)
			tc.write(&readRecorder{ResponseWriter: rec, api: &API{}, r: r, touches: touches{domain.ResourcePatient, dataPatients}})
			if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "Confidential") || rec.Header().Get("ETag") != "" {
				t.Errorf("%d %v %s, want a 500 without the data", rec.Code, rec.Header(), rec.Body)
			}
		})
	}
}

// TestEveryRouteSaysWhatItTouches: New refuses a route that needs sign-in and does not say
// what it touches for the audit trail.
func TestEveryRouteSaysWhatItTouches(t *testing.T) {
	for _, rt := range (&API{}).routes() {
		if rt.perm != public && (rt.touches.resource == "" || rt.touches.patient == 0) {
			t.Errorf("%s %s does not say what it touches", rt.method, rt.pattern)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted a route without what it touches")
		}
	}()
	a := &API{}
	a.serve([]route{{"GET", "/api/new", anyRole, a.me, touches{}}})
}
