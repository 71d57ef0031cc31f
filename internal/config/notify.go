package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxReminderOffset bounds HMS_REMINDER_OFFSETS: a reminder weeks ahead reminds of nothing.
const maxReminderOffset = 30 * 24 * time.Hour

// loadNotify reads the settings of appointment messages.
func (c *Config) loadNotify(get func(string) string) error {
	n := &c.Notify
	n.PublicURL = strings.TrimSuffix(get("HMS_PUBLIC_URL"), "/")
	if n.PublicURL != "" {
		u, err := url.Parse(n.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("HMS_PUBLIC_URL must be an http(s) address such as https://clinic.example.org, not %q", n.PublicURL)
		}
	}
	n.SMTPURL = get("HMS_SMTP_URL")
	if n.SMTPURL != "" {
		u, err := url.Parse(n.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
			// The URL may hold a password: name the setting, not its value.
			return fmt.Errorf("HMS_SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://[user:pass@]host[:port]")
		}
	}
	n.SMTPFrom = get("HMS_SMTP_FROM")
	if n.SMTPFrom != "" {
		if _, err := mail.ParseAddress(n.SMTPFrom); err != nil {
			return fmt.Errorf("HMS_SMTP_FROM must be an address such as noreply@clinic.example.org or Clinic <noreply@clinic.example.org>, not %q", n.SMTPFrom)
		}
	}
	if (n.SMTPURL == "") != (n.SMTPFrom == "") {
		return fmt.Errorf("HMS_SMTP_URL and HMS_SMTP_FROM go together: set both or neither")
	}
	n.SMSURL = get("HMS_SMS_URL")
	if n.SMSURL != "" {
		u, err := url.Parse(n.SMSURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("HMS_SMS_URL must be an http(s) address of the SMS gateway")
		}
	}
	n.SMSToken = get("HMS_SMS_TOKEN")
	offsets, err := reminderOffsets(get("HMS_REMINDER_OFFSETS"))
	if err != nil {
		return err
	}
	n.ReminderOffsets = offsets
	if n.QuietFrom, n.QuietTo, err = quietHours(get("HMS_SMS_QUIET_HOURS")); err != nil {
		return err
	}
	n.ClinicName, n.ClinicAddress, n.ClinicPhone = get("HMS_CLINIC_NAME"), get("HMS_CLINIC_ADDRESS"), get("HMS_CLINIC_PHONE")
	if n.RescueAfter, err = positiveDuration(get, "HMS_DELIVERY_RESCUE_AFTER"); err != nil {
		return err
	}
	if n.RescueAfter < 2*time.Second {
		return fmt.Errorf("HMS_DELIVERY_RESCUE_AFTER must be at least 2s, not %s", n.RescueAfter)
	}
	if n.Enabled() {
		if n.PublicURL == "" {
			return fmt.Errorf("HMS_PUBLIC_URL is required with HMS_SMTP_URL or HMS_SMS_URL: messages carry confirm/cancel links")
		}
		if n.ClinicName == "" {
			return fmt.Errorf("HMS_CLINIC_NAME is required with HMS_SMTP_URL or HMS_SMS_URL: messages name the clinic")
		}
	}
	return nil
}

// reminderOffsets parses "24h,2h" into distinct positive offsets, longest first.
func reminderOffsets(v string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		d, err := longDuration(func(string) string { return part }, "HMS_REMINDER_OFFSETS")
		if err != nil || d < time.Minute || d > maxReminderOffset || d%time.Minute != 0 {
			return nil, fmt.Errorf("HMS_REMINDER_OFFSETS must list whole minutes between 1m and 30d separated by commas, such as 24h,2h; not %q", v)
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("HMS_REMINDER_OFFSETS lists %s twice", part)
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return int(b - a) })
	return out, nil
}

// quietHours parses "21:00-08:00" into minutes after midnight; "" and "none" are none.
func quietHours(v string) (from, to int, err error) {
	if v == "" || v == "none" {
		return 0, 0, nil
	}
	bad := fmt.Errorf("HMS_SMS_QUIET_HOURS must be HH:MM-HH:MM such as 21:00-08:00 (or none), not %q", v)
	a, b, ok := strings.Cut(v, "-")
	if !ok {
		return 0, 0, bad
	}
	minutes := func(s string) (int, bool) {
		h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
		hh, err1 := strconv.Atoi(h)
		mm, err2 := strconv.Atoi(m)
		return hh*60 + mm, ok && err1 == nil && err2 == nil && len(m) == 2 && hh >= 0 && hh < 24 && mm >= 0 && mm < 60
	}
	from, ok1 := minutes(a)
	to, ok2 := minutes(b)
	if !ok1 || !ok2 {
		return 0, 0, bad
	}
	return from, to, nil
}

// QuietAt reports whether t (in the clinic's time zone) falls in the SMS quiet hours, and
// when they end.
func (n Notify) QuietAt(t time.Time) (bool, time.Time) {
	if n.QuietFrom == n.QuietTo {
		return false, time.Time{}
	}
	m := t.Hour()*60 + t.Minute()
	in := (n.QuietFrom < n.QuietTo && m >= n.QuietFrom && m < n.QuietTo) ||
		(n.QuietFrom > n.QuietTo && (m >= n.QuietFrom || m < n.QuietTo))
	if !in {
		return false, time.Time{}
	}
	end := time.Date(t.Year(), t.Month(), t.Day(), n.QuietTo/60, n.QuietTo%60, 0, 0, t.Location())
	if !end.After(t) {
		end = time.Date(t.Year(), t.Month(), t.Day()+1, n.QuietTo/60, n.QuietTo%60, 0, 0, t.Location())
	}
	return true, end
}
