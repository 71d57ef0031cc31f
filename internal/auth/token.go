package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MinSecretLength is the shortest HMS_JWT_SECRET accepted, in bytes.
const MinSecretLength = 32

const issuer = "hms"

// Claims is what an access token says: who (sub), in which session (sid), with which
// role and token version (ver).
type Claims struct {
	Session      string `json:"sid"`
	Role         string `json:"role"`
	TokenVersion int64  `json:"ver"`
	jwt.RegisteredClaims
}

// UserID returns the user id of the subject.
func (c Claims) UserID() int64 {
	id, _ := strconv.ParseInt(c.Subject, 10, 64)
	return id
}

// Signer issues and checks HS256 access tokens.
type Signer struct {
	secret []byte
	ttl    time.Duration

	// verified holds the claims of tokens whose signature and claims Parse checked: a
	// token is the same string at every request of a client, and the string itself is
	// what was verified. Their times are checked again at each use.
	mu       sync.Mutex
	verified map[string]Claims
}

// maxVerifiedTokens caps Signer.verified; past it, it starts afresh.
const maxVerifiedTokens = 10000

// NewSigner returns a Signer with the given secret and access token lifetime.
func NewSigner(secret []byte, ttl time.Duration) (*Signer, error) {
	if len(secret) < MinSecretLength {
		return nil, errors.New("auth: the JWT secret must be at least 32 bytes")
	}
	return &Signer{secret: secret, ttl: ttl, verified: map[string]Claims{}}, nil
}

// TTL is the lifetime of access tokens.
func (s *Signer) TTL() time.Duration { return s.ttl }

// Issue signs an access token for the user's session, valid from now for the TTL.
func (s *Signer) Issue(userID int64, session, role string, version int64, now time.Time) (string, error) {
	c := Claims{Session: session, Role: role, TokenVersion: version, RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.FormatInt(userID, 10),
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
	}}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.secret)
}

// Parse checks an access token at time now: signed by this secret with HS256 (no other
// algorithm, "none" included), issued by HMS, not expired, naming a user and a session.
func (s *Signer) Parse(token string, now time.Time) (Claims, error) {
	s.mu.Lock()
	c, seen := s.verified[token]
	s.mu.Unlock()
	if seen && now.Before(c.ExpiresAt.Time) && !now.Before(c.IssuedAt.Time) {
		return c, nil
	}
	c = Claims{}
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		return Claims{}, err
	}
	if c.UserID() <= 0 || c.Session == "" {
		return Claims{}, errors.New("auth: token names no user or session")
	}
	if c.IssuedAt != nil && c.ExpiresAt != nil {
		s.mu.Lock()
		if len(s.verified) >= maxVerifiedTokens {
			clear(s.verified)
		}
		s.verified[token] = c
		s.mu.Unlock()
	}
	return c, nil
}

// NewRefreshToken returns a random opaque refresh token and the hash under which it is stored.
func NewRefreshToken() (token, hash string) {
	token = randomString(32)
	return token, HashRefreshToken(token)
}

// HashRefreshToken is the SHA-256 of a refresh token, in hex: the only form the database keeps.
func HashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewSessionID returns a random session id.
func NewSessionID() string { return randomString(18) }

// NewSecret returns a random secret suitable for HMS_JWT_SECRET.
func NewSecret() string { return randomString(48) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
