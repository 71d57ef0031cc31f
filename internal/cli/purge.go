package cli

import (
	"context"
	"fmt"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

// purge erases a patient and everything of theirs, for a lawful erasure request. Without
// --confirm it only reports what it would erase. The flag may come before or after the id.
func purge(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "purge", "patient ID --confirm",
		"Erases a patient and all their appointments, status history, medical records and record versions\n"+
			"from every table, for good. Without --confirm it only shows what it would erase.")
	confirm := fs.Bool("confirm", false, "really erase")
	var positional []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if len(positional) != 2 || positional[0] != "patient" {
		return errUsage
	}
	id, ok := domain.ParseID(positional[1])
	if !ok {
		return fmt.Errorf("the patient id must be a positive integer, not %q", positional[1])
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var f store.PatientFootprint
	if *confirm {
		f, err = st.PurgePatient(ctx, id)
	} else {
		f, err = st.Footprint(ctx, id)
	}
	if err != nil {
		return err
	}
	verb := "would erase"
	if *confirm {
		verb = "erased"
	}
	fmt.Fprintf(e.stdout, "%s patient %d: %d appointment(s), %d status change(s), %d medical record(s), %d record version(s)\n",
		verb, id, f.Appointments, f.StatusChanges, f.Records, f.RecordVersions)
	if !*confirm {
		fmt.Fprintln(e.stdout, "nothing was erased; run again with --confirm to erase for good")
	}
	return nil
}
