package config

import (
	"maps"
	"strings"
	"testing"
)

// ssoEnv is a complete single sign-on configuration, changed by each case.
func ssoEnv(change map[string]string) map[string]string {
	m := map[string]string{
		"HMS_PUBLIC_URL":         "https://hms.clinic.test/",
		"HMS_OIDC_ISSUER":        "https://login.clinic.test/realms/clinic/",
		"HMS_OIDC_CLIENT_ID":     "hms",
		"HMS_OIDC_CLIENT_SECRET": "s",
		"HMS_OIDC_ROLE_MAP":      "clinic-doctors=doctor, clinic-admins=Admin",
	}
	maps.Copy(m, change)
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

func TestSSOSettings(t *testing.T) {
	c, err := Load(envOf(ssoEnv(map[string]string{"HMS_BREAK_GLASS_ADMIN": "Root@Clinic.test"})))
	if err != nil {
		t.Fatal(err)
	}
	s := c.SSO
	if !s.Enabled() || s.Issuer != "https://login.clinic.test/realms/clinic" || s.RedirectURL != "https://hms.clinic.test/api/auth/oidc/callback" ||
		s.RolesClaim != "groups" || s.ProviderName != "single sign-on" || s.CreateUsers ||
		len(s.RoleMap) != 2 || s.RoleMap["clinic-doctors"] != "doctor" || s.RoleMap["clinic-admins"] != "admin" {
		t.Errorf("sso = %+v", s)
	}
	if c.BreakGlassAdmin != "root@clinic.test" {
		t.Errorf("break-glass admin = %q", c.BreakGlassAdmin)
	}
	if c, err := Load(envOf(nil)); err != nil || c.SSO.Enabled() || c.BreakGlassAdmin != "" {
		t.Errorf("default: %+v %v", c.SSO, err)
	}
}

func TestInvalidSSOSettingsAreNamed(t *testing.T) {
	for _, tc := range []struct {
		change map[string]string
		want   string
	}{
		{map[string]string{"HMS_OIDC_ISSUER": "login.clinic.test"}, "HMS_OIDC_ISSUER must be"},
		{map[string]string{"HMS_OIDC_ISSUER": "http://login.clinic.test", "HMS_ENV": "production", "HMS_JWT_SECRET": goodSecret}, "must use https in production"},
		{map[string]string{"HMS_OIDC_CLIENT_ID": ""}, "HMS_OIDC_CLIENT_ID is required"},
		{map[string]string{"HMS_PUBLIC_URL": ""}, "HMS_PUBLIC_URL is required with HMS_OIDC_ISSUER"},
		{map[string]string{"HMS_OIDC_ROLE_MAP": ""}, "HMS_OIDC_ROLE_MAP is required"},
		{map[string]string{"HMS_OIDC_ROLE_MAP": "clinic-doctors=surgeon"}, "with roles among admin, doctor, nurse, staff"},
		{map[string]string{"HMS_OIDC_ROLE_MAP": "clinic-doctors"}, "claim-value=role pairs"},
		{map[string]string{"HMS_OIDC_ROLE_MAP": "g=doctor,g=staff"}, `maps "g" twice`},
		{map[string]string{"HMS_OIDC_CREATE_USERS": "maybe"}, "HMS_OIDC_CREATE_USERS must be true or false"},
		{map[string]string{"HMS_BREAK_GLASS_ADMIN": "root"}, "HMS_BREAK_GLASS_ADMIN must be an email"},
		{map[string]string{"HMS_OIDC_ISSUER": "", "HMS_OIDC_ROLE_MAP": "", "HMS_BREAK_GLASS_ADMIN": "root@clinic.test"}, "who then need HMS_OIDC_ISSUER"},
		{map[string]string{"HMS_OIDC_ISSUER": ""}, "need HMS_OIDC_ISSUER"},
	} {
		_, err := Load(envOf(ssoEnv(tc.change)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.change, err, tc.want)
		}
	}
}
