package auth

import (
	"strings"
	"testing"
	"time"
)

// TestVerifiedTokensStillExpire: a token that Parse has verified before is accepted again
// only within its lifetime, and any other string, however close, is verified afresh.
func TestVerifiedTokensStillExpire(t *testing.T) {
	s, err := NewSigner([]byte(strings.Repeat("k", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	token, err := s.Issue(42, "session", "doctor", 1, now)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if c, err := s.Parse(token, now.Add(time.Minute)); err != nil || c.UserID() != 42 || c.Session != "session" {
			t.Fatalf("a fresh token: %+v, %v", c, err)
		}
	}
	if _, err := s.Parse(token, now.Add(time.Hour+time.Second)); err == nil {
		t.Error("an expired token was accepted because it had been verified before")
	}
	if _, err := s.Parse(token, now.Add(-time.Minute)); err == nil {
		t.Error("a token issued in the future was accepted because it had been verified before")
	}
	sig := strings.LastIndexByte(token, '.') + 5
	forged := token[:sig] + map[bool]string{true: "A", false: "B"}[token[sig] != 'A'] + token[sig+1:]
	if _, err := s.Parse(forged, now.Add(time.Minute)); err == nil {
		t.Error("a token with another signature was accepted")
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)), time.Hour)
	if _, err := other.Parse(token, now.Add(time.Minute)); err == nil {
		t.Error("another secret accepted the token")
	}
}
