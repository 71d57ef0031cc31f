package domain

import (
	"slices"
	"strings"
	"time"
)

// Roles lists every role, from the most to the least privileged.
var Roles = []string{RoleAdmin, RoleDoctor, RoleNurse, RoleStaff}

// User is someone who signs in to HMS. The password hash never leaves the store.
type User struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
}

// UserSummary is the part of a user that a session reports: {id, email, name, role}.
type UserSummary struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
	Role  string `json:"role"`
}

// Summary returns the session view of u.
func (u User) Summary() UserSummary {
	return UserSummary{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role}
}

// UserInput is the body of POST and PUT /api/users.
type UserInput struct {
	Email    Opt[string] `json:"email"`
	Name     Opt[string] `json:"name"`
	Role     Opt[string] `json:"role"`
	Password Opt[string] `json:"password"`
	Active   Opt[bool]   `json:"active"`
}

// UserChanges is a validated PUT /api/users/{id}: nil leaves a column alone.
type UserChanges struct {
	Name   *string
	Role   *string
	Active *bool
}

// ValidateNew checks a create request and returns the user and the password to hash.
// The password policy itself lives in package auth.
func (in UserInput) ValidateNew() (User, string, error) {
	f := FieldErrors{}
	u := User{
		Email:  normaliseEmail(f, "email", required(f, "email", in.Email, 120)),
		Name:   required(f, "name", in.Name, 100),
		Role:   validRole(f, required(f, "role", in.Role, 10)),
		Active: true,
	}
	if in.Active.Set {
		f.Add("active", "a new user is always active")
	}
	if !in.Password.Given() {
		f.Add("password", "is required")
	}
	return u, in.Password.Value, f.Err()
}

// ValidateUpdate checks a PUT body: name, role and active may change; email and password may not.
func (in UserInput) ValidateUpdate() (UserChanges, error) {
	f := FieldErrors{}
	var c UserChanges
	if in.Email.Set {
		f.Add("email", "cannot be changed; create a new user instead")
	}
	if in.Password.Set {
		f.Add("password", "cannot be set here; use `hms user reset-password` or POST /api/auth/password")
	}
	if in.Name.Set {
		v := required(f, "name", in.Name, 100)
		c.Name = &v
	}
	if in.Role.Set {
		v := validRole(f, required(f, "role", in.Role, 10))
		c.Role = &v
	}
	if in.Active.Set {
		if in.Active.Null {
			f.Add("active", "must be true or false")
		}
		v := in.Active.Value
		c.Active = &v
	}
	if !in.Name.Set && !in.Role.Set && !in.Active.Set && len(f) == 0 {
		return c, Errorf(CodeInvalid, "the body names no field to change (name, role, active)")
	}
	return c, f.Err()
}

func validRole(f FieldErrors, v string) string {
	if v == "" {
		return ""
	}
	v = strings.ToLower(v)
	if !slices.Contains(Roles, v) {
		f.Add("role", "must be one of "+strings.Join(Roles, ", "))
		return ""
	}
	return v
}

// NormaliseEmail returns the lower-cased form of a valid email address, or an invalid-code
// Error naming field.
func NormaliseEmail(field, v string) (string, error) {
	f := FieldErrors{}
	out := normaliseEmail(f, field, required(f, field, Some(v), 120))
	return out, f.Err()
}
