package domain

import (
	"errors"
	"testing"
	"time"
)

// fieldOf returns the message err gives for field, or "" when err does not name it.
func fieldOf(err error, field string) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields[field]
	}
	return ""
}

// TestDatesAreExactAndBounded: dates and times in bodies are taken exactly as written
// (nothing trimmed) and only within the range each field allows.
func TestDatesAreExactAndBounded(t *testing.T) {
	now := time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
	horizon := LatestStart(now) // 2035-06-01T12:00:00Z
	type check func(v string) error
	birth := func(v string) error {
		_, err := PatientInput{Name: Some("Ada"), Email: Some("ada@example.org"), DateOfBirth: Some(v)}.ValidateNew(now, time.UTC)
		return err
	}
	birthUpdate := func(v string) error {
		_, err := PatientInput{DateOfBirth: Some(v)}.ValidateUpdate(now, time.UTC)
		return err
	}
	recordDate := func(v string) error {
		_, err := RecordInput{PatientID: Some[int64](1), Diagnosis: Some("Flu"), DoctorName: Some("Dr. Grey"), RecordDate: Some(v)}.ValidateNew(now, time.UTC)
		return err
	}
	recordAmend := func(v string) error {
		_, err := RecordInput{RecordDate: Some(v)}.ValidateUpdate(now, time.UTC)
		return err
	}
	booking := func(v string) error {
		_, err := AppointmentInput{PatientID: Some[int64](1), DoctorID: Some[int64](1), Start: Some(v)}.ValidateNew(now, time.UTC)
		return err
	}
	move := func(v string) error {
		_, err := AppointmentInput{Start: Some(v)}.ValidateUpdate(now, time.UTC)
		return err
	}
	cases := []struct {
		field  string
		checks []check
		good   []string
		bad    []string
	}{
		{"date_of_birth", []check{birth, birthUpdate},
			[]string{"1990-01-01", "1900-01-01", "2030-06-01"},
			[]string{"1990-01-01\n", " 1990-01-01", "1990-01-01 ", "\t1990-01-01", "1899-12-31", "2030-06-02", "9999-12-31",
				"1990-02-30", "1990-1-1", "", "0000-01-01"}},
		{"record_date", []check{recordDate, recordAmend},
			[]string{"2020-05-17", "1900-01-01", "2030-06-01"},
			[]string{"2020-05-17\n", " 2020-05-17", "1899-12-31", "2030-06-02", "10000-01-01", "", "2020-05-17T10:00:00Z"}},
		{"appointment_datetime", []check{booking, move},
			[]string{"2030-06-01T12:00:00Z", "2031-01-01T09:30", "2031-01-01T09:30:00+02:00", "2031-01-01T09:30:00.000Z",
				horizon.Format(time.RFC3339), "2035-06-01T13:00:00+01:00"},
			[]string{"2031-01-01T09:30\n", " 2031-01-01T09:30", "2031-01-01T09:30:00Z ", "2030-06-01T11:59:59Z",
				horizon.Add(time.Second).Format(time.RFC3339), "9999-12-31T23:59:59Z", "2031-01-01T09:30:00.5Z",
				"2031-02-30T09:30", "2031-01-01", ""}},
	}
	for _, tc := range cases {
		for i, c := range tc.checks {
			for _, v := range tc.good {
				if err := c(v); err != nil {
					t.Errorf("%s (check %d) %q: %v, want accepted", tc.field, i, v, err)
				}
			}
			for _, v := range tc.bad {
				if err := c(v); fieldOf(err, tc.field) == "" {
					t.Errorf("%s (check %d) %q: %v, want a message for %s", tc.field, i, v, err, tc.field)
				}
			}
		}
	}
}

// TestStoredRowsAreChecked: a row whose times the stores or JSON cannot round-trip fails
// CheckStored, which the store runs before it commits a write.
func TestStoredRowsAreChecked(t *testing.T) {
	ok := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	past := time.Date(10000, 1, 1, 0, 29, 59, 0, time.UTC)
	good := Appointment{Start: ok, End: ok.Add(30 * time.Minute), CreatedAt: ok, UpdatedAt: ok}
	if err := good.CheckStored(); err != nil {
		t.Errorf("a good appointment: %v", err)
	}
	bad := good
	bad.End = past
	if err := bad.CheckStored(); err == nil {
		t.Error("an appointment ending in year 10000 passed")
	}
	p := Patient{DateOfBirth: "1990-01-01", CreatedAt: ok, UpdatedAt: ok}
	if err := p.CheckStored(); err != nil {
		t.Errorf("a good patient: %v", err)
	}
	p.DateOfBirth = "10000-01-0" // what a five-digit year reads back as
	if err := p.CheckStored(); err == nil {
		t.Error("a patient born in year 10000 passed")
	}
	r := MedicalRecord{RecordDate: "2020-01-01", CreatedAt: ok, UpdatedAt: ok, VoidedAt: &past}
	if err := r.CheckStored(); err == nil {
		t.Error("a record voided in year 10000 passed")
	}
}

// TestSearchBounds: a search names dates from 1900 to 9999; the bounds computed from them
// stay inside the range both stores compare correctly.
func TestSearchBounds(t *testing.T) {
	for _, tc := range []struct {
		t  time.Time
		in bool
	}{
		{EarliestDate, true}, {LatestTime, true}, {EarliestDate.Add(-time.Second), false}, {LatestTime.Add(time.Second), false},
	} {
		if InSearchRange(tc.t) != tc.in {
			t.Errorf("InSearchRange(%v) = %v", tc.t, !tc.in)
		}
	}
	endOfLastDay := time.Date(10000, 1, 1, 5, 0, 0, 0, time.UTC)
	if got := ClampSearch(endOfLastDay); !got.Equal(LatestTime) {
		t.Errorf("ClampSearch(%v) = %v", endOfLastDay, got)
	}
	tokyo := time.FixedZone("JST", 9*3600)
	if got := ClampSearch(time.Date(1900, 1, 1, 0, 0, 0, 0, tokyo)); !got.Equal(EarliestDate) {
		t.Errorf("the start of 1900-01-01 in Tokyo clamps to %v", got)
	}
}

func TestCheckCancel(t *testing.T) {
	for _, s := range AppointmentStatuses {
		err := CheckCancel(s)
		if may := s == StatusScheduled || s == StatusCheckedIn; may != (err == nil) {
			t.Errorf("CheckCancel(%s) = %v", s, err)
			continue
		}
		var e *Error
		if err != nil && (!errors.As(err, &e) || e.Code != CodeConflict || e.Details["current_status"] != s) {
			t.Errorf("CheckCancel(%s) = %#v, want a conflict naming the status", s, err)
		}
	}
}
