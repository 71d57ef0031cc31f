package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/seed"
)

// seedData bulk-loads synthetic data, for demonstrations and benchmarks.
func seedData(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "seed", "[flags]", "Loads realistic synthetic patients, appointments and medical records into the configured database\n"+
		"(migrating it first). The same flags and --seed give the same data.")
	var o seed.Options
	fs.IntVar(&o.Patients, "patients", 1000, "number of patients")
	fs.IntVar(&o.AppointmentsPerPatient, "appointments-per-patient", 2, "appointments of each patient, about half before today and half after, in the doctors' working hours in HMS_TIMEZONE")
	fs.IntVar(&o.RecordsPerPatient, "records-per-patient", 3, "medical records of each patient")
	fs.IntVar(&o.HeavyPatients, "heavy-patients", 5, "patients with a long history (--heavy-records each)")
	fs.IntVar(&o.HeavyRecords, "heavy-records", seed.DefaultHeavyRecords, "medical records of each heavy patient")
	fs.Int64Var(&o.Seed, "seed", 1, "seed of the generator; it also enters every email, so loads with different seeds do not collide")
	fs.IntVar(&o.BatchSize, "batch", 10_000, "patients written per set of transactions")
	asJSON := fs.Bool("json", false, "print the summary as one JSON object (with the heavy patients' ids)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	if err := o.Validate(); err != nil {
		return fmt.Errorf("%w (see hms seed --help)", err)
	}
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	o.Location = cfg.Location
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.MigrateUp(ctx); err != nil {
		return err
	}
	start, last := time.Now(), time.Now()
	o.Progress = func(done int) {
		if time.Since(last) >= 5*time.Second || done == o.Patients {
			last = time.Now()
			log.Info("seeding", "patients", seed.FormatCount(done), "of", seed.FormatCount(o.Patients),
				"elapsed", time.Since(start).Round(time.Millisecond).String())
		}
	}
	sum, err := seed.Run(ctx, st, o)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(sum)
	}
	fmt.Fprintf(e.stdout, "seeded %s patients (ids %d–%d), %s appointments and %s medical records into %s in %s\n",
		seed.FormatCount(sum.Patients), sum.FirstPatientID, sum.LastPatientID, seed.FormatCount(sum.Appointments),
		seed.FormatCount(sum.Records), st.Dialect(), sum.Elapsed.Round(time.Millisecond))
	if len(sum.HeavyPatientIDs) > 0 {
		fmt.Fprintf(e.stdout, "patients with %d records: %v\n", o.HeavyRecords, sum.HeavyPatientIDs)
	}
	return nil
}
