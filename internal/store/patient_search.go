package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// The ranks of the patient search, best first.
const (
	rankExact      = iota // the term is the patient's MRN, email or phone number; in id order
	rankNamePrefix        // a word of the name starts with the term; by that word, then id
	rankOther             // the term is elsewhere in the name, email, phone or MRN; in id order
	searchRanks
)

// nameWordSeparators split a name into the words of patient_name_word (migration 00013,
// the same set on both databases).
const nameWordSeparators = " \t\n\v\f\r-'.,\"/()\\"

// isOneWord reports whether q is a single word of a name, which patient_name_word can answer.
func isOneWord(q string) bool {
	return q != "" && !strings.ContainsAny(q, nameWordSeparators)
}

// wordRange returns the bounds of the words that start with prefix: in byte order (PostgreSQL's
// "C" collation of patient_name_word.word, SQLite's binary one), lo <= word < hi.
func wordRange(prefix string) (lo, hi string) {
	return prefix, prefix + "\U0010FFFF"
}

// searchCursor is the position of the last patient of a page of a search: its rank, its
// id and, in the name rank, the word by which it was found.
type searchCursor struct {
	rank int64
	id   int64
	word string
}

func (c searchCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("s." + strconv.FormatInt(c.rank, 10) + "." + strconv.FormatInt(c.id, 10) + "." + c.word))
}

func decodeSearchCursor(token string) (searchCursor, error) {
	bad := domain.Errorf(domain.CodeInvalid, "cursor is not valid: pass the next_cursor of a previous page")
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return searchCursor{}, bad
	}
	f := strings.SplitN(string(b), ".", 4)
	if len(f) != 4 || f[0] != "s" {
		return searchCursor{}, bad
	}
	var c searchCursor
	c.rank, err = strconv.ParseInt(f[1], 10, 64)
	if err != nil || c.rank < rankExact || c.rank >= searchRanks {
		return searchCursor{}, bad
	}
	if c.id, err = strconv.ParseInt(f[2], 10, 64); err != nil || c.id < 0 {
		return searchCursor{}, bad
	}
	c.word = f[3]
	return c, nil
}

// exactPatientMatch is the condition that q is a patient's MRN (as typed or in capitals),
// email (case-insensitive) or, when q looks like a phone number, phone number (its digits,
// domain.PhoneKey). Each is a lookup in a unique or plain index.
func exactPatientMatch(q string, arg func(any) string) string {
	conds := []string{"mrn = " + arg(q)}
	if up := strings.ToUpper(q); up != q {
		conds = append(conds, "mrn = "+arg(up))
	}
	// The terms of patient_email_key's WHERE, so that SQLite may use that partial index.
	conds = append(conds, "(email = "+arg(strings.ToLower(q))+" AND email IS NOT NULL AND email <> '')")
	if key := domain.PhoneKey(&q); len(key) >= 4 && strings.Trim(q, "0123456789+-() .") == "" {
		conds = append(conds, "phone_key = "+arg(key))
	}
	return "(" + strings.Join(conds, " OR ") + ")"
}

// namePrefixMatch is the condition that a word of the patient's name (or, for a term of
// several words, the name from one of its words on) starts with q.
func namePrefixMatch(q string, arg func(any) string) string {
	if isOneWord(q) {
		lo, hi := wordRange(strings.ToLower(q))
		return "EXISTS (SELECT 1 FROM patient_name_word e WHERE e.patient_id = patient.id AND e.word >= " + arg(lo) + " AND e.word < " + arg(hi) + ")"
	}
	p := strings.TrimPrefix(likePattern(q), "%")
	return "(lower(name) LIKE " + arg(p) + ` ESCAPE '\' OR lower(name) LIKE ` + arg("% "+p) + ` ESCAPE '\')`
}

// searchRankQuery returns the query of up to n patients of rank for the term q after the
// cursor c (a position in the same rank, or none), in the order of the rank. conds and
// args are the filters every match meets. Each rank excludes the ranks before it, so that
// a patient is in one only.
func (s *Store) searchRankQuery(rank int64, q string, c searchCursor, conds []string, args []any, n int) (string, []any) {
	args = append([]any(nil), args...)
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds = append([]string(nil), conds...)
	exact := exactPatientMatch(q, arg)
	after := func() {
		if c.id > 0 {
			conds = append(conds, "id > "+arg(c.id))
		}
	}
	switch {
	case rank == rankExact:
		conds = append(conds, exact)
		after()
	case rank == rankNamePrefix && isOneWord(q):
		// Walk patient_name_word_idx from the term (or the cursor) on: the index hands over
		// the rank's rows in its order, and the page reads no more of them than it shows. A
		// patient with two words that start with the term is shown with the first of them.
		lo, hi := wordRange(strings.ToLower(q))
		from := lo
		if c.word > lo {
			from = c.word
		}
		conds = append(conds, "w.word >= "+arg(from), "w.word < "+arg(hi))
		if c.id > 0 {
			conds = append(conds, "(w.word > "+arg(c.word)+" OR w.patient_id > "+arg(c.id)+")")
		}
		conds = append(conds, "NOT "+exact, "NOT EXISTS (SELECT 1 FROM patient_name_word e WHERE e.patient_id = w.patient_id AND e.word >= "+
			arg(lo)+" AND e.word < w.word)")
		return `SELECT ` + s.patientColumns() + ` FROM patient_name_word w JOIN patient ON patient.id = w.patient_id` + where(conds) +
			` ORDER BY w.word, w.patient_id LIMIT ` + arg(n), args
	case rank == rankNamePrefix:
		// A name that holds the term from a word on has the term's first word as a word of
		// its own: patient_name_word narrows to those (none, for an MRN or a phone number).
		// A term that starts with a separator narrows by the substring search instead.
		var narrow string
		lq := strings.ToLower(q)
		if first := lq[:max(0, strings.IndexAny(lq, nameWordSeparators))]; first != "" {
			narrow = "id IN (SELECT patient_id FROM patient_name_word WHERE word = " + arg(first) + ")"
		} else {
			narrow = s.dialect.patientSearch(q, arg)
		}
		conds = append(conds, namePrefixMatch(q, arg), narrow, "NOT "+exact)
		after()
	default:
		conds = append(conds, s.dialect.patientSearch(q, arg), "NOT "+namePrefixMatch(q, arg), "NOT "+exact)
		after()
	}
	return `SELECT ` + s.patientColumns() + ` FROM patient` + where(conds) + ` ORDER BY id LIMIT ` + arg(n), s.dialect.planPerValue(args)
}

