package auth

import (
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 key of RFC 6238's test vectors ("12345678901234567890") in base32.
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

// TestMatchStep: RFC 6238's vectors (their last six digits), the step either side, and no
// further.
func TestMatchStep(t *testing.T) {
	for _, tc := range []struct {
		code string
		at   int64
		step int64
	}{
		{"287082", 59, 1},
		{"081804", 1111111109, 37037036},
		{"050471", 1111111111, 37037037},
		{"005924", 1234567890, 41152263},
		{"279037", 2000000000, 66666666},
	} {
		for _, skew := range []int64{-30, 0, 30} {
			if got := matchStep(rfcSecret, tc.code, time.Unix(tc.at+skew, 0)); got != tc.step {
				t.Errorf("code %s at %d%+d: step %d, want %d", tc.code, tc.at, skew, got, tc.step)
			}
		}
		for _, far := range []int64{-61, 61, 3600} {
			if tc.at+far < 0 {
				continue // before 1970: Unix time divides toward zero there
			}
			if got := matchStep(rfcSecret, tc.code, time.Unix(tc.at+far, 0)); got != 0 {
				t.Errorf("code %s at %d%+d: step %d, want none", tc.code, tc.at, far, got)
			}
		}
	}
	for _, bad := range []string{"", "28708", "2870822", "28708a", "abcdef"} {
		if got := matchStep(rfcSecret, bad, time.Unix(59, 0)); got != 0 {
			t.Errorf("code %q: step %d, want none", bad, got)
		}
	}
}

// TestRecoveryCodes: ten distinct codes of the documented form, whose hashes match what a
// user types back, with or without the hyphen and in any case.
func TestRecoveryCodes(t *testing.T) {
	codes, hashes := newRecoveryCodes()
	if len(codes) != RecoveryCodes || len(hashes) != RecoveryCodes {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if len(c) != 11 || c[5] != '-' || strings.Trim(strings.ReplaceAll(c, "-", ""), recoveryAlphabet) != "" {
			t.Errorf("code %q is not xxxxx-xxxxx of the alphabet", c)
		}
		if seen[c] {
			t.Errorf("code %q twice", c)
		}
		seen[c] = true
		for _, typed := range []string{c, strings.ToUpper(c), strings.ReplaceAll(c, "-", ""), " " + c[:5] + " " + c[6:]} {
			if hashRecoveryCode(normalizeCode(typed)) != hashes[i] {
				t.Errorf("%q typed as %q does not match its hash", c, typed)
			}
		}
		if hashes[i] == c || strings.Contains(hashes[i], c) {
			t.Errorf("the hash of %q holds the code", c)
		}
	}
}
