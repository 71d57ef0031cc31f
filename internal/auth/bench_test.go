package auth

import (
	"testing"
	"time"
)

// BenchmarkTokens times what every authenticated request and every sign-in costs the
// server's CPU before any database work: go test -run '^$' -bench . -benchmem ./internal/auth
func BenchmarkTokens(b *testing.B) {
	s, err := NewSigner([]byte(NewSecret()), time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	token, err := s.Issue(42, NewSessionID(), "doctor", 3, now)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("parse access token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if c, err := s.Parse(token, now); err != nil || c.UserID() != 42 {
				b.Fatalf("%+v, %v", c, err)
			}
		}
	})
	b.Run("issue access token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Issue(42, "session", "doctor", 3, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hash refresh token", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = HashRefreshToken(token)
		}
	})
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("verify password (argon2id)", func(b *testing.B) {
		for b.Loop() {
			if ok, err := VerifyPassword("correct horse battery staple", hash); err != nil || !ok {
				b.Fatalf("%v, %v", ok, err)
			}
		}
	})
}