// searchPatients is Patients for a search term: the matches ranked (exact MRN, email or
// phone first, then names with a word starting with the term, then the other matches). A
// page reads the ranks in turn from its cursor, each with a query that stops at the rows
// the page still needs. A term that is a patient's whole MRN or email answers the exact
// matches alone (see identifies). The total is exact up to SearchCountLimit matches.
func (s *Store) searchPatients(ctx context.Context, f PatientFilter, conds []string, args []any) (Page[domain.Patient], error) {
	page := Page[domain.Patient]{Items: make([]domain.Patient, 0, f.Limit+1)}
	var c searchCursor
	if f.Cursor != "" {
		var err error
		if c, err = decodeSearchCursor(f.Cursor); err != nil {
			return page, err
		}
	}
	var ranks []int64 // the rank of each item
	for rank := c.rank; rank < searchRanks && len(page.Items) <= f.Limit; rank, c = rank+1, (searchCursor{}) {
		need := f.Limit + 1 - len(page.Items)
		query, qargs := s.searchRankQuery(rank, f.Query, c, conds, args, need)
		items, err := s.patientList(ctx, query, qargs, need)
		if err != nil {
			return page, fmt.Errorf("store: search patients: %w", err)
		}
		page.Items = append(page.Items, items...)
		for range items {
			ranks = append(ranks, rank)
		}
		if rank == rankExact && f.Cursor == "" && len(page.Items) <= f.Limit && identifies(f.Query, items) {
			page.Total = int64(len(page.Items))
			return page, nil
		}
	}
	if f.Cursor == "" && len(page.Items) <= f.Limit {
		page.Total = int64(len(page.Items)) // the first page holds every match
	} else {
		// The count is of the substring matches, which hold every exact MRN and email and
		// every name word starting with the term: the index drives it on both databases,
		// where an OR with the exact matches would make SQLite read every patient. A phone
		// number typed with other punctuation than stored is the one match it may miss.
		cargs := append([]any(nil), args...)
		arg := func(v any) string { cargs = append(cargs, v); return "$" + strconv.Itoa(len(cargs)) }
		match := s.dialect.patientSearch(f.Query, arg)
		var err error
		if page.Total, page.TotalEstimated, err = s.countMatches(ctx, matches{table: "patient", from: "patient", id: "id",
			conds: append(append([]string(nil), conds...), match), args: s.dialect.planPerValue(cargs), narrowed: true,
			limit: SearchCountLimit}); err != nil {
			return page, fmt.Errorf("store: count patients: %w", err)
		}
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		last := searchCursor{rank: ranks[f.Limit-1], id: page.Items[f.Limit-1].ID}
		if last.rank == rankNamePrefix && isOneWord(f.Query) {
			var err error
			if last.word, err = s.firstNameWord(ctx, last.id, strings.ToLower(f.Query)); err != nil {
				return page, err
			}
		}
		page.NextCursor = last.encode()
	}
	return page, nil
}

// identifies reports whether the term, with a digit or an @ in it, is the whole MRN or email
// of one of the exact matches. Such a term names that patient, and the search answers the
// exact matches alone, as a wristband's MRN typed or scanned at the front desk should. Other patients whose name, email or phone
// merely contain it are not what was asked for (a phone number, which a household shares,
// goes on to the other ranks).
func identifies(q string, exact []domain.Patient) bool {
	if !strings.ContainsAny(q, "0123456789@") {
		return false // a word ("GARC") that is also a name's prefix is searched as one
	}
	for _, p := range exact {
		if strings.EqualFold(p.MRN, q) || (p.Email != "" && strings.EqualFold(p.Email, q)) {
			return true
		}
	}
	return false
}

// firstNameWord returns the first word of the patient's name that starts with prefix: the
// word by which the name rank of the search found the patient.
func (s *Store) firstNameWord(ctx context.Context, patientID int64, prefix string) (string, error) {
	lo, hi := wordRange(prefix)
	var word string
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT min(word) FROM patient_name_word WHERE patient_id = $1 AND word >= $2 AND word < $3`,
		patientID, lo, hi).Scan(&word)
	if err != nil {
		return "", fmt.Errorf("store: search patients: %w", err)
	}
	return word, nil
}
