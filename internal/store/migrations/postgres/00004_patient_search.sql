-- +goose Up
-- Trigram indexes for the patient search (`q`): a case-insensitive substring match on
-- name, email or phone then reads the matching rows instead of every patient.
-- pg_trgm ships with PostgreSQL and is a trusted extension: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX patient_name_trgm_idx ON patient USING gin (lower(name) gin_trgm_ops);
CREATE INDEX patient_email_trgm_idx ON patient USING gin (email gin_trgm_ops);
CREATE INDEX patient_phone_trgm_idx ON patient USING gin (phone gin_trgm_ops);

-- +goose Down
DROP INDEX patient_phone_trgm_idx;
DROP INDEX patient_email_trgm_idx;
DROP INDEX patient_name_trgm_idx;
DROP EXTENSION IF EXISTS pg_trgm;
