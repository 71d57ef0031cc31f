package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// Event is what a caller records in the audit trail: what was done to which resource.
// Who did it, from where and in which request come from the context's domain.Actor;
// UserID and Role override the actor when the request has none yet (a sign-in).
type Event struct {
	Action       string
	ResourceType string
	ResourceID   int64 // 0 when the event names no single resource (a list)
	PatientID    int64 // 0 when no patient is concerned
	Outcome      string
	UserID       int64
	Role         string
}

// Audit records e on its own. Reads use it right after the read and before the response
// is written, so a read whose event cannot be stored fails instead of going unrecorded.
// The events of concurrent calls are inserted together, in one statement and one commit
// (see batcher); each call returns only once its event is committed.
func (s *Store) Audit(ctx context.Context, e Event) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	row := s.auditRow(ctx, e)
	if _, err := s.audits.do(ctx, row); err != nil {
		return fmt.Errorf("store: audit %s %s: %w", e.Action, e.ResourceType, err)
	}
	return nil
}

// AuditAll records events together, as Audit records one: a read that returned several
// patients records an event for each. It returns once every event is committed; when one
// cannot be, it fails (and some of the others may be stored).
func (s *Store) AuditAll(ctx context.Context, events []Event) error {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows := make([]auditRow, len(events))
	for i, e := range events {
		rows[i] = s.auditRow(ctx, e)
	}
	if err := s.audits.doAll(ctx, rows); err != nil {
		return fmt.Errorf("store: audit %d events: %w", len(events), err)
	}
	return nil
}

// audit inserts an unsealed event through q: a write passes its transaction, so that the
// change and its event commit together or not at all.
func (s *Store) audit(ctx context.Context, q querier, e Event) error {
	if err := s.insertAudit(ctx, q, []auditRow{s.auditRow(ctx, e)}); err != nil {
		return fmt.Errorf("store: audit %s %s: %w", e.Action, e.ResourceType, err)
	}
	return nil
}

// auditRow holds the values of one audit_event row, in auditInsertColumns' order.
type auditRow [10]any

// auditRow completes e with the context's actor and the time.
func (s *Store) auditRow(ctx context.Context, e Event) auditRow {
	a := domain.ActorFrom(ctx)
	if e.UserID != 0 {
		a.UserID, a.Role = e.UserID, e.Role
	}
	if e.Outcome == "" {
		e.Outcome = domain.OutcomeSuccess
	}
	return auditRow{s.dialect.timeArg(time.Now().Truncate(time.Microsecond)), nullInt(a.UserID), nullString(a.Role), e.Action,
		nullString(e.ResourceType), nullInt(e.ResourceID), nullInt(e.PatientID), nullString(a.IP), nullString(a.RequestID), e.Outcome}
}

// auditBatch is the most events one statement inserts: 10 arguments each, well within
// both databases' limits.
const auditBatch = 256

// auditInsertColumns are the columns an audit event is inserted with, in auditRow's order.
var auditInsertColumns = []string{"time", "user_id", "role", "action", "resource_type", "resource_id", "patient_id", "ip", "request_id", "outcome"}

// insertAudit inserts rows through q in one statement.
func (s *Store) insertAudit(ctx context.Context, q querier, rows []auditRow) error {
	args := make([]any, 0, len(rows)*len(auditRow{}))
	for _, r := range rows {
		args = append(args, r[:]...)
	}
	_, err := q.ExecContext(ctx, multiRowInsert("audit_event", auditInsertColumns, len(rows), s.dialect.numberedParams()), args...)
	return err
}

