package domain

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Patient is a person registered at the clinic.
type Patient struct {
	ID int64 `json:"id"`
	// MRN is the medical record number: generated (HMS-000123) unless one is given, unique.
	MRN  string `json:"mrn"`
	Name string `json:"name"`
	// Email is empty for a patient imported without one; POST /api/patients requires it.
	Email       string  `json:"email"`
	DateOfBirth string  `json:"date_of_birth"`
	Phone       *string `json:"phone"`
	Address     *string `json:"address"`
	BloodGroup  *string `json:"blood_group"`
	// Gender is the administrative gender, one of Genders, or nil when not recorded.
	Gender *string `json:"gender"`
	// ClinicalWithheld says that the clinical fields (BloodGroup) were left out for a
	// reader who may not see them: the JSON then has no blood_group key at all.
	ClinicalWithheld bool `json:"-"`
	// Active is false once the patient is deactivated (DELETE): hidden, but kept.
	Active        bool       `json:"active"`
	DeactivatedAt *time.Time `json:"deactivated_at,omitempty"`
	// ReplacedBy is the patient this one was merged into (POST /api/patients/{id}/merge):
	// set only on a deactivated patient, FHIR's Patient.link replaced-by.
	ReplacedBy *int64    `json:"replaced_by,omitempty"`
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ClinicalPatientFields are the JSON fields of a patient that are clinical data: only the
// roles that read medical records read or write them (httpapi's route table says which).
var ClinicalPatientFields = []string{"blood_group"}

// WithoutClinical returns p as a reader who may not see clinical data gets it: without the
// blood group, which its JSON then leaves out.
func (p Patient) WithoutClinical() Patient {
	p.BloodGroup, p.ClinicalWithheld = nil, true
	return p
}

// MarshalJSON writes the patient's fields by their tags, without blood_group when the
// clinical fields are withheld.
func (p Patient) MarshalJSON() ([]byte, error) {
	type fields Patient // the same fields, without this method
	if !p.ClinicalWithheld {
		return json.Marshal(fields(p))
	}
	// The outer blood_group hides the embedded one, and omitzero leaves it out.
	return json.Marshal(struct {
		fields
		BloodGroup struct{} `json:"blood_group,omitzero"`
	}{fields: fields(p)})
}

// ClinicalFields returns the clinical fields that the body names, null or not: a write of
// any of them needs a role that may write clinical data.
func (in PatientInput) ClinicalFields() []string {
	if in.BloodGroup.Set {
		return []string{"blood_group"}
	}
	return nil
}

// CheckStored returns an error when the patient, as the store read them back, holds a date
// or time that the stores or JSON cannot round-trip (see CheckStoredTime).
func (p Patient) CheckStored() error {
	err := errors.Join(checkStoredDate("date_of_birth", p.DateOfBirth),
		CheckStoredTime("created_at", p.CreatedAt), CheckStoredTime("updated_at", p.UpdatedAt))
	if p.DeactivatedAt != nil {
		err = errors.Join(err, CheckStoredTime("deactivated_at", *p.DeactivatedAt))
	}
	return err
}

// Warning is advice that accompanies a successful write, e.g. a possible duplicate.
type Warning struct {
	Type      string `json:"type"`
	PatientID int64  `json:"patient_id"`
	Message   string `json:"message"`
}

// PersonKey normalises a person's name for duplicate detection: lower-case letters and
// digits only, words sorted, so "O'Brien, Mary-Ann" and "mary ann obrien" compare equal.
func PersonKey(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	})
	for i, w := range words {
		words[i] = strings.ReplaceAll(w, "'", "")
	}
	slices.Sort(words)
	return strings.Join(words, " ")
}

// PhoneKey is the digits of a phone number, or "" when there is none.
func PhoneKey(phone *string) string {
	if phone == nil {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, *phone)
}

