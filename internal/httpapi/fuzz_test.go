package httpapi

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
)

// The fuzz targets decode arbitrary bytes as each request body and validate them: they
// must never panic, every refusal must be a client error (never internal), and what
// validation accepts must obey the rules the store relies on.
// Their seed corpus is committed in testdata/fuzz/<target>.

var fuzzNow = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// decodeOrRefuse decodes body into dst and reports whether it decoded; a refusal must be
// an invalid-code domain error.
func decodeOrRefuse(t *testing.T, body []byte, dst any) bool {
	err := unmarshalStrict(body, dst)
	if err == nil {
		return true
	}
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeInvalid {
		t.Fatalf("decoding %q: %v is not a 400", body, err)
	}
	return false
}

// clientError fails unless err is nil or a 4xx domain error.
func clientError(t *testing.T, body []byte, err error) {
	var e *domain.Error
	if err != nil && (!errors.As(err, &e) || e.Code == domain.CodeInternal) {
		t.Fatalf("validating %q: %v is not a client error", body, err)
	}
}

func cleanText(t *testing.T, field, v string, max int) {
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) || utf8.RuneCountInString(v) > max || v != strings.TrimSpace(v) {
		t.Fatalf("%s accepted as %q", field, v)
	}
}

func FuzzPatientInput(f *testing.F) {
	f.Add([]byte(`{"name":"Ada","email":"ada@example.org","date_of_birth":"1990-12-10","blood_group":"o+"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.PatientInput
		if !decodeOrRefuse(t, body, &in) {
			return
		}
		p, err := in.ValidateNew(fuzzNow, time.UTC)
		clientError(t, body, err)
		if err == nil {
			cleanText(t, "name", p.Name, 100)
			if p.Name == "" || p.Email != strings.ToLower(p.Email) || !strings.Contains(p.Email, "@") {
				t.Fatalf("accepted %+v", p)
			}
			if d, ok := domain.ParseDate(p.DateOfBirth); !ok || d.After(fuzzNow) {
				t.Fatalf("accepted date_of_birth %q", p.DateOfBirth)
			}
		}
		_, err = in.ValidateUpdate(fuzzNow, time.UTC)
		clientError(t, body, err)
	})
}

func FuzzAppointmentInput(f *testing.F) {
	f.Add([]byte(`{"patient_id":1,"doctor_name":"Dr. Grey","appointment_datetime":"2031-01-01T09:30","reason":"check-up"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.AppointmentInput
		if !decodeOrRefuse(t, body, &in) {
			return
		}
		a, err := in.ValidateNew(fuzzNow, time.UTC)
		clientError(t, body, err)
		if err == nil && (a.PatientID <= 0 || a.Start.Before(fuzzNow) || a.Status != domain.StatusScheduled) {
			t.Fatalf("accepted %+v", a)
		}
		if err == nil {
			cleanText(t, "doctor_name", a.DoctorName, 100)
		}
		_, err = in.ValidateUpdate(fuzzNow, time.UTC)
		clientError(t, body, err)
	})
}

func FuzzRecordInput(f *testing.F) {
	f.Add([]byte(`{"patient_id":1,"diagnosis":"Influenza","doctor_name":"Dr. Grey","record_date":"2030-05-01"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.RecordInput
		if !decodeOrRefuse(t, body, &in) {
			return
		}
		r, err := in.ValidateNew(fuzzNow, time.UTC)
		clientError(t, body, err)
		if err == nil {
			if r.PatientID <= 0 || r.Diagnosis == "" {
				t.Fatalf("accepted %+v", r)
			}
			if d, ok := domain.ParseDate(r.RecordDate); !ok || d.After(fuzzNow) {
				t.Fatalf("accepted record_date %q", r.RecordDate)
			}
		}
	})
}

func FuzzUserInput(f *testing.F) {
	f.Add([]byte(`{"email":"grey@clinic.test","name":"Meredith Grey","role":"doctor","password":"Tulip-Anchor-Velvet-42"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in domain.UserInput
		if !decodeOrRefuse(t, body, &in) {
			return
		}
		u, password, err := in.ValidateNew()
		clientError(t, body, err)
		if err == nil {
			if u.Role != "admin" && u.Role != "doctor" && u.Role != "staff" {
				t.Fatalf("accepted role %q", u.Role)
			}
			if perr := auth.CheckPasswordPolicy(password, u.Email); perr == nil && utf8.RuneCountInString(password) < auth.MinPasswordLength {
				t.Fatalf("accepted password %q", password)
			} else {
				clientError(t, body, perr)
			}
		}
		_, err = in.ValidateUpdate()
		clientError(t, body, err)
	})
}

func FuzzLoginInput(f *testing.F) {
	f.Add([]byte(`{"email":"admin@clinic.test","password":"Tulip-Anchor-Velvet-42"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in loginInput
		if !decodeOrRefuse(t, body, &in) {
			return
		}
		err := in.validate()
		clientError(t, body, err)
		if err == nil && (in.Email == "" || in.Password == "" || len(in.Email) > 320) {
			t.Fatalf("accepted %+v", in)
		}
	})
}
