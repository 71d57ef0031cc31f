package cli

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRedirectToHTTPS: the redirect keeps host, path and query, drops the plain-HTTP
// port, names the HTTPS port unless it is 443, and keeps the method (308).
func TestRedirectToHTTPS(t *testing.T) {
	for _, tc := range []struct{ port, method, host, target, want string }{
		{"443", "GET", "clinic.lan", "/patients?q=a", "https://clinic.lan/patients?q=a"},
		{"443", "POST", "clinic.lan:80", "/api/auth/login", "https://clinic.lan/api/auth/login"},
		{"8443", "GET", "192.168.1.10:8080", "/", "https://192.168.1.10:8443/"},
		{"443", "GET", "[fe80::1]:80", "/health", "https://[fe80::1]/health"},
		{"8443", "GET", "[fe80::1]", "/x", "https://[fe80::1]:8443/x"},
	} {
		req := httptest.NewRequest(tc.method, "http://"+tc.host+tc.target, nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		redirectToHTTPS(tc.port).ServeHTTP(rec, req)
		if rec.Code != http.StatusPermanentRedirect || rec.Header().Get("Location") != tc.want {
			t.Errorf("%s %s%s: %d to %q, want 308 to %q", tc.method, tc.host, tc.target, rec.Code, rec.Header().Get("Location"), tc.want)
		}
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = ""
	rec := httptest.NewRecorder()
	redirectToHTTPS("443").ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("no Host: %d, want 400", rec.Code)
	}
}
