package fhir

import (
	"net/url"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

func TestAppointmentStatusMapping(t *testing.T) {
	want := map[string]string{"scheduled": "booked", "checked_in": "arrived", "in_progress": "arrived",
		"completed": "fulfilled", "cancelled": "cancelled", "no_show": "noshow"}
	for _, s := range domain.AppointmentStatuses {
		if got := FromAppointment(domain.Appointment{Status: s}).Status; got != want[s] {
			t.Errorf("%s → %s, want %s", s, got, want[s])
		}
	}
	if st, ok := AppointmentStatuses("arrived"); !ok || len(st) != 2 {
		t.Errorf("arrived → %v", st)
	}
	if st, ok := AppointmentStatuses("waitlist"); !ok || len(st) != 0 {
		t.Errorf("waitlist is R4 but not HMS: %v %v", st, ok)
	}
	if _, ok := AppointmentStatuses("teleported"); ok {
		t.Error("teleported accepted")
	}
}

func TestDateBounds(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(domain.DateLayout, s); return d }
	cases := []struct {
		vals   []string
		lo, hi string
	}{
		{[]string{"1980"}, "1980-01-01", "1981-01-01"},
		{[]string{"1980-02"}, "1980-02-01", "1980-03-01"},
		{[]string{"eq1980-02-29"}, "1980-02-29", "1980-03-01"},
		{[]string{"ge1980-05-17"}, "1980-05-17", ""},
		{[]string{"gt1980-05-17"}, "1980-05-18", ""},
		{[]string{"le1980-05-17"}, "", "1980-05-18"},
		{[]string{"lt1980-05-17"}, "", "1980-05-17"},
		{[]string{"ge1980", "lt1980-07", "le1990"}, "1980-01-01", "1980-07-01"},
	}
	for _, tc := range cases {
		lo, hi, err := dateBounds("birthdate", tc.vals, time.UTC, false)
		if err != nil {
			t.Fatalf("%v: %v", tc.vals, err)
		}
		if (tc.lo == "") != lo.IsZero() || (tc.lo != "" && !lo.Equal(day(tc.lo))) ||
			(tc.hi == "") != hi.IsZero() || (tc.hi != "" && !hi.Equal(day(tc.hi))) {
			t.Errorf("%v: [%v, %v), want [%s, %s)", tc.vals, lo, hi, tc.lo, tc.hi)
		}
	}
	for _, bad := range []string{"1980-02-30", "80", "ne1980", "1980-13", "sa1980", "1899", "ge0000-01-01", "lt1899-12-31"} {
		if _, _, err := dateBounds("birthdate", []string{bad}, time.UTC, false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// The last day ends in year 10000, which SQLite's text of times does not order: the
	// bound stays at the last second of 9999.
	for _, last := range []string{"9999", "le9999-12-31", "9999-12-31"} {
		_, hi, err := dateBounds("birthdate", []string{last}, time.UTC, false)
		if err != nil || !hi.Equal(domain.LatestTime) {
			t.Errorf("%s: up to %v (%v), want %v", last, hi, err, domain.LatestTime)
		}
	}
	if _, _, err := dateBounds("date", []string{"ge9999-12-31T23:00:00-05:00"}, time.UTC, true); err == nil {
		t.Error("a date-time in year 10000 (UTC) accepted")
	}
	// A date-time with an offset is an instant; a date is a whole day in the clinic's zone.
	ny, _ := time.LoadLocation("America/New_York")
	lo, hi, err := dateBounds("date", []string{"2031-03-04"}, ny, true)
	if err != nil || lo.UTC().Hour() != 5 || hi.Sub(lo) != 24*time.Hour {
		t.Errorf("day in New York: [%v, %v) %v", lo.UTC(), hi.UTC(), err)
	}
	lo, _, err = dateBounds("date", []string{"ge2031-03-04T10:00:00+01:00"}, ny, true)
	if err != nil || !lo.Equal(time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("instant: %v %v", lo, err)
	}
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		typ, query string
		ok         bool
	}{
		{"Patient", "name=ann&_count=10", true},
		{"Patient", "_format=json", true},
		{"Patient", "status=booked", false},
		{"Patient", "name=", false},
		{"Appointment", "date=ge2030&status=booked,arrived&patient=Patient/1", true},
		{"Condition", "patient=1&code=x", false},
	} {
		q, _ := url.ParseQuery(tc.query)
		if _, err := ParseQuery(tc.typ, q); (err == nil) != tc.ok {
			t.Errorf("%s?%s: %v", tc.typ, tc.query, err)
		}
	}
}

func TestBloodGroupRoundTrip(t *testing.T) {
	for _, g := range domain.BloodGroups {
		p := domain.Patient{ID: 3, BloodGroup: &g}
		obs, ok := FromBloodGroup(p)
		if !ok || bloodGroupOf(obs.ValueCodeableConcept) != g || obs.Code.Coding[0].Code != "882-1" {
			t.Errorf("%s: %+v", g, obs)
		}
		if id, ok := ParseBloodGroupID(obs.ID); !ok || id != 3 {
			t.Errorf("id %s", obs.ID)
		}
	}
	if _, ok := FromBloodGroup(domain.Patient{}); ok {
		t.Error("observation without a blood group")
	}
}

func TestNameMapping(t *testing.T) {
	h := splitName("Amy V. Baxter")
	if h.Family != "Baxter" || len(h.Given) != 2 || nameOf([]HumanName{h}) != "Amy V. Baxter" {
		t.Errorf("%+v", h)
	}
	if got := nameOf([]HumanName{{Use: "nickname", Given: []string{"Bo"}}, {Use: "official", Family: "Lee", Given: []string{"Ann"}}}); got != "Ann Lee" {
		t.Errorf("official name: %q", got)
	}
}
