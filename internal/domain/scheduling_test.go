package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEveryTransition checks all 36 pairs of statuses against the lifecycle.
func TestEveryTransition(t *testing.T) {
	legal := map[string][]string{
		StatusScheduled:  {StatusCheckedIn, StatusCancelled, StatusNoShow},
		StatusCheckedIn:  {StatusInProgress, StatusCancelled, StatusNoShow},
		StatusInProgress: {StatusCompleted},
	}
	for _, from := range AppointmentStatuses {
		for _, to := range AppointmentStatuses {
			err := CheckTransition(from, to)
			want := from == to || slices.Contains(legal[from], to)
			if (err == nil) != want {
				t.Errorf("%s → %s: err %v, want allowed=%v", from, to, err, want)
				continue
			}
			if err == nil {
				continue
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeConflict {
				t.Fatalf("%s → %s: %v is not a conflict", from, to, err)
			}
			allowed := e.Details["allowed_statuses"].([]string)
			if !slices.Equal(allowed, legal[from]) && !(len(allowed) == 0 && len(legal[from]) == 0) {
				t.Errorf("%s → %s: allowed %v, want %v", from, to, allowed, legal[from])
			}
			for _, a := range legal[from] {
				if !strings.Contains(e.Message, a) {
					t.Errorf("%s → %s: message %q does not name %s", from, to, e.Message, a)
				}
			}
		}
	}
	for _, s := range AppointmentStatuses {
		if got, want := HoldsSlot(s), s != StatusCancelled && s != StatusNoShow; got != want {
			t.Errorf("HoldsSlot(%s) = %v", s, got)
		}
	}
}

func TestFreeSlots(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	at := func(s string) time.Time { v, _ := ParseDateTime(s, ny); return v }
	monday, _ := ParseDate("2031-03-03")
	sunday, _ := ParseDate("2031-03-09")
	long := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) // the days below lie within its booking window
	morning := WorkingHours{"mon": {{"09:00", "10:00"}, {"11:00", "11:45"}}}
	cases := []struct {
		name  string
		wh    WorkingHours
		day   time.Time
		slot  time.Duration
		busy  []Span
		now   time.Time
		wants []string // local start times
	}{
		{"whole morning free", morning, monday, 30 * time.Minute, nil, long, []string{"09:00", "09:30", "11:00"}},
		{"a slot that does not fit is left out", morning, monday, 45 * time.Minute, nil, long, []string{"09:00", "11:00"}},
		{"busy slot skipped", morning, monday, 30 * time.Minute, []Span{{at("2031-03-03T09:30"), at("2031-03-03T09:40")}}, long, []string{"09:00", "11:00"}},
		{"touching appointment does not block", morning, monday, 30 * time.Minute, []Span{{at("2031-03-03T08:00"), at("2031-03-03T09:00")}}, long, []string{"09:00", "09:30", "11:00"}},
		{"slots already begun are gone", morning, monday, 30 * time.Minute, nil, at("2031-03-03T09:10"), []string{"09:30", "11:00"}},
		{"slots beyond the booking window are not offered", morning, monday, 30 * time.Minute, nil, at("2026-03-03T09:45"), []string{"09:00", "09:30"}},
		{"day off", morning, sunday, 30 * time.Minute, nil, long, nil},
		{"default hours", DefaultWorkingHours(), monday, 4 * time.Hour, nil, long, []string{"09:00", "13:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range tc.wh.FreeSlots(tc.day, ny, tc.slot, tc.busy, tc.now) {
				got = append(got, s.Start.In(ny).Format("15:04"))
				if s.End.Sub(s.Start) != tc.slot {
					t.Errorf("slot %v lasts %v", s, s.End.Sub(s.Start))
				}
			}
			if !slices.Equal(got, tc.wants) {
				t.Errorf("slots %v, want %v", got, tc.wants)
			}
		})
	}
}

