-- Single sign-on with the clinic's OpenID Connect provider.
-- app_user.oidc_issuer and oidc_subject: the provider account a user is linked to, stored
-- on their first SSO sign-in; NULL until then.
-- oidc_login: an SSO sign-in sent to the provider. state_hash (the SHA-256 of the state
-- sent along) finds it when the browser comes back; browser_hash binds it to the browser
-- that started it (a cookie); nonce and verifier (PKCE) are checked against the answer.
-- oidc_handoff: a sign-in the provider vouched for, until the UI trades its one-time code
-- (stored as code_hash) for HMS's own tokens, from the same browser.

-- +goose Up
ALTER TABLE app_user ADD COLUMN oidc_issuer VARCHAR(255);
ALTER TABLE app_user ADD COLUMN oidc_subject VARCHAR(255);
CREATE UNIQUE INDEX app_user_oidc_subject_key ON app_user (oidc_issuer, oidc_subject);
CREATE TABLE oidc_login (
    state_hash   VARCHAR(64) PRIMARY KEY,
    browser_hash VARCHAR(64) NOT NULL,
    nonce        VARCHAR(64) NOT NULL,
    verifier     VARCHAR(128) NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_login_expires_idx ON oidc_login (expires_at);
CREATE TABLE oidc_handoff (
    code_hash    VARCHAR(64) PRIMARY KEY,
    browser_hash VARCHAR(64) NOT NULL,
    user_id      BIGINT NOT NULL REFERENCES app_user (id) ON DELETE CASCADE,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_handoff_expires_idx ON oidc_handoff (expires_at);

-- +goose Down
DROP TABLE oidc_handoff;
DROP TABLE oidc_login;
DROP INDEX app_user_oidc_subject_key;
ALTER TABLE app_user DROP COLUMN oidc_subject;
ALTER TABLE app_user DROP COLUMN oidc_issuer;
