package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// encodingJSON is the answer writeJSON gave before bodies could write their own JSON.
func encodingJSON(v any) string {
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(v)
	return buf.String()
}

// written is the body that writeJSON writes for v.
func written(v any) string {
	rec := httptest.NewRecorder()
	writeJSON(rec, 200, v)
	return rec.Body.String()
}

func TestRecordsBodyIsWhatEncodingJSONWrites(t *testing.T) {
	str := func(s string) *string { return &s }
	id := func(v int64) *int64 { return &v }
	at := func(t time.Time) *time.Time { return &t }
	created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	kolkata := time.FixedZone("IST", 5*60*60+30*60)
	phone := "+1 555-0100"
	patient := domain.Patient{ID: 7, MRN: "HMS-000007", Name: "Zoë <O'Brien> & Søn", Email: "zoe@example.org",
		DateOfBirth: "1980-05-17", Phone: &phone, Active: true, Version: 3, CreatedAt: created, UpdatedAt: created}
	records := []domain.MedicalRecord{
		{ID: 1, PatientID: 7, Diagnosis: "Essential hypertension", Prescription: str("Amlodipine 5 mg once daily"),
			DoctorName: "Dr. Meredith Grey", RecordDate: "2029-03-04", Notes: str("Follow-up in three months."), Version: 1,
			CreatedAt: created, UpdatedAt: created},
		{ID: 2, PatientID: 7, VisitID: id(12), Diagnosis: "", DoctorName: "", RecordDate: "", Version: 0},
		{ID: 3, PatientID: 7, Diagnosis: "<script>alert(\"x\")</script> & co", Prescription: str(""), Notes: str(""),
			DoctorName: "Dr. Ünal Çelik", RecordDate: "2029-03-04", CreatedAt: created.Add(123456789 * time.Nanosecond),
			UpdatedAt: created.In(kolkata)},
		{ID: 4, PatientID: 7, Diagnosis: "tab\tnew line\nreturn\rbell\abackspace\bform\fnul\x00esc\x1bdel\x7f",
			Notes: str("back\\slash \"quoted\" /slash"), DoctorName: "王医生 👩‍⚕️", RecordDate: "2029-03-04",
			CreatedAt: created.Add(time.Microsecond), UpdatedAt: created.Add(100 * time.Millisecond)},
		{ID: 5, PatientID: 7, Diagnosis: "line\u2028separator\u2029paragraph", Notes: str("bad \xff\xfe utf-8 \xe2\x82"),
			DoctorName: "\u00e9\u0301", RecordDate: "2029-03-04", CreatedAt: created, UpdatedAt: created,
			VoidedAt: at(created.Add(time.Hour)), VoidedBy: id(42), VoidReason: str("entered for the wrong patient <sic>")},
		{ID: -6, PatientID: 1 << 62, Diagnosis: "voided, no actor", DoctorName: "x", RecordDate: "2029-03-04", Version: 9,
			CreatedAt: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), UpdatedAt: time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(23*60*60+59*60))),
			VoidedAt: at(created), Source: "Condition/abc"},
	}
	for name, body := range map[string]recordsBody{
		"records":    {true, records, len(records), patient},
		"no records": {true, []domain.MedicalRecord{}, 0, patient},
		"nil":        {true, nil, 0, domain.Patient{}},
		"year 10000": {true, []domain.MedicalRecord{{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}, 1, patient},
		"zone +24h":  {true, []domain.MedicalRecord{{UpdatedAt: created.In(time.FixedZone("", 24*60*60))}}, 1, patient},
	} {
		t.Run(name, func(t *testing.T) {
			if got, want := written(body), encodingJSON(body); got != want {
				t.Errorf("writeJSON wrote\n%s\nencoding/json writes\n%s", got, want)
			}
		})
	}
}