// insertAudits is the run of the store's audit batcher: one statement, one commit. When it
// fails, every read in the run fails; no request can make it fail for the others, since
// every value is HMS's own or bounded by the request middleware (the request id and the IP
// fit their columns).
func (s *Store) insertAudits(ctx context.Context, rows []auditRow) ([]struct{}, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.insertAudit(ctx, s.db, rows); err != nil {
		return nil, err
	}
	return make([]struct{}, len(rows)), nil
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullString(v string) any {
	if v == "" {
		return nil
	}
	return v
}

const auditColumns = "id, time, user_id, role, action, resource_type, resource_id, patient_id, ip, request_id, outcome, seq, prev_hash, hash"

func scanAuditEvent(row interface{ Scan(...any) error }) (domain.AuditEvent, error) {
	var (
		e                                    domain.AuditEvent
		t                                    dbTime
		user, resource, patient, seq         sql.NullInt64
		role, rtype, ip, reqID, prev, digest sql.NullString
	)
	err := row.Scan(&e.ID, &t, &user, &role, &e.Action, &rtype, &resource, &patient, &ip, &reqID, &e.Outcome, &seq, &prev, &digest)
	e.Time = t.Time
	e.UserID, e.ResourceID, e.PatientID, e.Seq = nullableInt(user), nullableInt(resource), nullableInt(patient), nullableInt(seq)
	e.Role, e.ResourceType, e.IP, e.RequestID = nullable(role), nullable(rtype), nullable(ip), nullable(reqID)
	e.PrevHash, e.Hash = nullable(prev), nullable(digest)
	return e, err
}

func nullableInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

// AuditFilter selects a page of audit events, newest first.
type AuditFilter struct {
	UserID    int64
	PatientID int64
	Action    string
	From, To  time.Time // From inclusive, To exclusive; zero means open
	Limit     int
	Cursor    string
}

// AuditEvents returns one page of the audit trail matching f, newest first.
func (s *Store) AuditEvents(ctx context.Context, f AuditFilter) (Page[domain.AuditEvent], error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var (
		conds []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.UserID != 0 {
		conds = append(conds, "user_id = "+arg(f.UserID))
	}
	if f.PatientID != 0 {
		conds = append(conds, "patient_id = "+arg(f.PatientID))
	}
	if f.Action != "" {
		conds = append(conds, "action = "+arg(f.Action))
	}
	if !f.From.IsZero() {
		conds = append(conds, "time >= "+arg(s.dialect.timeArg(f.From)))
	}
	if !f.To.IsZero() {
		conds = append(conds, "time < "+arg(s.dialect.timeArg(f.To)))
	}
	var page Page[domain.AuditEvent]
	filter, filterArgs := conds, args
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor, 1)
		if err != nil {
			return page, err
		}
		conds = append(conds, "id < "+arg(c[0]))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_event`+where(conds)+` ORDER BY id DESC LIMIT `+arg(f.Limit+1), args...)
	if err != nil {
		return page, fmt.Errorf("store: list audit events: %w", err)
	}
	defer rows.Close()
	page.Items = make([]domain.AuditEvent, 0, f.Limit)
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return page, fmt.Errorf("store: list audit events: %w", err)
		}
		page.Items = append(page.Items, e)
	}
	if err := rows.Err(); err != nil {
		return page, fmt.Errorf("store: list audit events: %w", err)
	}
	page, err = pageOf(ctx, s, page.Items, f.Limit, f.Cursor, matches{table: "audit_event", from: "audit_event", id: "id",
		conds: filter, args: filterArgs, narrowed: len(filter) > 0},
		func(last domain.AuditEvent) string { return encodeCursor(last.ID) })
	if err != nil {
		return page, fmt.Errorf("store: count audit events: %w", err)
	}
	return page, nil
}

// sealBatch is how many events one sealing statement covers.
const sealBatch = 200

// sealLockKey is the PostgreSQL advisory lock under which one replica at a time seals or
// purges the chain.
const sealLockKey = 0x686d73_61756474 // "hms" "audt"

// chainHead is the one row of audit_chain: where the sealed chain ends and where it starts.
// The sealer moves its end and a purge its start, each in the transaction of the change.
type chainHead struct {
	Seq  int64  // the newest sealed event (0 before the first)
	Hash string // its hash
	// FirstSeq is the oldest event kept: those before it were purged. FirstPrev is the hash
	// of the last one purged, which FirstSeq's prev_hash names ("" when none was).
	FirstSeq  int64
	FirstPrev string
}

func readChainHead(ctx context.Context, q querier) (chainHead, error) {
	var h chainHead
	err := q.QueryRowContext(ctx, `SELECT seq, hash, first_seq, first_prev_hash FROM audit_chain WHERE id = 1`).
		Scan(&h.Seq, &h.Hash, &h.FirstSeq, &h.FirstPrev)
	return h, err
}

// purgeRange is what a purge of the audit trail removed: events From to To, the last of
// which had hash LastHash. Its event carries it, sealed into its hash.
type purgeRange struct {
	From, To int64
	LastHash string
}

// chainEvent is an audit event with the purge range that its hash covers, if any.
type chainEvent struct {
	domain.AuditEvent
	Purged *purgeRange
}

// chainEventQuery selects what scanChainEvent reads; a WHERE and an ORDER BY follow.
const chainEventQuery = `SELECT ` + auditColumns + `, purge_from_seq, purge_to_seq, purge_last_hash FROM audit_event`

func scanChainEvent(rows *sql.Rows) (chainEvent, error) {
	var (
		from, to sql.NullInt64
		last     sql.NullString
	)
	e, err := scanAuditEvent(scanWithExtra{rows, []any{&from, &to, &last}})
	c := chainEvent{AuditEvent: e}
	// Any of the three set makes the event a purge's in its hash, so that setting one on
	// another event shows as an edit.
	if from.Valid || to.Valid || last.Valid {
		c.Purged = &purgeRange{from.Int64, to.Int64, last.String}
	}
	return c, err
}

// scanWithExtra scans a row's leading columns as scanAuditEvent does and the rest into extra.
type scanWithExtra struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (r scanWithExtra) Scan(dest ...any) error { return r.row.Scan(append(dest, r.extra...)...) }

// isAuditPurge reports an event of a purge of the audit trail that removed events (the
// last seq it removed is its resource_id).
func isAuditPurge(e chainEvent) bool {
	return e.Action == domain.ActionPurge && e.ResourceType != nil && *e.ResourceType == domain.ResourceAudit && e.ResourceID != nil
}

// SealAudit chains every committed unsealed event: in id order, each gets the next seq and
// hash = sha256(prev_hash || canonical content). One sealer runs at a time: on PostgreSQL
// a replica that finds another sealing (or purging) skips its turn; on SQLite the write
// transaction serialises. Events committed late (a lower id after a higher one was sealed)
// simply get a later seq, so the chain has no gaps. It returns how many events it sealed.
func (s *Store) SealAudit(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.sealOnce(ctx)
		total += n
		if err != nil || n < sealBatch*5 {
			return total, err
		}
	}
}

func (s *Store) sealOnce(ctx context.Context) (int, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	sealed := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if got, err := s.lockChain(ctx, tx, false); err != nil || !got {
			return err
		}
		var err error
		sealed, err = s.sealPending(ctx, tx)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: seal audit events: %w", err)
	}
	return sealed, nil
}

// lockChain takes the lock under which the chain is sealed or purged, until tx ends. Without
// wait it reports false when another transaction holds it.
func (s *Store) lockChain(ctx context.Context, tx *sql.Tx, wait bool) (bool, error) {
	q := s.dialect.chainLock(wait)
	if q == "" {
		return true, nil
	}
	var got bool
	err := tx.QueryRowContext(ctx, q, int64(sealLockKey)).Scan(&got)
	return got && err == nil, err
}

// sealPending seals up to sealBatch*5 committed unsealed events through tx, which holds the
// chain lock, and moves the chain's head with them. It returns how many it sealed.
func (s *Store) sealPending(ctx context.Context, tx *sql.Tx) (int, error) {
	head, err := readChainHead(ctx, tx)
	if err != nil {
		return 0, err
	}
	seq, prev := head.Seq, head.Hash
	rows, err := tx.QueryContext(ctx, chainEventQuery+` WHERE seq IS NULL ORDER BY id LIMIT $1`, sealBatch*5)
	if err != nil {
		return 0, err
	}
	var events []chainEvent
	for rows.Next() {
		e, err := scanChainEvent(rows)
		if err != nil {
			rows.Close()
			return 0, err
		}
		events = append(events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for start := 0; start < len(events); start += sealBatch {
		batch := events[start:min(start+sealBatch, len(events))]
		var (
			parts []string
			args  []any
		)
		for _, e := range batch {
			seq++
			digest := chainHash(prev, seq, e)
			n := len(args)
			parts = append(parts, fmt.Sprintf("SELECT CAST($%d AS BIGINT) AS id, CAST($%d AS BIGINT) AS seq, CAST($%d AS TEXT) AS prev_hash, CAST($%d AS TEXT) AS hash", n+1, n+2, n+3, n+4))
			args = append(args, e.ID, seq, prev, digest)
			prev = digest
		}
		q := `UPDATE audit_event SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash FROM (` +
			strings.Join(parts, " UNION ALL ") + `) AS v WHERE audit_event.id = v.id AND audit_event.seq IS NULL`
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
	}
	if len(events) == 0 {
		return 0, nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET seq = $1, hash = $2 WHERE id = 1`, seq, prev); err != nil {
		return 0, err
	}
	return len(events), nil
}

