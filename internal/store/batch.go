package store

import (
	"context"
	"sync"
)

// A batcher runs many small calls as a few large ones. A call starts a run at once while
// fewer than runs are busy; past that, the calls that arrive wait and then go together,
// as one run, in arrival order: a busy batcher sends one query (or one commit) where it
// would have sent dozens. Every call still starts its run after it arrived, so nothing it
// is given comes from before it: a session lookup sees every revocation committed before
// its request, and an audit event is stored before its caller goes on. A run that fails
// fails every call in it.
//
// A batcher holds no goroutine while it is idle.
type batcher[T, R any] struct {
	// run handles items in one go and returns a result for each, in order.
	run func(ctx context.Context, items []T) ([]R, error)
	// max caps the items of one run (for the databases' limits on arguments).
	max int
	// runs caps the runs at a time.
	runs int

	mu      sync.Mutex
	queue   []call[T, R]
	running int
}

type call[T, R any] struct {
	item T
	done chan result[R]
}

type result[R any] struct {
	value R
	err   error
}

// do queues item and waits until a run has handled it or ctx ends. When ctx ends first,
// the item may still be handled by a run.
func (b *batcher[T, R]) do(ctx context.Context, item T) (R, error) {
	c := call[T, R]{item: item, done: make(chan result[R], 1)}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if b.running < b.runs {
		b.running++
		go b.drain()
	}
	b.mu.Unlock()
	select {
	case r := <-c.done:
		return r.value, r.err
	case <-ctx.Done():
		var zero R
		return zero, ctx.Err()
	}
}

// drain runs the queue until it is empty. Each run sets its own deadline.
func (b *batcher[T, R]) drain() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.max)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		calls := make([]call[T, R], n)
		copy(calls, b.queue)
		b.queue = append(b.queue[:0], b.queue[n:]...)
		b.mu.Unlock()

		items := make([]T, n)
		for i, c := range calls {
			items[i] = c.item
		}
		values, err := b.run(context.Background(), items)
		for i, c := range calls {
			r := result[R]{err: err}
			if err == nil {
				r.value = values[i]
			}
			c.done <- r
		}
	}
}
