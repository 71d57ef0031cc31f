package store

import (
	"cmp"
	"context"
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// Page is one page of a list, with the total number of matches and the cursor of the next page.
type Page[T any] struct {
	Items []T
	Total int64
	// TotalEstimated says that Total is an estimate: more than CountLimit rows match.
	TotalEstimated bool
	NextCursor     string // empty on the last page
}

// CountLimit is how many matches of a list are counted exactly. Counting every match
// visits every matching row, which at a million patients costs more than the page itself;
// past this many, a list's total is an estimate and says so.
const CountLimit = 1000

// SearchCountLimit is how many matches of a patient search are counted exactly. Each is
// a row read and checked against the term (the trigram index only narrows), which for a
// common term was most of the search's time at a million patients; a front desk that
// sees "of about 8,300" types more letters, as it would at "of 1,000+".
const SearchCountLimit = 200

// Page sizes for lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// encodeCursor packs the sort key of the last row of a page into an opaque token.
func encodeCursor(parts ...int64) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.FormatInt(p, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(s, ".")))
}

// errBadCursor is the error for a cursor that no page gave.
func errBadCursor() error {
	return domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass the next_cursor of a previous page")
}

// decodeCursor unpacks a token made by encodeCursor with n parts.
func decodeCursor(token string, n int) ([]int64, error) {
	bad := errBadCursor()
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, bad
	}
	fields := strings.Split(string(b), ".")
	if len(fields) != n {
		return nil, bad
	}
	out := make([]int64, n)
	for i, f := range fields {
		if out[i], err = strconv.ParseInt(f, 10, 64); err != nil {
			return nil, bad
		}
	}
	return out, nil
}

// likePattern turns a search term into a case-insensitive LIKE pattern matching anywhere.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(q)) + "%"
}

// matches is what the total of a list counts: the rows of table that match conds (with
// their args, and no cursor), which select from the tables of from (table and any it
// joins); id is table's id column there. narrowed says that conds hold more than the
// cheap filters every list has (see dialect.firstMatches).
type matches struct {
	table, from, id string
	conds           []string
	args            []any
	narrowed        bool
	// limit is how many matches are counted exactly; CountLimit when zero.
	limit int
}

// pageOf makes the page of a list from its rows, read with one more than limit to tell
// whether a next page exists (whose cursor next makes from the page's last item). Every
// list counts its total the same way: a first page that holds every match counts itself;
// otherwise countMatches counts m, exactly up to CountLimit.
func pageOf[T any](ctx context.Context, s *Store, items []T, limit int, cursor string, m matches, next func(last T) string) (Page[T], error) {
	page := Page[T]{Items: items}
	if cursor == "" && len(items) <= limit {
		page.Total = int64(len(items))
	} else {
		var err error
		if page.Total, page.TotalEstimated, err = s.countMatches(ctx, m); err != nil {
			return page, err
		}
	}
	if len(items) > limit {
		page.Items = items[:limit]
		page.NextCursor = next(page.Items[limit-1])
	}
	return page, nil
}

// countMatches returns how many rows m counts. Up to m.limit it counts them; beyond, it
// takes the highest id among the first m.limit+1 matches (in id order, or in
// PostgreSQL's storage order, which follows it closely) and extrapolates over the table's
// id range. That is exact when ids are dense and the matches spread evenly over them; the
// total is then reported as estimated.
func (s *Store) countMatches(ctx context.Context, m matches) (total int64, estimated bool, err error) {
	var lastID, lo, hi int64
	table, args := m.table, m.args
	limit := int64(cmp.Or(m.limit, CountLimit))
	q := s.dialect.firstMatches(`SELECT `+m.id+` FROM `+m.from+where(m.conds), m.id, int(limit)+1, m.narrowed)
	// The table's id range comes in the same round trip; as two subqueries, because SQLite
	// reads min and max from the index only when each stands alone.
	q = `SELECT first.*, coalesce((SELECT min(id) FROM ` + table + `), 0), coalesce((SELECT max(id) FROM ` + table + `), 0) FROM (` + q + `) first`
	if err := s.reader(ctx).QueryRowContext(ctx, q, args...).Scan(&total, &lastID, &lo, &hi); err != nil {
		return 0, false, err
	}
	if total <= limit {
		return total, false, nil
	}
	if lastID >= lo && hi > lastID {
		total = int64(float64(total) * float64(hi-lo+1) / float64(lastID-lo+1))
	}
	return total, true, nil
}

// where joins conditions with AND, or returns "" when there are none.
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// assignments builds the SET list of an UPDATE and its arguments, numbering the
// placeholders as they are added.
type assignments struct {
	sets []string
	args []any
}

// set assigns v to col.
func (a *assignments) set(col string, v any) {
	a.sets = append(a.sets, col+" = "+a.arg(v))
}

// arg adds v as an argument and returns its placeholder, for the WHERE clause.
func (a *assignments) arg(v any) string {
	a.args = append(a.args, v)
	return "$" + strconv.Itoa(len(a.args))
}

// list returns the assignments joined for SET.
func (a *assignments) list() string { return strings.Join(a.sets, ", ") }
