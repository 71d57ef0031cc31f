package domain

import "time"

// Audit actions. Reads of patient data are audited like writes.
const (
	ActionRead           = "read"
	ActionCreate         = "create"
	ActionUpdate         = "update"
	ActionDelete         = "delete"
	ActionDenied         = "denied"
	ActionLogin          = "login"
	ActionLoginFailed    = "login_failed"
	ActionLogout         = "logout"
	ActionRefresh        = "refresh"
	ActionRefreshReuse   = "refresh_reuse"
	ActionPasswordChange = "password_change"
	ActionPasswordReset  = "password_reset"
	ActionPurge          = "purge"
	ActionImport         = "import"
	ActionSSOLogin       = "sso_login"   // the identity provider vouched for a user (single sign-on); "login" follows when the UI takes its tokens
	ActionSSODenied      = "sso_denied"  // a single sign-on refused: by the provider, or by HMS (unknown, disabled or unmapped user, state or nonce mismatch)
	ActionSessionEnd     = "session_end" // a session ended from the list of sessions, or all of a user's by an admin
	ActionMerge          = "merge"       // one event for the merged patient, one for the survivor
	ActionRestore        = "restore"     // a deactivated patient made active again
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// Resource types named by audit events.
const (
	ResourcePatient     = "patient"
	ResourceAppointment = "appointment"
	ResourceDoctor      = "doctor"
	ResourceRecord      = "medical_record"
	ResourceUser        = "user"
	ResourceSession     = "session"
	ResourceAudit       = "audit_event"
	ResourceClinic      = "clinic"
)

// AuditEvent is one entry of the audit trail. It holds ids only, never patient names,
// emails or diagnoses.
type AuditEvent struct {
	ID           int64     `json:"id"`
	Time         time.Time `json:"time"`
	UserID       *int64    `json:"user_id"`
	Role         *string   `json:"role"`
	Action       string    `json:"action"`
	ResourceType *string   `json:"resource_type"`
	ResourceID   *int64    `json:"resource_id"`
	PatientID    *int64    `json:"patient_id"`
	IP           *string   `json:"ip"`
	RequestID    *string   `json:"request_id"`
	Outcome      string    `json:"outcome"`
	// The chain: set when the event is sealed.
	Seq      *int64  `json:"seq"`
	PrevHash *string `json:"-"`
	Hash     *string `json:"hash"`
}

// AuditActions are the actions the audit trail records, for the audit log's filter.
var AuditActions = []string{ActionRead, ActionCreate, ActionUpdate, ActionDelete, ActionDenied, ActionLogin,
	ActionLoginFailed, ActionLogout, ActionRefresh, ActionRefreshReuse, ActionPasswordChange, ActionPasswordReset,
	ActionPurge, ActionImport, ActionSessionEnd, ActionMerge, ActionRestore, ActionSSOLogin, ActionSSODenied}

// PatientName is how the audit log names a patient: their name and MRN.
type PatientName struct {
	Name string `json:"name"`
	MRN  string `json:"mrn"`
}

// AuditNames are the names of the users and patients that some audit events name, by id.
type AuditNames struct {
	Users    map[int64]string
	Patients map[int64]PatientName
}

// AuditEntry is an audit event as the admins' audit log shows it: with the names of its
// user and patient (patient data, so reading it is itself audited), nil when there is
// none or it was erased.
type AuditEntry struct {
	AuditEvent
	UserName *string      `json:"user_name"`
	Patient  *PatientName `json:"patient"`
}

// Named returns the entries of events with the names in n.
func (n AuditNames) Named(events []AuditEvent) []AuditEntry {
	out := make([]AuditEntry, len(events))
	for i, e := range events {
		out[i].AuditEvent = e
		if e.UserID != nil {
			if name, ok := n.Users[*e.UserID]; ok {
				out[i].UserName = &name
			}
		}
		if e.PatientID != nil {
			if p, ok := n.Patients[*e.PatientID]; ok {
				out[i].Patient = &p
			}
		}
	}
	return out
}
