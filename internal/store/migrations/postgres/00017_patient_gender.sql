-- +goose Up
-- The patient's administrative gender, as FHIR codes it; NULL when not recorded.
ALTER TABLE patient ADD COLUMN gender VARCHAR(10) CHECK (gender IN ('male', 'female', 'other', 'unknown'));

-- +goose Down
ALTER TABLE patient DROP COLUMN gender;
