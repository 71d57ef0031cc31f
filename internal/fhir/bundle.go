package fhir

import (
	"encoding/json"
	"net/url"
	"sort"
	"time"
)

// Entry is a resource with its type and id, ready for a Bundle.
type Entry struct {
	Type, ID string
	Resource any
}

// Searchset builds a searchset Bundle. base is the server's FHIR base URL
// (http://host/fhir); self is the URL of this page; next, when not empty, is the cursor
// of the next page, added to self's query as _cursor.
func Searchset(base string, self *url.URL, total int64, entries []Entry, next string) (Bundle, error) {
	n := total
	b := Bundle{ResourceType: "Bundle", Type: "searchset", Timestamp: instant(time.Now()), Total: &n,
		Link: []BundleLink{{Relation: "self", URL: self.String()}}, Entry: []BundleEntry{}}
	if next != "" {
		u := *self
		q := u.Query()
		q.Set("_cursor", next)
		u.RawQuery = q.Encode()
		b.Link = append(b.Link, BundleLink{Relation: "next", URL: u.String()})
	}
	for _, e := range entries {
		raw, err := json.Marshal(e.Resource)
		if err != nil {
			return b, err
		}
		b.Entry = append(b.Entry, BundleEntry{FullURL: base + "/" + e.Type + "/" + e.ID, Resource: raw, Search: &EntrySearch{Mode: "match"}})
	}
	return b, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
