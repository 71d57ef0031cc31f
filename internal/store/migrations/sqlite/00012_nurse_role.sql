-- The nurse role. SQLite cannot change a CHECK constraint in place, so app_user is rebuilt;
-- foreign keys are off meanwhile (they cannot be switched inside a transaction), or dropping
-- the old table would count every session as a broken reference.

-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE app_user_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         VARCHAR(120) NOT NULL,
    name          VARCHAR(100) NOT NULL,
    role          VARCHAR(10) NOT NULL CHECK (role IN ('admin', 'doctor', 'nurse', 'staff')),
    active        BOOLEAN NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL,
    token_version BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
INSERT INTO app_user_new SELECT id, email, name, role, active, password_hash, token_version, created_at, updated_at, last_login_at FROM app_user;
DROP TABLE app_user;
ALTER TABLE app_user_new RENAME TO app_user;
CREATE UNIQUE INDEX app_user_email_key ON app_user (email);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE app_user_new (
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
-- A nurse becomes staff, the role with the fewest rights that remains.
INSERT INTO app_user_new SELECT id, email, name, CASE role WHEN 'nurse' THEN 'staff' ELSE role END, active, password_hash,
    token_version + 1, created_at, updated_at, last_login_at FROM app_user;
DROP TABLE app_user;
ALTER TABLE app_user_new RENAME TO app_user;
CREATE UNIQUE INDEX app_user_email_key ON app_user (email);
COMMIT;
PRAGMA foreign_keys = ON;
