// Package seed fills an HMS database with realistic synthetic patients, appointments and
// medical records, fast and reproducibly: the same options and seed give the same data.
// It is what `hms seed` runs and what the benchmark harness loads before it measures.
package seed

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// Options says how much data to generate.
type Options struct {
	Patients               int
	AppointmentsPerPatient int
	RecordsPerPatient      int
	// HeavyPatients are the first patients generated; each gets HeavyRecords records
	// instead of RecordsPerPatient, for measuring long medical histories.
	HeavyPatients int
	HeavyRecords  int
	// Seed makes the data reproducible; it also enters every email, so that loading a
	// second time with another seed does not collide with the first load.
	Seed int64
	// BatchSize is how many patients (with their appointments and records) one set of
	// transactions writes.
	BatchSize int
	// Now anchors the dates (appointments around it, births and records before it);
	// the zero value means time.Now.
	Now time.Time
	// Location is the clinic's time zone (HMS_TIMEZONE): appointments fall in the doctors'
	// working hours there, so that a demo's Today screen shows a real day. UTC when nil.
	Location *time.Location
	// Progress, when set, is called after every batch with the patients written so far.
	Progress func(done int)
}

// Summary describes what Run wrote.
type Summary struct {
	Doctors         int           `json:"doctors"`
	Patients        int           `json:"patients"`
	Appointments    int           `json:"appointments"`
	Records         int           `json:"records"`
	FirstPatientID  int64         `json:"first_patient_id"`
	LastPatientID   int64         `json:"last_patient_id"`
	HeavyPatientIDs []int64       `json:"heavy_patient_ids"`
	Elapsed         time.Duration `json:"elapsed_ns"`
}

// DefaultHeavyRecords is the length of a heavy patient's history.
const DefaultHeavyRecords = 500