// TestEnvelopesAreWhatEncodingJSONWrites: one patient or record, and pages of them, in the
// {success, data} and list envelopes; other data goes to encoding/json.
func TestEnvelopesAreWhatEncodingJSONWrites(t *testing.T) {
	str := func(s string) *string { return &s }
	created := time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC)
	deactivated := created.Add(36 * time.Hour).In(time.FixedZone("CET", 60*60))
	patients := []domain.Patient{
		{ID: 7, MRN: "HMS-000007", Name: "Zoë <O'Brien> & Søn", Email: "zoe@example.org", DateOfBirth: "1980-05-17",
			Phone: str("+1 555-0100"), Address: str("12 Main Street\nSpringfield \"North\""), BloodGroup: str("AB-"), Active: true,
			Version: 3, CreatedAt: created, UpdatedAt: created.Add(time.Second)},
		{ID: 8, MRN: "EXT-\u2028\xff", Name: "王\t\x00", Address: str(""), Version: 1},
		{ID: 1 << 62, MRN: "HMS-000009", Name: "Deactivated", Email: "d@example.org", DateOfBirth: "1915-12-10", Active: false,
			DeactivatedAt: &deactivated, Version: 2, CreatedAt: created, UpdatedAt: deactivated},
	}
	record := domain.MedicalRecord{ID: 1, PatientID: 7, Diagnosis: "Essential hypertension", Prescription: str("Amlodipine"),
		DoctorName: "Dr. Grey", RecordDate: "2029-03-04", Version: 1, CreatedAt: created, UpdatedAt: created}
	cursor := "NTA<&>"
	year10000 := patients[0]
	year10000.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, body := range map[string]any{
		"patient":                item{true, patients[0]},
		"patient without values": item{true, patients[1]},
		"deactivated patient":    item{true, patients[2]},
		"patient of year 10000":  item{true, year10000},
		"patient for staff":      item{true, patients[0].WithoutClinical()},
		"patients for staff":     list{true, []domain.Patient{patients[0].WithoutClinical(), patients[1].WithoutClinical()}, 2, 2, false, 50, nil},
		"record":                 item{true, record},
		"appointment":            item{true, domain.Appointment{ID: 3, PatientID: 7, CreatedAt: created}},
		"page of patients":       list{true, patients, len(patients), 1_000_000, true, 50, &cursor},
		"last page of patients":  list{true, patients[:1], 1, 1, false, 50, nil},
		"no patients":            list{true, []domain.Patient{}, 0, 0, false, 50, nil},
		"nil patients":           list{true, []domain.Patient(nil), 0, 0, false, 1, nil},
		"patients of year 10000": list{true, []domain.Patient{patients[0], year10000}, 2, 2, false, 50, nil},
		"page of records":        list{true, []domain.MedicalRecord{record, record}, 2, 3, false, 2, &cursor},
		"page of appointments":   list{true, []domain.Appointment{{ID: 3}}, 1, 1, false, 50, nil},
		"nil data":               list{Success: true, Limit: 50},
		"records of a patient":   recordsBody{true, []domain.MedicalRecord{record}, 1, patients[2]},
		"records, year 10000":    recordsBody{true, []domain.MedicalRecord{record}, 1, year10000},
	} {
		t.Run(name, func(t *testing.T) {
			if got, want := written(body), encodingJSON(body); got != want {
				t.Errorf("writeJSON wrote\n%s\nencoding/json writes\n%s", got, want)
			}
		})
	}
}

// TestJSONWritersHaveEveryField fills every field of a record and of a patient, so that a
// field added to domain.MedicalRecord or domain.Patient without its writer learning it
// fails here.
func TestJSONWritersHaveEveryField(t *testing.T) {
	r := filled[domain.MedicalRecord](t)
	got, err := appendRecordJSON(nil, &r)
	want, _ := json.Marshal(r)
	if err != nil || string(got) != string(want) {
		t.Errorf("appendRecordJSON = %s, %v\nencoding/json: %s", got, err, want)
	}
	p := filled[domain.Patient](t)
	got, err = appendPatientJSON(nil, &p)
	want, _ = json.Marshal(p)
	if err != nil || string(got) != string(want) {
		t.Errorf("appendPatientJSON = %s, %v\nencoding/json: %s", got, err, want)
	}
}

// filled returns a T with every field set, pointers to values included.
func filled[T any](t *testing.T) T {
	var x T
	v := reflect.ValueOf(&x).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer {
			fill(t, f, i)
			continue
		}
		p := reflect.New(f.Type().Elem())
		fill(t, p.Elem(), i)
		f.Set(p)
	}
	return x
}

