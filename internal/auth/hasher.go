package auth

import (
	"context"
	"runtime"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// DefaultHashWait is how long a request waits for a hashing slot before it is refused.
const DefaultHashWait = 2 * time.Second

// Hasher runs the argon2id hashes and verifications of requests a bounded number at a
// time. Each one holds 19 MiB and a core for tens of milliseconds, so without a bound a
// burst of sign-ins takes as much memory as it has requests; with one, the memory is
// bounded by the slots and the rest wait their turn, briefly.
type Hasher struct {
	slots chan struct{}
	wait  time.Duration
}

// NewHasher returns a Hasher that runs at most slots hashes at once (the number of CPUs
// when slots <= 0: more would only queue for a core while holding their memory). A request
// waits at most wait (DefaultHashWait when <= 0) for a slot.
func NewHasher(slots int, wait time.Duration) *Hasher {
	if slots <= 0 {
		slots = runtime.NumCPU()
	}
	if wait <= 0 {
		wait = DefaultHashWait
	}
	return &Hasher{slots: make(chan struct{}, slots), wait: wait}
}

// errBusy answers a request that found no hashing slot in time: the client tries again.
var errBusy = &domain.Error{Code: domain.CodeUnavailable, RetryAfter: time.Second,
	Message: "the server is busy checking other passwords: try again in a moment"}

// Acquire waits for a hashing slot: at most the Hasher's wait, then a 503-code error with
// Retry-After. The caller runs its hashes and calls release once.
func (h *Hasher) Acquire(ctx context.Context) (release func(), err error) {
	release = func() { <-h.slots }
	select {
	case h.slots <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hash returns the argon2id hash of pw (HashPassword), computed in a slot.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	release, err := h.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return HashPassword(pw)
}

// Verify reports whether pw matches hash (VerifyPassword), checked in a slot.
func (h *Hasher) Verify(ctx context.Context, pw, hash string) (bool, error) {
	release, err := h.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return VerifyPassword(pw, hash)
}
