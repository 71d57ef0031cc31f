package httpapi

import (
	"net/http"

	"github.com/hms-project/hms/internal/domain"
)

// codeInput is the body of the calls that check a second factor: a 6-digit code of the
// authenticator app or, where it completes a sign-in or turns the factor off, a recovery code.
type codeInput struct {
	Code string `json:"code"`
}

func (in codeInput) validate() error {
	f := domain.FieldErrors{}
	switch {
	case in.Code == "":
		f.Add("code", "is required")
	case len(in.Code) > 64:
		f.Add("code", "is longer than any code HMS gives")
	}
	return f.Err()
}

// decodeCode decodes and validates a codeInput.
func decodeCode(r *http.Request) (string, error) {
	var in codeInput
	if err := decodeJSON(r, &in); err != nil {
		return "", err
	}
	return in.Code, in.validate()
}

func (a *API) mfaStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := a.auth.MFAStatus(r.Context(), identity(r.Context()))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: st})
	return nil
}

// mfaSetup starts an enrolment: the secret is answered this once.
func (a *API) mfaSetup(w http.ResponseWriter, r *http.Request) error {
	e, err := a.auth.StartEnrolment(r.Context(), identity(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, item{Success: true, Data: e})
	return nil
}

// mfaConfirm confirms the enrolment with a code: the recovery codes are answered this
// once, and the session when it completed a sign-in.
func (a *API) mfaConfirm(w http.ResponseWriter, r *http.Request) error {
	code, err := decodeCode(r)
	if err != nil {
		return err
	}
	out, err := a.auth.ConfirmEnrolment(r.Context(), identity(r.Context()), code)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, item{Success: true, Data: out})
	return nil
}

func (a *API) mfaDisable(w http.ResponseWriter, r *http.Request) error {
	code, err := decodeCode(r)
	if err != nil {
		return err
	}
	if err := a.auth.DisableMFA(r.Context(), identity(r.Context()), code); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "two-factor sign-in is off"})
	return nil
}

// mfaVerify completes a sign-in with its second factor.
func (a *API) mfaVerify(w http.ResponseWriter, r *http.Request) error {
	code, err := decodeCode(r)
	if err != nil {
		return err
	}
	session, err := a.auth.VerifyMFA(r.Context(), identity(r.Context()), code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, item{Success: true, Data: session})
	return nil
}

// resetUserMFA removes a user's second factor (a lost phone): they sign in again on every
// device, and enrol again at their next sign-in when their role requires it.
func (a *API) resetUserMFA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := a.store.RemoveMFA(r.Context(), id, domain.ActionMFAReset, a.now()); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, message{Success: true, Message: "two-factor sign-in removed; the user must sign in again"})
	return nil
}
