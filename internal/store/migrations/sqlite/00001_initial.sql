-- +goose Up
CREATE TABLE patient (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          VARCHAR(100) NOT NULL,
    email         VARCHAR(120) NOT NULL,
    date_of_birth DATE NOT NULL,
    phone         VARCHAR(20),
    address       TEXT,
    blood_group   VARCHAR(5),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX patient_email_key ON patient (email);

CREATE TABLE appointment (
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
CREATE INDEX appointment_patient_id_idx ON appointment (patient_id, appointment_datetime);
CREATE INDEX appointment_datetime_idx ON appointment (appointment_datetime, id);
CREATE INDEX appointment_doctor_idx ON appointment (lower(doctor_name), appointment_datetime);

CREATE TABLE medical_record (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id   INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    diagnosis    TEXT NOT NULL,
    prescription TEXT,
    doctor_name  VARCHAR(100) NOT NULL,
    record_date  DATE NOT NULL,
    notes        TEXT,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX medical_record_patient_id_idx ON medical_record (patient_id, record_date, id);

-- +goose Down
DROP TABLE medical_record;
DROP TABLE appointment;
DROP TABLE patient;