// Validate checks o and fills in defaults.
func (o *Options) Validate() error {
	switch {
	case o.Patients <= 0:
		return errors.New("patients must be at least 1")
	case o.AppointmentsPerPatient < 0 || o.RecordsPerPatient < 0 || o.HeavyPatients < 0:
		return errors.New("counts must not be negative")
	case o.HeavyPatients > o.Patients:
		return errors.New("heavy patients cannot outnumber patients")
	}
	if o.HeavyRecords <= 0 {
		o.HeavyRecords = DefaultHeavyRecords
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 10_000
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return nil
}

// Run generates the data that o describes and bulk-loads it into st.
func Run(ctx context.Context, st *store.Store, o Options) (Summary, error) {
	var sum Summary
	if err := o.Validate(); err != nil {
		return sum, err
	}
	start := time.Now()
	g := newGenerator(o)
	if err := g.createDoctors(ctx, st); err != nil {
		return sum, err
	}
	sum.Doctors = len(g.doctors)
	for done := 0; done < o.Patients; {
		n := min(o.BatchSize, o.Patients-done)
		patients := make([]domain.Patient, n)
		for i := range patients {
			patients[i] = g.patient(done + i)
		}
		if err := st.BulkInsertPatients(ctx, patients); err != nil {
			return sum, err
		}
		var (
			appts   []domain.Appointment
			records []domain.MedicalRecord
		)
		for i, p := range patients {
			appts = g.appointments(appts, p)
			nrec := o.RecordsPerPatient
			if done+i < o.HeavyPatients {
				nrec = o.HeavyRecords
				sum.HeavyPatientIDs = append(sum.HeavyPatientIDs, p.ID)
			}
			for range nrec {
				records = append(records, g.record(p))
			}
		}
		if err := st.BulkInsertAppointments(ctx, appts); err != nil {
			return sum, err
		}
		if err := st.BulkInsertRecords(ctx, records); err != nil {
			return sum, err
		}
		if sum.FirstPatientID == 0 {
			sum.FirstPatientID = patients[0].ID
		}
		sum.LastPatientID = patients[n-1].ID
		sum.Patients += n
		sum.Appointments += len(appts)
		sum.Records += len(records)
		done += n
		if o.Progress != nil {
			o.Progress(done)
		}
		if err := ctx.Err(); err != nil {
			return sum, err
		}
	}
	if err := st.AfterBulkLoad(ctx); err != nil {
		return sum, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// generator draws every value from one seeded source, in a fixed order.
type generator struct {
	o     Options
	rng   *rand.Rand
	today time.Time
	// doctors and, for each, the next free slot of their diary (see slotStart).
	doctors  []domain.Doctor
	nextSlot []int
	firstDay time.Time // the Monday of the first slot, at midnight in the clinic's zone
}

// appointmentsPerDoctor spreads the appointments over about two years of each diary.
const appointmentsPerDoctor = 8000

func newGenerator(o Options) *generator {
	y, m, d := o.Now.In(o.Location).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, o.Location)
	return &generator{o: o, rng: rand.New(rand.NewPCG(uint64(o.Seed), 0x9e3779b97f4a7c15)), today: today}
}

// centreDiaries starts the doctors' diaries so that their appointments lie about half
// before today and half after: each doctor's share takes about two slots (a slot and a
// gap) of slotsPerDay a weekday.
func (g *generator) centreDiaries() {
	perDoctor := (g.o.Patients*g.o.AppointmentsPerPatient + len(g.doctors) - 1) / len(g.doctors)
	weeks := (2*perDoctor/slotsPerDay + 4) / 5
	monday := g.today.AddDate(0, 0, -int((g.today.Weekday()+6)%7))
	g.firstDay = monday.AddDate(0, 0, -7*(weeks/2))
}

// createDoctors registers enough doctors for the appointments, with the default working
// hours. Their names depend on the seed; a doctor of that name from an earlier load is reused.
func (g *generator) createDoctors(ctx context.Context, st *store.Store) error {
	n := max(20, (g.o.Patients*g.o.AppointmentsPerPatient+appointmentsPerDoctor-1)/appointmentsPerDoctor)
	ng, nf := len(givenNames), len(familyNames)
	for i := range n {
		// A step of ng+1 changes both the given and the family name from one doctor to the next.
		k := (int(g.o.Seed%1000)*7919 + i*(ng+1)) % (ng * nf)
		spec := specialties[i%len(specialties)]
		d := domain.Doctor{Name: "Dr. " + givenNames[k%ng] + " " + familyNames[k/ng], Specialty: &spec, Active: true,
			WorkingHours: domain.DefaultWorkingHours()}
		created, err := st.CreateDoctor(ctx, d)
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeConflict {
			created, err = findDoctor(ctx, st, d.Name)
		}
		if err != nil {
			return fmt.Errorf("seed: doctor %s: %w", d.Name, err)
		}
		g.doctors = append(g.doctors, created)
	}
	g.nextSlot = make([]int, n)
	g.centreDiaries()
	return nil
}

func findDoctor(ctx context.Context, st *store.Store, name string) (domain.Doctor, error) {
	page, err := st.Doctors(ctx, store.DoctorFilter{Name: []string{name}, IncludeInactive: true, Limit: 50})
	if err != nil {
		return domain.Doctor{}, err
	}
	for _, d := range page.Items {
		if strings.EqualFold(d.Name, name) {
			return d, nil
		}
	}
	return domain.Doctor{}, fmt.Errorf("exists but cannot be found")
}

// slotsPerDay are the half hours from 09:00 to 17:00, the default working hours.
const slotsPerDay = 16

// slotStart returns the start of the n-th half-hour slot of a diary that begins on
// firstDay, counting Monday to Friday only, on the clinic's clock (so 09:00 stays 09:00
// across a change of daylight saving time).
func (g *generator) slotStart(n int) time.Time {
	day, slot := n/slotsPerDay, n%slotsPerDay
	week, weekday := day/5, day%5
	y, m, d := g.firstDay.Date()
	return time.Date(y, m, d+week*7+weekday, 9, slot*30, 0, 0, g.o.Location)
}

func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

func ptr(s string) *string { return &s }

// patient returns the i-th patient of the run.
func (g *generator) patient(i int) domain.Patient {
	given, family := pick(g, givenNames), pick(g, familyNames)
	name := given + " " + family
	if g.rng.IntN(10) == 0 { // some people go by two given names
		name = given + " " + pick(g, givenNames) + " " + family
	}
	// The index and the seed make the email unique within and across runs.
	email := fmt.Sprintf("%s.%s.%d.%d@%s", strings.ToLower(given), strings.ToLower(family), i+1, g.o.Seed, pick(g, emailDomains))
	born := g.today.AddDate(-1-g.rng.IntN(95), 0, -g.rng.IntN(365))
	p := domain.Patient{Name: name, Email: email, DateOfBirth: born.Format(domain.DateLayout)}
	if g.rng.IntN(10) != 0 {
		p.Phone = ptr(fmt.Sprintf("+1 %03d-%03d-%04d", 200+g.rng.IntN(800), g.rng.IntN(1000), g.rng.IntN(10000)))
	}
	if g.rng.IntN(20) != 0 {
		p.Address = ptr(fmt.Sprintf("%d %s %s, %s", 1+g.rng.IntN(400), pick(g, streets), pick(g, streetKinds), pick(g, cities)))
	}
	if g.rng.IntN(8) != 0 {
		w := g.rng.IntN(1000)
		for _, b := range bloodGroupWeights {
			if w < b.weight {
				p.BloodGroup = ptr(b.group)
				break
			}
			w -= b.weight
		}
	}
	// Most have a gender recorded: female or male about equally, a few other or unknown.
	switch w := g.rng.IntN(100); {
	case w < 47:
		p.Gender = ptr("female")
	case w < 94:
		p.Gender = ptr("male")
	case w < 96:
		p.Gender = ptr("other")
	case w < 98:
		p.Gender = ptr("unknown")
	}
	return p
}

// appointments appends p's appointments to as. Each takes the next free half hour (after
// a random gap) in the diary of a random doctor, so no doctor is booked twice at once,
// and never a time the patient is already booked. Past visits have an outcome; future
// ones are scheduled.
func (g *generator) appointments(as []domain.Appointment, p domain.Patient) []domain.Appointment {
	taken := make(map[int64]bool, g.o.AppointmentsPerPatient)
	for range g.o.AppointmentsPerPatient {
		var (
			d     int
			start time.Time
		)
		for {
			d = g.rng.IntN(len(g.doctors))
			start = g.slotStart(g.nextSlot[d])
			if !taken[start.Unix()] {
				break
			}
		}
		g.nextSlot[d] += 1 + g.rng.IntN(3)
		taken[start.Unix()] = true
		a := domain.Appointment{PatientID: p.ID, DoctorID: g.doctors[d].ID, DoctorName: g.doctors[d].Name, Start: start,
			Duration: domain.DefaultDuration, Status: domain.StatusScheduled, Reason: ptr(pick(g, reasons))}
		if start.Before(g.o.Now) {
			switch w := g.rng.IntN(10); {
			case w < 8:
				a.Status = domain.StatusCompleted
			case w < 9:
				a.Status = domain.StatusCancelled
			default:
				a.Status = domain.StatusNoShow
			}
		}
		a.CreatedAt = start.AddDate(0, 0, -1-g.rng.IntN(60))
		if a.CreatedAt.After(g.o.Now) {
			a.CreatedAt = g.o.Now
		}
		as = append(as, a)
	}
	return as
}

// record returns a diagnosis made on a day between the patient's birth and today.
func (g *generator) record(p domain.Patient) domain.MedicalRecord {
	born, _ := domain.ParseDate(p.DateOfBirth)
	days := int(g.today.Sub(born).Hours()/24) + 1
	date := g.today.AddDate(0, 0, -g.rng.IntN(min(days, 3650)))
	d := pick(g, diagnoses)
	r := domain.MedicalRecord{PatientID: p.ID, Diagnosis: d.diagnosis, Prescription: ptr(d.prescription),
		DoctorName: pick(g, g.doctors).Name, RecordDate: date.Format(domain.DateLayout), CreatedAt: date.Add(9 * time.Hour)}
	if r.CreatedAt.After(g.o.Now) {
		r.CreatedAt = g.o.Now
	}
	if g.rng.IntN(3) == 0 {
		r.Notes = ptr(pick(g, recordNotes))
	}
	return r
}

// FormatCount writes n with thousands separators, for progress lines.
func FormatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
