package cli

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"
)

// certCheckInterval is how often, at most, a TLS handshake looks whether the certificate
// files changed: a renewal is served within seconds, and a stat per handshake is avoided.
const certCheckInterval = 2 * time.Second

// certReloader serves the certificate of a PEM pair on disk and reads the pair again
// when either file changes, so that a renewed certificate needs no restart. A pair that
// does not load (half written, a key that does not match) keeps the certificate in use.
type certReloader struct {
	certFile, keyFile string
	interval          time.Duration
	log               *slog.Logger

	mu        sync.Mutex
	cert      *tls.Certificate
	stamp     string    // the files' sizes and modification times when last read
	checkedAt time.Time // when stamp was last compared with the files
}

// newCertReloader loads the pair once; an error here stops start-up.
func newCertReloader(certFile, keyFile string, interval time.Duration, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile, interval: interval, log: log}
	stamp, err := r.fileStamp()
	if err != nil {
		return nil, err
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("HMS_TLS_CERT and HMS_TLS_KEY: %w", err)
	}
	r.cert, r.stamp, r.checkedAt = &cert, stamp, time.Now()
	return r, nil
}

// fileStamp identifies the current contents of both files by size and modification time.
func (r *certReloader) fileStamp() (string, error) {
	var stamp string
	for _, name := range []string{r.certFile, r.keyFile} {
		fi, err := os.Stat(name)
		if err != nil {
			return "", fmt.Errorf("HMS_TLS_CERT and HMS_TLS_KEY: %w", err)
		}
		stamp += fmt.Sprintf("%d@%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp, nil
}

// getCertificate is tls.Config.GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checkedAt) < r.interval {
		return r.cert, nil
	}
	r.checkedAt = time.Now()
	stamp, err := r.fileStamp()
	if err != nil || stamp == r.stamp {
		if err != nil {
			r.log.Warn("TLS certificate files unreadable; the certificate in use stays", "error", err)
		}
		return r.cert, nil
	}
	// Whatever the outcome, this version of the files is not read again: a bad pair is
	// reported once, and the next change is read.
	r.stamp = stamp
	cert, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		// The error of crypto/tls names what failed to parse, never key material.
		r.log.Warn("the changed TLS certificate or key does not load; the certificate in use stays",
			"cert", r.certFile, "key", r.keyFile, "error", err)
		return r.cert, nil
	}
	r.cert = &cert
	r.log.Info("TLS certificate reloaded", "cert", r.certFile, "not_after", cert.Leaf.NotAfter.UTC().Format(time.RFC3339))
	return r.cert, nil
}

// serverTLSConfig is the TLS configuration of HMS_ADDR: TLS 1.2 or newer, the certificate
// from reloader, HTTP/2 and HTTP/1.1.
func serverTLSConfig(r *certReloader) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: r.getCertificate,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}

// redirectToHTTPS answers every request with a permanent redirect (308, which keeps the
// method and body) to the same host and path over HTTPS on httpsPort.
func redirectToHTTPS(httpsPort string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			http.Error(w, "a Host header is needed to redirect to HTTPS", http.StatusBadRequest)
			return
		}
		if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			host = "[" + host + "]"
		}
		if httpsPort != "443" {
			host += ":" + httpsPort
		}
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
}
