package domain

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Doctor is a clinician whom appointments are booked with. A user with role doctor is
// linked to one (UserID); a doctor named only by bookings or created by an admin has no
// user until a doctor user with the same normalised name claims it.
type Doctor struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Specialty    *string      `json:"specialty"`
	WorkingHours WorkingHours `json:"working_hours"`
	Active       bool         `json:"active"`
	UserID       *int64       `json:"user_id"`
	Version      int64        `json:"version"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// DoctorInput is the body of POST and PUT /api/doctors.
type DoctorInput struct {
	Name         Opt[string]       `json:"name"`
	Specialty    Opt[string]       `json:"specialty"`
	WorkingHours Opt[WorkingHours] `json:"working_hours"`
	Active       Opt[bool]         `json:"active"`
}

// DoctorChanges is a validated PUT: nil leaves a column alone.
type DoctorChanges struct {
	Name         *string
	Specialty    Opt[string]
	WorkingHours WorkingHours // nil leaves the hours alone
	Active       *bool
	IfVersion    int64 // when not 0, the update applies only to this version (If-Match)
}

// ValidateNew checks a create request; working hours default to Mon–Fri 09:00–17:00.
func (in DoctorInput) ValidateNew() (Doctor, error) {
	f := FieldErrors{}
	d := Doctor{Name: required(f, "name", in.Name, 100), Active: true, WorkingHours: DefaultWorkingHours()}
	d.Specialty = optional(f, "specialty", in.Specialty, 100, false)
	if in.WorkingHours.Given() {
		d.WorkingHours = validHours(f, in.WorkingHours.Value)
	}
	if in.Active.Given() {
		d.Active = in.Active.Value
	}
	return d, f.Err()
}

// ValidateUpdate checks a PUT body: only the fields present are changed.
func (in DoctorInput) ValidateUpdate() (DoctorChanges, error) {
	f := FieldErrors{}
	var c DoctorChanges
	if in.Name.Set {
		v := required(f, "name", in.Name, 100)
		c.Name = &v
	}
	c.Specialty = toOpt(in.Specialty, optional(f, "specialty", in.Specialty, 100, false))
	if in.WorkingHours.Set {
		if in.WorkingHours.Null {
			c.WorkingHours = DefaultWorkingHours()
		} else {
			c.WorkingHours = validHours(f, in.WorkingHours.Value)
		}
	}
	if in.Active.Set {
		if in.Active.Null {
			f.Add("active", "must be true or false")
		}
		v := in.Active.Value
		c.Active = &v
	}
	if !in.Name.Set && !in.Specialty.Set && !in.WorkingHours.Set && !in.Active.Set {
		return c, Errorf(CodeInvalid, "the body names no field to change (name, specialty, working_hours, active)")
	}
	return c, f.Err()
}

// DoctorKey is the normalised form of a doctor's name that identifies the doctor when a
// client books by name: ASCII letters lower-cased and runs of spaces collapsed, so that
// "Dr. Grey" and "dr.  GREY" are one doctor. The database migration computes the same
// key in SQL for names booked before doctors existed, which is why it folds ASCII only.
func DoctorKey(name string) string {
	b := []byte(strings.TrimSpace(name))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return strings.Join(strings.FieldsFunc(string(b), func(r rune) bool { return r == ' ' }), " ")
}

// Weekdays are the keys of WorkingHours, Monday first.
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// Interval is a span of a working day in the clinic's time zone, "09:00" to "17:00".
type Interval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// WorkingHours maps a weekday ("mon" … "sun") to the intervals a doctor works that day;
// a missing day is a day off.
type WorkingHours map[string][]Interval

// DefaultWorkingHours is Monday to Friday, 09:00 to 17:00.
func DefaultWorkingHours() WorkingHours {
	wh := WorkingHours{}
	for _, d := range Weekdays[:5] {
		wh[d] = []Interval{{"09:00", "17:00"}}
	}
	return wh
}

// MarshalJSON writes every weekday, with [] for days off, so clients see the whole week.
func (wh WorkingHours) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, d := range Weekdays {
		iv := wh[d]
		if iv == nil {
			iv = []Interval{}
		}
		j, err := json.Marshal(iv)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", d, j)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// clockMinutes parses "HH:MM" (00:00–24:00) into minutes after midnight.
func clockMinutes(v string) (int, bool) {
	if len(v) != 5 || v[2] != ':' {
		return 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	h := int(v[0]-'0')*10 + int(v[1]-'0')
	m := int(v[3]-'0')*10 + int(v[4]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// validHours checks working hours: known weekdays, HH:MM times, each interval
// non-empty, at most 4 a day, in order and not overlapping. It returns them sorted.
func validHours(f FieldErrors, wh WorkingHours) WorkingHours {
	out := WorkingHours{}
	for day, intervals := range wh {
		name := "working_hours." + day
		if !slices.Contains(Weekdays, day) {
			f.Add(name, "is not a weekday; use "+strings.Join(Weekdays, ", "))
			continue
		}
		if len(intervals) > 4 {
			f.Add(name, "may have at most 4 intervals")
			continue
		}
		sorted := append([]Interval(nil), intervals...)
		sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
		prevEnd := -1
		for _, iv := range sorted {
			s, ok1 := clockMinutes(iv.Start)
			e, ok2 := clockMinutes(iv.End)
			switch {
			case !ok1 || !ok2:
				f.Add(name, "times must be HH:MM between 00:00 and 24:00")
			case s >= e:
				f.Add(name, "each interval must end after it starts")
			case s < prevEnd:
				f.Add(name, "intervals must not overlap")
			}
			prevEnd = e
		}
		if len(sorted) > 0 {
			out[day] = sorted
		}
	}
	return out
}

// Span is a stretch of time [Start, End).
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Overlaps reports whether s and o share any instant; touching spans do not overlap.
func (s Span) Overlaps(o Span) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// FreeSlots returns the slots of length slot that the doctor works on day (a date read in
// loc), that may be booked at now (they start from now to LatestStart) and that overlap
// none of busy. Slots are laid end to end from the start of each working interval.
func (wh WorkingHours) FreeSlots(day time.Time, loc *time.Location, slot time.Duration, busy []Span, now time.Time) []Span {
	out := []Span{}
	weekday := Weekdays[(int(day.Weekday())+6)%7]
	for _, iv := range wh[weekday] {
		s, _ := clockMinutes(iv.Start)
		e, _ := clockMinutes(iv.End)
		end := time.Date(day.Year(), day.Month(), day.Day(), 0, e, 0, 0, loc)
		for t := time.Date(day.Year(), day.Month(), day.Day(), 0, s, 0, 0, loc); !t.Add(slot).After(end); t = t.Add(slot) {
			c := Span{t.UTC(), t.Add(slot).UTC()}
			if c.Start.Before(now) || c.Start.After(LatestStart(now)) || overlapsAny(c, busy) {
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

func overlapsAny(s Span, busy []Span) bool {
	for _, b := range busy {
		if s.Overlaps(b) {
			return true
		}
	}
	return false
}
