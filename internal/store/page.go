package store

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// Page is one page of a list, with the total number of matches and the cursor of the next page.
type Page[T any] struct {
	Items      []T
	Total      int64
	NextCursor string // empty on the last page
}

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

// decodeCursor unpacks a token made by encodeCursor with n parts.
func decodeCursor(token string, n int) ([]int64, error) {
	bad := domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass the next_cursor of a previous page")
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

// where joins conditions with AND, or returns "" when there are none.
func where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
