-- The nurse role.

-- +goose Up
ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check CHECK (role IN ('admin', 'doctor', 'nurse', 'staff'));

-- +goose Down
-- A nurse becomes staff, the role with the fewest rights that remains.
UPDATE app_user SET role = 'staff', token_version = token_version + 1 WHERE role = 'nurse';
ALTER TABLE app_user DROP CONSTRAINT app_user_role_check;
ALTER TABLE app_user ADD CONSTRAINT app_user_role_check CHECK (role IN ('admin', 'doctor', 'staff'));
