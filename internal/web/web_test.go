package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const testIndex = `<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head>` +
	`<body><div id="root"></div></body></html>`

// builtUI is what `npm run build` leaves in dist/, in miniature.
func builtUI() fstest.MapFS {
	return fstest.MapFS{
		".gitkeep":                {Data: nil},
		"index.html":              {Data: []byte(testIndex)},
		"favicon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)},
		"assets/index-abc123.js":  {Data: []byte(strings.Repeat("console.log('hms');\n", 200))},
		"assets/index-def456.css": {Data: []byte("body{margin:0}")},
	}
}

// notBuilt is dist/ as committed: only the placeholder.
func notBuilt() fstest.MapFS {
	return fstest.MapFS{".gitkeep": {Data: nil}}
}

func get(t *testing.T, h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestBuiltUI(t *testing.T) {
	h := newHandler(builtUI())
	tests := []struct {
		name        string
		method      string
		target      string
		status      int
		contentType string
		cache       string
		bodyHas     string
		csp         bool
	}{
		{"root serves the app", "GET", "/", 200, "text/html", "no-cache", `<div id="root">`, true},
		{"index.html serves the app", "GET", "/index.html", 200, "text/html", "no-cache", `<div id="root">`, true},
		{"client route falls back to the app", "GET", "/patients", 200, "text/html", "no-cache", `<div id="root">`, true},
		{"nested client route falls back", "GET", "/patients/42/edit", 200, "text/html", "no-cache", `<div id="root">`, true},
		{"client route with query falls back", "GET", "/patients?q=smith", 200, "text/html", "no-cache", `<div id="root">`, true},
		{"hashed script is immutable", "GET", "/assets/index-abc123.js", 200, "text/javascript", cacheImmutable, "console.log", false},
		{"hashed style is immutable", "GET", "/assets/index-def456.css", 200, "text/css", cacheImmutable, "margin:0", false},
		{"unhashed file revalidates", "GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", "<svg", false},
		{"missing asset is 404, not the app", "GET", "/assets/index-old999.js", 404, "text/plain", "", "404", false},
		{"missing file with extension is 404", "GET", "/robots.txt", 404, "text/plain", "", "404", false},
		{"missing asset folder path is 404", "GET", "/assets/", 404, "text/plain", "", "404", false},
		{"placeholder is never served", "GET", "/.gitkeep", 404, "text/plain", "", "404", false},
		{"api paths are not the app", "GET", "/api/nope", 404, "application/json", "", `"success":false`, false},
		{"bare api path is not the app", "GET", "/api", 404, "application/json", "", `"success":false`, false},
		{"health is not the app", "GET", "/health", 404, "application/json", "", `"success":false`, false},
		{"ready is not the app", "GET", "/ready", 404, "application/json", "", `"success":false`, false},
		{"HEAD works", "HEAD", "/patients", 200, "text/html", "no-cache", "", true},
		{"POST is refused", "POST", "/patients", 405, "text/plain", "", "405", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, h, tc.method, tc.target)
			if rec.Code != tc.status {
				t.Fatalf("status = %d, want %d; body %q", rec.Code, tc.status, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
				t.Errorf("Content-Type = %q, want %q", ct, tc.contentType)
			}
			if tc.cache != "" {
				if got := rec.Header().Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
				}
			}
			if !strings.Contains(rec.Body.String(), tc.bodyHas) {
				t.Errorf("body %q does not contain %q", rec.Body.String(), tc.bodyHas)
			}
			if got := rec.Header().Get("Content-Security-Policy"); (got != "") != tc.csp {
				t.Errorf("Content-Security-Policy = %q, want present=%v", got, tc.csp)
			}
			if tc.status == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
		})
	}
}

func TestIndexSecurityHeaders(t *testing.T) {
	rec := get(t, newHandler(builtUI()), "GET", "/appointments")
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP %q allows inline code", csp)
	}
	for header, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s = %q, want %q", header, got, want)
		}
	}
}

func TestIndexRevalidatesWithETag(t *testing.T) {
	h := newHandler(builtUI())
	first := get(t, h, "GET", "/")
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("index.html has no ETag")
	}
	again := get(t, h, "GET", "/patients", "If-None-Match", etag)
	if again.Code != http.StatusNotModified {
		t.Fatalf("status with matching ETag = %d, want 304", again.Code)
	}
}

func TestGzip(t *testing.T) {
	h := newHandler(builtUI())
	rec := get(t, h, "GET", "/assets/index-abc123.js", "Accept-Encoding", "br, gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", rec.Header().Get("Content-Encoding"))
	}
	if rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary = %q", rec.Header().Get("Vary"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(body), "console.log") {
		t.Errorf("decompressed body = %.40q", body)
	}

	plain := get(t, h, "GET", "/assets/index-abc123.js", "Accept-Encoding", "gzip;q=0")
	if plain.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip sent although refused with q=0")
	}
	small := get(t, h, "GET", "/assets/index-def456.css", "Accept-Encoding", "gzip")
	if small.Header().Get("Content-Encoding") != "" {
		t.Errorf("a file under %d bytes was compressed", minGzipSize)
	}
}

func TestNotBuilt(t *testing.T) {
	h := newHandler(notBuilt())
	for _, target := range []string{"/", "/patients", "/index.html"} {
		rec := get(t, h, "GET", target)
		if rec.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status = %d, want 503", target, rec.Code)
		}
		body := rec.Body.String()
		if !strings.Contains(body, "UI not built") || !strings.Contains(body, "make run") ||
			!strings.Contains(body, "npm run build") {
			t.Errorf("%s: page does not say how to build the UI: %q", target, body)
		}
		if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: no CSP on the not-built page", target)
		}
	}
	if rec := get(t, h, "GET", "/assets/index-abc123.js"); rec.Code != http.StatusNotFound {
		t.Errorf("asset without a build: status = %d, want 404", rec.Code)
	}
	if rec := get(t, h, "GET", "/api/patients"); rec.Code != http.StatusNotFound {
		t.Errorf("api path without a build: status = %d, want 404", rec.Code)
	}
}

// TestEmbedded checks the real embedded folder: whether or not the UI was built,
// the handler answers "/" with a page.
func TestEmbedded(t *testing.T) {
	rec := get(t, Handler(), "GET", "/")
	switch rec.Code {
	case http.StatusOK:
		if !strings.Contains(rec.Body.String(), `id="root"`) {
			t.Errorf("built UI: index.html has no root element")
		}
	case http.StatusServiceUnavailable:
		if !strings.Contains(rec.Body.String(), "UI not built") {
			t.Errorf("unbuilt UI: no explanation")
		}
	default:
		t.Fatalf("status = %d", rec.Code)
	}
}
