-- Two-factor sign-in (TOTP, RFC 6238). A user's authenticator secret is kept from the
-- start of enrolment (confirmed_at NULL) until it is confirmed by a code; it is never
-- answered again after that. last_step is the last TOTP time step (Unix time / 30) that
-- signed in, so a code cannot be used twice, even by requests that race.
-- Recovery codes are kept only as their SHA-256 hash; used_at spends one.

-- +goose Up
CREATE TABLE user_mfa (
    user_id      BIGINT PRIMARY KEY REFERENCES app_user (id) ON DELETE CASCADE,
    secret       VARCHAR(64) NOT NULL,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    confirmed_at TIMESTAMP
);

CREATE TABLE mfa_recovery_code (
    user_id   BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    code_hash VARCHAR(64) NOT NULL,
    used_at   TIMESTAMP,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE mfa_recovery_code;
DROP TABLE user_mfa;
