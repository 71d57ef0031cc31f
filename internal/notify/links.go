package notify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"
)

// Links signs and checks the tokens of the links in messages. A token names what it acts
// on (a notification for confirm/cancel, a patient for opt-out) and when it expires; the
// signature is an HMAC-SHA256 under a key derived from the server's secret, so it works on
// every replica and cannot be forged or changed.
type Links struct{ key []byte }

// Purposes of a token: a token made for one is refused for the other.
const (
	purposeRespond byte = 1 // confirm or cancel the appointment of a notification
	purposeOptOut  byte = 2 // stop messages to a patient
)

// ErrBadLink is returned for a token that is malformed, forged or expired.
var ErrBadLink = errors.New("the link is not valid or has expired")

// NewLinks derives the signing key of links from secret (the JWT secret).
func NewLinks(secret []byte) *Links {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("hms appointment links v1"))
	return &Links{key: m.Sum(nil)}
}

// optOutLife is how long an opt-out link works.
const optOutLife = 365 * 24 * time.Hour

// sigLength is the bytes of the signature kept in a token: 128 bits.
const sigLength = 16

func (l *Links) sign(purpose byte, id int64, expires time.Time) string {
	payload := make([]byte, 17, 17+sigLength)
	payload[0] = purpose
	binary.BigEndian.PutUint64(payload[1:9], uint64(id))
	binary.BigEndian.PutUint64(payload[9:17], uint64(expires.Unix()))
	m := hmac.New(sha256.New, l.key)
	m.Write(payload)
	return base64.RawURLEncoding.EncodeToString(append(payload, m.Sum(nil)[:sigLength]...))
}

func (l *Links) check(token string, purpose byte, now time.Time) (int64, time.Time, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 17+sigLength || raw[0] != purpose {
		return 0, time.Time{}, ErrBadLink
	}
	m := hmac.New(sha256.New, l.key)
	m.Write(raw[:17])
	if !hmac.Equal(m.Sum(nil)[:sigLength], raw[17:]) {
		return 0, time.Time{}, ErrBadLink
	}
	id := int64(binary.BigEndian.Uint64(raw[1:9]))
	expires := time.Unix(int64(binary.BigEndian.Uint64(raw[9:17])), 0)
	if !now.Before(expires) || id <= 0 {
		return 0, time.Time{}, ErrBadLink
	}
	return id, expires, nil
}

// RespondToken is the token of the confirm/cancel link of notification id, which expires
// when the appointment begins.
func (l *Links) RespondToken(notificationID int64, appointmentStart time.Time) string {
	return l.sign(purposeRespond, notificationID, appointmentStart)
}

// CheckRespond returns the notification a confirm/cancel token names.
func (l *Links) CheckRespond(token string, now time.Time) (int64, error) {
	id, _, err := l.check(token, purposeRespond, now)
	return id, err
}

// OptOutToken is the token of the opt-out link of a patient, valid for a year from now.
func (l *Links) OptOutToken(patientID int64, now time.Time) string {
	return l.sign(purposeOptOut, patientID, now.Add(optOutLife))
}

// CheckOptOut returns the patient an opt-out token names.
func (l *Links) CheckOptOut(token string, now time.Time) (int64, error) {
	id, _, err := l.check(token, purposeOptOut, now)
	return id, err
}
