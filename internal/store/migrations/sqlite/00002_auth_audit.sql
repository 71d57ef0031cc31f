-- +goose Up
-- Users sign in with an email (unique, case-insensitive: stored lower-case) and an argon2id hash.
-- token_version goes up when a user is deactivated, changes role or has their password reset,
-- so that tokens issued before stop working at once.
CREATE TABLE app_user (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         VARCHAR(120) NOT NULL,
    name          VARCHAR(100) NOT NULL,
    role          VARCHAR(10) NOT NULL CHECK (role IN ('admin', 'doctor', 'staff')),
    active        BOOLEAN NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL,
    token_version BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE UNIQUE INDEX app_user_email_key ON app_user (email);

-- A login session: one per sign-in, the family of all refresh tokens rotated from it.
-- Access tokens name their session, so revoking it ends them too.
CREATE TABLE auth_session (
    id         VARCHAR(64) PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES app_user (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX auth_session_user_idx ON auth_session (user_id);

-- Refresh tokens are kept only as their SHA-256 hash. used_at marks a rotated token:
-- presenting it again revokes its session.
CREATE TABLE refresh_token (
    token_hash VARCHAR(64) PRIMARY KEY,
    session_id VARCHAR(64) NOT NULL REFERENCES auth_session (id) ON DELETE CASCADE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX refresh_token_session_idx ON refresh_token (session_id);

-- Failed sign-ins per email (known or not, so a lockout reveals nothing about which exist).
CREATE TABLE login_failure (
    email        VARCHAR(320) PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL
);

-- Fixed-window request counters (per client IP on /api/auth/*), shared by every replica.
CREATE TABLE rate_limit (
    key          VARCHAR(200) PRIMARY KEY,
    window_start TIMESTAMP NOT NULL,
    hits         INTEGER NOT NULL
);

-- The audit trail. Rows are inserted unsealed (seq NULL); the sealer gives each one the
-- next seq and hash = sha256(prev_hash || canonical content). Patient data never appears
-- here: only ids.
CREATE TABLE audit_event (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          TIMESTAMP NOT NULL,
    user_id       BIGINT,
    role          VARCHAR(10),
    action        VARCHAR(30) NOT NULL,
    resource_type VARCHAR(30),
    resource_id   BIGINT,
    patient_id    BIGINT,
    ip            VARCHAR(64),
    request_id    VARCHAR(128),
    outcome       VARCHAR(10) NOT NULL,
    seq           BIGINT,
    prev_hash     VARCHAR(64),
    hash          VARCHAR(64)
);
CREATE UNIQUE INDEX audit_event_seq_key ON audit_event (seq);
CREATE INDEX audit_event_unsealed_idx ON audit_event (id) WHERE seq IS NULL;
CREATE INDEX audit_event_time_idx ON audit_event (time);
CREATE INDEX audit_event_user_idx ON audit_event (user_id, id);
CREATE INDEX audit_event_patient_idx ON audit_event (patient_id, id);

-- The head of the chain (one row), moved by the sealer in the transaction that seals:
-- the chain goes on from it after a purge, and verify checks that no sealed tail is missing.
CREATE TABLE audit_chain (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash VARCHAR(64) NOT NULL
);
INSERT INTO audit_chain (id, seq, hash) VALUES (1, 0, '');

-- +goose Down
DROP TABLE audit_chain;
DROP TABLE audit_event;
DROP TABLE rate_limit;
DROP TABLE login_failure;
DROP TABLE refresh_token;
DROP TABLE auth_session;
DROP TABLE app_user;
