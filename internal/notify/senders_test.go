package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hms-project/hms/internal/testutil"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their files and
// a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// The mailer speaks STARTTLS when the server offers it (this one requires it), implicit
// TLS for smtps://, and authenticates with the URL's user and password.
func TestMailerTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	for _, tc := range []struct {
		name     string
		implicit bool
		scheme   string
	}{{"starttls", false, "smtp"}, {"implicit", true, "smtps"}} {
		t.Run(tc.name, func(t *testing.T) {
			mp := testutil.StartMailpit(t, testutil.MailpitOptions{CertFile: certFile, KeyFile: keyFile, ImplicitTLS: tc.implicit, RequireAuth: true})
			m, err := NewMailer(tc.scheme+"://clinic:s3cret@"+mp.SMTPAddr, "Clinic <noreply@clinic.example.org>")
			if err != nil {
				t.Fatal(err)
			}
			m.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			msg := Message{Subject: "Reminder of your appointment", Text: "Text part, with ünïcode.\n", HTML: "<p>HTML part</p>",
				MessageID: "<hms.notification.7@clinic.example.org>"}
			if err := m.Send(context.Background(), "ann@example.org", msg); err != nil {
				t.Fatal(err)
			}
			got := mp.WaitForMessages(t, 1)[0]
			if got.MessageID != "hms.notification.7@clinic.example.org" || got.Subject != msg.Subject ||
				strings.TrimSpace(got.Text) != strings.TrimSpace(msg.Text) || !strings.Contains(got.HTML, "HTML part") {
				t.Errorf("received %+v", got)
			}
			// Without trusting the certificate, nothing is sent in the clear instead.
			m.TLSConfig = nil
			if err := m.Send(context.Background(), "ann@example.org", msg); err == nil || IsPermanent(err) {
				t.Errorf("an untrusted certificate: %v", err)
			}
		})
	}
}
