package fhir

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Importer is what an import writes to: the store's Import.
type Importer interface {
	Import(ctx context.Context, doctors []domain.Doctor, items []domain.PatientImport) ([]domain.ImportedDoctor, []domain.ImportResult, error)
}

// ImportSummary counts what an import did with the entries of a Bundle.
type ImportSummary struct {
	Created, Updated, Skipped, Failed int
	// SkippedTypes counts the skipped entries per resource type.
	SkippedTypes map[string]int
}

// unknownDoctor is the doctor_name of an imported record whose source names nobody.
const unknownDoctor = "Not recorded"

// entry is one entry of an incoming Bundle, with what the import makes of it.
type entry struct {
	index        int
	fullURL      string
	resourceType string
	id           string
	raw          json.RawMessage
	request      *EntryRequest
	// patient is the index of the Patient entry this entry belongs to (itself for a
	// Patient), -1 for entries that are skipped.
	patient int
	doctor  int // index in the plan's doctors for a Practitioner, else -1
	record  int // index in the patient's records, -1 when the entry is no record
	// kind is the kind of chart item the entry is (domain.ImportVisit, ...), "" for none;
	// item is its index among the patient's items of that kind.
	kind    string
	item    int
	err     error
	skipped string // why the entry is skipped, "" when it is imported
}

// name is how errors and results refer to the entry.
func (e *entry) name() string {
	if e.resourceType != "" && e.id != "" {
		return fmt.Sprintf("entry %d (%s/%s)", e.index, e.resourceType, e.id)
	}
	return fmt.Sprintf("entry %d", e.index)
}

