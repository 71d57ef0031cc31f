-- +goose Up
-- Medical record numbers: every patient has one, unique. Patients created before this
-- migration get HMS-000123 from their id, the same form the store generates.
ALTER TABLE patient ADD COLUMN mrn VARCHAR(64);
UPDATE patient SET mrn = 'HMS-' || lpad(id::text, greatest(6, length(id::text)), '0');
ALTER TABLE patient ALTER COLUMN mrn SET NOT NULL;
CREATE UNIQUE INDEX patient_mrn_key ON patient (mrn);
-- A row inserted without an MRN (by SQL outside HMS) gets one from its id too.
ALTER TABLE patient ALTER COLUMN mrn SET DEFAULT '';
-- +goose StatementBegin
CREATE FUNCTION patient_mrn_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.mrn = '' THEN
        NEW.mrn := 'HMS-' || lpad(NEW.id::text, greatest(6, length(NEW.id::text)), '0');
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER patient_mrn_default BEFORE INSERT ON patient FOR EACH ROW EXECUTE FUNCTION patient_mrn_default();

-- Imported patients may have no email; the address stays unique among those that have one.
ALTER TABLE patient ALTER COLUMN email DROP NOT NULL;
DROP INDEX patient_email_key;
CREATE UNIQUE INDEX patient_email_key ON patient (email) WHERE email IS NOT NULL AND email <> '';

-- A medical record imported from FHIR remembers the resource it came from
-- ("Condition/abc", "MedicationRequest/xyz"), so that importing the same bundle again
-- updates the record instead of adding a second one.
ALTER TABLE medical_record ADD COLUMN source VARCHAR(200);
CREATE UNIQUE INDEX medical_record_source_key ON medical_record (patient_id, source) WHERE source IS NOT NULL;

-- +goose Down
DROP INDEX medical_record_source_key;
ALTER TABLE medical_record DROP COLUMN source;
UPDATE patient SET email = lower(mrn) || '@no-email.invalid' WHERE email IS NULL OR email = '';
DROP INDEX patient_email_key;
CREATE UNIQUE INDEX patient_email_key ON patient (email);
ALTER TABLE patient ALTER COLUMN email SET NOT NULL;
DROP TRIGGER patient_mrn_default ON patient;
DROP FUNCTION patient_mrn_default();
DROP INDEX patient_mrn_key;
ALTER TABLE patient DROP COLUMN mrn;
