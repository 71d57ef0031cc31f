package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DateLayout is how HMS writes calendar dates (date_of_birth, record_date).
const DateLayout = "2006-01-02"

// maxTextLen bounds free-text columns (address, reason, notes, diagnosis, prescription):
// the schema has no limit, but a 1 MiB note is an error, not a note.
const maxTextLen = 10000

// The dates and times HMS accepts, and why.
//
// Every time HMS keeps must come back as it went in, on both databases and in JSON: SQLite
// keeps a time as text with a four-digit year, whose text order is time order only while the
// year has four digits, and RFC 3339, the form of every answer, has no room for a fifth.
// PUT of an appointment at 9999-12-31T23:59:59Z once ended in year 10000 and wedged every
// list. So each kind of input is bounded where it is parsed, well inside years 1 to 9999:
//   - date_of_birth and record_date: from EarliestDate to today;
//   - appointment_datetime: from now to BookingYears ahead (LatestStart), so that its end,
//     at most MaxDuration later, is bounded too;
//   - the dates and times that bound a search (from, to, FHIR date and birthdate): from
//     EarliestDate to LatestTime (InSearchRange, ClampSearch).
//
// And the store commits a write only once the row, read back in the same transaction,
// passes CheckStoredTime: a row it could not answer rolls back instead of committing
// behind a 500.
var (
	// EarliestDate is the oldest date HMS accepts: births, records and search bounds.
	EarliestDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	// LatestTime is the latest time a search may name.
	LatestTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// BookingYears is how far ahead an appointment may start, from the time it is booked or moved.
const BookingYears = 5

// LatestStart is the latest start an appointment booked or moved at now may have.
func LatestStart(now time.Time) time.Time { return now.AddDate(BookingYears, 0, 0) }

// CheckStoredTime returns an error when t is a time that the stores or JSON cannot give
// back as it is: one outside years 1 to 9999 (in UTC, as both stores keep it).
func CheckStoredTime(field string, t time.Time) error {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s %s lies outside years 1 to 9999, which the stores and JSON cannot round-trip", field, t.UTC().Format(time.RFC3339))
	}
	return nil
}

// checkStoredDate is CheckStoredTime for a calendar date column, which the stores give back
// as YYYY-MM-DD: one that does not read as such did not round-trip.
func checkStoredDate(field, v string) error {
	if _, ok := ParseDate(v); !ok {
		return fmt.Errorf("%s %q is not a date that the stores round-trip", field, v)
	}
	return nil
}

// InSearchRange reports whether a date or time that a search names (from, to, a FHIR date
// or birthdate) lies from EarliestDate to LatestTime: a date as written, a time in UTC.
func InSearchRange(t time.Time) bool { return !t.Before(EarliestDate) && !t.After(LatestTime) }

// SearchRangeMessage is the field message for a search bound outside InSearchRange.
const SearchRangeMessage = "must lie from 1900-01-01 to 9999-12-31"

// ClampSearch keeps a bound computed from a search value within EarliestDate and
// LatestTime: the whole day 9999-12-31 ends in year 10000, and 1900-01-01 in a zone east of
// UTC starts in 1899. Nothing HMS holds lies outside that range, so the clamped bound
// selects the same rows, and both stores can compare with it.
func ClampSearch(t time.Time) time.Time {
	switch t = t.UTC(); {
	case t.Before(EarliestDate):
		return EarliestDate
	case t.After(LatestTime):
		return LatestTime
	}
	return t
}

// BloodGroups are the accepted values of patient.blood_group.
var BloodGroups = []string{"A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"}

// checkText validates a string field: trimmed, no NUL or control characters (line breaks
// and tabs only where multiline), valid UTF-8, at most max characters. It returns the
// trimmed value and "" or a message.
func checkText(v string, max int, multiline bool) (string, string) {
	if !utf8.ValidString(v) {
		return "", "must be valid UTF-8 text"
	}
	v = strings.TrimSpace(v)
	for _, r := range v {
		if r == 0 {
			return "", "must not contain NUL characters"
		}
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return "", "must not contain control characters"
		}
	}
	if n := utf8.RuneCountInString(v); n > max {
		return "", fmt.Sprintf("must be at most %d characters (got %d)", max, n)
	}
	return v, ""
}

// required validates a required single-line string.
func required(f FieldErrors, field string, o Opt[string], max int) string {
	if !o.Set || o.Null {
		f.Add(field, "is required")
		return ""
	}
	v, msg := checkText(o.Value, max, false)
	if msg != "" {
		f.Add(field, msg)
		return ""
	}
	if v == "" {
		f.Add(field, "must not be empty")
	}
	return v
}

// optional validates an optional string; an empty or null value becomes nil.
func optional(f FieldErrors, field string, o Opt[string], max int, multiline bool) *string {
	if !o.Given() {
		return nil
	}
	v, msg := checkText(o.Value, max, multiline)
	if msg != "" {
		f.Add(field, msg)
		return nil
	}
	if v == "" {
		return nil
	}
	return &v
}

// normaliseEmail validates an email address and returns it lower-cased.
func normaliseEmail(f FieldErrors, field, v string) string {
	if v == "" {
		return ""
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || a.Name != "" || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		f.Add(field, "must be a valid email address")
		return ""
	}
	return strings.ToLower(v)
}

// ParseDate parses a YYYY-MM-DD calendar date, exactly as written: impossible dates such as
// 2023-02-30, and anything around the date (spaces, a line break), are refused.
func ParseDate(v string) (time.Time, bool) {
	t, err := time.Parse(DateLayout, v)
	if err != nil || t.Format(DateLayout) != v {
		return time.Time{}, false
	}
	return t, true
}

// ParseDateTime parses a date and time exactly as written: RFC 3339 with an offset, or a
// local YYYY-MM-DDTHH:MM[:SS] read in loc. The result is in UTC.
func ParseDateTime(v string, loc *time.Location) (time.Time, bool) {
	if len(v) > maxDateTimeLen {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			// ParseInLocation normalises impossible dates (Feb 30); reject those.
			if t.Format(layout) != v {
				return time.Time{}, false
			}
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// maxDateTimeLen bounds what ParseDateTime reads: the longest RFC 3339 time with
// nanoseconds and an offset has 35 characters.
const maxDateTimeLen = 40

// dateField validates a required date field (date_of_birth, record_date) as written, from
// EarliestDate to today in loc. It returns the date, or "" after adding a message.
func dateField(f FieldErrors, field string, o Opt[string], now time.Time, loc *time.Location) string {
	if !o.Given() {
		f.Add(field, "is required")
		return ""
	}
	d, ok := ParseDate(o.Value)
	switch {
	case !ok:
		f.Add(field, "must be a valid date in the form YYYY-MM-DD")
	case d.After(today(now, loc)):
		f.Add(field, "must not be in the future")
	case d.Before(EarliestDate):
		f.Add(field, "must not be before 1900-01-01")
	default:
		return o.Value
	}
	return ""
}

// today returns the calendar date of now in loc, at midnight UTC, for comparison with parsed dates.
func today(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