// PossibleDuplicate reports whether two patients are probably the same person: the same
// normalised name and either the same date of birth or the same phone number.
func PossibleDuplicate(a, b Patient) bool {
	if a.ID == b.ID || PersonKey(a.Name) != PersonKey(b.Name) {
		return false
	}
	return a.DateOfBirth == b.DateOfBirth || (PhoneKey(a.Phone) != "" && PhoneKey(a.Phone) == PhoneKey(b.Phone))
}

// PatientInput is the body of POST and PUT /api/patients. Every field is optional at the
// JSON level; ValidateNew and ValidateUpdate decide what must be there.
type PatientInput struct {
	MRN         Opt[string] `json:"mrn"`
	Name        Opt[string] `json:"name"`
	Email       Opt[string] `json:"email"`
	DateOfBirth Opt[string] `json:"date_of_birth"`
	Phone       Opt[string] `json:"phone"`
	Address     Opt[string] `json:"address"`
	BloodGroup  Opt[string] `json:"blood_group"`
	Gender      Opt[string] `json:"gender"`
}

// PatientChanges is a validated update: nil pointers leave a column alone; for the
// optional columns, a set Opt with Null clears it.
type PatientChanges struct {
	IfVersion   int64 // when not 0, the update applies only to this version (If-Match)
	MRN         *string
	Name        *string
	Email       *string
	DateOfBirth *string
	Phone       Opt[string]
	Address     Opt[string]
	BloodGroup  Opt[string]
	Gender      Opt[string]
}

// ValidateNew checks a create request and returns the patient to insert.
func (in PatientInput) ValidateNew(now time.Time, loc *time.Location) (Patient, error) {
	f := FieldErrors{}
	p := Patient{
		MRN:   deref(optional(f, "mrn", in.MRN, MaxMRNLen, false)),
		Name:  required(f, "name", in.Name, 100),
		Email: normaliseEmail(f, "email", required(f, "email", in.Email, 120)),
	}
	p.DateOfBirth = dateField(f, "date_of_birth", in.DateOfBirth, now, loc)
	p.Phone = validPhone(f, optional(f, "phone", in.Phone, 20, false))
	p.Address = optional(f, "address", in.Address, maxTextLen, true)
	p.BloodGroup = validBloodGroup(f, optional(f, "blood_group", in.BloodGroup, 5, false))
	p.Gender = validGender(f, optional(f, "gender", in.Gender, 40, false))
	return p, f.Err()
}

// ValidateMatch checks the query of GET /api/patients/matches, the registration form's
// check before it saves: the fields it has so far, of which the name or the email must be
// given, each as ValidateNew would take it. The patient it returns is the one to compare.
func (in PatientInput) ValidateMatch(now time.Time, loc *time.Location) (Patient, error) {
	f := FieldErrors{}
	var p Patient
	if in.Name.Given() {
		p.Name = required(f, "name", in.Name, 100)
	}
	if in.Email.Given() {
		p.Email = normaliseEmail(f, "email", required(f, "email", in.Email, 120))
	}
	if in.DateOfBirth.Given() {
		p.DateOfBirth = dateField(f, "date_of_birth", in.DateOfBirth, now, loc)
	}
	p.Phone = validPhone(f, optional(f, "phone", in.Phone, 20, false))
	if !in.Name.Given() && !in.Email.Given() && len(f) == 0 {
		f.Add("name", "give the name (with date_of_birth or phone) or the email to look for")
	}
	return p, f.Err()
}

// PossibleMatch reports whether c, a registered patient, is possibly the person p that is
// about to be registered: a possible duplicate, or the holder of the same email.
func PossibleMatch(p, c Patient) bool {
	return (p.Email != "" && p.Email == c.Email) || (p.Name != "" && PossibleDuplicate(p, c))
}

