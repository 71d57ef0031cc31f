-- +goose Up
-- PostgreSQL drops its trigram indexes on email and MRN here, which no query uses since its
-- search text (migration 00007). SQLite's search has one FTS5 index (migration 00006), which
-- the search uses; nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
