package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/fhir"
	"github.com/hms-project/hms/internal/store"
)

// statusOf maps each error code to its HTTP status; this is the only place that does.
var statusOf = map[domain.Code]int{
	domain.CodeInvalid:      http.StatusBadRequest,
	domain.CodeUnauthorized: http.StatusUnauthorized,
	domain.CodeForbidden:    http.StatusForbidden,
	domain.CodeNotFound:     http.StatusNotFound,
	domain.CodeConflict:     http.StatusConflict,
	domain.CodePrecondition: http.StatusPreconditionFailed,
	domain.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	domain.CodeUnsupported:  http.StatusUnsupportedMediaType,
	domain.CodeLocked:       http.StatusLocked,
	domain.CodeRateLimited:  http.StatusTooManyRequests,
	domain.CodeUnavailable:  http.StatusServiceUnavailable,
	domain.CodeInternal:     http.StatusInternalServerError,
}

// writeJSON writes v as the JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	offer(w, v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if a, ok := v.(jsonAppender); ok && writeAppended(w, a) {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// bodyBuffers hold the bodies that jsonAppenders write, for reuse by the next answer.
var bodyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBody bounds the buffers kept in bodyBuffers, so that one huge answer does not
// stay in memory.
const maxPooledBody = 1 << 20

// writeAppended writes the JSON of a with the newline that json.Encoder ends with, and
// reports false, having written nothing, when a cannot write itself.
func writeAppended(w http.ResponseWriter, a jsonAppender) bool {
	buf := bodyBuffers.Get().(*[]byte)
	b, err := a.appendJSON((*buf)[:0])
	if err == nil {
		b = append(b, '\n')
		_, _ = w.Write(b)
	}
	if cap(b) <= maxPooledBody {
		*buf = b[:0]
		bodyBuffers.Put(buf)
	}
	return err == nil
}

// item is the envelope of one resource: {success, data}.
type item struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

// list is the envelope of a page: {success, data, count, total, limit, next_cursor}, and
// total_estimated: true when more matches exist than the store counts exactly.
type list struct {
	Success        bool    `json:"success"`
	Data           any     `json:"data"`
	Count          int     `json:"count"`
	Total          int64   `json:"total"`
	TotalEstimated bool    `json:"total_estimated,omitempty"`
	Limit          int     `json:"limit"`
	NextCursor     *string `json:"next_cursor"`
}

// unpaged is the envelope of a short list that has no pages: {success, data, count}.
// about, which is not sent, names the resource and the patient the entries belong to
// when they do not say it themselves (a history), for the audit trail.
type unpaged[T any] struct {
	Success bool `json:"success"`
	Data    []T  `json:"data"`
	Count   int  `json:"count"`
	about   read
}

// message is the envelope of a deletion: {success, message}.
type message struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// errorBody is the envelope of every failure.
type errorBody struct {
	Success bool              `json:"success"`
	Error   string            `json:"error"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// errDatabaseUnavailable answers a request that the database could not serve: no primary
// answered in time, as while a standby is promoted (store.IsUnavailable). The client
// retries; the failover takes seconds (docs/OPERATIONS.md).
var errDatabaseUnavailable = &domain.Error{Code: domain.CodeUnavailable, RetryAfter: 2 * time.Second,
	Message: "the database is unavailable right now (a failover may be under way); try again in a few seconds"}

// writeError answers with the status that err's code maps to. Internal errors are logged
// with the request id and reach the client only as "internal server error".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *domain.Error
	switch {
	case errors.As(err, &e):
	case store.IsUnavailable(err):
		logger(r.Context()).WarnContext(r.Context(), "database unavailable", "request_id", requestID(r.Context()), "error", err)
		e = errDatabaseUnavailable
	default:
		logger(r.Context()).ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "error", err)
		e = &domain.Error{Code: domain.CodeInternal, Message: "internal server error; the request id in X-Request-ID helps the operator find the cause"}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if isFHIR(r) {
		writeFHIR(w, status, fhir.Outcome(e))
		return
	}
	if len(e.Details) == 0 {
		writeJSON(w, status, errorBody{Error: e.Message, Fields: e.Fields})
		return
	}
	body := map[string]any{"success": false, "error": e.Message}
	if len(e.Fields) > 0 {
		body["fields"] = e.Fields
	}
	for k, v := range e.Details {
		body[k] = v
	}
	writeJSON(w, status, body)
}
