-- +goose Up
-- Medical record numbers: every patient has one, unique. Patients created before this
-- migration get HMS-000123 from their id, the same form the store generates.
ALTER TABLE patient ADD COLUMN mrn VARCHAR(64) NOT NULL DEFAULT '';
UPDATE patient SET mrn = 'HMS-' || substr('000000' || id, -max(6, length(id)));
CREATE UNIQUE INDEX patient_mrn_key ON patient (mrn);
-- A row inserted without an MRN (by SQL outside HMS) gets one from its id too.
-- +goose StatementBegin
CREATE TRIGGER patient_mrn_default AFTER INSERT ON patient WHEN NEW.mrn = ''
BEGIN
    UPDATE patient SET mrn = 'HMS-' || substr('000000' || NEW.id, -max(6, length(NEW.id))) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- Imported patients may have no email. SQLite cannot drop a NOT NULL constraint with
-- ALTER TABLE; its documented way for a change that leaves the stored rows as they are
-- is to edit the table's definition in sqlite_schema. The CREATE INDEX statements below
-- change the schema version, so every open connection reloads the edited definition.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'email         VARCHAR(120) NOT NULL', 'email         VARCHAR(120)')
    WHERE type = 'table' AND name = 'patient';
PRAGMA writable_schema = OFF;
-- Unique only among patients that have an email.
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
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'email         VARCHAR(120),', 'email         VARCHAR(120) NOT NULL,')
    WHERE type = 'table' AND name = 'patient';
PRAGMA writable_schema = OFF;
DROP INDEX patient_email_key;
CREATE UNIQUE INDEX patient_email_key ON patient (email);
DROP TRIGGER patient_mrn_default;
DROP INDEX patient_mrn_key;
ALTER TABLE patient DROP COLUMN mrn;
