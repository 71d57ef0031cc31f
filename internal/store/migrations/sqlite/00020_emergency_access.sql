-- Emergency ("break-glass") access: a doctor declares an emergency, with a reason, to open
-- the chart of a patient outside their care team (HMS_CHART_ACCESS=care-team) until
-- expires_at. Every read under it is audited as emergency_read; admins see each grant.

-- +goose Up
CREATE TABLE emergency_access (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES app_user (id),
    patient_id BIGINT NOT NULL REFERENCES patient (id) ON DELETE CASCADE,
    reason     VARCHAR(500) NOT NULL,
    started_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX emergency_access_user_patient_idx ON emergency_access (user_id, patient_id, expires_at);
CREATE INDEX emergency_access_started_idx ON emergency_access (started_at);

-- +goose Down
DROP TABLE emergency_access;