// sealAllPending seals through tx, which holds the chain lock, every event committed and
// unsealed, including tx's own.
func (s *Store) sealAllPending(ctx context.Context, tx *sql.Tx) error {
	for {
		n, err := s.sealPending(ctx, tx)
		if err != nil || n < sealBatch*5 {
			return err
		}
	}
}

// chainHash is sha256(prev_hash || canonical content of e at position seq), in hex. The
// content of a purge's event includes the range it removed.
func chainHash(prev string, seq int64, e chainEvent) string {
	opt := func(v *int64) string {
		if v == nil {
			return "-"
		}
		return strconv.FormatInt(*v, 10)
	}
	str := func(v *string) string {
		if v == nil {
			return "-"
		}
		return strconv.Quote(*v)
	}
	fields := []string{
		strconv.FormatInt(seq, 10), strconv.FormatInt(e.ID, 10), e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
		opt(e.UserID), str(e.Role), strconv.Quote(e.Action), str(e.ResourceType), opt(e.ResourceID), opt(e.PatientID),
		str(e.IP), str(e.RequestID), strconv.Quote(e.Outcome),
	}
	if p := e.Purged; p != nil {
		fields = append(fields, "purged", strconv.FormatInt(p.From, 10), strconv.FormatInt(p.To, 10), strconv.Quote(p.LastHash))
	}
	sum := sha256.Sum256([]byte(prev + "\n" + strings.Join(fields, "|")))
	return hex.EncodeToString(sum[:])
}

