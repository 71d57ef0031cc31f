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
	return b.enqueue(item)[0].wait(ctx)
}

// doAll queues items together and waits until runs have handled them all or ctx ends. They
// may be handled by several runs (past max): when one of them fails, doAll fails, and the
// items of the other runs may have been handled.
func (b *batcher[T, R]) doAll(ctx context.Context, items []T) error {
	for _, c := range b.enqueue(items...) {
		if _, err := c.wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// enqueue queues items in order, starting a run when fewer than runs are busy.
func (b *batcher[T, R]) enqueue(items ...T) []call[T, R] {
	calls := make([]call[T, R], len(items))
	b.mu.Lock()
	for i, item := range items {
		calls[i] = call[T, R]{item: item, done: make(chan result[R], 1)}
		b.queue = append(b.queue, calls[i])
	}
	if b.running < b.runs {
		b.running++
		go b.drain()
	}
	b.mu.Unlock()
	return calls
}

// wait returns the result of c, or ctx's error when ctx ends first.
func (c call[T, R]) wait(ctx context.Context) (R, error) {
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
