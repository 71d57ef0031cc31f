package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hms-project/hms/internal/domain"
)

// BenchmarkDecodeBody times the strict decoding of request bodies: the key check alone
// (checkKeys), the whole of unmarshalStrict, and encoding/json alone as it decoded bodies
// before the key check, for a patient and for a doctor with a week of working hours.
func BenchmarkDecodeBody(b *testing.B) {
	patient := []byte(`{"name":"Maria Garcia","email":"maria.garcia@example.org","date_of_birth":"1980-05-17","phone":"+1 555-0100","address":"12 Main Street, Springfield","blood_group":"O+"}`)
	doctor := []byte(`{"name":"Dr. Meredith Grey","specialty":"General surgery","active":true,"working_hours":{` +
		`"mon":[{"start":"08:00","end":"12:00"},{"start":"13:00","end":"17:00"}],"tue":[{"start":"08:00","end":"12:00"},{"start":"13:00","end":"17:00"}],` +
		`"wed":[{"start":"08:00","end":"12:00"}],"thu":[{"start":"08:00","end":"12:00"},{"start":"13:00","end":"17:00"}],"fri":[{"start":"09:00","end":"15:00"}]}}`)
	run := func(name string, body []byte, dst func() any) {
		b.Run(name+"/check keys", func(b *testing.B) {
			t := reflect.TypeOf(dst())
			b.ReportAllocs()
			for b.Loop() {
				if err := checkKeys(body, t); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/unmarshalStrict", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := unmarshalStrict(body, dst()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/encoding-json alone", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dec := json.NewDecoder(bytes.NewReader(body))
				dec.DisallowUnknownFields()
				if err := dec.Decode(dst()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("patient", patient, func() any { return new(domain.PatientInput) })
	run("doctor", doctor, func() any { return new(domain.DoctorInput) })
}
