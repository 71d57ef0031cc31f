package httpapi

import (
	"fmt"
	"net/url"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/hms-project/hms/internal/domain"
)

// The bounds of every query string of /api and /fhir (the README's API rules). They are
// generous for real clients and keep any one request's SQL small: each value becomes at
// most one condition or parameter of a statement, and the databases cap both.
const (
	maxQueryParams   = 200  // key=value pairs in one query string
	maxQueryRepeats  = 100  // values of one parameter (?name=a&name=b …)
	maxQueryValueLen = 1000 // characters of one key or value
)

// checkQuery applies to a query string the rules that bodies follow, before any handler
// sees it: it must parse, and every key and value must be UTF-8 text without control
// characters (NUL among them), within the bounds above. A handler then applies only its
// own rules (which parameters it knows, their formats, tighter lengths such as q's).
func checkQuery(u *url.URL) error {
	if u.RawQuery == "" {
		return nil
	}
	vals, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return domain.Errorf(domain.CodeInvalid, "the query string is malformed: %v", err)
	}
	total := 0
	for _, vs := range vals {
		total += len(vs)
	}
	if total > maxQueryParams {
		return domain.Errorf(domain.CodeInvalid, "the query string has %d parameters; at most %d are accepted", total, maxQueryParams)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the first problem in a stable order
	for _, k := range keys {
		if msg := queryTextProblem(k); msg != "" {
			return domain.Errorf(domain.CodeInvalid, "a query parameter name %s: %s", shortQuoted(k), msg)
		}
		vs := vals[k]
		if len(vs) > maxQueryRepeats {
			return queryError(k, fmt.Sprintf("is given %d times; at most %d are accepted", len(vs), maxQueryRepeats))
		}
		for _, v := range vs {
			if msg := queryTextProblem(v); msg != "" {
				return queryError(k, msg)
			}
		}
	}
	return nil
}

// queryTextProblem says what is wrong with a key or value, or "" when nothing is.
func queryTextProblem(s string) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	if n := utf8.RuneCountInString(s); n > maxQueryValueLen {
		return fmt.Sprintf("must be at most %d characters (got %d)", maxQueryValueLen, n)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "must not contain control characters"
		}
	}
	return ""
}

// queryError names the parameter, never its value (which can be a patient's name).
func queryError(key, msg string) error {
	name := shortQuoted(key)
	return &domain.Error{Code: domain.CodeInvalid, Message: "query parameter " + name + " " + msg,
		Fields: map[string]string{key: msg}}
}

// shortQuoted quotes a parameter name for a message, cut to a readable length.
func shortQuoted(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%q…", s[:40])
	}
	return fmt.Sprintf("%q", s)
}
