// Package auth is HMS's identity: password hashing and policy, access and refresh tokens,
// and the sign-in, refresh, sign-out and password-change flows with their throttling.
package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/hms-project/hms/internal/domain"
)

// argon2id parameters for new hashes: the OWASP recommendation (19 MiB, 2 passes, 1 lane).
// Each hash records its own parameters, so they can be raised later without a migration.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// HashMemory is what one argon2id hash or verification holds while it runs, in bytes.
const HashMemory = argonMemory << 10

// MinPasswordLength is the shortest password HMS accepts.
const MinPasswordLength = 12

// maxPasswordLength bounds the work one sign-in can cause.
const maxPasswordLength = 256

//go:embed common_passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// CheckPasswordPolicy returns an invalid-code error on field "password" naming the rule
// that pw breaks: at least 12 characters, not the email (or its name part), not a common
// password.
func CheckPasswordPolicy(pw, email string) error {
	fail := func(msg string) error {
		return &domain.Error{Code: domain.CodeInvalid, Message: "password: " + msg, Fields: map[string]string{"password": msg}}
	}
	n := utf8.RuneCountInString(pw)
	lower := strings.ToLower(pw)
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	switch {
	case !utf8.ValidString(pw):
		return fail("must be valid UTF-8 text")
	case strings.ContainsRune(pw, 0):
		return fail("must not contain NUL characters")
	case n < MinPasswordLength:
		return fail(fmt.Sprintf("must be at least %d characters (got %d)", MinPasswordLength, n))
	case n > maxPasswordLength:
		return fail(fmt.Sprintf("must be at most %d characters", maxPasswordLength))
	case email != "" && (lower == strings.ToLower(email) || lower == local):
		return fail("must not be your email address")
	case commonPasswords()[lower]:
		return fail("is too common: it appears in lists of leaked passwords")
	}
	return nil
}

// CheckNewPassword is CheckPasswordPolicy with the error on field instead of "password".
func CheckNewPassword(pw, email, field string) error {
	return renameField(CheckPasswordPolicy(pw, email), field)
}

// HashPassword returns the argon2id hash of pw in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: not an argon2id hash")

// VerifyPassword reports whether pw matches hash, in time that does not depend on where they differ.
func VerifyPassword(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var (
		version, memory, passes int
		threads                 uint8
	)
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil || memory <= 0 || passes <= 0 || threads == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(pw), salt, uint32(passes), uint32(memory), threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is verified against when a sign-in names no user, so that an unknown email
// takes as long to refuse as a wrong password.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password anybody has")
	return h
})

// GeneratePassword returns a random password of 20 characters from an unambiguous alphabet.
func GeneratePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
