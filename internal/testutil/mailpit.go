package testutil

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// mailpitModule is the SMTP server the notification tests deliver to: a real server that
// speaks SMTP (with STARTTLS or implicit TLS when given a certificate) and lets the tests
// read what arrived through its HTTP API.
const mailpitModule = "github.com/axllent/mailpit@v1.33.1"

var (
	mailpitOnce sync.Once
	mailpitBin  string
	mailpitErr  error
)

// mailpitBinary finds mailpit on PATH or in GOBIN/GOPATH/bin, installing it with
// `go install` on first use, as the PostgreSQL helper finds the server's binaries.
func mailpitBinary() (string, error) {
	mailpitOnce.Do(func() {
		if p, err := exec.LookPath("mailpit"); err == nil {
			mailpitBin = p
			return
		}
		gobin := os.Getenv("GOBIN")
		if gobin == "" {
			out, err := exec.Command("go", "env", "GOPATH").Output()
			if err != nil {
				mailpitErr = fmt.Errorf("find GOPATH: %w", err)
				return
			}
			gobin = filepath.Join(strings.SplitN(strings.TrimSpace(string(out)), string(os.PathListSeparator), 2)[0], "bin")
		}
		p := filepath.Join(gobin, "mailpit")
		if _, err := os.Stat(p); err == nil {
			mailpitBin = p
			return
		}
		cmd := exec.Command("go", "install", mailpitModule)
		cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=-buildvcs=false")
		if out, err := cmd.CombinedOutput(); err != nil {
			mailpitErr = fmt.Errorf("go install %s: %v\n%s", mailpitModule, err, out)
			return
		}
		mailpitBin = p
	})
	return mailpitBin, mailpitErr
}

// Mailpit is a running mailpit server, stopped when its test ends.
type Mailpit struct {
	SMTPAddr string // host:port of SMTP
	api      string
}

// MailpitOptions configures StartMailpit.
type MailpitOptions struct {
	// CertFile and KeyFile turn on TLS: STARTTLS offered and required, or, with
	// ImplicitTLS, TLS from the first byte (smtps).
	CertFile, KeyFile string
	ImplicitTLS       bool
	// RequireAuth makes the server require (and accept any) SMTP authentication.
	RequireAuth bool
}

// StartMailpit starts a mailpit server on free loopback ports. HMS_TEST_MAILPIT=off skips
// the test instead.
func StartMailpit(t testing.TB, opts MailpitOptions) *Mailpit {
	t.Helper()
	if os.Getenv("HMS_TEST_MAILPIT") == "off" {
		t.Skip("SMTP tests are off (HMS_TEST_MAILPIT=off)")
	}
	bin, err := mailpitBinary()
	if err != nil {
		t.Fatalf("the SMTP server for the tests is missing and could not be installed: %v", err)
	}
	smtpAddr, apiAddr := freeAddr(t), freeAddr(t)
	args := []string{"--smtp", smtpAddr, "--listen", apiAddr, "--database", filepath.Join(t.TempDir(), "mailpit.db"), "--quiet", "--smtp-disable-rdns"}
	if opts.CertFile != "" {
		args = append(args, "--smtp-tls-cert", opts.CertFile, "--smtp-tls-key", opts.KeyFile)
		if opts.ImplicitTLS {
			args = append(args, "--smtp-require-tls")
		} else {
			args = append(args, "--smtp-require-starttls")
		}
	}
	if opts.RequireAuth {
		args = append(args, "--smtp-auth-accept-any")
		if opts.CertFile == "" {
			args = append(args, "--smtp-auth-allow-insecure")
		}
	}
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	m := &Mailpit{SMTPAddr: smtpAddr, api: "http://" + apiAddr}
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := http.Get(m.api + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if c, err := net.DialTimeout("tcp", smtpAddr, time.Second); err == nil {
					c.Close()
					return m
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// Mail is one message as mailpit received it.
type Mail struct {
	ID        string `json:"ID"`
	MessageID string `json:"MessageID"`
	Subject   string `json:"Subject"`
	To        []struct {
		Address string `json:"Address"`
	} `json:"To"`
	Text string `json:"Text"`
	HTML string `json:"HTML"`
}

// Messages returns every message received, with its text and HTML, oldest first.
func (m *Mailpit) Messages(t testing.TB) []Mail {
	t.Helper()
	var list struct {
		Messages []Mail `json:"messages"`
	}
	m.get(t, "/api/v1/messages?limit=1000", &list)
	out := make([]Mail, 0, len(list.Messages))
	for i := len(list.Messages) - 1; i >= 0; i-- { // mailpit lists the newest first
		var full Mail
		m.get(t, "/api/v1/message/"+list.Messages[i].ID, &full)
		out = append(out, full)
	}
	return out
}

// WaitForMessages waits until at least n messages have arrived and returns them all.
func (m *Mailpit) WaitForMessages(t testing.TB, n int) []Mail {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		msgs := m.Messages(t)
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				t.Fatalf("waited for %d messages, %d arrived", n, len(msgs))
			}
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (m *Mailpit) get(t testing.TB, path string, v any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.api+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}
