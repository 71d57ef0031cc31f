package domain

import (
	"slices"
	"strings"
	"time"
)

// Allergy values, as FHIR's AllergyIntolerance names them.
var (
	AllergyStatuses      = []string{"active", "inactive", "resolved"}
	AllergySeverities    = []string{"mild", "moderate", "severe"}
	AllergyCriticalities = []string{"low", "high", "unable-to-assess"}
	AllergyCategories    = []string{"food", "medication", "environment", "biologic"}
)

// NoKnownAllergies is the substance of the statement that a patient has no known allergies.
const NoKnownAllergies = "No known allergies"

// Allergy is an allergy or intolerance of a patient, or (NoKnown) the statement that they
// have none that is known.
type Allergy struct {
	ID             int64     `json:"id"`
	PatientID      int64     `json:"patient_id"`
	Substance      string    `json:"substance"`
	Code           *string   `json:"code"`
	Category       *string   `json:"category"`
	Reaction       *string   `json:"reaction"`
	Severity       *string   `json:"severity"`
	Criticality    *string   `json:"criticality"`
	ClinicalStatus string    `json:"clinical_status"`
	NoKnown        bool      `json:"no_known_allergies"`
	OnsetDate      *string   `json:"onset_date"`
	RecordedBy     *int64    `json:"recorded_by"`
	Version        int64     `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Source         string    `json:"-"`
}

// AllergyInput is the body of POST /api/patients/{id}/allergies and PUT /api/allergies/{id}.
type AllergyInput struct {
	Substance        Opt[string] `json:"substance"`
	Code             Opt[string] `json:"code"`
	Category         Opt[string] `json:"category"`
	Reaction         Opt[string] `json:"reaction"`
	Severity         Opt[string] `json:"severity"`
	Criticality      Opt[string] `json:"criticality"`
	ClinicalStatus   Opt[string] `json:"clinical_status"`
	OnsetDate        Opt[string] `json:"onset_date"`
	NoKnownAllergies Opt[bool]   `json:"no_known_allergies"`
}

// AllergyChanges is a validated PUT: unset fields stay as they are.
type AllergyChanges struct {
	Substance                                         *string
	ClinicalStatus                                    *string
	Code, Category, Reaction, Severity, Critic, Onset Opt[string]
	IfVersion                                         int64
}

// Apply returns a with the changes made.
func (c AllergyChanges) Apply(a Allergy) Allergy {
	if c.Substance != nil {
		a.Substance = *c.Substance
	}
	if c.ClinicalStatus != nil {
		a.ClinicalStatus = *c.ClinicalStatus
	}
	for _, x := range []struct {
		o   Opt[string]
		dst **string
	}{{c.Code, &a.Code}, {c.Category, &a.Category}, {c.Reaction, &a.Reaction}, {c.Severity, &a.Severity},
		{c.Critic, &a.Criticality}, {c.Onset, &a.OnsetDate}} {
		if x.o.Set {
			*x.dst = optPtr(x.o)
		}
	}
	return a
}

// ValidateNew checks a new allergy, or {"no_known_allergies": true} alone.
func (in AllergyInput) ValidateNew(patientID int64, now time.Time, loc *time.Location) (Allergy, error) {
	f := FieldErrors{}
	a := Allergy{PatientID: patientID, ClinicalStatus: "active"}
	if in.NoKnownAllergies.Given() && in.NoKnownAllergies.Value {
		if in.Substance.Set || in.Reaction.Set || in.Severity.Set || in.Criticality.Set || in.Category.Set || in.Code.Set {
			return a, Errorf(CodeInvalid, "no_known_allergies: true states that there are none: send it without a substance")
		}
		a.NoKnown, a.Substance = true, NoKnownAllergies
		return a, nil
	}
	a.Substance = required(f, "substance", in.Substance, 200)
	a.Code = optional(f, "code", in.Code, 40, false)
	a.Reaction = optional(f, "reaction", in.Reaction, maxTextLen, true)
	a.Category = oneOf(f, "category", in.Category, AllergyCategories)
	a.Severity = oneOf(f, "severity", in.Severity, AllergySeverities)
	a.Criticality = oneOf(f, "criticality", in.Criticality, AllergyCriticalities)
	if s := oneOf(f, "clinical_status", in.ClinicalStatus, AllergyStatuses); s != nil {
		a.ClinicalStatus = *s
	}
	a.OnsetDate = optionalDate(f, "onset_date", in.OnsetDate, now, loc)
	return a, f.Err()
}

// ValidateUpdate checks a PUT: any subset of the fields but no_known_allergies.
func (in AllergyInput) ValidateUpdate(now time.Time, loc *time.Location) (AllergyChanges, error) {
	f := FieldErrors{}
	var c AllergyChanges
	if in.NoKnownAllergies.Set {
		f.Add("no_known_allergies", "cannot be changed; record an allergy or mark this one inactive")
	}
	if in.Substance.Set {
		v := required(f, "substance", in.Substance, 200)
		c.Substance = &v
	}
	if in.ClinicalStatus.Set {
		if v := oneOf(f, "clinical_status", in.ClinicalStatus, AllergyStatuses); v != nil {
			c.ClinicalStatus = v
		} else {
			f.Add("clinical_status", "must be one of "+strings.Join(AllergyStatuses, ", "))
		}
	}
	c.Code = toOpt(in.Code, optional(f, "code", in.Code, 40, false))
	c.Reaction = toOpt(in.Reaction, optional(f, "reaction", in.Reaction, maxTextLen, true))
	c.Category = toOpt(in.Category, oneOf(f, "category", in.Category, AllergyCategories))
	c.Severity = toOpt(in.Severity, oneOf(f, "severity", in.Severity, AllergySeverities))
	c.Critic = toOpt(in.Criticality, oneOf(f, "criticality", in.Criticality, AllergyCriticalities))
	c.Onset = toOpt(in.OnsetDate, optionalDate(f, "onset_date", in.OnsetDate, now, loc))
	if !in.Substance.Set && !in.ClinicalStatus.Set && !in.Code.Set && !in.Reaction.Set && !in.Category.Set &&
		!in.Severity.Set && !in.Criticality.Set && !in.OnsetDate.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (substance, code, category, reaction, severity, criticality, clinical_status, onset_date)")
	}
	return c, f.Err()
}

// oneOf checks an optional value against a list of allowed ones (case-insensitive).
func oneOf(f FieldErrors, field string, o Opt[string], allowed []string) *string {
	if !o.Given() {
		return nil
	}
	v := strings.ToLower(strings.TrimSpace(o.Value))
	if !slices.Contains(allowed, v) {
		f.Add(field, "must be one of "+strings.Join(allowed, ", "))
		return nil
	}
	return &v
}
