-- Where each session signed in from, for the user's list of signed-in sessions: the
-- User-Agent header (cut to 512 bytes) and the client's IP address.

-- +goose Up
ALTER TABLE auth_session ADD COLUMN user_agent VARCHAR(512) NOT NULL DEFAULT '';
ALTER TABLE auth_session ADD COLUMN ip VARCHAR(64) NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE auth_session DROP COLUMN ip;
ALTER TABLE auth_session DROP COLUMN user_agent;
