package domain

import (
	"strings"
	"time"
)

// SignedInSession is one open session of a user, as their list of signed-in sessions
// shows it. ID is a public id derived from the session's own: it names the session for
// ending it and lets nobody act as it.
type SignedInSession struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"` // "Chrome on Linux", from the User-Agent
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`   // the sign-in
	LastUsedAt time.Time `json:"last_used_at"` // the last renewal of its tokens, else the sign-in
	Current    bool      `json:"current"`      // the session of the request that asked
}

// DeviceName shortens a User-Agent header to a browser and a system ("Firefox on
// Windows"), or says what it can of either; "Unknown device" when it knows neither.
func DeviceName(ua string) string {
	browser := firstMatch(ua, [][2]string{
		// Order matters: Edge and Opera also say Chrome, Chrome also says Safari.
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"Chromium/", "Chromium"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client", "Go HTTP client"},
	})
	system := firstMatch(ua, [][2]string{
		// iPhone and Android user agents also name Mac OS X and Linux.
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown device"
}

func firstMatch(s string, pairs [][2]string) string {
	for _, p := range pairs {
		if strings.Contains(s, p[0]) {
			return p[1]
		}
	}
	return ""
}
