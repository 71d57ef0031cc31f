package domain

import "strconv"

// ParseID reads an id as HMS writes it: a positive decimal integer without sign, leading
// zeros or spaces. Every id in a path or a query goes through it, so that "+1", " 1" and
// "01" are refused rather than taken for 1: an id has one spelling, as a URL has one
// resource.
func ParseID(s string) (int64, bool) {
	if s == "" || len(s) > 19 || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false // beyond int64
	}
	return n, true
}
