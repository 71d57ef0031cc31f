package fhir

import (
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// SearchParam is one search parameter HMS supports for a resource type.
type SearchParam struct {
	Name, Type, Doc string
}

// ResourceTypes are the FHIR resource types HMS serves (read and search), in the order the
// CapabilityStatement lists them.
var ResourceTypes = []string{"Patient", "Observation", "Practitioner", "Appointment", "Condition", "MedicationRequest",
	"Encounter", "AllergyIntolerance"}

// SearchParams lists, per resource type, every search parameter HMS supports; the
// CapabilityStatement is built from it and any other parameter is refused with 400.
var SearchParams = map[string][]SearchParam{
	"Patient": {
		{"_id", "token", "the patient's id; several separated by commas"},
		{"identifier", "token", "the medical record number, as value or system|value"},
		{"name", "string", "part of the name, case-insensitive"},
		{"family", "string", "part of the name, case-insensitive (HMS keeps one name field)"},
		{"given", "string", "part of the name, case-insensitive (HMS keeps one name field)"},
		{"birthdate", "date", "date of birth: YYYY, YYYY-MM or YYYY-MM-DD with eq, ge, le, gt or lt"},
		{"phone", "token", "part of the phone number"},
		{"email", "token", "the email address, case-insensitive"},
	},
	"Observation": {
		{"patient", "reference", "the patient: id or Patient/id"},
		{"category", "token", "vital-signs or laboratory (the blood group)"},
		{"code", "token", "LOINC, as code or system|code: 882-1 (blood group) or a vital sign (85354-9 blood pressure, 8867-4, 9279-1, 8310-5, 2708-6, 29463-7, 8302-2, 39156-5); several separated by commas"},
		{"date", "date", "when a vital sign was taken: a date (a whole day in the clinic's time zone) or a date-time, with eq, ge, le, gt or lt"},
	},
	"Encounter": {
		{"patient", "reference", "the patient: id or Patient/id"},
		{"date", "date", "the start of the visit: a date (a whole day in the clinic's time zone) or a date-time, with eq, ge, le, gt or lt"},
		{"status", "token", "in-progress, finished or cancelled; several separated by commas"},
	},
	"AllergyIntolerance": {
		{"patient", "reference", "the patient: id or Patient/id"},
		{"clinical-status", "token", "active, inactive or resolved; several separated by commas"},
	},
	"Practitioner": {
		{"name", "string", "part of the doctor's name, case-insensitive"},
	},
	"Appointment": {
		{"patient", "reference", "the patient: id or Patient/id"},
		{"practitioner", "reference", "the doctor: id or Practitioner/id"},
		{"date", "date", "the start: a date (a whole day in the clinic's time zone) or a date-time, with eq, ge, le, gt or lt"},
		{"status", "token", "booked, arrived, fulfilled, cancelled or noshow; several separated by commas"},
	},
	"Condition": {
		{"patient", "reference", "the patient: id or Patient/id"},
		{"category", "token", "problem-list-item (the problem list) or encounter-diagnosis (the diagnoses of medical records)"},
		{"clinical-status", "token", "of the problem list: active, recurrence, relapse, inactive, remission or resolved; several separated by commas"},
	},
	"MedicationRequest": {
		{"patient", "reference", "the patient: id or Patient/id"},
	},
}

// Paging parameters, accepted by every search.
const (
	paramCount  = "_count"
	paramCursor = "_cursor"
	paramFormat = "_format"
)

// Query is a checked search: the values of each parameter, the page size and the cursor.
type Query struct {
	values url.Values
	Count  int
	Cursor string
}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalid, format, args...)
}

