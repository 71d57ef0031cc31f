package store

import (
	"context"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
)

// provider returns a goose provider over the embedded migrations. On PostgreSQL it takes
// an advisory lock, so replicas that start together migrate one after the other.
func (s *Store) provider() (*goose.Provider, error) {
	gooseDialect, opts, err := s.dialect.goose()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gooseDialect, s.db, s.migrationsFS(), opts...)
}

// MigrateUp applies every pending migration, HMS's and then River's (the job queue's), and
// returns how many of HMS's ran. It holds one lock throughout, so that replicas starting
// together apply each migration once: goose's own lock covers HMS's migrations only, and
// River's migrator takes none.
func (s *Store) MigrateUp(ctx context.Context) (int, error) {
	release, err := s.dialect.lockMigrations(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store: migrate up: wait for the migration lock: %w", err)
	}
	defer release()
	p, err := s.provider()
	if err != nil {
		return 0, fmt.Errorf("store: migrate up: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate up: %w", err)
	}
	return len(res), s.migrateJobQueue(ctx)
}

// MigrateDown rolls back migrations until the schema is at version to
// (to < 0 rolls back just the latest one).
func (s *Store) MigrateDown(ctx context.Context, to int64) (int, error) {
	p, err := s.provider()
	if err != nil {
		return 0, fmt.Errorf("store: migrate down: %w", err)
	}
	if to < 0 {
		if _, err := p.Down(ctx); err != nil {
			return 0, fmt.Errorf("store: migrate down: %w", err)
		}
		return 1, nil
	}
	res, err := p.DownTo(ctx, to)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate down: %w", err)
	}
	return len(res), nil
}

// SchemaVersion returns the current schema version (0 when nothing was applied).
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// MigrateStatus writes one line per migration: version, state and file name.
func (s *Store) MigrateStatus(ctx context.Context, w io.Writer) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("store: migrate status: %w", err)
	}
	status, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate status: %w", err)
	}
	for _, m := range status {
		applied := "pending"
		if m.State == goose.StateApplied {
			applied = "applied " + m.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
		}
		fmt.Fprintf(w, "%05d  %-28s  %s\n", m.Source.Version, applied, m.Source.Path)
	}
	return nil
}