// Import reads a transaction or batch Bundle and writes its patients, their conditions,
// medication requests, blood groups, encounters, vital signs and allergies through im. A transaction is atomic: when any entry
// is invalid, the error names every invalid entry and nothing is written. A batch writes
// each patient (with their records) on its own and reports the entries that failed.
// It returns the transaction-response or batch-response Bundle and a summary.
func Import(ctx context.Context, im Importer, body []byte, now time.Time, loc *time.Location) (Bundle, ImportSummary, error) {
	sum := ImportSummary{SkippedTypes: map[string]int{}}
	var in struct {
		ResourceType string `json:"resourceType"`
		Type         string `json:"type"`
		Entry        []struct {
			FullURL  string          `json:"fullUrl"`
			Resource json.RawMessage `json:"resource"`
			Request  *EntryRequest   `json:"request"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return Bundle{}, sum, invalid("the body is not a FHIR Bundle in JSON: %v", err)
	}
	if in.ResourceType != "Bundle" || (in.Type != "transaction" && in.Type != "batch") {
		return Bundle{}, sum, invalid("POST a Bundle of type transaction or batch (got resourceType %q, type %q)", in.ResourceType, in.Type)
	}
	entries := make([]*entry, len(in.Entry))
	for i, e := range in.Entry {
		en := &entry{index: i, fullURL: e.FullURL, raw: e.Resource, request: e.Request, patient: -1, record: -1, doctor: -1}
		var head struct {
			ResourceType string `json:"resourceType"`
			ID           string `json:"id"`
		}
		if len(e.Resource) == 0 || json.Unmarshal(e.Resource, &head) != nil || head.ResourceType == "" {
			en.err = invalid("%s has no resource with a resourceType", en.name())
		}
		en.resourceType, en.id = head.ResourceType, head.ID
		entries[i] = en
	}
	plan := newPlan(entries, now, loc)
	plan.build()

	if in.Type == "transaction" {
		if err := plan.firstErrors(); err != nil {
			return Bundle{}, sum, err
		}
		docs, results, err := im.Import(ctx, plan.doctors, plan.imports)
		if err != nil {
			return Bundle{}, sum, err
		}
		plan.doctorResults, plan.results = docs, results
	} else {
		plan.results = make([]domain.ImportResult, len(plan.patients))
		docs, _, err := im.Import(ctx, plan.doctors, nil)
		if err != nil {
			plan.failDoctors(err)
		}
		plan.doctorResults = docs
		for i := range plan.patients {
			if plan.groupFailed(i) {
				continue
			}
			_, res, err := im.Import(ctx, nil, []domain.PatientImport{plan.imports[i]})
			if err != nil {
				plan.failGroup(i, err)
				continue
			}
			plan.results[i] = res[0]
		}
	}
	return plan.response(in.Type+"-response", &sum), sum, nil
}

// plan turns Bundle entries into patients with their records.
type plan struct {
	entries  []*entry
	byRef    map[string]*entry // "Patient/85" and fullUrl → entry
	patients []int             // entry index of each patient, in order
	imports  []domain.PatientImport
	results  []domain.ImportResult
	doctors  []domain.Doctor
	// doctorResults are the doctors the import found or created, one per doctors.
	doctorResults []domain.ImportedDoctor
	now           time.Time
	loc           *time.Location
}

func newPlan(entries []*entry, now time.Time, loc *time.Location) *plan {
	p := &plan{entries: entries, byRef: map[string]*entry{}, now: now, loc: loc}
	for _, e := range entries {
		if e.fullURL != "" {
			p.byRef[e.fullURL] = e
		}
		if e.resourceType != "" && e.id != "" {
			p.byRef[e.resourceType+"/"+e.id] = e
		}
	}
	return p
}

// resolve finds the entry a reference points at, or nil.
func (p *plan) resolve(ref *Reference) *entry {
	if ref == nil || ref.Reference == "" {
		return nil
	}
	if e, ok := p.byRef[ref.Reference]; ok {
		return e
	}
	// An absolute URL whose tail is Type/id.
	parts := strings.Split(ref.Reference, "/")
	if len(parts) >= 2 {
		return p.byRef[parts[len(parts)-2]+"/"+parts[len(parts)-1]]
	}
	return nil
}

// build reads every entry: patients first, then what belongs to them.
func (p *plan) build() {
	mrns := map[string]*entry{}
	for _, e := range p.entries {
		if e.err != nil || e.resourceType != "Patient" {
			continue
		}
		if e.err = checkMethod(e); e.err != nil {
			continue
		}
		pt, err := p.patient(e)
		if err != nil {
			e.err = entryError(e, err)
			continue
		}
		if other, ok := mrns[pt.MRN]; ok {
			e.err = invalid("%s has the same medical record number as %s", e.name(), other.name())
			continue
		}
		mrns[pt.MRN] = e
		e.patient = len(p.patients)
		p.patients = append(p.patients, e.index)
		p.imports = append(p.imports, domain.PatientImport{Patient: pt})
	}
	for _, e := range p.entries {
		if e.err != nil || e.resourceType == "Patient" {
			continue
		}
		switch e.resourceType {
		case "Condition":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.condition(e)
			}
		case "MedicationRequest":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.record(e)
			}
		case "Observation":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.observation(e)
			}
		case "Encounter":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.encounter(e)
			}
		case "AllergyIntolerance":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.allergy(e)
			}
		case "Practitioner":
			if e.err = checkMethod(e); e.err == nil {
				e.err = p.practitioner(e)
			}
		default:
			e.skipped = "HMS does not keep " + e.resourceType + " resources"
		}
	}
}

func checkMethod(e *entry) error {
	if e.request != nil && e.request.Method != "POST" && e.request.Method != "PUT" {
		return invalid("%s: request method %s is not supported; HMS imports with POST or PUT", e.name(), e.request.Method)
	}
	return nil
}

// entryError prefixes an error with the entry it is about.
func entryError(e *entry, err error) error {
	if de, ok := err.(*domain.Error); ok {
		return &domain.Error{Code: de.Code, Message: e.name() + ": " + de.Message, Fields: de.Fields}
	}
	return invalid("%s: %v", e.name(), err)
}

// patient reads a Patient entry.
func (p *plan) patient(e *entry) (domain.Patient, error) {
	var r Patient
	if err := json.Unmarshal(e.raw, &r); err != nil {
		return domain.Patient{}, invalid("not a valid Patient: %v", err)
	}
	in := domain.PatientInput{MRN: domain.Some(mrnOf(r)), Name: domain.Some(nameOf(r.Name))}
	if r.BirthDate != "" {
		in.DateOfBirth = domain.Some(r.BirthDate)
	}
	for _, t := range r.Telecom {
		switch {
		case t.System == "phone" && !in.Phone.Set && t.Value != "":
			in.Phone = domain.Some(t.Value)
		case t.System == "email" && !in.Email.Set && t.Value != "":
			in.Email = domain.Some(t.Value)
		}
	}
	if a := addressOf(r.Address); a != "" {
		in.Address = domain.Some(a)
	}
	if r.Gender != "" {
		in.Gender = domain.Some(r.Gender)
	}
	pt, err := in.ValidateImport(p.now, p.loc)
	return pt, fhirFields(err, map[string]string{"mrn": "identifier", "name": "name", "date_of_birth": "birthDate",
		"phone": "telecom", "email": "telecom", "address": "address", "gender": "gender"})
}

// fhirFields renames the fields of a validation error from HMS's names to FHIR's.
func fhirFields(err error, names map[string]string) error {
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) == 0 {
		return err
	}
	out := &domain.Error{Code: de.Code, Fields: map[string]string{}}
	var msgs []string
	for _, k := range sortedKeys(de.Fields) {
		n := names[k]
		if n == "" {
			n = k
		}
		out.Fields[n] = de.Fields[k]
		msgs = append(msgs, n+": "+de.Fields[k])
	}
	out.Message = strings.Join(msgs, "; ")
	return out
}

// mrnOf picks the medical record number: the identifier of type MR, else HMS's own
// system, else the first identifier with a value, else the resource id.
func mrnOf(r Patient) string {
	for _, id := range r.Identifier {
		if id.Type == nil || id.Value == "" {
			continue
		}
		for _, c := range id.Type.Coding {
			if c.Code == "MR" {
				return id.Value
			}
		}
		if strings.EqualFold(id.Type.Text, "Medical record number") {
			return id.Value
		}
	}
	for _, id := range r.Identifier {
		if id.System == MRNSystem && id.Value != "" {
			return id.Value
		}
	}
	for _, id := range r.Identifier {
		if id.Value != "" {
			return id.Value
		}
	}
	return r.ID
}

// nameOf joins the official name (or the first one) as "Given Names Family".
func nameOf(names []HumanName) string {
	if len(names) == 0 {
		return ""
	}
	n := names[0]
	for _, c := range names {
		if c.Use == "official" {
			n = c
			break
		}
	}
	parts := append(append([]string{}, n.Given...), n.Family)
	if s := strings.Join(strings.Fields(strings.Join(parts, " ")), " "); s != "" {
		return s
	}
	return n.Text
}

// addressOf writes the home address (or the first one) as one line.
func addressOf(addrs []Address) string {
	if len(addrs) == 0 {
		return ""
	}
	a := addrs[0]
	if a.Text != "" {
		return a.Text
	}
	parts := append([]string{}, a.Line...)
	cityLine := strings.TrimSpace(strings.Join([]string{a.City, strings.TrimSpace(a.State + " " + a.PostalCode)}, " "))
	for _, s := range []string{cityLine, a.Country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// subjectPatient finds the patient of the bundle that a reference names.
func (p *plan) subjectPatient(e *entry, ref *Reference) (int, error) {
	target := p.resolve(ref)
	if target == nil || target.resourceType != "Patient" {
		return -1, invalid("%s: subject must refer to a Patient in the same bundle", e.name())
	}
	if target.err != nil || target.patient < 0 {
		return -1, invalid("%s: its patient, %s, is invalid", e.name(), target.name())
	}
	return target.patient, nil
}

// practitioner reads a Practitioner entry into a doctor, matched by name.
func (p *plan) practitioner(e *entry) error {
	name := p.personName(&Reference{Reference: e.resourceType + "/" + e.id})
	if e.id == "" || name == unknownDoctor {
		var r Practitioner
		if err := json.Unmarshal(e.raw, &r); err != nil {
			return invalid("%s: not a valid Practitioner: %v", e.name(), err)
		}
		name = nameOf(r.Name)
	}
	d, err := domain.DoctorInput{Name: domain.Some(name)}.ValidateNew()
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"name": "name"}))
	}
	for i, other := range p.doctors {
		if domain.DoctorKey(other.Name) == domain.DoctorKey(d.Name) {
			e.doctor = i // the same doctor twice in one bundle is one doctor
			return nil
		}
	}
	e.doctor = len(p.doctors)
	p.doctors = append(p.doctors, d)
	return nil
}

// personName is the name of the practitioner (or other person) that a reference names.
func (p *plan) personName(refs ...*Reference) string {
	for _, ref := range refs {
		if ref == nil {
			continue
		}
		if ref.Display != "" {
			return ref.Display
		}
		if t := p.resolve(ref); t != nil {
			var person struct {
				Name []HumanName `json:"name"`
			}
			if json.Unmarshal(t.raw, &person) == nil && len(person.Name) > 0 {
				n := person.Name[0]
				full := strings.Join(append(append(append([]string{}, n.Prefix...), n.Given...), n.Family), " ")
				if full = strings.Join(strings.Fields(full), " "); full != "" {
					return full
				}
			}
		}
	}
	return unknownDoctor
}

// conceptText is the text of a concept, or its first coding's display or code.
func conceptText(c *CodeableConcept) string {
	if c == nil {
		return ""
	}
	if c.Text != "" {
		return c.Text
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return cd.Display
		}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd.Code
		}
	}
	return ""
}

// sourceOf names the resource a record comes from: Type/id, or Type/ and a hash of the
// resource when it has no id, so that the same resource imported twice is recognised.
func sourceOf(e *entry) string {
	if e.id != "" {
		return e.resourceType + "/" + e.id
	}
	sum := sha256.Sum256(e.raw)
	return e.resourceType + "/sha256-" + hex.EncodeToString(sum[:16])
}

// dateOf is the calendar date of a FHIR date or dateTime, as written. Anything else is
// returned whole, for the record's validation to refuse: 2020-01-01 followed by more than
// a time is not a date.
func dateOf(v string) string {
	if len(v) > 10 && v[10] == 'T' {
		if _, err := time.Parse(time.RFC3339, v); err == nil {
			return v[:10]
		}
	}
	return v
}

// record reads a Condition or MedicationRequest entry into a medical record of its patient.
func (p *plan) record(e *entry) error {
	var (
		subject     *Reference
		in          domain.RecordInput
		visitSource string
	)
	switch e.resourceType {
	case "Condition":
		var c struct {
			Condition
			Note []Annotation `json:"note"`
		}
		if err := json.Unmarshal(e.raw, &c); err != nil {
			return invalid("%s: not a valid Condition: %v", e.name(), err)
		}
		subject = &c.Subject
		if d := conceptText(c.Code); d != "" {
			in.Diagnosis = domain.Some(d)
		}
		visitSource = p.visitSource(c.Encounter)
		in.DoctorName = domain.Some(p.personName(c.Recorder, c.Asserter))
		if d := dateOf(c.RecordedDate); d != "" {
			in.RecordDate = domain.Some(d)
		} else if d := dateOf(c.OnsetDateTime); d != "" {
			in.RecordDate = domain.Some(d)
		}
		var notes []string
		for _, n := range c.Note {
			notes = append(notes, n.Text)
		}
		if len(notes) > 0 {
			in.Notes = domain.Some(strings.Join(notes, "\n"))
		}
	case "MedicationRequest":
		var m MedicationRequest
		if err := json.Unmarshal(e.raw, &m); err != nil {
			return invalid("%s: not a valid MedicationRequest: %v", e.name(), err)
		}
		subject = &m.Subject
		med := conceptText(m.MedicationCodeableConcept)
		if med == "" && m.MedicationReference != nil {
			med = m.MedicationReference.Display
			if t := p.resolve(m.MedicationReference); t != nil && med == "" {
				var md Medication
				if json.Unmarshal(t.raw, &md) == nil {
					med = conceptText(md.Code)
				}
			}
		}
		if med == "" {
			return invalid("%s: the medication has no text, display or code", e.name())
		}
		var dosage []string
		for _, d := range m.DosageInstruction {
			if d.Text != "" {
				dosage = append(dosage, d.Text)
			}
		}
		if len(dosage) > 0 {
			med += "; " + strings.Join(dosage, "; ")
		}
		in.Prescription = domain.Some(med)
		diagnosis := "Medication request"
		for _, rc := range m.ReasonCode {
			if t := conceptText(&rc); t != "" {
				diagnosis = t
				break
			}
		}
		in.Diagnosis = domain.Some(diagnosis)
		in.DoctorName = domain.Some(p.personName(m.Requester))
		if d := dateOf(m.AuthoredOn); d != "" {
			in.RecordDate = domain.Some(d)
		}
	}
	pi, err := p.subjectPatient(e, subject)
	if err != nil {
		return err
	}
	rec, err := in.ValidateImport(p.now, p.loc)
	if err != nil {
		return entryError(e, fhirFields(err, map[string]string{"diagnosis": "code", "prescription": "medication",
			"doctor_name": "recorder", "record_date": "recordedDate"}))
	}
	rec.Source, rec.VisitSource = sourceOf(e), visitSource
	e.patient = pi
	e.record = len(p.imports[pi].Records)
	p.imports[pi].Records = append(p.imports[pi].Records, rec)
	return nil
}

// observation reads a blood group Observation (LOINC 882-1) into its patient, and a vital
// sign into their chart; any other Observation is skipped.
func (p *plan) observation(e *entry) error {
	var o Observation
	if err := json.Unmarshal(e.raw, &o); err != nil {
		return invalid("%s: not a valid Observation: %v", e.name(), err)
	}
	isBloodGroup := false
	for _, c := range o.Code.Coding {
		if c.Code == LOINCBloodGroup && (c.System == "" || c.System == systemLOINC) {
			isBloodGroup = true
		}
	}
	if !isBloodGroup {
		return p.vital(e, o)
	}
	pi, err := p.subjectPatient(e, o.Subject)
	if err != nil {
		return err
	}
	group := bloodGroupOf(o.ValueCodeableConcept)
	if group == "" {
		return invalid("%s: the blood group value is not one of A+ A- B+ B- AB+ AB- O+ O-", e.name())
	}
	p.imports[pi].Patient.BloodGroup = &group
	e.patient = pi
	return nil
}

// bloodGroupOf reads a blood group from its SNOMED CT code or its text ("A+", "AB Rh(D) negative").
func bloodGroupOf(c *CodeableConcept) string {
	if c == nil {
		return ""
	}
	for g, code := range bloodGroupCodes {
		for _, cd := range c.Coding {
			if cd.Code == code.Code {
				return g
			}
		}
	}
	text := strings.ToUpper(strings.ReplaceAll(c.Text, " ", ""))
	for _, g := range domain.BloodGroups {
		if text == g {
			return g
		}
	}
	return ""
}

// firstErrors returns the error naming every invalid entry, or nil.
func (p *plan) firstErrors() error {
	fields := map[string]string{}
	var first error
	for _, e := range p.entries {
		if e.err != nil {
			if first == nil {
				first = e.err
			}
			fields[fmt.Sprintf("Bundle.entry[%d]", e.index)] = e.err.Error()
		}
	}
	if first == nil {
		return nil
	}
	msg := "the transaction was not applied: " + first.Error()
	if len(fields) > 1 {
		msg = fmt.Sprintf("the transaction was not applied: %d entries are invalid; the first: %s", len(fields), first.Error())
	}
	code := domain.ErrorCode(first)
	return &domain.Error{Code: code, Message: msg, Fields: fields}
}

// failDoctors marks every Practitioner entry as failed with err.
func (p *plan) failDoctors(err error) {
	for _, e := range p.entries {
		if e.doctor >= 0 && e.err == nil {
			e.err = entryError(e, err)
		}
	}
}

// groupFailed reports whether patient i's own entry is invalid.
func (p *plan) groupFailed(i int) bool { return p.entries[p.patients[i]].err != nil }

// failGroup marks every entry of patient i as failed with err.
func (p *plan) failGroup(i int, err error) {
	for _, e := range p.entries {
		if e.patient == i && e.err == nil {
			e.err = entryError(e, err)
		}
	}
}

// response builds the transaction-response or batch-response Bundle and counts what happened.
func (p *plan) response(kind string, sum *ImportSummary) Bundle {
	b := Bundle{ResourceType: "Bundle", Type: kind, Timestamp: instant(time.Now()), Entry: make([]BundleEntry, len(p.entries))}
	for i, e := range p.entries {
		var r EntryResponse
		switch {
		case e.err != nil:
			sum.Failed++
			de, ok := e.err.(*domain.Error)
			if !ok {
				de = &domain.Error{Code: domain.CodeInternal, Message: e.err.Error()}
			}
			r.Status = "400 Bad Request"
			if de.Code == domain.CodeConflict {
				r.Status = "409 Conflict"
			}
			r.Outcome, _ = json.Marshal(Outcome(de))
		case e.skipped != "":
			sum.Skipped++
			sum.SkippedTypes[e.resourceType]++
			r.Status = "200 OK"
			r.Outcome, _ = json.Marshal(Informational("skipped: " + e.skipped))
		case e.doctor >= 0:
			d := p.doctorResults[e.doctor]
			r.Location = "Practitioner/" + id(d.ID)
			r.Status = "200 OK"
			if d.Created {
				sum.Created++
				r.Status = "201 Created"
			} else {
				sum.Updated++
			}
		default:
			res := p.results[e.patient]
			created := res.PatientCreated
			switch {
			case e.resourceType == "Patient":
				r.Location = "Patient/" + id(res.PatientID)
			case e.record >= 0:
				created = res.RecordCreated[e.record]
				r.Location = e.resourceType + "/" + id(res.RecordIDs[e.record])
			case e.kind != "":
				item := res.Chart[e.kind][e.item]
				created = item.Created
				r.Location = chartLocation(e.kind, item.ID)
			default: // the blood group
				r.Location = "Observation/" + BloodGroupID(res.PatientID)
			}
			if created {
				sum.Created++
				r.Status = "201 Created"
			} else {
				sum.Updated++
				r.Status = "200 OK"
			}
		}
		b.Entry[i] = BundleEntry{Response: &r}
	}
	return b
}