// ChainReport is the result of VerifyAudit.
type ChainReport struct {
	Checked  int64  // sealed events walked
	FirstSeq int64  // the oldest event kept (older ones were purged)
	HeadSeq  int64  // the newest sealed event
	HeadHash string // its hash: record it elsewhere to detect a rewritten chain later
	PurgeSeq int64  // the event of the newest purge, which removed events 1 to FirstSeq-1 (0: none did)
	Broken   *ChainBreak
}

// ChainBreak names the first event at which the chain does not hold. ID is 0 when no event
// is at fault: a missing one, or the chain's head.
type ChainBreak struct {
	Seq, ID int64
	Reason  string
}

// chainWalk checks sealed events, handed to it in seq order, against the chain's head and
// against each other, and counts them in its report.
type chainWalk struct {
	head      chainHead
	r         *ChainReport
	next      int64       // the seq the next event must have
	prev      string      // the hash it must link to
	purgedTo  int64       // the last seq that the newest purge walked removed (0: none)
	lastRange *purgeRange // the range of that purge, when its event records one
}

func newChainWalk(head chainHead, r *ChainReport) *chainWalk {
	r.FirstSeq = head.FirstSeq
	return &chainWalk{head: head, r: r, next: head.FirstSeq, prev: head.FirstPrev}
}

