package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

const userColumns = "id, email, name, role, active, created_at, updated_at, last_login_at"

func scanUser(row interface{ Scan(...any) error }, extra ...any) (domain.User, error) {
	var (
		u                       domain.User
		created, updated, login dbTime
	)
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.Active, &created, &updated, &login}, extra...)...)
	u.CreatedAt, u.UpdatedAt = created.Time, updated.Time
	if !login.IsZero() {
		u.LastLoginAt = &login.Time
	}
	return u, err
}

// userEmailTaken is the error for a second user with the same email.
func userEmailTaken() error {
	return &domain.Error{Code: domain.CodeConflict, Message: "a user with this email already exists",
		Fields: map[string]string{"email": "is already registered to another user"}}
}

// CreateUser inserts u with the given password hash and returns it as stored. A doctor
// is linked to their doctor row in the same transaction (linkDoctor).
func (s *Store) CreateUser(ctx context.Context, u domain.User, passwordHash string) (domain.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var out domain.User
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		now := s.dialect.timeArg(time.Now())
		out, err = scanUser(tx.QueryRowContext(ctx, `INSERT INTO app_user (email, name, role, active, password_hash, token_version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $6) RETURNING `+userColumns, u.Email, u.Name, u.Role, true, passwordHash, now))
		if err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionCreate, ResourceType: domain.ResourceUser, ResourceID: out.ID}); err != nil {
			return err
		}
		if out.Role == domain.RoleDoctor {
			return s.linkDoctor(ctx, tx, out)
		}
		return nil
	})
	if s.dialect.isUniqueViolation(err) {
		return out, userEmailTaken()
	}
	if err != nil {
		return out, fmt.Errorf("store: create user: %w", err)
	}
	return out, nil
}

// User returns the user with the given id.
func (s *Store) User(ctx context.Context, id int64) (domain.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	return s.user(ctx, s.db, id)
}

