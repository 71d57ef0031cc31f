-- Doctors, appointment durations and lifecycle history, soft-deleted patients, voided and
-- versioned medical records, and a version column on every resource for ETags.

-- +goose Up
CREATE TABLE doctor (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          VARCHAR(100) NOT NULL,
    name_key      VARCHAR(100) NOT NULL,
    specialty     VARCHAR(100),
    working_hours TEXT NOT NULL,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    user_id       INTEGER,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX doctor_name_key ON doctor (name_key);
CREATE UNIQUE INDEX doctor_user_id_key ON doctor (user_id);

-- Every doctor named by an existing appointment becomes a doctor; the key is
-- domain.DoctorKey: ASCII lower case, runs of spaces collapsed.
INSERT INTO doctor (name, name_key, working_hours, created_at, updated_at)
SELECT min(doctor_name), name_key,
       '{"mon":[{"start":"09:00","end":"17:00"}],"tue":[{"start":"09:00","end":"17:00"}],"wed":[{"start":"09:00","end":"17:00"}],"thu":[{"start":"09:00","end":"17:00"}],"fri":[{"start":"09:00","end":"17:00"}]}',
       min(created_at), min(created_at)
FROM (SELECT doctor_name, created_at,
             replace(replace(replace(replace(lower(trim(doctor_name)), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ') AS name_key
      FROM appointment)
GROUP BY name_key;

-- SQLite cannot add a NOT NULL reference to an existing table, so appointment is rebuilt.
CREATE TABLE appointment_new (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id           INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    doctor_id            INTEGER NOT NULL REFERENCES doctor (id),
    appointment_datetime TIMESTAMP NOT NULL,
    duration_minutes     INTEGER NOT NULL DEFAULT 30 CHECK (duration_minutes BETWEEN 5 AND 480),
    end_datetime         TIMESTAMP NOT NULL,
    status               VARCHAR(20) NOT NULL DEFAULT 'scheduled',
    reason               TEXT,
    notes                TEXT,
    version              INTEGER NOT NULL DEFAULT 1,
    deleted_at           TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
INSERT INTO appointment_new (id, patient_id, doctor_id, appointment_datetime, duration_minutes, end_datetime,
                             status, reason, notes, created_at, updated_at)
SELECT a.id, a.patient_id, d.id, a.appointment_datetime, 30,
       strftime('%Y-%m-%dT%H:%M:%S', a.appointment_datetime, '+30 minutes') || substr(a.appointment_datetime, 20),
       a.status, a.reason, a.notes, a.created_at, a.updated_at
FROM appointment a
JOIN doctor d ON d.name_key = replace(replace(replace(replace(lower(trim(a.doctor_name)), '  ', ' '), '  ', ' '), '  ', ' '), '  ', ' ');
DROP TABLE appointment;
ALTER TABLE appointment_new RENAME TO appointment;
CREATE INDEX appointment_patient_id_idx ON appointment (patient_id, appointment_datetime);
CREATE INDEX appointment_datetime_idx ON appointment (appointment_datetime, id);
CREATE INDEX appointment_doctor_idx ON appointment (doctor_id, appointment_datetime);

CREATE TABLE appointment_status_history (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id INTEGER NOT NULL REFERENCES appointment (id) ON DELETE CASCADE,
    from_status    VARCHAR(20),
    to_status      VARCHAR(20) NOT NULL,
    reason         VARCHAR(255),
    changed_by     INTEGER,
    changed_at     TIMESTAMP NOT NULL
);
CREATE INDEX appointment_status_history_appointment_idx ON appointment_status_history (appointment_id, id);
INSERT INTO appointment_status_history (appointment_id, from_status, to_status, reason, changed_at)
SELECT id, NULL, status, 'status before history was kept', updated_at FROM appointment;

ALTER TABLE patient ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE patient ADD COLUMN deactivated_at TIMESTAMP;
ALTER TABLE patient ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- phone_key is domain.PhoneKey (the digits), for finding possible duplicates.
ALTER TABLE patient ADD COLUMN phone_key VARCHAR(20);
UPDATE patient SET phone_key = replace(replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')
WHERE phone IS NOT NULL;
CREATE INDEX patient_date_of_birth_idx ON patient (date_of_birth);
CREATE INDEX patient_phone_key_idx ON patient (phone_key);

ALTER TABLE medical_record ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE medical_record ADD COLUMN updated_at TIMESTAMP NOT NULL DEFAULT '';
UPDATE medical_record SET updated_at = created_at;
ALTER TABLE medical_record ADD COLUMN voided_at TIMESTAMP;
ALTER TABLE medical_record ADD COLUMN voided_by INTEGER;
ALTER TABLE medical_record ADD COLUMN void_reason VARCHAR(255);

CREATE TABLE medical_record_version (
    record_id    INTEGER NOT NULL REFERENCES medical_record (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    diagnosis    TEXT NOT NULL,
    prescription TEXT,
    doctor_name  VARCHAR(100) NOT NULL,
    record_date  DATE NOT NULL,
    notes        TEXT,
    created_by   INTEGER,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (record_id, version)
);
INSERT INTO medical_record_version (record_id, version, diagnosis, prescription, doctor_name, record_date, notes, created_at)
SELECT id, 1, diagnosis, prescription, doctor_name, record_date, notes, created_at FROM medical_record;

-- A version, once written, is never changed (only a purge may delete it).
-- +goose StatementBegin
CREATE TRIGGER medical_record_version_immutable BEFORE UPDATE ON medical_record_version
BEGIN
    SELECT RAISE(ABORT, 'medical record versions are never changed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER medical_record_version_immutable;
DROP TABLE medical_record_version;
ALTER TABLE medical_record DROP COLUMN void_reason;
ALTER TABLE medical_record DROP COLUMN voided_by;
ALTER TABLE medical_record DROP COLUMN voided_at;
ALTER TABLE medical_record DROP COLUMN updated_at;
ALTER TABLE medical_record DROP COLUMN version;

DROP INDEX patient_phone_key_idx;
DROP INDEX patient_date_of_birth_idx;
ALTER TABLE patient DROP COLUMN phone_key;
ALTER TABLE patient DROP COLUMN version;
ALTER TABLE patient DROP COLUMN deactivated_at;
ALTER TABLE patient DROP COLUMN active;

DROP TABLE appointment_status_history;
CREATE TABLE appointment_old (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id           INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    doctor_name          VARCHAR(100) NOT NULL,
    appointment_datetime TIMESTAMP NOT NULL,
    status               VARCHAR(20) NOT NULL DEFAULT 'scheduled',
    reason               TEXT,
    notes                TEXT,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL
);
INSERT INTO appointment_old (id, patient_id, doctor_name, appointment_datetime, status, reason, notes, created_at, updated_at)
SELECT a.id, a.patient_id, d.name, a.appointment_datetime, a.status, a.reason, a.notes, a.created_at, a.updated_at
FROM appointment a JOIN doctor d ON d.id = a.doctor_id;
DROP TABLE appointment;
ALTER TABLE appointment_old RENAME TO appointment;
CREATE INDEX appointment_patient_id_idx ON appointment (patient_id, appointment_datetime);
CREATE INDEX appointment_datetime_idx ON appointment (appointment_datetime, id);
CREATE INDEX appointment_doctor_idx ON appointment (lower(doctor_name), appointment_datetime);
DROP TABLE doctor;