func stored(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// missing is the break of events from to to that are not there.
func missing(from, to int64, detail string) *ChainBreak {
	what := fmt.Sprintf("events %d to %d are missing%s, and no purge accounts for them", from, to, detail)
	if from == to {
		what = fmt.Sprintf("event %d is missing%s, and no purge accounts for it", from, detail)
	}
	return &ChainBreak{Seq: from, Reason: what}
}

// step checks e, the next event in seq order, and returns the break it makes, or nil.
func (w *chainWalk) step(e chainEvent) *ChainBreak {
	seq := *e.Seq
	broken := func(format string, args ...any) *ChainBreak {
		return &ChainBreak{seq, e.ID, fmt.Sprintf(format, args...)}
	}
	first := w.r.Checked == 0
	switch {
	case seq > w.head.Seq:
		return broken("event %d lies beyond the chain's head (seq %d): the head was altered", seq, w.head.Seq)
	case seq < w.next:
		return broken("event %d precedes the oldest event the chain's head keeps (seq %d): the head was altered", seq, w.next)
	case seq > w.next:
		return missing(w.next, seq-1, "")
	case stored(e.PrevHash) != w.prev && first && w.head.FirstSeq == 1 && w.head.FirstPrev == "":
		return broken("the first event does not start the chain")
	case stored(e.PrevHash) != w.prev && first:
		return broken("prev_hash is not the hash of the last purged event, which the chain's head records")
	case stored(e.PrevHash) != w.prev:
		return broken("prev_hash does not match the hash of the event before")
	case chainHash(w.prev, seq, e) != stored(e.Hash):
		return broken("the event's content does not match its hash (edited)")
	}
	if isAuditPurge(e) {
		to, p := *e.ResourceID, e.Purged
		switch {
		case to >= seq || to <= w.purgedTo:
			return broken("the purge event names events up to %d, which it cannot have removed", to)
		case p != nil && (p.To != to || p.From > p.To):
			return broken("the purge event's range (%d to %d) does not end at the seq it names (%d)", p.From, p.To, to)
		case p != nil && w.purgedTo != 0 && p.From != w.purgedTo+1:
			return broken("the purge removed events %d to %d, but the purge before it ended at %d", p.From, p.To, w.purgedTo)
		}
		w.purgedTo, w.lastRange, w.r.PurgeSeq = to, p, seq
	}
	w.r.Checked++
	w.next, w.prev = seq+1, stored(e.Hash)
	w.r.HeadSeq, w.r.HeadHash = seq, w.prev
	return nil
}

// end checks, after the last event, that the walk reached the chain's head and that the
// newest purge accounts for every event before the oldest kept.
func (w *chainWalk) end() *ChainBreak {
	h := w.head
	switch {
	case w.next <= h.Seq:
		return missing(w.next, h.Seq, fmt.Sprintf(" (the chain's head is at seq %d)", h.Seq))
	case w.next > h.Seq+1:
		return &ChainBreak{Seq: h.FirstSeq, Reason: fmt.Sprintf(
			"the chain's head keeps events from seq %d but ends at seq %d: the head was altered", h.FirstSeq, h.Seq)}
	case w.prev != h.Hash:
		return &ChainBreak{Seq: h.Seq, Reason: fmt.Sprintf(
			"the chain's head records another hash for seq %d than the chain has: the head was altered", h.Seq)}
	case w.purgedTo != h.FirstSeq-1 && w.purgedTo == 0:
		return missing(1, h.FirstSeq-1, fmt.Sprintf(" (the chain's head keeps events from seq %d)", h.FirstSeq))
	case w.purgedTo != h.FirstSeq-1:
		return &ChainBreak{Seq: w.r.PurgeSeq, Reason: fmt.Sprintf("the newest purge (seq %d) removed events up to %d, "+
			"but the chain's head keeps events from seq %d: the head was altered", w.r.PurgeSeq, w.purgedTo, h.FirstSeq)}
	case w.lastRange != nil && w.lastRange.LastHash != h.FirstPrev:
		return &ChainBreak{Seq: w.r.PurgeSeq, Reason: fmt.Sprintf("the newest purge (seq %d) recorded another hash "+
			"for the last event it removed than the chain's head: the head was altered", w.r.PurgeSeq)}
	}
	return nil
}

// VerifyAudit walks the sealed chain in seq order and reports the first broken link: a
// missing event (at the start, in the middle or at the end) that no purge accounts for,
// an event whose prev_hash is not its predecessor's hash, one whose content no longer
// matches its hash, or a chain's head that disagrees with the events or with the newest
// purge. It reads one snapshot, so sealers and purges running meanwhile on any replica
// cannot make an intact chain look broken.
func (s *Store) VerifyAudit(ctx context.Context) (ChainReport, error) {
	var r ChainReport
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	defer tx.Rollback()
	head, err := readChainHead(ctx, tx)
	if err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	w := newChainWalk(head, &r)
	rows, err := tx.QueryContext(ctx, chainEventQuery+` WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanChainEvent(rows)
		if err != nil {
			return r, fmt.Errorf("store: verify audit chain: %w", err)
		}
		if r.Broken = w.step(e); r.Broken != nil {
			return r, nil
		}
	}
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	r.Broken = w.end()
	return r, nil
}

// AuditPurge is what PurgeAudit removed: Removed events, seq FromSeq to ToSeq (both 0 when
// none), the last of which had hash LastHash.
type AuditPurge struct {
	Removed        int64
	FromSeq, ToSeq int64
	LastHash       string
}

// PurgeAudit removes the sealed events older than before, oldest first by seq, and leaves
// the evidence that VerifyAudit checks, in one transaction under the chain lock: its own
// event, sealed before the commit, records the range removed (first and last seq, and the
// last one's hash, which the oldest event kept links to), and the chain's head moves its
// first kept seq past the range. It refuses, removing nothing, when the events it would
// remove are not an intact chain from the head's first kept event, or when the head does
// not start where the newest purge ended, so that a purge never hides a deletion.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (AuditPurge, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var done AuditPurge
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockChain(ctx, tx, true); err != nil {
			return err
		}
		if err := s.sealAllPending(ctx, tx); err != nil {
			return err
		}
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM audit_event WHERE seq IS NOT NULL AND time < $1`, s.dialect.timeArg(before)).Scan(&last); err != nil {
			return err
		}
		if !last.Valid {
			if err := s.audit(ctx, tx, Event{Action: domain.ActionPurge, ResourceType: domain.ResourceAudit}); err != nil {
				return err
			}
			return s.sealAllPending(ctx, tx)
		}
		p, err := s.purgeRange(ctx, tx, last.Int64)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_event WHERE seq <= $1`, p.To)
		if err != nil {
			return err
		}
		removed, _ := res.RowsAffected()
		if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET first_seq = $1, first_prev_hash = $2 WHERE id = 1`, p.To+1, p.LastHash); err != nil {
			return err
		}
		row := s.auditRow(ctx, Event{Action: domain.ActionPurge, ResourceType: domain.ResourceAudit, ResourceID: p.To})
		cols := slices.Concat(auditInsertColumns, []string{"purge_from_seq", "purge_to_seq", "purge_last_hash"})
		if _, err := tx.ExecContext(ctx, multiRowInsert("audit_event", cols, 1, true), append(row[:], p.From, p.To, p.LastHash)...); err != nil {
			return err
		}
		done = AuditPurge{Removed: removed, FromSeq: p.From, ToSeq: p.To, LastHash: p.LastHash}
		return s.sealAllPending(ctx, tx)
	})
	if err != nil {
		return AuditPurge{}, fmt.Errorf("store: purge audit events: %w", err)
	}
	return done, nil
}

