-- +goose Up
-- PostgreSQL gains a single search text for the patient search here; SQLite's FTS5 trigram
-- index (migration 00006) already answers the search from one index, so nothing changes.
SELECT 1;

-- +goose Down
SELECT 1;
