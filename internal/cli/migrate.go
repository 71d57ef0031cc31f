package cli

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

func migrate(ctx context.Context, e env, args []string) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := newFlags(e, "migrate "+args[0], "", "Applies (up), rolls back (down) or lists (status) the embedded database migrations.")
	to := fs.Int64("to", -1, "with down: roll back to this schema version (0 removes every table); default one step")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errUsage
	}
	cfg, _, err := loadConfig(e)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "up":
		n, err := st.MigrateUp(ctx)
		if err != nil {
			return err
		}
		v, _ := st.SchemaVersion(ctx)
		fmt.Fprintf(e.stdout, "applied %d migration(s); schema version %d (%s)\n", n, v, st.Dialect())
	case "down":
		n, err := st.MigrateDown(ctx, *to)
		if err != nil {
			return err
		}
		v, _ := st.SchemaVersion(ctx)
		fmt.Fprintf(e.stdout, "rolled back %d migration(s); schema version %d (%s)\n", n, v, st.Dialect())
	case "status":
		return st.MigrateStatus(ctx, e.stdout)
	default:
		return errUsage
	}
	return nil
}

// healthcheck asks the local server's /health; it is the container's health check,
// since the image has no shell or curl.
func healthcheck(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "healthcheck", "[--url URL]", "Exits 0 when /health answers 200 within 3 seconds, 1 otherwise.")
	url := fs.String("url", "", "URL to check (default: http://127.0.0.1:<port of HMS_ADDR>/health, https:// when HMS_TLS_CERT is set)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	client := http.DefaultClient
	if *url == "" {
		addr := e.getenv("HMS_ADDR")
		if addr == "" {
			addr = ":8080"
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("HMS_ADDR %q is not host:port", addr)
		}
		*url = "http://127.0.0.1:" + port + "/health"
		if strings.TrimSpace(e.getenv("HMS_TLS_CERT")) != "" {
			// The certificate names the clinic's host, not 127.0.0.1; on loopback, to this
			// machine's own server, there is no one in between to verify.
			*url = "https://127.0.0.1:" + port + "/health"
			client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // loopback only
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", *url, resp.Status)
	}
	fmt.Fprintln(e.stdout, "healthy")
	return nil
}
