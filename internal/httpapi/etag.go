package httpapi

import (
	"net/http"
	"strconv"
	"strings"
)

// Every single resource carries a version that each change increments; its entity tag is
// that version in quotes. A PUT with If-Match applies only to the version it names (412
// otherwise, with nothing written), and a GET with If-None-Match naming the current
// version answers 304 with no body.

// etag is the entity tag of version v of a resource.
func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// writeResource writes one resource in the {success, data} envelope with its ETag.
func writeResource(w http.ResponseWriter, r *http.Request, status int, data any, version int64) {
	tag := etag(version)
	w.Header().Set("ETag", tag)
	body := item{Success: true, Data: data}
	if status == http.StatusOK && (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		tagListHas(r.Header.Get("If-None-Match"), tag) {
		offer(w, body) // a 304 confirms the client's copy: a read, for the audit trail
		w.WriteHeader(http.StatusNotModified)
		return
	}
	writeJSON(w, status, body)
}

// tagListHas reports whether an If-None-Match value ("*" or a list of tags, weak or
// strong) names tag. If-None-Match compares weakly (RFC 9110 §13.1.2).
func tagListHas(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == tag {
			return true
		}
	}
	return false
}

// ifMatch returns the version that If-Match requires: 0 when the header is absent or "*"
// (any version will do). A value that names no version a resource can have gives -1,
// which no version matches, so the update answers 412 and writes nothing.
func ifMatch(r *http.Request) int64 {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0
	}
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v <= 0 || !strings.HasPrefix(h, `"`) || !strings.HasSuffix(h, `"`) {
		return -1
	}
	return v
}
