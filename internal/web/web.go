// Package web serves the HMS user interface: the React app in web/, built by
// `npm run build` into dist/ and embedded in the binary, so `hms` needs nothing
// else to show it. When the UI was never built, dist/ holds only a placeholder and
// every page explains how to build it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed all:dist
var dist embed.FS

// ContentSecurityPolicy is sent with the app's HTML. The built app loads only its
// own scripts, styles and API, has no inline code, and may not be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
	"frame-ancestors 'none'"

const (
	// cacheImmutable is for files under assets/, whose names carry a content hash.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheRevalidate is for index.html and other unhashed files: always ask first.
	cacheRevalidate = "no-cache"
	// minGzipSize: smaller files are not worth compressing.
	minGzipSize = 1024
)

// Handler serves the embedded UI: files from dist/, index.html for every client
// route, and a "UI not built" page when dist/ holds only its placeholder. It is
// meant for the paths the API does not own; it never answers /api, /health or
// /ready with the app.
func Handler() http.Handler {
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: embedded dist folder missing: " + err.Error())
	}
	return newHandler(files)
}

// file is one embedded file, read once, with its gzip form when that helps.
type file struct {
	body        []byte
	gzipped     []byte
	contentType string
	etag        string
}

type handler struct {
	files map[string]*file
	index *file // nil when the UI was not built
}

func newHandler(fsys fs.FS) *handler {
	h := &handler{files: map[string]*file{}}
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(path.Base(name), ".") {
			return nil
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil
		}
		h.files[name] = newFile(name, body)
		return nil
	})
	h.index = h.files["index.html"]
	return h
}

func newFile(name string, body []byte) *file {
	sum := sha256.Sum256(body)
	f := &file{
		body:        body,
		contentType: mime.TypeByExtension(path.Ext(name)),
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}
	if f.contentType == "" {
		f.contentType = http.DetectContentType(body)
	}
	if len(body) >= minGzipSize && compressible(f.contentType) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if buf.Len() < len(body) {
			f.gzipped = buf.Bytes()
		}
	}
	return f
}

func compressible(contentType string) bool {
	for _, prefix := range []string{"text/", "application/javascript", "application/json", "image/svg+xml"} {
		if strings.HasPrefix(contentType, prefix) {
			return true
		}
	}
	return false
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	urlPath := path.Clean("/" + r.URL.Path)
	if isServerPath(urlPath) {
		notFoundJSON(w)
		return
	}

	header := w.Header()
	header.Set("X-Content-Type-Options", "nosniff")
	header.Set("Referrer-Policy", "no-referrer")
	header.Set("X-Frame-Options", "DENY")

	name := strings.TrimPrefix(urlPath, "/")
	if f, ok := h.files[name]; ok && name != "index.html" {
		cache := cacheRevalidate
		if strings.HasPrefix(name, "assets/") {
			cache = cacheImmutable
		}
		serveFile(w, r, f, cache)
		return
	}
	// A missing file is a 404, not the app: a stale hashed asset must fail loudly
	// rather than be answered with HTML.
	if name == "assets" || strings.HasPrefix(name, "assets/") || (path.Ext(name) != "" && name != "index.html") {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	if h.index == nil {
		serveNotBuilt(w, r)
		return
	}
	header.Set("Content-Security-Policy", ContentSecurityPolicy)
	serveFile(w, r, h.index, cacheRevalidate)
}

// isServerPath reports paths that belong to the API and the probes.
func isServerPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/") || p == "/health" || p == "/ready"
}

func notFoundJSON(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"success":false,"error":"not found"}` + "\n"))
}

func serveFile(w http.ResponseWriter, r *http.Request, f *file, cacheControl string) {
	header := w.Header()
	header.Set("Cache-Control", cacheControl)
	header.Set("Content-Type", f.contentType)
	header.Set("ETag", f.etag)
	body := f.body
	if f.gzipped != nil {
		header.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			header.Set("Content-Encoding", "gzip")
			body = f.gzipped
		}
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the client accepts gzip, honouring "gzip;q=0".
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		for _, param := range strings.Split(params, ";") {
			key, value, _ := strings.Cut(strings.TrimSpace(param), "=")
			if q, err := strconv.ParseFloat(value, 64); strings.EqualFold(key, "q") && err == nil && q == 0 {
				return false
			}
		}
		return true
	}
	return false
}

const notBuiltPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>HMS: UI not built</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;background:#f1f5f9;color:#0f172a;margin:0;padding:3rem 1rem}
main{max-width:40rem;margin:0 auto;background:#fff;border:1px solid #e2e8f0;border-radius:.5rem;padding:2rem}
h1{font-size:1.25rem;margin:0 0 1rem}
code{background:#f1f5f9;padding:.1rem .3rem;border-radius:.25rem}
p{line-height:1.5}
</style>
</head>
<body>
<main>
<h1>UI not built — run <code>make run</code> (or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>)</h1>
<p>This <code>hms</code> binary was built without the web interface. Build the UI, then build and start
<code>hms</code> again: <code>make run</code> does both.</p>
<p>The API is running: <a href="/health">/health</a> answers, and every <code>/api</code> route works.</p>
</main>
</body>
</html>
`

// serveNotBuilt answers 503 so scripts and probes can tell the UI is missing.
func serveNotBuilt(w http.ResponseWriter, r *http.Request) {
	header := w.Header()
	header.Set("Content-Type", "text/html; charset=utf-8")
	header.Set("Cache-Control", "no-store")
	header.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(notBuiltPage))
	}
}
