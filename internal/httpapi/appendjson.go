package httpapi

import (
	"errors"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hms-project/hms/internal/domain"
)

// jsonAppender is a body that writes its own JSON: byte for byte what encoding/json writes
// for it, without reflection. An error means that it cannot, and encoding/json answers.
// The tests compare the two on every such body. Only the long answers write their own: the
// pages of patients and records and a patient's records, where a whole request costs a
// tenth less CPU or more; one patient or record gains too little (docs/BENCHMARKS.md).
type jsonAppender interface {
	appendJSON(b []byte) ([]byte, error)
}

// appendJSON writes {success, data, count, total, total_estimated, limit, next_cursor}.
func (body list) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"success":`...)
	b = strconv.AppendBool(b, body.Success)
	b = append(b, `,"data":`...)
	b, err := appendDataJSON(b, body.Data)
	if err != nil {
		return b, err
	}
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(body.Count), 10)
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, body.Total, 10)
	if body.TotalEstimated {
		b = append(b, `,"total_estimated":true`...)
	}
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(body.Limit), 10)
	b = append(b, `,"next_cursor":`...)
	b = appendJSONOptString(b, body.NextCursor)
	return append(b, '}'), nil
}

// appendJSON writes {success, data, count, patient}; data, the list that makes the answer
// long, one record at a time.
func (body recordsBody) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"success":`...)
	b = strconv.AppendBool(b, body.Success)
	b = append(b, `,"data":`...)
	b, err := appendListJSON(b, body.Data, appendRecordJSON)
	if err != nil {
		return b, err
	}
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, int64(body.Count), 10)
	b = append(b, `,"patient":`...)
	if b, err = appendPatientJSON(b, &body.Patient); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// errNoJSONWriter is the data of an envelope that appendDataJSON does not write.
var errNoJSONWriter = errors.New("no JSON writer for this type")

// appendDataJSON writes the data of a page when it is of a type that has its own writer:
// the patients and records that the longest frequent answers hold.
func appendDataJSON(b []byte, data any) ([]byte, error) {
	switch d := data.(type) {
	case []domain.Patient:
		return appendListJSON(b, d, appendPatientJSON)
	case []domain.MedicalRecord:
		return appendListJSON(b, d, appendRecordJSON)
	}
	return b, errNoJSONWriter
}

// appendListJSON writes items as encoding/json writes a slice, each with appendItem.
func appendListJSON[T any](b []byte, items []T, appendItem func([]byte, *T) ([]byte, error)) ([]byte, error) {
	if items == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendItem(b, &items[i]); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// appendPatientJSON writes p as encoding/json does, following the tags of domain.Patient
// and its MarshalJSON (no blood_group when the clinical fields are withheld).
func appendPatientJSON(b []byte, p *domain.Patient) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"mrn":`...)
	b = appendJSONString(b, p.MRN)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, p.Name)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, p.Email)
	b = append(b, `,"date_of_birth":`...)
	b = appendJSONString(b, p.DateOfBirth)
	b = append(b, `,"phone":`...)
	b = appendJSONOptString(b, p.Phone)
	b = append(b, `,"address":`...)
	b = appendJSONOptString(b, p.Address)
	if !p.ClinicalWithheld {
		b = append(b, `,"blood_group":`...)
		b = appendJSONOptString(b, p.BloodGroup)
	}
	b = append(b, `,"gender":`...)
	b = appendJSONOptString(b, p.Gender)
	b = append(b, `,"active":`...)
	b = strconv.AppendBool(b, p.Active)
	if p.DeactivatedAt != nil {
		b = append(b, `,"deactivated_at":`...)
		if b, err = appendJSONTime(b, *p.DeactivatedAt); err != nil {
			return b, err
		}
	}
	if p.ReplacedBy != nil {
		b = append(b, `,"replaced_by":`...)
		b = strconv.AppendInt(b, *p.ReplacedBy, 10)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, p.Version, 10)
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, p.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, p.UpdatedAt); err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// appendRecordJSON writes r as encoding/json does, following the tags of domain.MedicalRecord.
func appendRecordJSON(b []byte, r *domain.MedicalRecord) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = append(b, `,"patient_id":`...)
	b = strconv.AppendInt(b, r.PatientID, 10)
	b = append(b, `,"visit_id":`...)
	if r.VisitID == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, *r.VisitID, 10)
	}
	b = append(b, `,"diagnosis":`...)
	b = appendJSONString(b, r.Diagnosis)
	b = append(b, `,"prescription":`...)
	b = appendJSONOptString(b, r.Prescription)
	b = append(b, `,"doctor_name":`...)
	b = appendJSONString(b, r.DoctorName)
	b = append(b, `,"record_date":`...)
	b = appendJSONString(b, r.RecordDate)
	b = append(b, `,"notes":`...)
	b = appendJSONOptString(b, r.Notes)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, r.Version, 10)
	b = append(b, `,"created_at":`...)
	if b, err = appendJSONTime(b, r.CreatedAt); err != nil {
		return b, err
	}
	b = append(b, `,"updated_at":`...)
	if b, err = appendJSONTime(b, r.UpdatedAt); err != nil {
		return b, err
	}
	if r.VoidedAt != nil {
		b = append(b, `,"voided_at":`...)
		if b, err = appendJSONTime(b, *r.VoidedAt); err != nil {
			return b, err
		}
	}
	if r.VoidedBy != nil {
		b = append(b, `,"voided_by":`...)
		b = strconv.AppendInt(b, *r.VoidedBy, 10)
	}
	if r.VoidReason != nil {
		b = append(b, `,"void_reason":`...)
		b = appendJSONString(b, *r.VoidReason)
	}
	return append(b, '}'), nil
}

// errTimeNotJSON is a time that time.Time.MarshalJSON refuses: RFC 3339 has no room for it.
var errTimeNotJSON = errors.New("time outside RFC 3339")

// appendJSONTime writes t as time.Time.MarshalJSON does.
func appendJSONTime(b []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, errTimeNotJSON
	}
	if _, offset := t.Zone(); offset <= -24*60*60 || offset >= 24*60*60 {
		return b, errTimeNotJSON
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func appendJSONOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as encoding/json does, with its HTML escaping: <, > and & as
// \u003c, \u003e and \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
