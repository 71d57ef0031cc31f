-- +goose Up
-- Sign-in attempts whose password is being checked, per email. Each attempt takes a slot
-- (failures + in_flight never exceed the lockout's limit) before its password is checked,
-- so that concurrent attempts cannot all pass a lockout that none of them has recorded yet.
ALTER TABLE login_failure ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE login_failure DROP COLUMN in_flight;
