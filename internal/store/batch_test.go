package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestBatcherRunsWaitingCallsTogether: a call to an idle batcher runs at once and alone;
// the calls that arrive meanwhile wait for it to end and then run together, each with its
// own result; a failed run fails every call in it; an idle batcher starts again.
func TestBatcherRunsWaitingCallsTogether(t *testing.T) {
	var (
		mu      sync.Mutex
		ran     [][]int
		release = make(chan struct{})
		started = make(chan struct{}, 10)
	)
	b := &batcher[int, string]{max: 3, runs: 1, run: func(_ context.Context, items []int) ([]string, error) {
		mu.Lock()
		ran = append(ran, slices.Clone(items))
		mu.Unlock()
		started <- struct{}{}
		<-release
		if slices.Contains(items, 13) {
			return nil, errors.New("unlucky")
		}
		out := make([]string, len(items))
		for i, v := range items {
			out[i] = fmt.Sprint("r", v)
		}
		return out, nil
	}}
	ctx := context.Background()
	type answer struct {
		value string
		err   error
	}
	answers := make(map[int]chan answer)
	call := func(v int) {
		ch := make(chan answer, 1)
		answers[v] = ch
		go func() {
			r, err := b.do(ctx, v)
			ch <- answer{r, err}
		}()
	}
	queued := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
			b.mu.Lock()
			n := len(b.queue)
			b.mu.Unlock()
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d calls queued, want %d", n, want)
			}
		}
	}
	call(1)
	<-started // the first run holds 1 alone
	for i, v := range []int{2, 3, 13, 4} {
		call(v)
		queued(i + 1) // one after the other, so that the queue's order is known
	}
	close(release)
	for v, want := range map[int]answer{1: {"r1", nil}, 4: {"r4", nil}} {
		if got := <-answers[v]; got != want {
			t.Errorf("call %d: %+v, want %+v", v, got, want)
		}
	}
	for _, v := range []int{2, 3, 13} {
		if got := <-answers[v]; got.err == nil || got.value != "" {
			t.Errorf("call %d ran with 13: %+v, want the run's error", v, got)
		}
	}
	mu.Lock()
	runs := slices.Clone(ran)
	mu.Unlock()
	if want := [][]int{{1}, {2, 3, 13}, {4}}; !slices.EqualFunc(runs, want, slices.Equal) {
		t.Errorf("runs %v, want %v: the waiting calls in arrival order, at most max at a time", runs, want)
	}
	b.mu.Lock()
	running := b.running
	b.mu.Unlock()
	if running != 0 {
		t.Error("the batcher is still busy with an empty queue")
	}
	release = make(chan struct{})
	close(release)
	if r, err := b.do(ctx, 7); r != "r7" || err != nil {
		t.Errorf("after going idle: %q, %v", r, err)
	}
}

// TestBatcherDoAll: the items of one call go into runs of at most max, in order, and the
// call fails when one of its runs fails.
func TestBatcherDoAll(t *testing.T) {
	var ran [][]int
	b := &batcher[int, struct{}]{max: 3, runs: 1, run: func(_ context.Context, items []int) ([]struct{}, error) {
		ran = append(ran, slices.Clone(items)) // one run at a time: runs is 1
		if slices.Contains(items, 13) {
			return nil, errors.New("unlucky")
		}
		return make([]struct{}, len(items)), nil
	}}
	ctx := context.Background()
	if err := b.doAll(ctx, []int{1, 2, 3, 4, 5, 6, 7}); err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{1, 2, 3}, {4, 5, 6}, {7}}; !slices.EqualFunc(ran, want, slices.Equal) {
		t.Errorf("runs %v, want %v", ran, want)
	}
	if err := b.doAll(ctx, []int{8, 9, 10, 11, 12, 13}); err == nil {
		t.Error("a call one of whose runs failed succeeded")
	}
}