func (s *Store) user(ctx context.Context, q querier, id int64) (domain.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, `SELECT `+userColumns+` FROM app_user WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, domain.NotFound("user", id)
	}
	if err != nil {
		return u, fmt.Errorf("store: get user: %w", err)
	}
	return u, nil
}

// UserByEmail returns the user with the given (lower-case) email and their password hash.
func (s *Store) UserByEmail(ctx context.Context, email string) (domain.User, string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var hash string
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+`, password_hash FROM app_user WHERE email = $1`, strings.ToLower(email)), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", domain.Errorf(domain.CodeNotFound, "no user with email %s", email)
	}
	if err != nil {
		return u, "", fmt.Errorf("store: get user by email: %w", err)
	}
	return u, hash, nil
}

// PasswordHash returns the password hash of a user.
func (s *Store) PasswordHash(ctx context.Context, id int64) (string, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT password_hash FROM app_user WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		return "", domain.NotFound("user", id)
	}
	if err != nil {
		return "", fmt.Errorf("store: get password hash: %w", err)
	}
	return hash, nil
}

// CountUsers returns how many users exist (active or not).
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var n int64
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM app_user`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// UserFilter selects a page of users, ordered by id.
type UserFilter struct {
	Limit  int
	Cursor string
}

// Users returns one page of users.
func (s *Store) Users(ctx context.Context, f UserFilter) (Page[domain.User], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var page Page[domain.User]
	after := int64(0)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return page, err
		}
		after = c[0]
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM app_user WHERE id > $1 ORDER BY id LIMIT $2`, after, f.Limit+1)
	if err != nil {
		return page, fmt.Errorf("store: list users: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.User, 0, f.Limit)
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return page, fmt.Errorf("store: list users: %w", err)
		}
		page.Items = append(page.Items, u)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list users: %w", err)
	}
	page, err = pageOf(ctx, s, page.Items, f.Limit, f.Cursor, matches{table: "app_user", from: "app_user", id: "id"},
		func(last domain.User) string { return encodeCursor(last.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count users: %w", err)
	}
	return page, nil
}

// UpdateUser applies c. A change of role or a deactivation bumps the user's token version
// and ends their sessions, so that their tokens stop working at once. The
// last active admin can be neither demoted nor deactivated. A user who becomes a doctor
// is linked to their doctor row (linkDoctor); the linked doctor takes appointments while
// the user is active. A new name leaves the doctor's name alone: it is the doctor's
// display name, changed with UpdateDoctor.
func (s *Store) UpdateUser(ctx context.Context, id int64, c domain.UserChanges) (domain.User, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		out    domain.User
		notice *sessionNotice
	)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := s.user(ctx, tx, id)
		if err != nil {
			return err
		}
		var u assignments
		if c.Name != nil {
			u.set("name", *c.Name)
		}
		roleChanged := c.Role != nil && *c.Role != old.Role
		deactivated := c.Active != nil && !*c.Active && old.Active
		if roleChanged {
			u.set("role", *c.Role)
		}
		if c.Active != nil {
			u.set("active", *c.Active)
		}
		if old.Role == domain.RoleAdmin && old.Active && (roleChanged || deactivated) {
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM app_user WHERE role = 'admin' AND active`).Scan(&admins); err != nil {
				return err
			}
			if admins <= 1 {
				return domain.Errorf(domain.CodeConflict, "this is the last active admin: make another user admin first")
			}
		}
		if roleChanged || deactivated {
			u.sets = append(u.sets, "token_version = token_version + 1")
		}
		now := time.Now()
		u.set("updated_at", s.dialect.timeArg(now))
		q := `UPDATE app_user SET ` + u.list() + ` WHERE id = ` + u.arg(id)
		if _, err := tx.ExecContext(ctx, q, u.args...); err != nil {
			return err
		}
		// Any change of role or activity counts for the sessions (a reactivation too).
		if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
			return err
		}
		if roleChanged || deactivated {
			if err := s.revokeSessions(ctx, tx, id, "", now); err != nil {
				return err
			}
		}
		if out, err = s.user(ctx, tx, id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, Event{Action: domain.ActionUpdate, ResourceType: domain.ResourceUser, ResourceID: id}); err != nil {
			return err
		}
		activeChanged := out.Active != old.Active
		switch {
		// Reactivation also links a doctor user who has no doctor row yet.
		case out.Role == domain.RoleDoctor && (roleChanged || activeChanged && out.Active):
			return s.linkDoctor(ctx, tx, out)
		case activeChanged:
			return s.setDoctorActive(ctx, tx, id, out.Active)
		}
		return nil
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return out, fmt.Errorf("store: update user: %w", err)
	}
	return out, err
}

// SetPassword stores a new password hash for the user and ends their sessions except
// keepSession (the one that changed its own password). Without a session to keep (a reset
// by an operator) it also bumps the token version. action is what the audit trail records.
func (s *Store) SetPassword(ctx context.Context, id int64, passwordHash, keepSession, action string) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var notice *sessionNotice
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := time.Now()
		bump := ""
		if keepSession == "" {
			bump = ", token_version = token_version + 1"
		}
		res, err := tx.ExecContext(ctx, `UPDATE app_user SET password_hash = $1, updated_at = $2`+bump+` WHERE id = $3`,
			passwordHash, s.dialect.timeArg(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("user", id)
		}
		if err := s.revokeSessions(ctx, tx, id, keepSession, now); err != nil {
			return err
		}
		if notice, err = s.noticeSessionChange(ctx, tx); err != nil {
			return err
		}
		return s.audit(ctx, tx, Event{Action: action, ResourceType: domain.ResourceUser, ResourceID: id})
	})
	s.sessionsChanged(ctx, notice, err)
	if err != nil && domain.ErrorCode(err) == domain.CodeInternal {
		return fmt.Errorf("store: set password: %w", err)
	}
	return err
}
