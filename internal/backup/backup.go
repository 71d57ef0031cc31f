// Package backup makes and restores consistent copies of HMS's database: an online
// snapshot of the SQLite file (VACUUM INTO), or pg_dump/pg_restore in PostgreSQL's
// custom format.
package backup

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	_ "modernc.org/sqlite" // the sqlite database/sql driver, to check a backup before restoring it
)

// Magic bytes at the start of each kind of backup file.
var (
	sqliteMagic = []byte("SQLite format 3\x00")
	pgDumpMagic = []byte("PGDMP")
)

// SQLite writes a consistent snapshot of the live database db to out; writers may go on meanwhile.
func SQLite(ctx context.Context, db *sql.DB, out string) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", out)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO $1", out); err != nil {
		return fmt.Errorf("backup: vacuum into %s: %w", out, err)
	}
	return nil
}

// Postgres runs pg_dump in the custom format, which pg_restore reads.
func Postgres(ctx context.Context, databaseURL, out string) error {
	bin, err := pgTool("pg_dump")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--no-owner", "--no-privileges", "--file", out, "--dbname", databaseURL)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("backup: pg_dump: %v: %s", err, bytes.TrimSpace(b))
	}
	return nil
}

// RestoreSQLite replaces the database file dataDir/hms.db with the backup in file, after
// checking that the backup is an intact SQLite database. HMS must not be running.
func RestoreSQLite(ctx context.Context, file, dataDir string) error {
	if err := checkMagic(file, sqliteMagic, "a SQLite backup"); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(file)+"?mode=ro")
	if err != nil {
		return err
	}
	var result string
	err = db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result)
	db.Close()
	if err != nil || result != "ok" {
		return fmt.Errorf("restore: %s fails SQLite's integrity check: %v %s", file, err, result)
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return err
	}
	target := filepath.Join(dataDir, "hms.db")
	tmp := target + ".restore"
	if err := copyFile(file, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	for _, stale := range []string{target + "-wal", target + "-shm"} {
		if err := os.Remove(stale); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return nil
}

// RestorePostgres loads a pg_dump custom-format file into the database, replacing the
// objects it contains, in one transaction.
func RestorePostgres(ctx context.Context, file, databaseURL string) error {
	if err := checkMagic(file, pgDumpMagic, "a pg_dump custom-format backup"); err != nil {
		return err
	}
	bin, err := pgTool("pg_restore")
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, bin, "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error", "--dbname", databaseURL, file)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("restore: pg_restore: %v: %s", err, bytes.TrimSpace(b))
	}
	return nil
}

// pgTool finds a PostgreSQL client program on PATH or in Debian's versioned directories,
// preferring the newest version (pg_dump must not be older than the server).
func pgTool(name string) (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found: install the PostgreSQL client tools (Debian: postgresql-client) to back up or restore PostgreSQL", name)
}

func checkMagic(file string, magic []byte, what string) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	head := make([]byte, len(magic))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, magic) {
		return fmt.Errorf("restore: %s is not %s", file, what)
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
