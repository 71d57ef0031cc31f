package httpapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hms-project/hms/internal/domain"
	"github.com/hms-project/hms/internal/store"
	"github.com/hms-project/hms/internal/testutil"
)

// device is one signed-in session of a test: its tokens.
type device struct {
	access, refresh string
}

// signInFrom signs in as email from a browser that sends userAgent.
func (c *client) signInFrom(email, userAgent string) device {
	c.t.Helper()
	res := c.anonymous().do("POST", "/api/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, testPassword), "User-Agent", userAgent)
	if res.status != 200 {
		c.t.Fatalf("sign in as %s: %d %s", email, res.status, res.raw)
	}
	data := res.body["data"].(map[string]any)
	return device{data["access_token"].(string), data["refresh_token"].(string)}
}

const (
	chromeLinux   = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	firefoxWindow = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

// sessionsOf lists the sessions the caller sees.
func sessionsOf(c *client) []map[string]any {
	c.t.Helper()
	var out []map[string]any
	for _, s := range c.must(200, "GET", "/api/auth/sessions", "")["data"].([]any) {
		out = append(out, s.(map[string]any))
	}
	return out
}

func TestSessionsListEndAndAdminEndAll(t *testing.T) {
	testutil.ForEachDatabase(t, func(t *testing.T, st *store.Store) {
		admin := newClient(t, st, nil)
		nurse := admin.as(domain.RoleNurse) // the nurse's first session (no User-Agent)
		laptop := admin.signInFrom("nurse@clinic.test", chromeLinux)
		desktop := admin.signInFrom("nurse@clinic.test", firefoxWindow)

		// The list holds the nurse's three sessions, none of another user, the caller's marked.
		list := sessionsOf(admin.with(laptop.access))
		if len(list) != 3 {
			t.Fatalf("%d sessions, want the nurse's 3: %v", len(list), list)
		}
		devices := map[string]bool{}
		var laptopID, desktopID string
		for _, s := range list {
			devices[s["device"].(string)] = true
			id := s["id"].(string)
			if len(id) != 32 || strings.Contains(laptop.access+laptop.refresh+desktop.access+desktop.refresh, id) {
				t.Errorf("session id %q is not a public id", id)
			}
			if s["ip"] == "" || s["created_at"] == "" || s["last_used_at"] == "" {
				t.Errorf("session without its IP or times: %v", s)
			}
			switch s["user_agent"] {
			case chromeLinux:
				laptopID = id
				if s["current"] != true {
					t.Errorf("the laptop's own session is not marked current: %v", s)
				}
			case firefoxWindow:
				desktopID = id
				if s["current"] != false {
					t.Errorf("another session is marked current: %v", s)
				}
			}
		}
		if !devices["Chrome on Linux"] || !devices["Firefox on Windows"] || laptopID == "" || desktopID == "" {
			t.Fatalf("devices %v, want Chrome on Linux and Firefox on Windows", devices)
		}

		// Another user does not see them and cannot end them: 404, and the session works on.
		doctor := admin.as(domain.RoleDoctor)
		for _, s := range sessionsOf(doctor) {
			if s["id"] == laptopID || s["id"] == desktopID {
				t.Fatalf("the doctor sees a nurse's session: %v", s)
			}
		}
		doctor.must(404, "DELETE", "/api/auth/sessions/"+desktopID, "")
		admin.must(404, "DELETE", "/api/auth/sessions/"+desktopID, "") // not even an admin, by this route
		admin.with(desktop.access).must(200, "GET", "/api/auth/me", "")
		admin.must(400, "DELETE", "/api/auth/sessions/"+desktop.refresh, "")

		// The laptop ends the desktop's session: its access token is refused at once, its
		// refresh token too, the laptop's session works on, and the audit trail has it.
		ended := admin.count("audit_event WHERE action = 'session_end'")
		admin.with(laptop.access).must(200, "DELETE", "/api/auth/sessions/"+desktopID, "")
		if n := admin.count("audit_event WHERE action = 'session_end'"); n != ended+1 {
			t.Errorf("%d session_end events, want %d", n, ended+1)
		}
		admin.with(desktop.access).must(401, "GET", "/api/auth/me", "")
		admin.anonymous().must(401, "POST", "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":%q}`, desktop.refresh))
		admin.with(laptop.access).must(200, "GET", "/api/auth/me", "")
		nurse.must(200, "GET", "/api/auth/me", "")
		if list := sessionsOf(admin.with(laptop.access)); len(list) != 2 {
			t.Errorf("%d sessions after ending one, want 2: %v", len(list), list)
		}
		admin.with(laptop.access).must(404, "DELETE", "/api/auth/sessions/"+desktopID, "") // already ended
		refreshed := admin.anonymous().must(200, "POST", "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":%q}`, laptop.refresh))
		laptop = device{refreshed["data"].(map[string]any)["access_token"].(string), refreshed["data"].(map[string]any)["refresh_token"].(string)}

		// Only an admin ends all of a user's sessions; then none of them works.
		doctor.must(403, "DELETE", fmt.Sprintf("/api/users/%d/sessions", nurse.user), "")
		admin.with(laptop.access).must(200, "GET", "/api/auth/me", "")
		admin.must(404, "DELETE", "/api/users/999999/sessions", "")
		admin.must(200, "DELETE", fmt.Sprintf("/api/users/%d/sessions", nurse.user), "")
		if n := admin.count("audit_event WHERE action = 'session_end'"); n != ended+2 {
			t.Errorf("%d session_end events, want %d", n, ended+2)
		}
		admin.with(laptop.access).must(401, "GET", "/api/auth/me", "")
		nurse.must(401, "GET", "/api/auth/me", "")
		admin.anonymous().must(401, "POST", "/api/auth/refresh", fmt.Sprintf(`{"refresh_token":%q}`, laptop.refresh))
		doctor.must(200, "GET", "/api/auth/me", "")
		admin.must(200, "GET", "/api/auth/me", "")

		// The nurse signs in again and sees only the new session.
		again := admin.signInFrom("nurse@clinic.test", firefoxWindow)
		if list := sessionsOf(admin.with(again.access)); len(list) != 1 || list[0]["current"] != true {
			t.Errorf("sessions after signing in again: %v", list)
		}
	})
}

func TestDeviceName(t *testing.T) {
	for ua, want := range map[string]string{
		chromeLinux:   "Chrome on Linux",
		firefoxWindow: "Firefox on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":                      "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1": "Safari on iOS",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36":                            "Chrome on Android",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":           "Edge on Windows",
		"curl/8.5.0": "curl",
		"":           "Unknown device",
	} {
		if got := domain.DeviceName(ua); got != want {
			t.Errorf("DeviceName(%q) = %q, want %q", ua, got, want)
		}
	}
}
