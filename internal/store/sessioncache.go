package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// sessionCacheTTL bounds how long a replica trusts a session state it read: past it, the
// next request reads the session again. It is the longest a change to a session or a user
// made behind HMS's back (SQL typed by an operator) can go unseen, and the longest a
// revocation waits for a replica that does not answer (see sessionNotice).
const sessionCacheTTL = 2 * time.Second

// maxCachedSessions caps the cache; past it, the cache starts afresh.
const maxCachedSessions = 10000

// The channels of the session cache's notifications on PostgreSQL: a transaction that ends
// sessions or changes a user notifies sessionsChannel with a nonce as it commits, and every
// replica's listener, once it has emptied its cache, answers the nonce on sessionsAckChannel.
const (
	sessionsChannel    = "hms_sessions"
	sessionsAckChannel = "hms_sessions_ack"
	// sessionListenerName is the application_name of the listeners' connections, by which
	// a revoking transaction counts the replicas whose answer it waits for.
	sessionListenerName = "hms-session-cache"
)

// sessionCache keeps the session states that Session read, so that a request of a session
// seen a moment ago needs no round trip to the database. It is emptied whenever a session
// ends or a user changes: by the store itself on the replica that made the change, and, on
// PostgreSQL, by a LISTEN connection on every other replica (see listen). A transaction
// that makes such a change returns only once every listening replica has emptied its cache
// or sessionCacheTTL has passed, after which no replica holds a state read before the
// change: a revocation is refused by every replica on the next request.
//
// While a replica's listener is not connected its cache is bypassed: every request reads
// its session from the database, as without the cache.
type sessionCache struct {
	mu      sync.Mutex
	live    bool   // entries may be used and stored (the listener is connected, or none is needed)
	gen     uint64 // counts the times the cache was emptied
	entries map[string]cachedSession
	acks    map[string]chan struct{} // the nonces this replica waits to hear answered
}

type cachedSession struct {
	state   SessionState
	expires time.Time
}

func newSessionCache(live bool) *sessionCache {
	return &sessionCache{live: live, entries: map[string]cachedSession{}, acks: map[string]chan struct{}{}}
}

// get returns the cached state of a session, or false; gen is what put needs to store the
// state read instead.
func (c *sessionCache) get(id string, now time.Time) (st SessionState, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.entries[id]
	if !c.live || !found || !now.Before(e.expires) {
		return SessionState{}, false, c.gen
	}
	return e.state, true, c.gen
}

// put stores the state of a session read from a lookup that started at read, unless the
// cache was emptied since get returned gen: the lookup may have read the state from
// before the change that emptied it.
func (c *sessionCache) put(id string, st SessionState, gen uint64, read time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if len(c.entries) >= maxCachedSessions {
		clear(c.entries)
	}
	c.entries[id] = cachedSession{state: st, expires: read.Add(sessionCacheTTL)}
}

// empty forgets every session state; live says whether the cache may be used from now on.
func (c *sessionCache) empty(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	clear(c.entries)
}

// sessionNotice is what a transaction that ends sessions or changes a user sent the other
// replicas: the nonce of its notification and how many listeners were there to hear it.
type sessionNotice struct {
	nonce     string
	listeners int
	answered  chan struct{} // one value per listener's answer
}

// noticeSessionChange tells, through tx, every replica to forget the sessions it cached
// when tx commits. Call it in every transaction that ends a session or changes a user
// (its role, whether it is active, its token version), and pass what it returns to
// sessionsChanged after the transaction.
func (s *Store) noticeSessionChange(ctx context.Context, tx *sql.Tx) (*sessionNotice, error) {
	n := &sessionNotice{}
	q := s.dialect.sessionNotice()
	if q == "" {
		return n, nil
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	n.nonce = hex.EncodeToString(b[:])
	// Counted before the commit: a listener that connects after the count empties its
	// cache when it starts listening, so it need not answer.
	if err := tx.QueryRowContext(ctx, q, sessionsChannel, n.nonce, sessionListenerName).Scan(&n.listeners); err != nil {
		return nil, err
	}
	n.answered = make(chan struct{}, n.listeners+1)
	s.sessionCache.mu.Lock()
	s.sessionCache.acks[n.nonce] = n.answered
	s.sessionCache.mu.Unlock()
	return n, nil
}

// sessionsChanged empties this replica's cache after a transaction that called
// noticeSessionChange (n, nil when it did not get that far), and waits until every other
// listening replica has answered its notice or sessionCacheTTL has passed.
func (s *Store) sessionsChanged(ctx context.Context, n *sessionNotice, err error) {
	if n == nil {
		return
	}
	c := s.sessionCache
	defer func() {
		c.mu.Lock()
		delete(c.acks, n.nonce)
		c.mu.Unlock()
	}()
	c.mu.Lock()
	live := c.live
	c.mu.Unlock()
	c.empty(live)
	if err != nil || n.answered == nil {
		return
	}
	timeout := time.NewTimer(sessionCacheTTL)
	defer timeout.Stop()
	for heard := 0; heard < n.listeners; heard++ {
		select {
		case <-n.answered:
		case <-timeout.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// listen keeps a connection that listens for the session notices of every replica, until
// ctx ends. While it is not connected, the cache is bypassed.
func (s *Store) listen(ctx context.Context, url string, log *slog.Logger) {
	defer close(s.listenDone)
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, url)
		s.sessionCache.empty(false)
		if ctx.Err() != nil {
			return
		}
		log.Warn("session cache: the listening connection ended; sessions are read from the database until it is back", "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// listenOnce connects, listens and handles notices until the connection fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = sessionListenerName
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, cfg)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	for _, ch := range []string{sessionsChannel, sessionsAckChannel} {
		if _, err := conn.Exec(ctx, "LISTEN "+ch); err != nil {
			return err
		}
	}
	// Listening from now on: whatever changed before is forgotten.
	s.sessionCache.empty(true)
	for {
		// Wake up now and then to check that the connection still answers: a connection
		// lost without a word would otherwise leave the cache in use and deaf.
		waitCtx, cancel := context.WithTimeout(ctx, sessionCacheTTL/2)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			pingCtx, cancel := context.WithTimeout(ctx, sessionCacheTTL/2)
			err = conn.Ping(pingCtx)
			cancel()
			if err != nil {
				return err
			}
			continue
		case err != nil:
			return err
		}
		if n.Channel == sessionsAckChannel {
			s.sessionCache.mu.Lock()
			answered := s.sessionCache.acks[n.Payload]
			s.sessionCache.mu.Unlock()
			if answered != nil {
				select {
				case answered <- struct{}{}:
				default:
				}
			}
			continue
		}
		s.sessionCache.empty(true)
		if _, err := conn.Exec(ctx, "SELECT pg_notify($1, $2)", sessionsAckChannel, n.Payload); err != nil {
			return err
		}
	}
}
