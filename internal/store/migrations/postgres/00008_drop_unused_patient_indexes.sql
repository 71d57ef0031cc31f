-- +goose Up
-- Since migration 00007 the patient search reads search_text, and no query asks the
-- trigram indexes on email and MRN any more: FHIR's email and identifier searches are
-- equalities that the unique indexes answer, and a search term holding the separator
-- narrows by search_text too. Each was only a cost to every insert and change of a patient.
-- The name and phone indexes stay: FHIR's name, family, given and phone searches use them.
DROP INDEX patient_email_trgm_idx;
DROP INDEX patient_mrn_trgm_idx;

-- +goose Down
CREATE INDEX patient_mrn_trgm_idx ON patient USING gin (lower(mrn) gin_trgm_ops);
CREATE INDEX patient_email_trgm_idx ON patient USING gin (email gin_trgm_ops);