func TestWorkingHoursValidation(t *testing.T) {
	cases := []struct {
		name string
		wh   WorkingHours
		bad  string // the field that must fail, or ""
	}{
		{"default", DefaultWorkingHours(), ""},
		{"split day", WorkingHours{"tue": {{"13:00", "17:00"}, {"08:00", "12:00"}}}, ""},
		{"until midnight", WorkingHours{"sat": {{"18:00", "24:00"}}}, ""},
		{"unknown day", WorkingHours{"monday": {{"09:00", "17:00"}}}, "working_hours.monday"},
		{"bad time", WorkingHours{"mon": {{"9:00", "17:00"}}}, "working_hours.mon"},
		{"minutes out of range", WorkingHours{"mon": {{"09:60", "17:00"}}}, "working_hours.mon"},
		{"past midnight", WorkingHours{"mon": {{"09:00", "24:30"}}}, "working_hours.mon"},
		{"ends before it starts", WorkingHours{"mon": {{"17:00", "09:00"}}}, "working_hours.mon"},
		{"overlap", WorkingHours{"mon": {{"09:00", "12:00"}, {"11:00", "13:00"}}}, "working_hours.mon"},
		{"too many", WorkingHours{"mon": {{"01:00", "02:00"}, {"03:00", "04:00"}, {"05:00", "06:00"}, {"07:00", "08:00"}, {"09:00", "10:00"}}}, "working_hours.mon"},
	}
	for _, tc := range cases {
		f := FieldErrors{}
		validHours(f, tc.wh)
		if tc.bad == "" && len(f) > 0 || tc.bad != "" && f[tc.bad] == "" {
			t.Errorf("%s: errors %v, want failure of %q", tc.name, f, tc.bad)
		}
	}
}

func TestNameKeys(t *testing.T) {
	for a, b := range map[string]string{"Dr. Grey": "dr. grey", "  DR.   GREY ": "dr. grey", "Dr Élise": "dr Élise"} {
		if DoctorKey(a) != b {
			t.Errorf("DoctorKey(%q) = %q, want %q", a, DoctorKey(a), b)
		}
	}
	phone := func(s string) *string { return &s }
	p := func(name, dob string, ph *string) Patient { return Patient{Name: name, DateOfBirth: dob, Phone: ph} }
	cases := []struct {
		a, b Patient
		dup  bool
	}{
		{p("Mary-Ann O'Brien", "1980-01-01", nil), p("mary ann obrien", "1980-01-01", nil), true},
		{p("Grace Hopper", "1906-12-09", nil), p("Hopper, Grace", "1906-12-09", nil), true},
		{p("Grace Hopper", "1906-12-09", phone("+1 (555) 0100")), p("grace hopper", "1950-01-01", phone("15550100")), true},
		{p("Grace Hopper", "1906-12-09", nil), p("Grace Hopper", "1950-01-01", nil), false},
		{p("Grace Hopper", "1906-12-09", phone("555")), p("Grace Murray", "1906-12-09", phone("555")), false},
	}
	for i, tc := range cases {
		tc.b.ID = 1
		if got := PossibleDuplicate(tc.a, tc.b); got != tc.dup {
			t.Errorf("case %d: %q and %q: duplicate = %v", i, tc.a.Name, tc.b.Name, got)
		}
	}
}

func TestDurationAndDoctorOnCreate(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	base := func() AppointmentInput {
		return AppointmentInput{PatientID: Some[int64](1), Start: Some("2031-01-01T10:00")}
	}
	cases := []struct {
		name  string
		edit  func(*AppointmentInput)
		field string
	}{
		{"by name", func(in *AppointmentInput) { in.DoctorName = Some("Dr. Grey") }, ""},
		{"by id", func(in *AppointmentInput) { in.DoctorID = Some[int64](3) }, ""},
		{"neither", func(in *AppointmentInput) {}, "doctor_name"},
		{"id zero", func(in *AppointmentInput) { in.DoctorID = Some[int64](0) }, "doctor_id"},
		{"duration too short", func(in *AppointmentInput) { in.DoctorID = Some[int64](3); in.Duration = Some(4) }, "duration_minutes"},
		{"duration too long", func(in *AppointmentInput) { in.DoctorID = Some[int64](3); in.Duration = Some(481) }, "duration_minutes"},
		{"duration null", func(in *AppointmentInput) {
			in.DoctorID = Some[int64](3)
			in.Duration = Opt[int]{Set: true, Null: true}
		}, "duration_minutes"},
	}
	for _, tc := range cases {
		in := base()
		tc.edit(&in)
		a, err := in.ValidateNew(now, time.UTC)
		var e *Error
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.field == "" && a.End.Sub(a.Start) != 30*time.Minute:
			t.Errorf("%s: default duration gives %v", tc.name, a.End.Sub(a.Start))
		case tc.field != "" && (!errors.As(err, &e) || e.Fields[tc.field] == ""):
			t.Errorf("%s: %v does not name %s", tc.name, err, tc.field)
		}
	}
}
