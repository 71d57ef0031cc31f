-- The chart: visits (encounters) with a note that signing locks, its versions and its
-- addenda; vital signs; allergies; the problem list; stopped medications. A medical record
-- may belong to a visit.

-- +goose Up
-- status: open from check-in (or a walk-in) until the appointment is completed (closed) or
-- cancelled. signed_at locks the note; later changes are visit_addendum rows.
CREATE TABLE visit (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id     INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    appointment_id INTEGER REFERENCES appointment (id) ON DELETE SET NULL,
    doctor_id      INTEGER REFERENCES doctor (id),
    status         VARCHAR(20) NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
    started_at     TIMESTAMP NOT NULL,
    ended_at       TIMESTAMP,
    reason         TEXT,
    findings       TEXT,
    assessment     TEXT,
    plan           TEXT,
    signed_at      TIMESTAMP,
    signed_by      INTEGER,
    version        INTEGER NOT NULL DEFAULT 1,
    source         VARCHAR(200),
    created_by     INTEGER,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX visit_appointment_key ON visit (appointment_id);
CREATE UNIQUE INDEX visit_source_key ON visit (source);
CREATE INDEX visit_patient_idx ON visit (patient_id, started_at, id);

-- Every version of a visit's note, as written and by whom (version 1 is the visit as opened).
CREATE TABLE visit_version (
    visit_id   INTEGER NOT NULL REFERENCES visit (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    reason     TEXT,
    findings   TEXT,
    assessment TEXT,
    plan       TEXT,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (visit_id, version)
);

-- What was added to a signed note: never edited, never removed.
CREATE TABLE visit_addendum (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    visit_id   INTEGER NOT NULL REFERENCES visit (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    created_by INTEGER,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX visit_addendum_visit_idx ON visit_addendum (visit_id, id);

ALTER TABLE medical_record ADD COLUMN visit_id INTEGER REFERENCES visit (id) ON DELETE SET NULL;
CREATE INDEX medical_record_visit_idx ON medical_record (visit_id);

-- One vital sign: code is its LOINC code, unit its UCUM unit. Blood pressure is one row of
-- the panel 85354-9: value the systolic, value2 the diastolic pressure.
CREATE TABLE vital_sign (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id   INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    visit_id     INTEGER REFERENCES visit (id) ON DELETE SET NULL,
    code         VARCHAR(20) NOT NULL,
    value        REAL NOT NULL,
    value2       REAL,
    unit         VARCHAR(20) NOT NULL,
    effective_at TIMESTAMP NOT NULL,
    recorded_by  INTEGER,
    source       VARCHAR(200),
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX vital_sign_patient_idx ON vital_sign (patient_id, code, effective_at);
CREATE INDEX vital_sign_visit_idx ON vital_sign (visit_id);
CREATE UNIQUE INDEX vital_sign_source_key ON vital_sign (source);

-- An allergy or intolerance; no_known marks the statement "no known allergies".
CREATE TABLE allergy (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id      INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    substance       VARCHAR(200) NOT NULL,
    code            VARCHAR(40),
    category        VARCHAR(20),
    reaction        TEXT,
    severity        VARCHAR(10),
    criticality     VARCHAR(20),
    clinical_status VARCHAR(10) NOT NULL,
    no_known        BOOLEAN NOT NULL DEFAULT FALSE,
    onset_date      DATE,
    recorded_by     INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    source          VARCHAR(200),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX allergy_patient_idx ON allergy (patient_id, id);
CREATE UNIQUE INDEX allergy_source_key ON allergy (source);

-- The problem list: a patient's conditions over time, apart from the diagnosis of one visit.
CREATE TABLE problem (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    patient_id      INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    visit_id        INTEGER REFERENCES visit (id) ON DELETE SET NULL,
    description     TEXT NOT NULL,
    code            VARCHAR(40),
    clinical_status VARCHAR(12) NOT NULL,
    onset_date      DATE,
    abatement_date  DATE,
    recorded_by     INTEGER,
    version         INTEGER NOT NULL DEFAULT 1,
    source          VARCHAR(200),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX problem_patient_idx ON problem (patient_id, id);
CREATE UNIQUE INDEX problem_source_key ON problem (source);

-- A prescription (a medical record's) that was stopped: the active medications are the
-- prescriptions without a row here.
CREATE TABLE medication_stop (
    record_id  INTEGER PRIMARY KEY REFERENCES medical_record (id) ON DELETE CASCADE,
    stopped_on DATE NOT NULL,
    reason     VARCHAR(255) NOT NULL,
    stopped_by INTEGER,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE medication_stop;
DROP TABLE problem;
DROP TABLE allergy;
DROP TABLE vital_sign;
DROP INDEX medical_record_visit_idx;
ALTER TABLE medical_record DROP COLUMN visit_id;
DROP TABLE visit_addendum;
DROP TABLE visit_version;
DROP TABLE visit;