// ParseQuery checks the search parameters of a resource type: unknown parameters and
// modifiers, and bad page sizes are refused.
func ParseQuery(resourceType string, q url.Values) (Query, error) {
	out := Query{values: url.Values{}, Count: store.DefaultPageSize}
	known := map[string]bool{}
	for _, p := range SearchParams[resourceType] {
		known[p.Name] = true
	}
	for name, vals := range q {
		switch {
		case name == paramCount:
			n, ok := domain.ParseID(vals[0])
			if !ok || n > store.MaxPageSize {
				return out, invalid("_count must be a whole number from 1 to %d, not %q", store.MaxPageSize, vals[0])
			}
			out.Count = int(n)
		case name == paramCursor:
			out.Cursor = vals[0]
		case name == paramFormat:
			if f := vals[0]; f != "json" && f != "application/json" && f != "application/fhir+json" {
				return out, domain.Errorf(domain.CodeUnsupported, "HMS speaks FHIR JSON only, not _format=%s", f)
			}
		case strings.Contains(name, ":") && known[name[:strings.IndexByte(name, ':')]]:
			return out, invalid("search modifier %q is not supported", name)
		case !known[name]:
			return out, invalid("unknown search parameter %q for %s; see /fhir/metadata", name, resourceType)
		default:
			for _, v := range vals {
				if strings.TrimSpace(v) == "" {
					return out, invalid("search parameter %s has an empty value", name)
				}
			}
			out.values[name] = vals
		}
	}
	return out, nil
}

// maxListValues bounds the values one search parameter may list, comma-separated and
// over all its repetitions: each becomes a parameter of one SQL statement, and both
// databases cap how many a statement may have.
const maxListValues = 100

