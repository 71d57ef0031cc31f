package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// errChainBroken makes `hms audit verify` exit non-zero.
var errChainBroken = errors.New("the audit chain is broken")

// audit runs `hms audit verify|purge`.
func audit(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	action, args := args[0], args[1:]
	fs := newFlags(e, "audit "+action, "[--before DATE]", "verify seals pending events, walks the hash chain and reports the first "+
		"broken link (exit 1). purge removes events older than HMS_AUDIT_RETENTION (or --before) and records that it did.")
	before := fs.String("before", "", "with purge: remove events before this date (YYYY-MM-DD) instead of the retention period")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	st, err := openAndMigrate(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx = domain.WithActor(ctx, domain.Actor{RequestID: "cli:audit-" + action})
	switch action {
	case "verify":
		sealed, err := st.SealAudit(ctx)
		if err != nil {
			return err
		}
		r, err := st.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if r.Broken != nil {
			fmt.Fprintf(e.stdout, "BROKEN at seq %d (event id %d): %s\nchecked %d intact event(s) before it\n", r.Broken.Seq, r.Broken.ID, r.Broken.Reason, r.Checked)
			return errChainBroken
		}
		fmt.Fprintf(e.stdout, "ok: %d event(s) verified (seq %d to %d; %d sealed now)\nhead hash: %s\n", r.Checked, r.FirstSeq, r.HeadSeq, sealed, r.HeadHash)
	case "purge":
		cutoff := time.Now().Add(-cfg.AuditRetention)
		if *before != "" {
			d, ok := domain.ParseDate(*before)
			if !ok {
				return fmt.Errorf("--before must be a date (YYYY-MM-DD), not %q", *before)
			}
			cutoff = d
		}
		n, err := st.PurgeAudit(ctx, cutoff)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "removed %d audit event(s) from before %s\n", n, cutoff.UTC().Format(time.RFC3339))
	default:
		return errUsage
	}
	return nil
}
