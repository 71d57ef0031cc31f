package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
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
	_, err := q.ExecContext(ctx, multiRowInsert("audit_event", auditInsertColumns, len(rows), s.dialect.name() == "postgres"), args...)
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
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_event`+where(conds), args...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count audit events: %w", err)
	}
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
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.NextCursor = encodeCursor(page.Items[f.Limit-1].ID)
	}
	return page, nil
}

// sealBatch is how many events one sealing statement covers.
const sealBatch = 200

// sealLockKey is the PostgreSQL advisory lock that lets one replica at a time seal.
const sealLockKey = 0x686d73_61756474 // "hms" "audt"

// SealAudit chains every committed unsealed event: in id order, each gets the next seq and
// hash = sha256(prev_hash || canonical content). One sealer runs at a time: on PostgreSQL
// a replica that finds another sealing skips its turn; on SQLite the write transaction
// serialises. Events committed late (a lower id after a higher one was sealed) simply get
// a later seq, so the chain has no gaps. It returns how many events it sealed.
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
		if s.dialect.name() == "postgres" {
			var got bool
			if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(sealLockKey)).Scan(&got); err != nil || !got {
				return err
			}
		}
		var (
			seq  int64
			prev string
		)
		if err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_chain WHERE id = 1`).Scan(&seq, &prev); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_event WHERE seq IS NULL ORDER BY id LIMIT $1`, sealBatch*5)
		if err != nil {
			return err
		}
		var events []domain.AuditEvent
		for rows.Next() {
			e, err := scanAuditEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			events = append(events, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
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
				return err
			}
		}
		sealed = len(events)
		if sealed == 0 {
			return nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE audit_chain SET seq = $1, hash = $2 WHERE id = 1`, seq, prev)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: seal audit events: %w", err)
	}
	return sealed, nil
}

// chainHash is sha256(prev_hash || canonical content of e at position seq), in hex.
func chainHash(prev string, seq int64, e domain.AuditEvent) string {
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
	content := strings.Join([]string{
		strconv.FormatInt(seq, 10), strconv.FormatInt(e.ID, 10), e.Time.UTC().Format("2006-01-02T15:04:05.000000Z"),
		opt(e.UserID), str(e.Role), strconv.Quote(e.Action), str(e.ResourceType), opt(e.ResourceID), opt(e.PatientID),
		str(e.IP), str(e.RequestID), strconv.Quote(e.Outcome),
	}, "|")
	sum := sha256.Sum256([]byte(prev + "\n" + content))
	return hex.EncodeToString(sum[:])
}

// ChainReport is the result of VerifyAudit.
type ChainReport struct {
	Checked  int64  // sealed events walked
	FirstSeq int64  // the oldest event kept (older ones were purged)
	HeadSeq  int64  // the newest sealed event
	HeadHash string // its hash: record it elsewhere to detect a rewritten chain later
	Broken   *ChainBreak
}

// ChainBreak names the first event at which the chain does not hold.
type ChainBreak struct {
	Seq, ID int64
	Reason  string
}

// VerifyAudit walks the sealed chain in seq order and reports the first broken link: a
// missing event (a gap in seq), an event whose prev_hash is not its predecessor's hash,
// or one whose content no longer matches its hash.
func (s *Store) VerifyAudit(ctx context.Context) (ChainReport, error) {
	var r ChainReport
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_event WHERE seq IS NOT NULL ORDER BY seq`)
	if err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	defer rows.Close()
	var prevHash string
	for rows.Next() {
		e, err := scanAuditEvent(rows)
		if err != nil {
			return r, fmt.Errorf("store: verify audit chain: %w", err)
		}
		seq := *e.Seq
		stored := func(p *string) string {
			if p == nil {
				return ""
			}
			return *p
		}
		switch {
		case r.Checked == 0 && seq == 1 && stored(e.PrevHash) != "":
			r.Broken = &ChainBreak{seq, e.ID, "the first event does not start the chain"}
		case r.Checked == 0:
			r.FirstSeq = seq
			prevHash = stored(e.PrevHash) // the events before it were purged
		case seq != r.HeadSeq+1:
			r.Broken = &ChainBreak{r.HeadSeq + 1, 0, fmt.Sprintf("events %d to %d are missing", r.HeadSeq+1, seq-1)}
		case stored(e.PrevHash) != prevHash:
			r.Broken = &ChainBreak{seq, e.ID, "prev_hash does not match the hash of the event before"}
		}
		if r.Broken == nil && chainHash(prevHash, seq, e) != stored(e.Hash) {
			r.Broken = &ChainBreak{seq, e.ID, "the event's content does not match its hash (edited)"}
		}
		if r.Broken != nil {
			return r, nil
		}
		r.Checked++
		r.HeadSeq, r.HeadHash, prevHash = seq, stored(e.Hash), stored(e.Hash)
	}
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	var head int64
	if err := s.db.QueryRowContext(ctx, `SELECT seq FROM audit_chain WHERE id = 1`).Scan(&head); err != nil {
		return r, fmt.Errorf("store: verify audit chain: %w", err)
	}
	if head > r.HeadSeq {
		r.Broken = &ChainBreak{r.HeadSeq + 1, 0, fmt.Sprintf("events %d to %d are missing: the chain's head is %d", r.HeadSeq+1, head, head)}
	}
	return r, nil
}

// PurgeAudit removes sealed events older than before, oldest first by seq, so that the
// chain that remains is whole. It records its own event (resource_id: the last seq
// removed) in the same transaction and returns how many events it removed.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (int64, error) {
	if _, err := s.SealAudit(ctx); err != nil {
		return 0, err
	}
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	var removed int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var last sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(seq) FROM audit_event WHERE seq IS NOT NULL AND time < $1`, s.dialect.timeArg(before)).Scan(&last); err != nil {
			return err
		}
		if !last.Valid {
			return s.audit(ctx, tx, Event{Action: domain.ActionPurge, ResourceType: domain.ResourceAudit})
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_event WHERE seq <= $1`, last.Int64)
		if err != nil {
			return err
		}
		removed, _ = res.RowsAffected()
		return s.audit(ctx, tx, Event{Action: domain.ActionPurge, ResourceType: domain.ResourceAudit, ResourceID: last.Int64})
	})
	if err != nil {
		return 0, fmt.Errorf("store: purge audit events: %w", err)
	}
	return removed, nil
}
