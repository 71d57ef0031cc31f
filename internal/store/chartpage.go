package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

// chartQuery selects rows of a chart table: its columns, the table, its FROM clause (the
// table joined to the patient), its id column and the conditions with their arguments.
type chartQuery struct {
	what, columns, table, from, id string
	conds                          []string
	args                           []any
}

// arg adds a query argument and returns its placeholder.
func (q *chartQuery) arg(v any) string {
	q.args = append(q.args, v)
	return "$" + strconv.Itoa(len(q.args))
}

// where adds a condition with one argument: cond holds a %s for the placeholder.
func (q *chartQuery) where(cond string, v any) {
	q.conds = append(q.conds, fmt.Sprintf(cond, q.arg(v)))
}

// whereIn adds the condition that col is one of vals.
func (q *chartQuery) whereIn(col string, vals []string) {
	in := "NULL"
	for _, v := range vals {
		in += ", " + q.arg(v)
	}
	q.conds = append(q.conds, col+" IN ("+in+")")
}

// one reads the row that query selects by its id ($1) through q; a missing row is what's
// not-found error.
func one[T any](ctx context.Context, q querier, what, query string, id int64, scan func(interface{ Scan(...any) error }) (T, error)) (T, error) {
	v, err := scan(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return v, domain.NotFound(what, id)
	}
	if err != nil {
		return v, fmt.Errorf("store: get %s: %w", what, err)
	}
	return v, nil
}

// list reads every matching row, ordered by order.
func list[T any](ctx context.Context, s *Store, q chartQuery, order string, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	ctx, cancel := s.withTimeout(ctx)
	defer cancel()
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+q.columns+q.from+where(q.conds)+` ORDER BY `+order, q.args...)
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", q.what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list %s: %w", q.what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// page reads one page of the matching rows in id order, after the cursor, with the total
// that every list counts (see pageOf).
func page[T any](ctx context.Context, s *Store, q chartQuery, limit int, cursor string,
	scan func(interface{ Scan(...any) error }) (T, error), idOf func(T) int64) (Page[T], error) {
	m := matches{table: q.table, from: strings.TrimPrefix(q.from, " FROM "), id: q.id, conds: q.conds, args: q.args,
		narrowed: len(q.conds) > 0}
	if cursor != "" {
		c, err := decodeCursor(cursor, 1)
		if err != nil {
			return Page[T]{}, err
		}
		q.where(q.id+" > %s", c[0])
	}
	items, err := list(ctx, s, q, q.id+` LIMIT `+strconv.Itoa(limit+1), scan)
	if err != nil {
		return Page[T]{}, err
	}
	cctx, cancel := s.withTimeout(ctx)
	defer cancel()
	out, err := pageOf(cctx, s, items, limit, cursor, m, func(last T) string { return encodeCursor(idOf(last)) })
	if err != nil {
		return out, fmt.Errorf("store: count %s: %w", q.what, err)
	}
	return out, nil
}

// VisitFilter selects visits of active patients.
type VisitFilter struct {
	PatientID int64
	Statuses  []string  // any of these; nil for any
	From, To  time.Time // on the start: From inclusive, To exclusive; zero means open
	Limit     int
	Cursor    string
}

// Visits returns one page of the visits matching f, in id order.
func (s *Store) Visits(ctx context.Context, f VisitFilter) (Page[domain.Visit], error) {
	q := chartQuery{what: "visits", columns: s.visitColumns(), table: "visit", from: visitFrom, id: "v.id"}
	if f.PatientID != 0 {
		q.where("v.patient_id = %s", f.PatientID)
	}
	if f.Statuses != nil {
		q.whereIn("v.status", f.Statuses)
	}
	if !f.From.IsZero() {
		q.where("v.started_at >= %s", s.dialect.timeArg(f.From))
	}
	if !f.To.IsZero() {
		q.where("v.started_at < %s", s.dialect.timeArg(f.To))
	}
	return page(ctx, s, q, f.Limit, f.Cursor, scanVisit, func(v domain.Visit) int64 { return v.ID })
}
