package domain

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// VitalKind is one kind of vital sign: its LOINC code and UCUM unit, the range outside
// which a value is impossible (refused) and the narrower range outside which it is
// implausible (accepted with a warning).
type VitalKind struct {
	Name    string // the kind's name in the API: heart_rate, blood_pressure, ...
	Field   string // the input field that carries it
	Code    string // LOINC
	Display string
	Unit    string // UCUM
	// Min and Max bound possible values (inclusive); Low and High plausible ones.
	Min, Max, Low, High float64
}

// The LOINC codes of blood pressure, whose panel holds the two pressures as components.
const (
	LOINCBloodPressure = "85354-9"
	LOINCSystolic      = "8480-6"
	LOINCDiastolic     = "8462-4"
)

// Vital kinds, in the order HMS shows them.
var (
	VitalBloodPressure   = VitalKind{"blood_pressure", "systolic", LOINCBloodPressure, "Blood pressure panel with all children optional", "mm[Hg]", 1, 350, 70, 220}
	VitalDiastolic       = VitalKind{"diastolic", "diastolic", LOINCDiastolic, "Diastolic blood pressure", "mm[Hg]", 1, 250, 40, 130}
	VitalHeartRate       = VitalKind{"heart_rate", "heart_rate", "8867-4", "Heart rate", "/min", 1, 350, 30, 200}
	VitalRespiratoryRate = VitalKind{"respiratory_rate", "respiratory_rate", "9279-1", "Respiratory rate", "/min", 1, 150, 6, 40}
	VitalTemperature     = VitalKind{"temperature", "temperature", "8310-5", "Body temperature", "Cel", 10, 50, 34, 42}
	VitalSpO2            = VitalKind{"oxygen_saturation", "spo2", "2708-6", "Oxygen saturation in Arterial blood", "%", 1, 100, 80, 100}
	VitalWeight          = VitalKind{"weight", "weight", "29463-7", "Body weight", "kg", 0.1, 700, 1, 300}
	VitalHeight          = VitalKind{"height", "height", "8302-2", "Body height", "cm", 10, 300, 40, 230}
	VitalBMI             = VitalKind{"bmi", "bmi", "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", 1, 250, 10, 80}
)

// VitalKinds lists every kind of vital sign that HMS stores (the diastolic pressure is a
// component of blood pressure, not a kind of its own).
var VitalKinds = []VitalKind{VitalBloodPressure, VitalHeartRate, VitalRespiratoryRate, VitalTemperature, VitalSpO2,
	VitalWeight, VitalHeight, VitalBMI}

// VitalKindByCode returns the kind of a LOINC code.
func VitalKindByCode(code string) (VitalKind, bool) {
	for _, k := range VitalKinds {
		if k.Code == code {
			return k, true
		}
	}
	return VitalKind{}, false
}

// VitalKindByName returns the kind of an API name (heart_rate).
func VitalKindByName(name string) (VitalKind, bool) {
	for _, k := range VitalKinds {
		if k.Name == name {
			return k, true
		}
	}
	return VitalKind{}, false
}

// VitalSign is one measurement. Blood pressure carries the systolic pressure in Value and
// the diastolic in Diastolic.
type VitalSign struct {
	ID          int64     `json:"id"`
	PatientID   int64     `json:"patient_id"`
	VisitID     *int64    `json:"visit_id"`
	Kind        string    `json:"kind"`
	Code        string    `json:"code"`
	Display     string    `json:"display"`
	Value       float64   `json:"value"`
	Diastolic   *float64  `json:"diastolic,omitempty"`
	Unit        string    `json:"unit"`
	EffectiveAt time.Time `json:"effective_at"`
	RecordedBy  *int64    `json:"recorded_by"`
	CreatedAt   time.Time `json:"created_at"`
	// Source names the FHIR Observation an imported vital sign came from.
	Source      string `json:"-"` // VisitSource, in an import, names the Source of its visit.
	VisitSource string `json:"-"`
}

// Describe fills Kind, Display and Unit from the code.
func (v *VitalSign) Describe() {
	if k, ok := VitalKindByCode(v.Code); ok {
		v.Kind, v.Display, v.Unit = k.Name, k.Display, k.Unit
	}
}

// VitalWarning says that an accepted value is implausible: the UI shows it for a second look.
type VitalWarning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// VitalsInput is the body of POST /api/patients/{id}/vitals: any of the measurements,
// taken together.
type VitalsInput struct {
	VisitID         Opt[int64]   `json:"visit_id"`
	TakenAt         Opt[string]  `json:"taken_at"`
	Systolic        Opt[float64] `json:"systolic"`
	Diastolic       Opt[float64] `json:"diastolic"`
	HeartRate       Opt[float64] `json:"heart_rate"`
	RespiratoryRate Opt[float64] `json:"respiratory_rate"`
	Temperature     Opt[float64] `json:"temperature"`
	SpO2            Opt[float64] `json:"spo2"`
	Weight          Opt[float64] `json:"weight"`
	Height          Opt[float64] `json:"height"`
}

// maxClockSkew is how far in the future a measurement's time may lie: the clock of the
// device that sent it may run a little ahead.
const maxClockSkew = 5 * time.Minute

