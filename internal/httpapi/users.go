package httpapi

import (
	"fmt"
	"net/http"

	"github.com/hms-project/hms/internal/auth"
	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
)

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	page, err := a.store.Users(r.Context(), store.UserFilter{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	writePage(w, page, limit)
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var in domain.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, password, err := in.ValidateNew()
	if err != nil {
		return err
	}
	if err := auth.CheckPasswordPolicy(password, u.Email); err != nil {
		return err
	}
	hash, err := a.auth.HashPassword(r.Context(), password)
	if err != nil {
		return err
	}
	if u, err = a.store.CreateUser(r.Context(), u, hash); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, item{Success: true, Data: u})
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := a.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: u})
	return nil
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in domain.UserInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	changes, err := in.ValidateUpdate()
	if err != nil {
		return err
	}
	u, err := a.store.UpdateUser(r.Context(), id, changes)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: u})
	return nil
}

// deactivateUser answers DELETE: users are never removed, since the audit trail names them.
func (a *API) deactivateUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inactive := false
	if _, err := a.store.UpdateUser(r.Context(), id, domain.UserChanges{Active: &inactive}); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "user deactivated; their sessions are ended"})
	return nil
}

// endUserSessions ends every session of a user: they must sign in again everywhere.
func (a *API) endUserSessions(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := a.store.EndAllSessions(r.Context(), id, a.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: fmt.Sprintf("%d session(s) ended; the user must sign in again", n)})
	return nil
}

// passwordResetInput is the body of POST /api/users/{id}/password: the new password, or
// none for one that HMS makes up and shows once.
type passwordResetInput struct {
	NewPassword string `json:"new_password"`
}

// passwordReset is the answer of POST /api/users/{id}/password.
type passwordReset struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	// Password is the password HMS made up; empty (left out) when the admin chose it.
	Password string `json:"password,omitempty"`
}

// resetPassword sets another user's password, as an admin does for a user who forgot
// theirs: every session of that user ends, and the audit trail records a password_reset.
// An admin changes their own password with POST /api/auth/password, which asks for the
// current one.
func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in passwordResetInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if id == identity(r.Context()).UserID {
		return domain.Errorf(domain.CodeInvalid, "to change your own password use POST /api/auth/password, which asks for the current one")
	}
	u, err := a.store.User(r.Context(), id)
	if err != nil {
		return err
	}
	password, made := in.NewPassword, in.NewPassword == ""
	if made {
		password = auth.GeneratePassword()
	}
	if err := auth.CheckNewPassword(password, u.Email, "new_password"); err != nil {
		return err
	}
	hash, err := a.auth.HashPassword(r.Context(), password)
	if err != nil {
		return err
	}
	if err := a.store.SetPassword(r.Context(), id, hash, "", domain.ActionPasswordReset); err != nil {
		return err
	}
	out := passwordReset{Success: true, Message: "password reset; the user's sessions are ended"}
	if made {
		out.Password = password
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
