package domain

import (
	"fmt"
	"strings"
	"time"
)

// Recurrence frequencies.
const (
	FrequencyDaily   = "daily"
	FrequencyWeekly  = "weekly"
	FrequencyMonthly = "monthly"
)

// Bounds of a recurring series.
const (
	MinOccurrences = 2
	MaxOccurrences = 52
	MaxInterval    = 12
)

// RecurrenceInput is the "recurrence" of POST /api/appointments: every interval days,
// weeks or months, count times or until a date (inclusive, in the clinic's time zone).
type RecurrenceInput struct {
	Frequency string      `json:"frequency"`
	Interval  Opt[int]    `json:"interval"`
	Count     Opt[int]    `json:"count"`
	Until     Opt[string] `json:"until"`
}

// Recurrence is a validated RecurrenceInput.
type Recurrence struct {
	Frequency string
	Interval  int
	Count     int       // 0 when Until is given
	Until     time.Time // the last day, 00:00 in the clinic's zone; zero when Count is given
}

// Validate checks the recurrence, naming each field as recurrence.<name>.
func (in RecurrenceInput) Validate(f FieldErrors) Recurrence {
	r := Recurrence{Frequency: strings.ToLower(strings.TrimSpace(in.Frequency)), Interval: 1}
	switch r.Frequency {
	case FrequencyDaily, FrequencyWeekly, FrequencyMonthly:
	case "":
		f.Add("recurrence.frequency", "is required: daily, weekly or monthly")
	default:
		f.Add("recurrence.frequency", "must be daily, weekly or monthly")
	}
	if in.Interval.Set {
		if in.Interval.Null || in.Interval.Value < 1 || in.Interval.Value > MaxInterval {
			f.Add("recurrence.interval", fmt.Sprintf("must be a whole number from 1 to %d", MaxInterval))
		} else {
			r.Interval = in.Interval.Value
		}
	}
	switch {
	case in.Count.Given() && in.Until.Given():
		f.Add("recurrence.count", "give count or until, not both")
	case in.Count.Given():
		if in.Count.Value < MinOccurrences || in.Count.Value > MaxOccurrences {
			f.Add("recurrence.count", fmt.Sprintf("must be from %d to %d", MinOccurrences, MaxOccurrences))
		} else {
			r.Count = in.Count.Value
		}
	case in.Until.Given():
		if d, ok := ParseDate(in.Until.Value); ok {
			r.Until = d
		} else {
			f.Add("recurrence.until", "must be a date such as 2030-06-30")
		}
	default:
		f.Add("recurrence.count", fmt.Sprintf("is required (%d to %d), or give until", MinOccurrences, MaxOccurrences))
	}
	return r
}

// Starts returns the start of every occurrence of a series whose first occurrence starts
// at first: the same wall-clock time in loc on each day, so that daylight-saving changes
// do not move it. A monthly series on a day a month lacks (the 31st) falls on the month's
// last day. With Until, the occurrences on or before that day, at most MaxOccurrences.
func (r Recurrence) Starts(first time.Time, loc *time.Location) []time.Time {
	local := first.In(loc)
	y, m, d := local.Date()
	hh, mm, ss := local.Clock()
	n := r.Count
	if n == 0 {
		n = MaxOccurrences + 1 // one more than allowed, so that a too-long until shows
	}
	out := make([]time.Time, 0, n)
	for i := 0; i < n; i++ {
		var day time.Time
		switch r.Frequency {
		case FrequencyDaily:
			day = time.Date(y, m, d+i*r.Interval, 0, 0, 0, 0, loc)
		case FrequencyWeekly:
			day = time.Date(y, m, d+7*i*r.Interval, 0, 0, 0, 0, loc)
		default:
			month := time.Date(y, m+time.Month(i*r.Interval), 1, 0, 0, 0, 0, loc)
			last := month.AddDate(0, 1, -1).Day()
			day = time.Date(month.Year(), month.Month(), min(d, last), 0, 0, 0, 0, loc)
		}
		if !r.Until.IsZero() && day.After(time.Date(r.Until.Year(), r.Until.Month(), r.Until.Day(), 0, 0, 0, 0, loc)) {
			break
		}
		out = append(out, time.Date(day.Year(), day.Month(), day.Day(), hh, mm, ss, 0, loc).UTC())
	}
	return out
}

// SeriesOf validates a series whose first occurrence is first (already validated) and
// returns every occurrence: between MinOccurrences and MaxOccurrences of them, the last
// no later than a single booking may be (LatestStart).
func (r Recurrence) SeriesOf(first Appointment, now time.Time, loc *time.Location) ([]Appointment, error) {
	starts := r.Starts(first.Start, loc)
	switch {
	case len(starts) < MinOccurrences:
		return nil, fieldErr("recurrence.until", fmt.Sprintf("must leave at least %d occurrences", MinOccurrences))
	case len(starts) > MaxOccurrences:
		return nil, fieldErr("recurrence.until", fmt.Sprintf("makes more than %d occurrences; choose an earlier date or a longer interval", MaxOccurrences))
	case starts[len(starts)-1].After(LatestStart(now)): // the bound of a single booking holds for each
		return nil, fieldErr("recurrence", fmt.Sprintf("the last occurrence (%s) is more than %d years ahead", starts[len(starts)-1].In(loc).Format(DateLayout), BookingYears))
	}
	out := make([]Appointment, len(starts))
	for i, s := range starts {
		a := first
		a.Start, a.End = s, s.Add(time.Duration(first.Duration)*time.Minute)
		out[i] = a
	}
	return out, nil
}

func fieldErr(name, msg string) error {
	f := FieldErrors{}
	f.Add(name, msg)
	return f.Err()
}

// Series scopes: which occurrences of a series a cancel or a move applies to.
const (
	ScopeThis      = "this"
	ScopeFollowing = "following"
	ScopeSeries    = "series"
)

// ParseScope reads the scope query parameter; empty is ScopeThis.
func ParseScope(v string) (string, error) {
	switch v {
	case "", ScopeThis:
		return ScopeThis, nil
	case ScopeFollowing, ScopeSeries:
		return v, nil
	}
	return "", fieldErr("scope", "must be this, following or series")
}
