package cli

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
)

// importCmd imports FHIR R4 transaction or batch Bundles from files, one after the other.
func importCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "import", "FILE...", "Imports FHIR R4 transaction or batch Bundles (JSON): patients matched by MRN, their\n"+
		"conditions and medication requests as medical records. A transaction is all or nothing.")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errUsage
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
	if cfg.Migrate {
		if _, err := st.MigrateUp(ctx); err != nil {
			return err
		}
	}
	ctx = domain.WithActor(ctx, domain.Actor{Role: domain.RoleAdmin})
	for _, file := range fs.Args() {
		body, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		_, sum, err := fhir.Import(ctx, st, body, time.Now(), cfg.Location)
		if err != nil {
			return fmt.Errorf("%s: %w", file, describe(err))
		}
		fmt.Fprintf(e.stdout, "%s: %d created, %d updated, %d skipped, %d failed%s\n", file,
			sum.Created, sum.Updated, sum.Skipped, sum.Failed, skippedTypes(sum.SkippedTypes))
		if sum.Failed > 0 {
			return fmt.Errorf("%s: %d entries failed", file, sum.Failed)
		}
	}
	return nil
}

// describe adds the per-entry messages of a rejected bundle to its error.
func describe(err error) error {
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) < 2 {
		return err
	}
	var b strings.Builder
	b.WriteString(de.Message)
	keys := make([]string, 0, len(de.Fields))
	for k := range de.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %s: %s", k, de.Fields[k])
	}
	return fmt.Errorf("%s", b.String())
}

// skippedTypes writes " (skipped: Encounter 60, Observation 66)".
func skippedTypes(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return " (skipped: " + strings.Join(parts, ", ") + ")"
}
