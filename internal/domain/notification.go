package domain

import "time"

// Kinds of appointment message.
const (
	NoticeConfirmation = "confirmation" // sent on booking
	NoticeReminder     = "reminder"     // sent an offset before the appointment
	NoticeRescheduled  = "rescheduled"  // sent when the appointment moves
	NoticeCancelled    = "cancelled"    // sent when it is cancelled
)

// Channels a message goes out on.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
)

// Delivery statuses of a message. Scheduled waits for its due time, queued waits for
// delivery (or is being retried); the others are final.
const (
	NoticeScheduled = "scheduled"
	NoticeQueued    = "queued"
	NoticeSent      = "sent"
	NoticeFailed    = "failed"  // permanently, or after the last retry
	NoticeDropped   = "dropped" // the appointment moved, was cancelled or ended first
	NoticeSkipped   = "skipped" // not applicable when due: opted out, no address, past
)

// NoticeStatuses lists every delivery status.
var NoticeStatuses = []string{NoticeScheduled, NoticeQueued, NoticeSent, NoticeFailed, NoticeDropped, NoticeSkipped}

// Contact preferences: which channels a patient receives messages on.
const (
	ContactEmail = "email"
	ContactSMS   = "sms"
	ContactBoth  = "both"
	ContactNone  = "none"
)

// ContactPreferences lists every contact preference.
var ContactPreferences = []string{ContactEmail, ContactSMS, ContactBoth, ContactNone}

// Allows reports whether a patient with contact preference pref (empty: the default, every
// channel they have an address for) receives messages on channel.
func AllowsChannel(pref, channel string) bool {
	switch pref {
	case "", ContactBoth:
		return true
	case ContactNone:
		return false
	}
	return pref == channel
}

// Notification is one message about an appointment, on one channel. It holds no text: the
// text is made from the appointment when the message is sent.
type Notification struct {
	ID               int64      `json:"id"`
	AppointmentID    int64      `json:"appointment_id"`
	PatientID        int64      `json:"patient_id"`
	Kind             string     `json:"kind"`
	Channel          string     `json:"channel"`
	OffsetMinutes    int        `json:"offset_minutes"`
	AppointmentStart time.Time  `json:"appointment_datetime"`
	DueAt            time.Time  `json:"due_at"`
	Status           string     `json:"status"`
	Attempts         int        `json:"attempts"`
	LastError        *string    `json:"last_error"`
	SentAt           *time.Time `json:"sent_at"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// ResourceNotification names notifications in audit events.
const ResourceNotification = "notification"

// WithStatus returns a copy of a in status.
func (a Appointment) WithStatus(status string) Appointment {
	a.Status = status
	return a
}
