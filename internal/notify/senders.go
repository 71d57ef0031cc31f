package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"
)

// PermanentError is a delivery failure that retrying cannot fix: the server or gateway
// refused the message for good.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is a failure that no retry fixes.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// sendTimeout bounds one delivery: connecting, the conversation and the answer.
const sendTimeout = 30 * time.Second

// Mailer sends email over SMTP.
type Mailer struct {
	addr     string // host:port
	host     string
	implicit bool // smtps://: TLS from the first byte
	auth     smtp.Auth
	from     *mail.Address
	// TLSConfig is used for smtps:// and STARTTLS; nil verifies against the system roots.
	TLSConfig *tls.Config
}

// NewMailer configures a Mailer from HMS_SMTP_URL and HMS_SMTP_FROM.
func NewMailer(rawURL, from string) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("notify: HMS_SMTP_URL is not a URL")
	}
	f, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("notify: HMS_SMTP_FROM: %w", err)
	}
	m := &Mailer{host: u.Hostname(), implicit: u.Scheme == "smtps", from: f}
	port := u.Port()
	if port == "" {
		port = "587"
		if m.implicit {
			port = "465"
		}
	}
	m.addr = net.JoinHostPort(m.host, port)
	if u.User != nil {
		pass, _ := u.User.Password()
		// PlainAuth refuses to send the password over a connection without TLS, except to
		// localhost.
		m.auth = smtp.PlainAuth("", u.User.Username(), pass, m.host)
	}
	return m, nil
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig.Clone()
	}
	return &tls.Config{ServerName: m.host, MinVersion: tls.VersionTLS12}
}

// Send delivers msg to the address to. A 5xx answer is a PermanentError.
func (m *Mailer) Send(ctx context.Context, to string, msg Message) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return &PermanentError{errors.New("the patient's email address is not valid")}
	}
	body, err := m.compose(rcpt, msg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	var conn net.Conn
	dialer := &net.Dialer{}
	if m.implicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: m.tlsConfig()}).DialContext(ctx, "tcp", m.addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", m.addr)
	}
	if err != nil {
		return fmt.Errorf("connect to the SMTP server: %w", err)
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		conn.Close()
		return smtpError("greeting", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.implicit {
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return smtpError("STARTTLS", err)
		}
	}
	if m.auth != nil {
		if err := c.Auth(m.auth); err != nil {
			return smtpError("AUTH", err)
		}
	}
	if err := c.Mail(m.from.Address); err != nil {
		return smtpError("MAIL FROM", err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		return smtpError("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return smtpError("DATA", err)
	}
	if _, err := w.Write(body); err != nil {
		return smtpError("DATA", err)
	}
	if err := w.Close(); err != nil {
		return smtpError("end of DATA", err)
	}
	return c.Quit()
}

// smtpError keeps the step and the server's code, not its text, which may repeat the
// recipient's address: what is stored and logged holds no patient data.
func smtpError(step string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		e := fmt.Errorf("SMTP %s refused with %d", step, te.Code)
		if te.Code >= 500 {
			return &PermanentError{e}
		}
		return e
	}
	return fmt.Errorf("SMTP %s: %w", step, err)
}

// compose writes the message: headers, then text and HTML as multipart/alternative.
func (m *Mailer) compose(to *mail.Address, msg Message) ([]byte, error) {
	var b bytes.Buffer
	boundary := make([]byte, 12)
	if _, err := rand.Read(boundary); err != nil {
		return nil, err
	}
	bound := "hms-" + hex.EncodeToString(boundary)
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", m.from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", msg.Subject))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", msg.MessageID)
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated")
	header("Content-Type", `multipart/alternative; boundary="`+bound+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ kind, body string }{{"text/plain", msg.Text}, {"text/html", msg.HTML}} {
		if part.body == "" {
			continue
		}
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", bound, part.kind)
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write([]byte(strings.ReplaceAll(part.body, "\n", "\r\n"))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", bound)
	return b.Bytes(), nil
}

// SMSGateway sends text messages through an HTTP gateway: a POST of {"to", "body"} as
// JSON, with a Bearer token when one is set. Any 2xx is delivered; 408, 429 and 5xx are
// temporary; any other answer is a PermanentError.
type SMSGateway struct {
	URL, Token string
	Client     *http.Client
}

// Send delivers body to the phone number to. The Idempotency-Key lets a gateway that
// honours it drop the duplicate a crash between sending and recording can cause.
func (g *SMSGateway) Send(ctx context.Context, to, body, idempotencyKey string) error {
	payload, err := json.Marshal(map[string]string{"to": to, "body": body})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(payload))
	if err != nil {
		return &PermanentError{errors.New("HMS_SMS_URL cannot be requested")}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", idempotencyKey)
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	client := g.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the gateway's URL, not the message or the number.
		return fmt.Errorf("SMS gateway: %w", errors.Unwrap(err))
	}
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("SMS gateway answered %d", resp.StatusCode)
	}
	return &PermanentError{fmt.Errorf("SMS gateway refused the message with %d", resp.StatusCode)}
}
