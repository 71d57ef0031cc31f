package config

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/hms-project/hms/internal/domain"
)

// SSO is the configuration of single sign-on with the clinic's OpenID Connect provider.
// Issuer empty: no single sign-on.
type SSO struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is HMS_PUBLIC_URL + /api/auth/oidc/callback: register it at the provider.
	RedirectURL  string
	ProviderName string // on the sign-in button: "Sign in with <ProviderName>"
	// RolesClaim names the ID token claim (a list of strings, or one string) that RoleMap reads.
	RolesClaim string
	// RoleMap maps a value of RolesClaim to an HMS role; the most privileged role mapped wins.
	RoleMap map[string]string
	// CreateUsers creates an unknown user with the mapped role at their first sign-in;
	// false refuses them until an admin creates the user in HMS.
	CreateUsers bool
}

// Enabled reports whether single sign-on is configured.
func (s SSO) Enabled() bool { return s.Issuer != "" }

// CallbackPath is where the provider sends the browser back to.
const CallbackPath = "/api/auth/oidc/callback"

// loadSSO reads the HMS_OIDC_* settings and HMS_BREAK_GLASS_ADMIN. It runs after
// loadNotify, which reads HMS_PUBLIC_URL.
func (c *Config) loadSSO(get func(string) string) error {
	s := &c.SSO
	s.Issuer = strings.TrimSuffix(get("HMS_OIDC_ISSUER"), "/")
	s.ClientID, s.ClientSecret = get("HMS_OIDC_CLIENT_ID"), get("HMS_OIDC_CLIENT_SECRET")
	s.ProviderName, s.RolesClaim = get("HMS_OIDC_PROVIDER_NAME"), get("HMS_OIDC_ROLES_CLAIM")
	var err error
	if s.CreateUsers, err = strconv.ParseBool(get("HMS_OIDC_CREATE_USERS")); err != nil {
		return fmt.Errorf("HMS_OIDC_CREATE_USERS must be true or false, not %q", get("HMS_OIDC_CREATE_USERS"))
	}
	if c.BreakGlassAdmin = strings.ToLower(get("HMS_BREAK_GLASS_ADMIN")); c.BreakGlassAdmin != "" {
		if !strings.Contains(c.BreakGlassAdmin, "@") || strings.ContainsAny(c.BreakGlassAdmin, " <>,") {
			return fmt.Errorf("HMS_BREAK_GLASS_ADMIN must be an email address, not %q", c.BreakGlassAdmin)
		}
		if s.Issuer == "" {
			return fmt.Errorf("HMS_BREAK_GLASS_ADMIN turns off password sign-in for everyone else, who then need HMS_OIDC_ISSUER to sign in")
		}
	}
	if s.Issuer == "" {
		if s.ClientID != "" || s.ClientSecret != "" || get("HMS_OIDC_ROLE_MAP") != "" {
			return fmt.Errorf("HMS_OIDC_CLIENT_ID, HMS_OIDC_CLIENT_SECRET and HMS_OIDC_ROLE_MAP need HMS_OIDC_ISSUER, the provider's address")
		}
		return nil
	}
	u, err := url.Parse(s.Issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("HMS_OIDC_ISSUER must be the provider's issuer address such as https://login.clinic.example.org, not %q", s.Issuer)
	}
	if u.Scheme == "http" && c.Env == EnvProduction && !loopback(u.Hostname()) {
		return fmt.Errorf("HMS_OIDC_ISSUER must use https in production, not %q", s.Issuer)
	}
	if s.ClientID == "" {
		return fmt.Errorf("HMS_OIDC_CLIENT_ID is required with HMS_OIDC_ISSUER: the client id HMS is registered with at the provider")
	}
	if c.Notify.PublicURL == "" {
		return fmt.Errorf("HMS_PUBLIC_URL is required with HMS_OIDC_ISSUER: the provider sends the browser back to HMS_PUBLIC_URL%s", CallbackPath)
	}
	s.RedirectURL = c.Notify.PublicURL + CallbackPath
	if s.RoleMap, err = roleMap(get("HMS_OIDC_ROLE_MAP")); err != nil {
		return err
	}
	return nil
}

// roleMap parses "clinic-doctors=doctor,clinic-admins=admin".
func roleMap(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		group, role, ok := strings.Cut(pair, "=")
		group, role = strings.TrimSpace(group), strings.ToLower(strings.TrimSpace(role))
		if !ok || group == "" || !slices.Contains(domain.Roles, role) {
			return nil, fmt.Errorf("HMS_OIDC_ROLE_MAP must be claim-value=role pairs separated by commas, with roles among %s, not %q",
				strings.Join(domain.Roles, ", "), pair)
		}
		if prev, dup := m[group]; dup && prev != role {
			return nil, fmt.Errorf("HMS_OIDC_ROLE_MAP maps %q twice, to %s and %s", group, prev, role)
		}
		m[group] = role
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("HMS_OIDC_ROLE_MAP is required with HMS_OIDC_ISSUER: which values of HMS_OIDC_ROLES_CLAIM give which HMS role, e.g. clinic-doctors=doctor,clinic-admins=admin")
	}
	return m, nil
}

func loopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
