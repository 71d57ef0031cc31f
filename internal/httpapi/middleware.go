package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/hms-project/hms/internal/domain"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	loggerKey
)

// logger returns the request's logger (the API's logger) or slog's default.
func logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return slog.Default()
}

// requestID returns the id that withRequestLog gave the request.
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID is what HMS accepts from a client's X-Request-ID; anything else is replaced.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// withRequestLog gives every request an id (the client's X-Request-ID when it is sane),
// returns it in X-Request-ID, puts the request's domain.Actor (client IP and request id;
// the user comes with sign-in) in its context, recovers panics as 500 and logs one line
// per request.
// The line carries the route pattern, never the raw path or query, which can hold
// patient data (a search for a name).
func withRequestLog(log *slog.Logger, observe func(method, route string, status int, d time.Duration), clientIP func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		rec := &statusRecorder{ResponseWriter: w}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), loggerKey, log)
		ctx = domain.WithActor(ctx, domain.Actor{IP: clientIP(r), RequestID: id, UserAgent: r.UserAgent()})
		r = r.WithContext(ctx)
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", id, "error", fmt.Sprint(p))
				if rec.status == 0 {
					writeError(rec, r, fmt.Errorf("panic: %v", p))
				}
			}
			route := strings.TrimPrefix(r.Pattern, r.Method+" ")
			if route == "" {
				route = "unmatched"
			}
			elapsed := time.Since(start)
			if observe != nil {
				observe(r.Method, route, rec.status, elapsed)
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "request",
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", rec.status),
				slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
				slog.Int("bytes", rec.bytes),
				slog.String("request_id", id))
		}()
		next.ServeHTTP(rec, r)
	})
}
