-- +goose Up
-- A patient merged into another (POST /api/patients/{id}/merge) is deactivated and names
-- the survivor here: FHIR's Patient.link replaced-by. NULL for every other patient.
ALTER TABLE patient ADD COLUMN replaced_by BIGINT REFERENCES patient (id) ON DELETE SET NULL;
CREATE INDEX patient_replaced_by_idx ON patient (replaced_by);

-- +goose Down
DROP INDEX patient_replaced_by_idx;
ALTER TABLE patient DROP COLUMN replaced_by;
