-- The primary's WAL position after each session's latest write, in bytes since 0/0, so
-- that its next heavy read goes to a read replica only once the replica has replayed it
-- (read-your-writes across HMS replicas, see store/replica.go). NULL: no write yet, or no
-- read replica; SQLite never sets it.

-- +goose Up
ALTER TABLE auth_session ADD COLUMN wrote_lsn BIGINT;

-- +goose Down
ALTER TABLE auth_session DROP COLUMN wrote_lsn;
