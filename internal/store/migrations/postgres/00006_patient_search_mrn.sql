-- +goose Up
-- The patient search (`q`) also matches the medical record number (migration 00005).
CREATE INDEX patient_mrn_trgm_idx ON patient USING gin (lower(mrn) gin_trgm_ops);

-- +goose Down
DROP INDEX patient_mrn_trgm_idx;
