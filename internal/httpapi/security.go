package httpapi

import (
	"net"
	"net/http"
	"slices"
	"strings"
)

// Content-Security-Policy values: the API answers only JSON; the UI loads its own files only.
const (
	apiCSP = "default-src 'none'; frame-ancestors 'none'"
	uiCSP  = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

// security is the middleware of headers on every response, CORS and the rules of every
// query string (checkQuery).
type security struct {
	cors       []string
	hsts       bool
	trustProxy bool
}

func (s security) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.hsts {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		isAPI := strings.HasPrefix(r.URL.Path, "/api/") || r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/fhir")
		if isAPI || r.URL.Path == "/health" || r.URL.Path == "/ready" {
			h.Set("Content-Security-Policy", apiCSP)
			h.Set("Cache-Control", "no-store")
		} else {
			h.Set("Content-Security-Policy", uiCSP)
		}
		if origin := r.Header.Get("Origin"); origin != "" && isAPI {
			if !slices.Contains(s.cors, origin) {
				if r.Method == http.MethodOptions {
					writeJSON(w, http.StatusForbidden, errorBody{Error: "origin " + origin + " may not call this API (HMS_CORS_ORIGINS)"})
					return
				}
			} else {
				h.Add("Vary", "Origin")
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Expose-Headers", "X-Request-ID, Retry-After, ETag, Location")
				if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
					h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
					h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID, If-Match")
					h.Set("Access-Control-Max-Age", "600")
					w.WriteHeader(http.StatusNoContent)
					return
				}
			}
		}
		if isAPI {
			if err := checkQuery(r.URL); err != nil {
				writeError(w, r, err)
				return
			}
		}
		// Bodies are bounded where they are read (readJSONBody), each route by its own
		// limit: a blanket limit here would cut POST /fhir's 32 MiB down to 1 MiB.
		next.ServeHTTP(w, r)
	})
}

// clientIP is the peer address, or behind a trusted proxy the last X-Forwarded-For entry
// (the one that proxy added; earlier entries are whatever the client claimed).
func (s security) clientIP(r *http.Request) string {
	if s.trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(host) > 64 {
		host = host[:64]
	}
	return host
}
