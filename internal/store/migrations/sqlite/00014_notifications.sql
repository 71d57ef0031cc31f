-- Appointment messages (the outbox and its history) and patients' contact preferences.
-- Delivery runs through River's job tables, which River's own migrations create.

-- +goose Up
CREATE TABLE notification (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id      INTEGER NOT NULL REFERENCES appointment (id) ON DELETE CASCADE,
    patient_id          INTEGER NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    appointment_version INTEGER NOT NULL,
    kind                VARCHAR(20) NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'rescheduled', 'cancelled')),
    channel             VARCHAR(10) NOT NULL CHECK (channel IN ('email', 'sms')),
    offset_minutes      INTEGER NOT NULL DEFAULT 0,
    appointment_start   TIMESTAMP NOT NULL,
    due_at              TIMESTAMP NOT NULL,
    status              VARCHAR(20) NOT NULL CHECK (status IN ('scheduled', 'queued', 'sent', 'failed', 'dropped', 'skipped')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    resends             INTEGER NOT NULL DEFAULT 0,
    last_error          VARCHAR(500),
    sent_at             TIMESTAMP,
    link_used_at        TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
-- One message of each kind per appointment, version (a move makes a new version), channel
-- and reminder offset: a second replica or a repeated scan cannot add another.
CREATE UNIQUE INDEX notification_once ON notification (appointment_id, appointment_version, kind, channel, offset_minutes);
CREATE INDEX notification_due_idx ON notification (status, due_at);
CREATE INDEX notification_patient_idx ON notification (patient_id);

CREATE TABLE contact_preference (
    patient_id INTEGER PRIMARY KEY REFERENCES patient (id) ON DELETE CASCADE,
    preference VARCHAR(10) NOT NULL CHECK (preference IN ('email', 'sms', 'both', 'none')),
    updated_at TIMESTAMP NOT NULL
);

-- Who changed an appointment's status when it was not a signed-in user: 'patient' for a
-- confirmation or cancellation from a message's link.
ALTER TABLE appointment_status_history ADD COLUMN actor VARCHAR(20);

-- +goose Down
ALTER TABLE appointment_status_history DROP COLUMN actor;
DROP TABLE contact_preference;
DROP TABLE notification;
