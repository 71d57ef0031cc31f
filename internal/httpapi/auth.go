package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/hms-project/hms/internal/domain"
)

// loginInput is the body of POST /api/auth/login.
type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// validate checks presence and bounds only: a wrong email or password is the login's answer.
func (in loginInput) validate() error {
	f := domain.FieldErrors{}
	switch {
	case in.Email == "":
		f.Add("email", "is required")
	case len(in.Email) > 320 || !utf8.ValidString(in.Email):
		f.Add("email", "is not an email address")
	}
	switch {
	case in.Password == "":
		f.Add("password", "is required")
	case len(in.Password) > 1024:
		f.Add("password", "is longer than any password HMS accepts")
	}
	return f.Err()
}

// tokenInput is the body of POST /api/auth/refresh and /api/auth/logout.
type tokenInput struct {
	RefreshToken string `json:"refresh_token"`
}

func (in tokenInput) validate() error {
	if in.RefreshToken == "" || len(in.RefreshToken) > 200 {
		return &domain.Error{Code: domain.CodeInvalid, Message: "refresh_token: is required",
			Fields: map[string]string{"refresh_token": "is required"}}
	}
	return nil
}

// passwordInput is the body of POST /api/auth/password.
type passwordInput struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var in loginInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	session, err := a.auth.Login(r.Context(), in.Email, in.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: session})
	return nil
}

func (a *API) refresh(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	session, err := a.auth.Refresh(r.Context(), in.RefreshToken)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: session})
	return nil
}

func (a *API) logout(w http.ResponseWriter, r *http.Request) error {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	if err := a.auth.Logout(r.Context(), in.RefreshToken); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "signed out"})
	return nil
}

// signedInUser is the answer of GET /api/auth/me: who is signed in and what they may do.
type signedInUser struct {
	domain.UserSummary
	// Permissions are the names of what the user's role may do (see permissions).
	Permissions []string `json:"permissions"`
}

func (a *API) me(w http.ResponseWriter, r *http.Request) error {
	u, err := a.store.User(r.Context(), identity(r.Context()).UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: signedInUser{u.Summary(), a.may[u.Role]}})
	return nil
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request) error {
	var in passwordInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f := domain.FieldErrors{}
	if in.CurrentPassword == "" {
		f.Add("current_password", "is required")
	}
	if in.NewPassword == "" {
		f.Add("new_password", "is required")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := a.auth.ChangePassword(r.Context(), identity(r.Context()), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "password changed; your other sessions are signed out"})
	return nil
}

// listSessions answers the signed-in user's open sessions, theirs marked current.
func (a *API) listSessions(w http.ResponseWriter, r *http.Request) error {
	id := identity(r.Context())
	sessions, err := a.store.UserSessions(r.Context(), id.UserID, id.Session, a.now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: sessions})
	return nil
}

// endSession ends one of the signed-in user's own sessions; another user's is not found.
func (a *API) endSession(w http.ResponseWriter, r *http.Request) error {
	public := r.PathValue("id")
	if !validPublicSessionID(public) {
		return domain.Errorf(domain.CodeInvalid, "id in the path must be a session id from GET /api/auth/sessions, not %q", public)
	}
	if err := a.store.EndUserSession(r.Context(), identity(r.Context()).UserID, public, a.now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "session ended"})
	return nil
}

// validPublicSessionID checks the form of a session's public id: 32 lower-case hex digits.
func validPublicSessionID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