// purgeRange checks, through tx, that the events from the head's first kept one to seq last
// are an intact chain and that the newest purge ended where the head starts, and returns
// the range that removing them makes.
func (s *Store) purgeRange(ctx context.Context, tx *sql.Tx, last int64) (purgeRange, error) {
	head, err := readChainHead(ctx, tx)
	if err != nil {
		return purgeRange{}, err
	}
	refuse := func(b *ChainBreak) error {
		return fmt.Errorf("nothing was purged: the chain is broken at seq %d: %s (see hms audit verify)", b.Seq, b.Reason)
	}
	var purgedTo int64
	err = tx.QueryRowContext(ctx, `SELECT resource_id FROM audit_event WHERE seq IS NOT NULL AND action = $1 AND resource_type = $2 `+
		`AND resource_id IS NOT NULL ORDER BY seq DESC LIMIT 1`, domain.ActionPurge, domain.ResourceAudit).Scan(&purgedTo)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return purgeRange{}, err
	}
	if purgedTo != head.FirstSeq-1 {
		return purgeRange{}, refuse(&ChainBreak{Seq: 1, Reason: fmt.Sprintf(
			"the chain's head keeps events from seq %d, but the newest purge removed events up to %d", head.FirstSeq, purgedTo)})
	}
	var r ChainReport
	w := newChainWalk(head, &r)
	rows, err := tx.QueryContext(ctx, chainEventQuery+` WHERE seq IS NOT NULL AND seq <= $1 ORDER BY seq`, last)
	if err != nil {
		return purgeRange{}, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanChainEvent(rows)
		if err != nil {
			return purgeRange{}, err
		}
		if b := w.step(e); b != nil {
			return purgeRange{}, refuse(b)
		}
	}
	if err := rows.Err(); err != nil {
		return purgeRange{}, err
	}
	return purgeRange{From: head.FirstSeq, To: last, LastHash: w.prev}, nil
}