// Validate checks the measurements and returns them (without BMI, which the store computes
// with the patient's latest height when the request has none) with a warning per
// implausible value. An impossible value is an invalid-code error naming its field.
func (in VitalsInput) Validate(patientID int64, now time.Time, loc *time.Location) ([]VitalSign, []VitalWarning, error) {
	f := FieldErrors{}
	var (
		out      []VitalSign
		warnings []VitalWarning
		visit    *int64
	)
	if id := positiveID(f, "visit_id", in.VisitID, false); id != 0 {
		visit = &id
	}
	at := now.UTC().Truncate(time.Second)
	if in.TakenAt.Given() {
		t, ok := ParseDateTime(in.TakenAt.Value, loc)
		switch {
		case !ok:
			f.Add("taken_at", "must be a date and time such as 2024-05-17T09:30:00Z")
		case t.After(now.Add(maxClockSkew)):
			f.Add("taken_at", "must not be in the future")
		case t.Before(EarliestDate):
			f.Add("taken_at", "must not be before 1900-01-01")
		default:
			at = t
		}
	} else if in.TakenAt.Set {
		f.Add("taken_at", "must be a date and time, or left out for now")
	}
	check := func(k VitalKind, o Opt[float64]) (float64, bool) {
		if !o.Set {
			return 0, false
		}
		if o.Null {
			f.Add(k.Field, "must be a number, or left out")
			return 0, false
		}
		v := o.Value
		if math.IsNaN(v) || math.IsInf(v, 0) || v < k.Min || v > k.Max {
			f.Add(k.Field, fmt.Sprintf("%s %s is impossible: must be between %s and %s %s", num(v), k.Unit, num(k.Min), num(k.Max), k.Unit))
			return 0, false
		}
		if v < k.Low || v > k.High {
			warnings = append(warnings, VitalWarning{k.Field, fmt.Sprintf("%s %s is implausible (usually %s to %s); check it",
				num(v), k.Unit, num(k.Low), num(k.High))})
		}
		return v, true
	}
	add := func(k VitalKind, v float64) *VitalSign {
		out = append(out, VitalSign{PatientID: patientID, VisitID: visit, Code: k.Code, Value: v, EffectiveAt: at})
		return &out[len(out)-1]
	}
	sys, hasSys := check(VitalBloodPressure, in.Systolic)
	dia, hasDia := check(VitalDiastolic, in.Diastolic)
	switch {
	case in.Systolic.Given() && !in.Diastolic.Given():
		f.Add("diastolic", "is required with systolic")
	case in.Diastolic.Given() && !in.Systolic.Given():
		f.Add("systolic", "is required with diastolic")
	case hasSys && hasDia && dia >= sys:
		f.Add("diastolic", fmt.Sprintf("must be below the systolic pressure (%s mm[Hg])", num(sys)))
	case hasSys && hasDia:
		bp := add(VitalBloodPressure, sys)
		bp.Diastolic = &dia
	}
	for _, m := range []struct {
		k VitalKind
		o Opt[float64]
	}{{VitalHeartRate, in.HeartRate}, {VitalRespiratoryRate, in.RespiratoryRate}, {VitalTemperature, in.Temperature},
		{VitalSpO2, in.SpO2}, {VitalWeight, in.Weight}, {VitalHeight, in.Height}} {
		if v, ok := check(m.k, m.o); ok {
			add(m.k, v)
		}
	}
	if len(f) == 0 && len(out) == 0 {
		return nil, nil, Errorf(CodeInvalid, "the body holds no measurement (systolic and diastolic, heart_rate, respiratory_rate, temperature, spo2, weight, height)")
	}
	for i := range out {
		out[i].Describe()
	}
	return out, warnings, f.Err()
}

// BMI is weight (kg) over the square of height (cm), rounded to one decimal, as a vital sign
// taken with weight, with a warning when it is implausible.
func BMI(weight VitalSign, heightCM float64) (VitalSign, *VitalWarning) {
	m := heightCM / 100
	v := math.Round(weight.Value/(m*m)*10) / 10
	b := VitalSign{PatientID: weight.PatientID, VisitID: weight.VisitID, Code: VitalBMI.Code, Value: v, EffectiveAt: weight.EffectiveAt}
	b.Describe()
	if v < VitalBMI.Low || v > VitalBMI.High {
		return b, &VitalWarning{"bmi", fmt.Sprintf("the BMI computed from weight and height, %s kg/m2, is implausible; check both", num(v))}
	}
	return b, nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ImportedVital checks an imported measurement against the range of what is possible for
// its kind (code, LOINC) and returns it as a vital sign; implausible values are kept, as
// they were recorded.
func ImportedVital(code string, value float64, diastolic *float64, at time.Time) (VitalSign, error) {
	k, ok := VitalKindByCode(code)
	if !ok {
		return VitalSign{}, Errorf(CodeInvalid, "LOINC %s is not a vital sign HMS keeps", code)
	}
	f := FieldErrors{}
	if math.IsNaN(value) || value < k.Min || value > k.Max {
		f.Add("value", fmt.Sprintf("%s %s is impossible for %s", num(value), k.Unit, k.Display))
	}
	if diastolic != nil && (*diastolic < VitalDiastolic.Min || *diastolic > VitalDiastolic.Max || *diastolic >= value) {
		f.Add("component", fmt.Sprintf("a diastolic pressure of %s mm[Hg] is impossible with a systolic of %s", num(*diastolic), num(value)))
	}
	if k.Code == LOINCBloodPressure && diastolic == nil {
		f.Add("component", "a blood pressure needs its systolic and diastolic components")
	}
	v := VitalSign{Code: code, Value: value, Diastolic: diastolic, EffectiveAt: at.UTC()}
	v.Describe()
	return v, f.Err()
}
