package main_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned makes a certificate for 127.0.0.1 and localhost and returns it and its key in PEM.
func selfSigned(t *testing.T, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// replaceFile writes data to path the way a renewal tool does: into a new file, renamed over the old.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// tlsServer is a running `hms serve` with HMS_TLS_CERT and HMS_TLS_KEY.
type tlsServer struct {
	addr, redirectAddr string
	certFile, keyFile  string
	logs               *lockedBuffer
}

// startTLSServer writes certPEM and keyPEM to files and starts `hms serve` on them, with
// a redirect listener, and waits until /ready answers over HTTPS.
func startTLSServer(t *testing.T, certPEM, keyPEM []byte) *tlsServer {
	t.Helper()
	dir := t.TempDir()
	s := &tlsServer{addr: freeAddr(t), redirectAddr: freeAddr(t), logs: &lockedBuffer{},
		certFile: filepath.Join(dir, "cert.pem"), keyFile: filepath.Join(dir, "key.pem")}
	replaceFile(t, s.certFile, certPEM)
	replaceFile(t, s.keyFile, keyPEM)
	cmd := exec.Command(hmsBin, "serve")
	cmd.Env = append(os.Environ(), "HMS_ADDR="+s.addr, "HMS_DATA_DIR="+t.TempDir(), "HMS_ENV=test",
		"HMS_TLS_CERT="+s.certFile, "HMS_TLS_KEY="+s.keyFile, "HMS_HTTP_REDIRECT_ADDR="+s.redirectAddr)
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	client := tlsClient(&tls.Config{InsecureSkipVerify: true})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get("https://" + s.addr + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready over HTTPS: %v\n%s", err, s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tlsClient is an HTTP client that opens a new connection for each request.
func tlsClient(cfg *tls.Config) *http.Client {
	return &http.Client{
		Transport:     &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       5 * time.Second,
	}
}

// servedCertificate opens a new TLS connection to addr and returns the certificate it is shown.
func servedCertificate(t *testing.T, addr string) []byte {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Raw
}

func certDER(t *testing.T, certPEM []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("no PEM block")
	}
	return b.Bytes
}

// TestServesHTTPS: with HMS_TLS_CERT and HMS_TLS_KEY, HMS_ADDR speaks TLS 1.2 or newer
// with a certificate a client can verify, and refuses TLS 1.1; answers carry HSTS; the
// redirect listener sends plain HTTP to the same host and path over HTTPS; and `hms
// healthcheck` finds the server healthy.
func TestServesHTTPS(t *testing.T) {
	certPEM, keyPEM := selfSigned(t, "hms-test")
	s := startTLSServer(t, certPEM, keyPEM)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)

	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		client := tlsClient(&tls.Config{RootCAs: roots, MinVersion: version, MaxVersion: version})
		resp, err := client.Get("https://" + s.addr + "/health")
		if err != nil {
			t.Fatalf("%s: %v", tls.VersionName(version), err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS.Version != version {
			t.Errorf("%s: status %d over %s", tls.VersionName(version), resp.StatusCode, tls.VersionName(resp.TLS.Version))
		}
		if hsts := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
			t.Errorf("%s: Strict-Transport-Security %q", tls.VersionName(version), hsts)
		}
	}
	for _, version := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		conn, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: roots, MinVersion: version, MaxVersion: version})
		if err == nil {
			conn.Close()
			t.Errorf("the server accepted %s", tls.VersionName(version))
		}
	}
	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get("http://" + s.addr + "/health"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP on HMS_ADDR answered 200")
		}
	}

	_, httpsPort, _ := net.SplitHostPort(s.addr)
	plain := tlsClient(nil)
	for _, tc := range []struct{ method, path string }{{"GET", "/patients/7?tab=records"}, {"POST", "/api/auth/login"}, {"GET", "/health"}} {
		req, _ := http.NewRequest(tc.method, "http://"+s.redirectAddr+tc.path, strings.NewReader("{}"))
		req.Host = "clinic.lan:8080"
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "https://clinic.lan:" + httpsPort + tc.path
		if resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
			t.Errorf("%s %s on the redirect listener: %d to %q, want 308 to %q", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}

	if code, out := hms(t, []string{"HMS_ADDR=" + s.addr, "HMS_TLS_CERT=" + s.certFile}, "healthcheck"); code != 0 || !strings.Contains(out, "healthy") {
		t.Errorf("hms healthcheck against the HTTPS server: exit %d, %s", code, out)
	}
}

// TestTLSCertificateReloads: new connections see a certificate that replaced the files,
// without a restart; a replacement that does not load leaves the last good one served.
func TestTLSCertificateReloads(t *testing.T) {
	oldCert, oldKey := selfSigned(t, "hms-old")
	s := startTLSServer(t, oldCert, oldKey)
	if got := servedCertificate(t, s.addr); !bytes.Equal(got, certDER(t, oldCert)) {
		t.Fatal("the server does not show the certificate of HMS_TLS_CERT")
	}

	newCert, newKey := selfSigned(t, "hms-new")
	replaceFile(t, s.keyFile, newKey)
	replaceFile(t, s.certFile, newCert)
	deadline := time.Now().Add(20 * time.Second)
	for !bytes.Equal(servedCertificate(t, s.addr), certDER(t, newCert)) {
		if time.Now().After(deadline) {
			t.Fatalf("the replaced certificate is not served\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The server's log reaches the test through a pipe, a moment after the handshake.
	for !strings.Contains(s.logs.String(), "TLS certificate reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("the reload is not logged\n%s", s.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A broken certificate file: the server says so once it notices, and goes on with the
	// last good certificate.
	const warning = "does not load; the certificate in use stays"
	before := strings.Count(s.logs.String(), warning)
	replaceFile(t, s.certFile, []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"))
	deadline = time.Now().Add(20 * time.Second)
	for strings.Count(s.logs.String(), warning) == before {
		if !bytes.Equal(servedCertificate(t, s.addr), certDER(t, newCert)) {
			t.Fatal("a broken certificate file replaced the certificate in use")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broken certificate file is not reported\n%s", s.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !bytes.Equal(servedCertificate(t, s.addr), certDER(t, newCert)) {
		t.Error("after a broken replacement, the last good certificate is no longer served")
	}
	if strings.Contains(s.logs.String(), "PRIVATE KEY") {
		t.Error("the log shows key material")
	}
}

// TestTLSNeedsBothFiles: one of HMS_TLS_CERT and HMS_TLS_KEY alone, or files that do not
// load, stop serve with both settings named.
func TestTLSNeedsBothFiles(t *testing.T) {
	dir := t.TempDir()
	certPEM, _ := selfSigned(t, "hms-test")
	_, otherKey := selfSigned(t, "hms-other")
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	replaceFile(t, cert, certPEM)
	replaceFile(t, key, otherKey)
	for _, env := range [][]string{{"HMS_TLS_CERT=" + cert}, {"HMS_TLS_KEY=" + key}, {"HMS_TLS_CERT=" + cert, "HMS_TLS_KEY=" + key}} {
		code, out := hms(t, append(env, "HMS_DATA_DIR="+t.TempDir(), "HMS_ADDR="+freeAddr(t)), "serve")
		if code != 1 || !strings.Contains(out, "HMS_TLS_CERT") || !strings.Contains(out, "HMS_TLS_KEY") {
			t.Errorf("%v: exit %d, %s", env, code, out)
		}
	}
}
