package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// TestHasherBoundsHashesInFlight: with every slot taken, a hash waits and is then refused
// with a 503-code error and Retry-After; a slot given back serves the next one.
func TestHasherBoundsHashesInFlight(t *testing.T) {
	h := NewHasher(2, time.Millisecond)
	ctx := context.Background()
	release1, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release2, err := h.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.Hash(ctx, "correct horse battery staple")
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.CodeUnavailable || e.RetryAfter <= 0 {
		t.Fatalf("hash with both slots taken: %v, want an unavailable error with Retry-After", err)
	}
	if _, err := h.Verify(ctx, "x", "$argon2id$"); domain.ErrorCode(err) != domain.CodeUnavailable {
		t.Fatalf("verify with both slots taken: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	full := NewHasher(1, time.Hour)
	_, _ = full.Acquire(ctx)
	if _, err := full.Acquire(canceled); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting for a slot after the request ended: %v", err)
	}
	release1()
	hash, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	release2()
	if ok, err := h.Verify(ctx, "correct horse battery staple", hash); err != nil || !ok {
		t.Fatalf("verify: %v, %v", ok, err)
	}
	if n := cap(NewHasher(0, 0).slots); n < 1 {
		t.Fatalf("default slots: %d", n)
	}
}
