package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// The audit trail records every read of patient data from the route table, not from the
// handlers: guard wraps the ResponseWriter of every GET route that touches patients in a
// readRecorder, the writers (writeJSON, writeFHIR, writeResource) hand it the payload they
// are about to write, and when the handler writes a success status the recorder stores the
// events first: one for each patient in the payload (and the patient the path names), or
// one without a patient when there is none, so that an empty search is on record too. Only
// then does the answer go out; when the events cannot be stored, or the recorder does not
// know whose data the payload holds, the client gets a 500 and none of the data.

// A read is one patient's data in an answer: the resource it is (0 for an entry of a list)
// and the patient's id.
type read struct{ resourceID, patientID int64 }

// readRecorder records the read of a request at its first WriteHeader with a 2xx or 304
// status (a 304 confirms the client's copy), before passing it on.
type readRecorder struct {
	http.ResponseWriter
	api     *API
	r       *http.Request
	touches touches
	chart   bool // the route reads the chart (front-desk staff may not): see chartAccess
	payload any
	offered bool // the payload was handed over
	started bool // WriteHeader was called
	failed  bool // the read could not be recorded; a 500 went out instead
}

// errReadNotRecorded is what writing the body of a read that could not be recorded returns.
var errReadNotRecorded = errors.New("httpapi: the read was not recorded; its answer is withheld")

// offer hands v, the payload about to be written to w, to the read recorder around w.
func offer(w http.ResponseWriter, v any) {
	if rec, ok := w.(*readRecorder); ok {
		rec.payload, rec.offered = v, true
	}
}

func (w *readRecorder) WriteHeader(status int) {
	if w.started {
		if !w.failed {
			w.ResponseWriter.WriteHeader(status) // net/http reports the superfluous call
		}
		return
	}
	w.started = true
	if status >= 200 && status < 300 || status == http.StatusNotModified {
		if err := w.api.recordRead(w.r, w.touches, w.chart, w.payload, w.offered); err != nil {
			w.failed = true
			w.Header().Del("ETag")
			writeError(w.ResponseWriter, w.r, err)
			return
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *readRecorder) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, errReadNotRecorded
	}
	return w.ResponseWriter.Write(b)
}

