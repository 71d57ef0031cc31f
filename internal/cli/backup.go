package cli

import (
	"context"
	"fmt"

	"github.com/hms-project/hms/internal/backup"
)

// backupCmd writes a consistent online backup of the configured database.
func backupCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "backup", "--out FILE", "Writes a consistent backup while HMS keeps running: a SQLite snapshot, or a pg_dump custom-format file for PostgreSQL.")
	out := fs.String("out", "", "the backup file to create (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		return errUsage
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		err = backup.Postgres(ctx, cfg.DatabaseURL, *out)
	} else {
		st, err2 := openStore(ctx, cfg)
		if err2 != nil {
			return err2
		}
		err = backup.SQLite(ctx, st.DB(), *out)
		st.Close()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "backup written to", *out)
	return nil
}

// restoreCmd replaces the configured database with a backup. HMS must be stopped.
func restoreCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "restore", "--confirm FILE", "Replaces the configured database with the backup in FILE. Stop every hms server first.")
	confirm := fs.Bool("confirm", false, "required: the current data is replaced by the backup")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	if !*confirm {
		return fmt.Errorf("restore replaces the current database; stop hms, then run again with --confirm")
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	file := fs.Arg(0)
	if cfg.DatabaseURL != "" {
		err = backup.RestorePostgres(ctx, file, cfg.DatabaseURL)
	} else {
		err = backup.RestoreSQLite(ctx, file, cfg.DataDir)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "restored from", file)
	return nil
}
