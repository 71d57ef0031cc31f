package auth

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzParseAccessToken feeds arbitrary strings to the token parser: it must never panic,
// and anything it accepts must be an HS256 token signed with the key.
func FuzzParseAccessToken(f *testing.F) {
	s, _ := NewSigner([]byte(strings.Repeat("k", 32)), time.Hour)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	good, _ := s.Issue(7, "session", "admin", 1, now)
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.")
	f.Fuzz(func(t *testing.T, token string) {
		c, err := s.Parse(token, now)
		if err != nil {
			return
		}
		header, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[0])
		var h struct{ Alg string }
		_ = json.Unmarshal(header, &h)
		if h.Alg != "HS256" || c.UserID() <= 0 || c.Session == "" {
			t.Fatalf("accepted %q (alg %q, claims %+v)", token, h.Alg, c)
		}
	})
}

// FuzzPasswordPolicy checks that the policy never panics and never accepts a short password.
func FuzzPasswordPolicy(f *testing.F) {
	f.Add("Tulip-Anchor-Velvet-42", "a@b.co")
	f.Add("password1234", "")
	f.Fuzz(func(t *testing.T, pw, email string) {
		if CheckPasswordPolicy(pw, email) == nil && (len([]rune(pw)) < MinPasswordLength || strings.EqualFold(pw, email)) {
			t.Fatalf("accepted %q for %q", pw, email)
		}
	})
}
