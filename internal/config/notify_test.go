package config

import (
	"strings"
	"testing"
	"time"
)

func TestNotifyDefaultsSendNothing(t *testing.T) {
	c, err := Load(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	if n.Enabled() || len(n.ReminderOffsets) != 1 || n.ReminderOffsets[0] != 24*time.Hour || n.QuietFrom != 21*60 || n.QuietTo != 8*60 {
		t.Errorf("notify defaults: %+v", n)
	}
}

func TestNotifyOverrides(t *testing.T) {
	c, err := Load(envOf(map[string]string{
		"HMS_PUBLIC_URL": "https://clinic.example.org/", "HMS_SMTP_URL": "smtps://u:p@mail.example.org:465",
		"HMS_SMTP_FROM": "Clinic <noreply@clinic.example.org>", "HMS_SMS_URL": "https://sms.example.org/send",
		"HMS_SMS_TOKEN": "t0k", "HMS_REMINDER_OFFSETS": "2h, 2d,24h", "HMS_SMS_QUIET_HOURS": "none",
		"HMS_CLINIC_NAME": "Riverside Clinic", "HMS_CLINIC_PHONE": "+44 20 7946 0000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	n := c.Notify
	want := []time.Duration{48 * time.Hour, 24 * time.Hour, 2 * time.Hour}
	if !n.Enabled() || n.PublicURL != "https://clinic.example.org" || n.SMSToken != "t0k" || n.ClinicName != "Riverside Clinic" ||
		len(n.ReminderOffsets) != 3 || n.ReminderOffsets[0] != want[0] || n.ReminderOffsets[1] != want[1] || n.ReminderOffsets[2] != want[2] {
		t.Errorf("notify overrides: %+v", n)
	}
	if quiet, _ := n.QuietAt(time.Date(2030, 1, 1, 23, 0, 0, 0, time.UTC)); quiet {
		t.Error("HMS_SMS_QUIET_HOURS=none still has quiet hours")
	}
}

func TestInvalidNotifySettingsAreNamed(t *testing.T) {
	ok := map[string]string{"HMS_PUBLIC_URL": "https://c.example.org", "HMS_SMTP_URL": "smtp://mail:25",
		"HMS_SMTP_FROM": "a@c.example.org", "HMS_CLINIC_NAME": "C"}
	for name, value := range map[string]string{
		"HMS_PUBLIC_URL":       "clinic.example.org",
		"HMS_SMTP_URL":         "http://user:hunter2@mail",
		"HMS_SMTP_FROM":        "not an address",
		"HMS_SMS_URL":          "ftp://sms",
		"HMS_REMINDER_OFFSETS": "24h,-2h",
		"HMS_SMS_QUIET_HOURS":  "21-8",
		"HMS_CLINIC_NAME":      "",
	} {
		env := map[string]string{}
		for k, v := range ok {
			env[k] = v
		}
		env[name] = value
		_, err := Load(envOf(env))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v should name the setting", name, value, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the SMTP password: %v", err)
		}
	}
	for _, pair := range [][2]string{{"HMS_SMTP_URL", "smtp://mail:25"}, {"HMS_SMTP_FROM", "a@c.example.org"}} {
		if _, err := Load(envOf(map[string]string{pair[0]: pair[1]})); err == nil {
			t.Errorf("%s alone was accepted", pair[0])
		}
	}
	if _, err := Load(envOf(map[string]string{"HMS_SMS_URL": "https://sms.example.org", "HMS_CLINIC_NAME": "C"})); err == nil ||
		!strings.Contains(err.Error(), "HMS_PUBLIC_URL") {
		t.Errorf("SMS without HMS_PUBLIC_URL: %v", err)
	}
	if _, err := Load(envOf(map[string]string{"HMS_REMINDER_OFFSETS": "2h,120m"})); err == nil {
		t.Error("a repeated offset was accepted")
	}
}

func TestQuietHours(t *testing.T) {
	n := Notify{QuietFrom: 21 * 60, QuietTo: 8 * 60}
	loc, _ := time.LoadLocation("Europe/Berlin")
	for _, tc := range []struct {
		at    time.Time
		quiet bool
		until time.Time
	}{
		{time.Date(2030, 3, 4, 20, 59, 0, 0, loc), false, time.Time{}},
		{time.Date(2030, 3, 4, 21, 0, 0, 0, loc), true, time.Date(2030, 3, 5, 8, 0, 0, 0, loc)},
		{time.Date(2030, 3, 5, 3, 0, 0, 0, loc), true, time.Date(2030, 3, 5, 8, 0, 0, 0, loc)},
		{time.Date(2030, 3, 5, 8, 0, 0, 0, loc), false, time.Time{}},
	} {
		quiet, until := n.QuietAt(tc.at)
		if quiet != tc.quiet || !until.Equal(tc.until) {
			t.Errorf("QuietAt(%s) = %v, %s; want %v, %s", tc.at, quiet, until, tc.quiet, tc.until)
		}
	}
	day := Notify{QuietFrom: 12 * 60, QuietTo: 14 * 60}
	if quiet, until := day.QuietAt(time.Date(2030, 3, 5, 13, 0, 0, 0, loc)); !quiet || !until.Equal(time.Date(2030, 3, 5, 14, 0, 0, 0, loc)) {
		t.Errorf("a midday span: %v %s", quiet, until)
	}
}