// AuditNames returns the names of the users and the patients (with their MRNs) that the
// events name, for the admins' audit log. A user or patient that no longer exists (a
// purge) is missing from the maps.
func (s *Store) AuditNames(ctx context.Context, events []domain.AuditEvent) (domain.AuditNames, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	names := domain.AuditNames{Users: map[int64]string{}, Patients: map[int64]domain.PatientName{}}
	var users, patients []int64
	for _, e := range events {
		if e.UserID != nil && !slices.Contains(users, *e.UserID) {
			users = append(users, *e.UserID)
		}
		if e.PatientID != nil && !slices.Contains(patients, *e.PatientID) {
			patients = append(patients, *e.PatientID)
		}
	}
	if err := s.namesByID(ctx, `SELECT id, name, '' FROM app_user`, users, func(id int64, name, _ string) {
		names.Users[id] = name
	}); err != nil {
		return names, fmt.Errorf("store: audit user names: %w", err)
	}
	if err := s.namesByID(ctx, `SELECT id, name, mrn FROM patient`, patients, func(id int64, name, mrn string) {
		names.Patients[id] = domain.PatientName{Name: name, MRN: mrn}
	}); err != nil {
		return names, fmt.Errorf("store: audit patient names: %w", err)
	}
	return names, nil
}

// namesByID runs query (id, name and a third text column of a table) for ids and hands each row to add.
func (s *Store) namesByID(ctx context.Context, query string, ids []int64, add func(id int64, name, extra string)) error {
	if len(ids) == 0 {
		return nil
	}
	params := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		params[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := s.db.QueryContext(ctx, query+` WHERE id IN (`+strings.Join(params, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id          int64
			name, extra string
		)
		if err := rows.Scan(&id, &name, &extra); err != nil {
			return err
		}
		add(id, name, extra)
	}
	return rows.Err()
}
