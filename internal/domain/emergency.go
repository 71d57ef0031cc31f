package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// EmergencyAccess is a doctor's declared emergency: it opens one patient's chart outside
// their care team until ExpiresAt, and every read under it is audited as ActionEmergencyRead.
type EmergencyAccess struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"`
	PatientID int64     `json:"patient_id"`
	Reason    string    `json:"reason"`
	StartedAt time.Time `json:"started_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ValidEmergencyReason checks the reason given for an emergency access: required, and at
// most 500 characters.
func ValidEmergencyReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	f := FieldErrors{}
	switch {
	case reason == "":
		f.Add("reason", "is required: say why the emergency needs this chart")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > 500:
		f.Add("reason", "must be at most 500 characters of text")
	}
	return reason, f.Err()
}
