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

// earliestBirthDate is the oldest date_of_birth HMS accepts.
var earliestBirthDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

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

// ParseDate parses a YYYY-MM-DD calendar date, rejecting impossible dates such as 2023-02-30.
func ParseDate(v string) (time.Time, bool) {
	t, err := time.Parse(DateLayout, v)
	if err != nil || t.Format(DateLayout) != v {
		return time.Time{}, false
	}
	return t, true
}

// ParseDateTime parses an appointment time: RFC 3339 with an offset, or a local
// YYYY-MM-DDTHH:MM[:SS] read in loc. The result is in UTC.
func ParseDateTime(v string, loc *time.Location) (time.Time, bool) {
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

// today returns the calendar date of now in loc, at midnight UTC, for comparison with parsed dates.
func today(now time.Time, loc *time.Location) time.Time {
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