// list returns the comma-separated values of a parameter over all its repetitions.
func (q Query) list(name string) ([]string, error) {
	var out []string
	for _, v := range q.values[name] {
		for s := range strings.SplitSeq(v, ",") {
			if len(out) == maxListValues {
				return nil, invalid("%s may list at most %d values", name, maxListValues)
			}
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out, nil
}

// patientID reads a reference parameter: 12, Patient/12 or a URL ending in Patient/12.
func (q Query) patientID(name string) (int64, error) { return q.reference(name, "Patient") }

// reference reads a reference parameter to resourceType: 12, Type/12 or a URL ending in Type/12.
func (q Query) reference(name, resourceType string) (int64, error) {
	v := q.values.Get(name)
	if v == "" {
		return 0, nil
	}
	if i := strings.LastIndex(v, resourceType+"/"); i >= 0 {
		v = v[i+len(resourceType)+1:]
	}
	n, ok := domain.ParseID(v)
	if !ok {
		return 0, invalid("%s must be an id or %s/id, not %q", name, resourceType, q.values.Get(name))
	}
	return n, nil
}

// DoctorFilter turns a Practitioner search into a store filter.
func (q Query) DoctorFilter() store.DoctorFilter {
	return store.DoctorFilter{Name: q.values["name"], Limit: q.Count, Cursor: q.Cursor}
}

// token splits system|value; a value without | has no system.
func token(v string) (system, value string) {
	if i := strings.IndexByte(v, '|'); i >= 0 {
		return v[:i], v[i+1:]
	}
	return "", v
}

// PatientFilter turns a Patient search into a store filter.
func (q Query) PatientFilter() (store.PatientFilter, error) {
	f := store.PatientFilter{Limit: q.Count, Cursor: q.Cursor}
	ids, err := q.list("_id")
	if err != nil {
		return f, err
	}
	for _, s := range ids {
		n, ok := domain.ParseID(s)
		if !ok {
			// No patient has such an id: match nothing rather than fail.
			n = -1
		}
		f.IDs = append(f.IDs, n)
	}
	if v := q.values.Get("identifier"); v != "" {
		_, f.MRN = token(v)
		if f.MRN == "" {
			return f, invalid("identifier needs a value")
		}
	}
	for _, name := range []string{"name", "family", "given"} {
		f.Name = append(f.Name, q.values[name]...)
	}
	f.Phone = q.values.Get("phone")
	f.Email = q.values.Get("email")
	if vals := q.values["birthdate"]; len(vals) > 0 {
		lo, hi, err := dateBounds("birthdate", vals, time.UTC, false)
		if err != nil {
			return f, err
		}
		if !lo.IsZero() {
			f.BornFrom = lo.Format(domain.DateLayout)
		}
		if !hi.IsZero() {
			f.BornBefore = hi.Format(domain.DateLayout)
		}
	}
	return f, nil
}

// AppointmentFilter turns an Appointment search into a store filter; dates without a time
// are whole days in loc.
func (q Query) AppointmentFilter(loc *time.Location) (store.AppointmentFilter, error) {
	f := store.AppointmentFilter{Limit: q.Count, Cursor: q.Cursor}
	var err error
	if f.PatientID, err = q.patientID("patient"); err != nil {
		return f, err
	}
	if f.DoctorID, err = q.reference("practitioner", "Practitioner"); err != nil {
		return f, err
	}
	if vals := q.values["date"]; len(vals) > 0 {
		if f.From, f.To, err = dateBounds("date", vals, loc, true); err != nil {
			return f, err
		}
	}
	codes, err := q.list("status")
	if err != nil {
		return f, err
	}
	for _, code := range codes {
		if f.Statuses == nil {
			f.Statuses = []string{}
		}
		st, ok := AppointmentStatuses(code)
		if !ok {
			return f, invalid("status %q is not an R4 appointment status", code)
		}
		f.Statuses = append(f.Statuses, st...)
	}
	return f, nil
}

// RecordFilter turns a Condition or MedicationRequest search into a store filter.
func (q Query) RecordFilter(resourceType string) (store.RecordFilter, error) {
	f := store.RecordFilter{Limit: q.Count, Cursor: q.Cursor,
		WithDiagnosis: resourceType == "Condition", WithPrescription: resourceType == "MedicationRequest"}
	var err error
	f.PatientID, err = q.patientID("patient")
	return f, err
}

var dateValue = regexp.MustCompile(`^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?)$`)

// dateBounds intersects the ranges that date search values select into [lo, hi); a zero
// bound is open. withTime allows date-times; dates are whole periods in loc. Values lie from
// 1900 to 9999 (a date-time in UTC), and the bounds stay inside that range (see
// domain.ClampSearch).
func dateBounds(name string, vals []string, loc *time.Location, withTime bool) (lo, hi time.Time, err error) {
	for _, v := range vals {
		m := dateValue.FindStringSubmatch(v)
		if m == nil || (!withTime && m[5] != "") {
			return lo, hi, invalid("%s must be a date such as 1980, 1980-05 or 1980-05-17 with an optional eq, ge, le, gt or lt prefix, not %q", name, v)
		}
		start, end, ok := period(m[2], loc)
		if !ok {
			return lo, hi, invalid("%s %q is not a real date", name, v)
		}
		if written, _ := domain.ParseDate(m[2][:4] + "-01-01"); !domain.InSearchRange(written) ||
			(m[5] != "" && !domain.InSearchRange(start)) {
			return lo, hi, invalid("%s %q %s", name, v, domain.SearchRangeMessage)
		}
		start, end = domain.ClampSearch(start), domain.ClampSearch(end)
		var vlo, vhi time.Time
		switch m[1] {
		case "", "eq":
			vlo, vhi = start, end
		case "ge":
			vlo = start
		case "gt":
			vlo = end
		case "le":
			vhi = end
		case "lt":
			vhi = start
		default:
			return lo, hi, invalid("%s prefix %q is not supported; use eq, ge, le, gt or lt", name, m[1])
		}
		if !vlo.IsZero() && (lo.IsZero() || vlo.After(lo)) {
			lo = vlo
		}
		if !vhi.IsZero() && (hi.IsZero() || vhi.Before(hi)) {
			hi = vhi
		}
	}
	return lo, hi, nil
}

// period returns the span a FHIR date or date-time names: a year, month, day, minute or second.
func period(v string, loc *time.Location) (start, end time.Time, ok bool) {
	layouts := []struct {
		layout string
		next   func(time.Time) time.Time
	}{
		{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
		{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
		{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
		{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02T15:04", func(t time.Time) time.Time { return t.Add(time.Minute) }},
		{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{"2006-01-02T15:04:05", func(t time.Time) time.Time { return t.Add(time.Second) }},
		{time.RFC3339Nano, func(t time.Time) time.Time { return t.Add(time.Millisecond) }},
	}
	for _, l := range layouts {
		t, err := time.ParseInLocation(l.layout, v, loc)
		if err == nil && (len(v) > 10 || t.Format(l.layout) == v) {
			return t, l.next(t), true
		}
	}
	return start, end, false
}