func fill(t *testing.T, v reflect.Value, i int) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("value <" + strings.Repeat("é", i) + ">")
	case reflect.Int64, reflect.Int:
		v.SetInt(int64(1000 + i))
	case reflect.Bool:
		v.SetBool(true)
	default:
		if v.Type() != reflect.TypeFor[time.Time]() {
			t.Fatalf("the test cannot fill a %s; teach it and the JSON writers", v.Type())
		}
		v.Set(reflect.ValueOf(time.Date(2030, 1, 2, 3, 4, 5, i, time.UTC)))
	}
}

// FuzzRecordJSON compares appendRecordJSON with encoding/json on records made of any text,
// numbers and times.
func FuzzRecordJSON(f *testing.F) {
	f.Add("Essential hypertension", "Amlodipine", "Dr. Grey", "2029-03-04", "notes", "reason", int64(1), int64(1893553445), int64(0), 0, uint8(0))
	f.Add("<&>\u2028\xff\"\\\t\x00", "", "王", "", "\x7f\x1f", "é", int64(-1), int64(-62167219200), int64(1), -86399, uint8(7))
	f.Add("a", "b", "c", "d", "e", "f", int64(9), int64(253402300799), int64(999999999), 86400, uint8(3))
	f.Fuzz(func(t *testing.T, diagnosis, prescription, doctor, date, notes, reason string, n, secs, nanos int64, offset int, nils uint8) {
		at := time.Unix(secs, nanos).In(time.FixedZone("", offset))
		r := domain.MedicalRecord{ID: n, PatientID: n * 3, Diagnosis: diagnosis, DoctorName: doctor, RecordDate: date,
			Version: n / 7, CreatedAt: at, UpdatedAt: at.Add(time.Duration(n))}
		if nils&1 != 0 {
			r.Prescription, r.Notes = &prescription, &notes
		}
		if nils&2 != 0 {
			r.VoidedAt, r.VoidReason = &at, &reason
		}
		if nils&4 != 0 {
			r.VoidedBy = &n
		}
		got, err := appendRecordJSON(nil, &r)
		want, werr := json.Marshal(r)
		if (err != nil) != (werr != nil) || err == nil && string(got) != string(want) {
			t.Fatalf("appendRecordJSON = %s, %v\nencoding/json: %s, %v", got, err, want, werr)
		}
	})
}

// FuzzPatientJSON compares appendPatientJSON with encoding/json on patients made of any
// text, numbers and times.
func FuzzPatientJSON(f *testing.F) {
	f.Add("HMS-000001", "Zoë O'Brien", "zoe@example.org", "1980-05-17", "+1 555-0100", "12 Main Street", "O+", int64(1), int64(1893553445), int64(0), 0, uint8(0))
	f.Add("<&>\u2028\xff", "\"\\\t\x00", "", "", "\x7f\x1f", "王", "é", int64(-1), int64(-62167219200), int64(1), -86399, uint8(15))
	f.Add("a", "b", "c", "d", "e", "f", "g", int64(9), int64(253402300799), int64(999999999), 86400, uint8(6))
	f.Fuzz(func(t *testing.T, mrn, name, email, born, phone, address, blood string, n, secs, nanos int64, offset int, opts uint8) {
		at := time.Unix(secs, nanos).In(time.FixedZone("", offset))
		p := domain.Patient{ID: n, MRN: mrn, Name: name, Email: email, DateOfBirth: born, Active: opts&8 != 0, Version: n / 7,
			CreatedAt: at, UpdatedAt: at.Add(time.Duration(n))}
		if opts&1 != 0 {
			p.Phone = &phone
		}
		if opts&2 != 0 {
			p.Address, p.BloodGroup = &address, &blood
		}
		if opts&4 != 0 {
			p.DeactivatedAt = &at
		}
		got, err := appendPatientJSON(nil, &p)
		want, werr := json.Marshal(p)
		if (err != nil) != (werr != nil) || err == nil && string(got) != string(want) {
			t.Fatalf("appendPatientJSON = %s, %v\nencoding/json: %s, %v", got, err, want, werr)
		}
	})
}