func (w *readRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recordRead stores the events of a successful read of a route that touches t: one per
// patient, the one the path or query names first, each committed before it returns. A
// read of the chart passes chartAccess first.
func (a *API) recordRead(r *http.Request, t touches, chart bool, payload any, offered bool) error {
	subject := t.subject(r)
	reads := []read{subject}
	if t.patient != queryPatient || offered {
		if !offered {
			return fmt.Errorf("httpapi: GET %s answered without handing its payload to the audit trail", r.Pattern)
		}
		data, err := readsOf(payload)
		if err != nil {
			return fmt.Errorf("httpapi: GET %s: %w", r.Pattern, err)
		}
		reads = append(reads, data...)
	}
	events := make([]store.Event, 0, len(reads))
	seen := make(map[int64]bool, len(reads))
	for _, rd := range reads {
		if rd.patientID == 0 || seen[rd.patientID] {
			continue
		}
		seen[rd.patientID] = true
		events = append(events, store.Event{Action: domain.ActionRead, ResourceType: t.resource, ResourceID: rd.resourceID, PatientID: rd.patientID})
	}
	if len(events) == 0 {
		events = append(events, store.Event{Action: domain.ActionRead, ResourceType: t.resource, ResourceID: subject.resourceID})
	}
	if chart {
		if err := a.chartAccess(r, t, events); err != nil {
			return err
		}
	}
	return a.store.AuditAll(r.Context(), events)
}

// chartAccess enforces HMS_CHART_ACCESS=care-team on a read of the chart by a doctor:
// each patient of events must be in the doctor's care team, or under an emergency access
// the doctor declared, whose reads it records as emergency_read (store.ChartAccessOf, one
// query for every patient of the read). Any other patient refuses the whole answer: 403,
// and a denied event that names them.
func (a *API) chartAccess(r *http.Request, t touches, events []store.Event) error {
	actor := domain.ActorFrom(r.Context())
	if a.chartAccessRule != ChartAccessCareTeam || actor.Role != domain.RoleDoctor {
		return nil
	}
	var ids []int64
	for _, e := range events {
		if e.PatientID != 0 {
			ids = append(ids, e.PatientID)
		}
	}
	access, err := a.store.ChartAccessOf(r.Context(), actor.UserID, ids, a.now())
	if err != nil {
		return err
	}
	for i, e := range events {
		if e.PatientID == 0 {
			continue
		}
		switch got := access[e.PatientID]; {
		case got.InCareTeam:
			continue
		case got.Emergency:
			events[i].Action = domain.ActionEmergencyRead
			continue
		}
		denied := store.Event{Action: domain.ActionDenied, Outcome: domain.OutcomeDenied, ResourceType: t.resource, PatientID: e.PatientID}
		if err := a.store.Audit(r.Context(), denied); err != nil {
			return err
		}
		return domain.Errorf(domain.CodeForbidden, "patient %d is not in your care team (HMS_CHART_ACCESS=care-team): "+
			"to open their chart, declare an emergency with POST /api/patients/%d/emergency-access", e.PatientID, e.PatientID)
	}
	return nil
}

// subject is what the path or the query of a request names for the audit trail, before
// anything is read: the resource id and the patient, 0 when they name none.
func (t touches) subject(r *http.Request) read {
	switch t.patient {
	case pathBloodGroup:
		if n, ok := fhir.ParseBloodGroupID(r.PathValue("id")); ok {
			return read{n, n}
		}
		return read{}
	case pathPatient:
		n := positiveID(r.PathValue("id"))
		if t.resource == domain.ResourcePatient {
			return read{n, n}
		}
		return read{0, n} // a list of the patient's records
	case queryPatient:
		return read{0, positiveID(r.URL.Query().Get("patient_id"))}
	}
	return read{positiveID(r.PathValue("id")), 0}
}

// positiveID is v as an id (domain.ParseID), or 0 when v is none.
func positiveID(v string) int64 {
	n, _ := domain.ParseID(v)
	return n
}

// An envelope is an answer of the JSON API that knows whose data it holds.
type envelope interface {
	reads() ([]read, error)
}

func (b item) reads() ([]read, error) { return readsOf(b.Data) }
func (b list) reads() ([]read, error) { return readsOf(b.Data) }

func (b unpaged[T]) reads() ([]read, error) {
	if b.about.patientID != 0 {
		return []read{b.about}, nil
	}
	return readsOf(b.Data)
}

func (b recordsPageBody) reads() ([]read, error) {
	return recordsBody{b.Success, b.Data, b.Count, b.Patient}.reads()
}
func (b visitHistoryBody) reads() ([]read, error) { return b.unpaged.reads() }
func (b vitalsBody) reads() ([]read, error)       { return b.unpaged.reads() }
func (b allergiesBody) reads() ([]read, error)    { return b.unpaged.reads() }

func (b recordsBody) reads() ([]read, error) {
	records, err := readsOf(b.Data)
	return append([]read{{0, b.Patient.ID}}, records...), err
}

// readsOf returns the patients' data that payload holds: for one resource its id and its
// patient, for a list each entry's patient. A payload of a type it does not know is an
// error, so that a route that declares patient data cannot answer unrecorded.
func readsOf(payload any) ([]read, error) {
	var out []read
	switch v := payload.(type) {
	case envelope:
		return v.reads()
	case domain.Patient:
		out = []read{{v.ID, v.ID}}
	case []domain.Patient:
		out = listReads(v, func(p domain.Patient) int64 { return p.ID })
	case domain.Appointment:
		out = []read{{v.ID, v.PatientID}}
	case []domain.Appointment:
		out = listReads(v, func(ap domain.Appointment) int64 { return ap.PatientID })
	case domain.MedicalRecord:
		out = []read{{v.ID, v.PatientID}}
	case []domain.MedicalRecord:
		out = listReads(v, func(rec domain.MedicalRecord) int64 { return rec.PatientID })
	case domain.Notification:
		out = []read{{v.ID, v.PatientID}}
	case []domain.AuditEntry:
		for _, e := range v {
			if e.Patient != nil { // the entries that name a patient
				out = append(out, read{0, *e.PatientID})
			}
		}
	case []domain.Notification:
		out = listReads(v, func(n domain.Notification) int64 { return n.PatientID })
	case contactPreference:
		out = []read{{v.PatientID, v.PatientID}}
	case domain.Visit:
		out = []read{{v.ID, v.PatientID}}
	case domain.VitalSign:
		out = []read{{v.ID, v.PatientID}}
	case domain.Allergy:
		out = []read{{v.ID, v.PatientID}}
	case domain.Problem:
		out = []read{{v.ID, v.PatientID}}
	case domain.EmergencyAccess:
		out = []read{{0, v.PatientID}}
	case []domain.EmergencyAccess:
		out = listReads(v, func(e domain.EmergencyAccess) int64 { return e.PatientID })
	case domain.Medication:
		out = []read{{v.RecordID, v.PatientID}}
	case fhir.Encounter:
		return readOfFHIR(fhirSubject{ResourceType: "Encounter", ID: v.ID, Subject: v.Subject})
	case fhir.AllergyIntolerance:
		return readOfFHIR(fhirSubject{ResourceType: "AllergyIntolerance", ID: v.ID, Patient: &v.Patient})
	case fhir.Patient:
		return readOfFHIR(fhirSubject{ResourceType: "Patient", ID: v.ID})
	case fhir.Observation:
		return readOfFHIR(fhirSubject{ResourceType: "Observation", ID: v.ID, Subject: v.Subject})
	case fhir.Appointment:
		return readOfFHIR(fhirSubject{ResourceType: "Appointment", ID: v.ID, Participant: v.Participant})
	case fhir.Condition:
		return readOfFHIR(fhirSubject{ResourceType: "Condition", ID: v.ID, Subject: &v.Subject})
	case fhir.MedicationRequest:
		return readOfFHIR(fhirSubject{ResourceType: "MedicationRequest", ID: v.ID, Subject: &v.Subject})
	case fhir.Bundle:
		for _, e := range v.Entry {
			var res fhirSubject
			if err := json.Unmarshal(e.Resource, &res); err != nil {
				return nil, fmt.Errorf("the audit trail cannot read a Bundle entry: %w", err)
			}
			rd, err := readOfFHIR(res)
			if err != nil {
				return nil, err
			}
			out = append(out, read{0, rd[0].patientID})
		}
	default:
		return nil, fmt.Errorf("the audit trail does not know whose data a %T holds", payload)
	}
	for _, rd := range out {
		if rd.patientID <= 0 {
			return nil, fmt.Errorf("a %T names no patient", payload)
		}
	}
	return out, nil
}

// listReads is the reads of a list: the patient of each entry.
func listReads[T any](entries []T, patient func(T) int64) []read {
	out := make([]read, len(entries))
	for i, e := range entries {
		out[i] = read{0, patient(e)}
	}
	return out
}

// fhirSubject is what the audit trail reads of a FHIR resource: its type, its id and the
// references that name its patient.
type fhirSubject struct {
	ResourceType string                        `json:"resourceType"`
	ID           string                        `json:"id"`
	Subject      *fhir.Reference               `json:"subject"`
	Participant  []fhir.AppointmentParticipant `json:"participant"`
	Patient      *fhir.Reference               `json:"patient"` // of an AllergyIntolerance
}

// readOfFHIR is the read of one FHIR resource: a Patient is its own patient, a blood-group
// Observation its subject's (and stands for the patient resource), an Appointment the
// patient among its participants', a Condition or a MedicationRequest its subject's.
func readOfFHIR(res fhirSubject) ([]read, error) {
	var patient int64
	switch res.ResourceType {
	case "Patient":
		patient = positiveID(res.ID)
	case "Observation", "Condition", "MedicationRequest", "Encounter":
		patient = patientRef(res.Subject)
	case "AllergyIntolerance":
		patient = patientRef(res.Patient)
	case "Appointment":
		for _, p := range res.Participant {
			if patient = patientRef(p.Actor); patient != 0 {
				break
			}
		}
	}
	if patient == 0 {
		return nil, fmt.Errorf("the audit trail finds no patient in a FHIR %s", res.ResourceType)
	}
	resourceID := positiveID(res.ID)
	if n, ok := fhir.ParseVitalID(res.ID); ok {
		resourceID = n
	} else if res.ResourceType == "Observation" {
		resourceID = patient // a blood group stands for the patient resource
	}
	return []read{{resourceID, patient}}, nil
}

// patientRef is the id of the patient that ref names, or 0.
func patientRef(ref *fhir.Reference) int64 {
	if ref == nil {
		return 0
	}
	id, ok := strings.CutPrefix(ref.Reference, "Patient/")
	if !ok {
		return 0
	}
	return positiveID(id)
}