// ValidateImport checks a patient that arrives in an import (a FHIR bundle): the
// medical record number is required, since re-imports match on it, and the email is not.
func (in PatientInput) ValidateImport(now time.Time, loc *time.Location) (Patient, error) {
	f := FieldErrors{}
	p := Patient{
		MRN:  required(f, "mrn", in.MRN, MaxMRNLen),
		Name: required(f, "name", in.Name, 100),
	}
	if in.Email.Given() {
		p.Email = normaliseEmail(f, "email", required(f, "email", in.Email, 120))
	}
	p.DateOfBirth = dateField(f, "date_of_birth", in.DateOfBirth, now, loc)
	p.Phone = validPhone(f, optional(f, "phone", in.Phone, 20, false))
	p.Address = optional(f, "address", in.Address, maxTextLen, true)
	p.BloodGroup = validBloodGroup(f, optional(f, "blood_group", in.BloodGroup, 5, false))
	p.Gender = validGender(f, optional(f, "gender", in.Gender, 40, false))
	return p, f.Err()
}

// ValidateUpdate checks a PUT body: only the fields present are changed.
func (in PatientInput) ValidateUpdate(now time.Time, loc *time.Location) (PatientChanges, error) {
	f := FieldErrors{}
	var c PatientChanges
	if in.MRN.Set {
		v := required(f, "mrn", in.MRN, MaxMRNLen)
		c.MRN = &v
	}
	if in.Name.Set {
		v := required(f, "name", in.Name, 100)
		c.Name = &v
	}
	if in.Email.Set {
		v := normaliseEmail(f, "email", required(f, "email", in.Email, 120))
		c.Email = &v
	}
	if in.DateOfBirth.Set {
		v := dateField(f, "date_of_birth", in.DateOfBirth, now, loc)
		c.DateOfBirth = &v
	}
	c.Phone = toOpt(in.Phone, validPhone(f, optional(f, "phone", in.Phone, 20, false)))
	c.Address = toOpt(in.Address, optional(f, "address", in.Address, maxTextLen, true))
	c.BloodGroup = toOpt(in.BloodGroup, validBloodGroup(f, optional(f, "blood_group", in.BloodGroup, 5, false)))
	c.Gender = toOpt(in.Gender, validGender(f, optional(f, "gender", in.Gender, 40, false)))
	if !in.MRN.Set && !in.Name.Set && !in.Email.Set && !in.DateOfBirth.Set && !in.Phone.Set && !in.Address.Set && !in.BloodGroup.Set && !in.Gender.Set {
		return c, Errorf(CodeInvalid, "the body names no field to change (mrn, name, email, date_of_birth, phone, address, blood_group, gender)")
	}
	return c, f.Err()
}

// toOpt turns a validated optional value back into an Opt that is Set when the input was.
func toOpt(in Opt[string], v *string) Opt[string] {
	if !in.Set {
		return Opt[string]{}
	}
	if v == nil {
		return Opt[string]{Set: true, Null: true}
	}
	return Some(*v)
}

// MaxMRNLen is the longest medical record number HMS stores.
const MaxMRNLen = 64

// deref returns *v, or "" for nil.
func deref(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func validPhone(f FieldErrors, v *string) *string {
	if v == nil {
		return nil
	}
	digits := 0
	for _, r := range *v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune("+-() .", r):
		default:
			f.Add("phone", "may contain only digits, spaces and + - ( ) .")
			return nil
		}
	}
	if digits < 3 {
		f.Add("phone", "must contain at least 3 digits")
		return nil
	}
	return v
}

func validBloodGroup(f FieldErrors, v *string) *string {
	if v == nil {
		return nil
	}
	u := strings.ToUpper(*v)
	if !slices.Contains(BloodGroups, u) {
		f.Add("blood_group", "must be one of A+ A- B+ B- AB+ AB- O+ O-")
		return nil
	}
	return &u
}

// Genders are the accepted values of patient.gender: FHIR's administrative genders.
var Genders = []string{"male", "female", "other", "unknown"}

func validGender(f FieldErrors, v *string) *string {
	if v == nil {
		return nil
	}
	g := strings.ToLower(*v)
	if !slices.Contains(Genders, g) {
		f.Add("gender", "must be one of male, female, other, unknown")
		return nil
	}
	return &g
}
