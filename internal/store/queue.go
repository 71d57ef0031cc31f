package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// HMS delivers appointment messages through River (github.com/riverqueue/river), a job
// queue kept in the same database: its inserts join the transaction of the booking that
// makes them, and it brings retries with backoff, a leader that runs periodic work on one
// replica at a time, and the rescue of jobs whose worker died. Its tables (river_job,
// river_leader, river_queue, river_client, river_migration) are migrated by River's own
// migrations, right after HMS's.

// JobDriver returns River's driver for the store's database.
func (s *Store) JobDriver() riverdriver.Driver[*sql.Tx] { return s.dialect.jobDriver(s.db) }

// migrateJobQueue applies River's pending migrations.
func (s *Store) migrateJobQueue(ctx context.Context) error {
	m, err := rivermigrate.New(s.JobDriver(), nil)
	if err != nil {
		return fmt.Errorf("store: migrate the job queue: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("store: migrate the job queue: %w", err)
	}
	return nil
}
