package store

import (
	"testing"
	"time"
)

// FuzzTimeParse checks that dbTime reads every timestamp that time.Parse reads in the
// layouts SQLite may hold, as the same instant.
func FuzzTimeParse(f *testing.F) {
	for _, s := range []string{
		"2030-01-02T03:04:05.123456Z", "2030-01-02T03:04:05.000000Z", "2024-02-29T23:59:59.999999Z",
		"2023-02-29T10:00:00.000000Z", "2030-13-02T03:04:05.000000Z", "2030-01-02T24:00:00.000000Z",
		"2030-01-02T3:04:05.000000Z", "0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
		"2030-01-02T03:04:05Z", "2030-01-02T03:04:05.5+02:00", "2030-01-02 03:04:05", "2030-01-02 03:04:05.123",
		"2030-01-02 03:04:05-05:00", "2030-01-02", "2030-01-02T03:04Z", "2030-01-02 03:04:05.123 +0000 UTC",
		"2030-01-02T03:04:05.12345Z", "2030-01-02T03:04:05.1234567Z", "2030-01-02T03:04:05.123456+", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if p, ok := parseSQLiteTime(s); ok {
			want, err := time.Parse(sqliteTimeLayout, s)
			if err != nil || !p.Equal(want) || p.Location() != time.UTC {
				t.Fatalf("parseSQLiteTime(%q) = %v, time.Parse: %v, %v", s, p, want, err)
			}
		}
		var got dbTime
		err := got.parse(s)
		for _, layout := range append([]string{sqliteTimeLayout}, timeLayouts...) {
			if want, perr := time.Parse(layout, s); perr == nil {
				if err != nil || !got.Equal(want) {
					t.Fatalf("dbTime %q = %v, %v; time.Parse(%q) = %v", s, got.Time, err, layout, want)
				}
				return
			}
		}
	})
}
