package deploy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads compose.yaml as `docker compose up` does on a new
// machine: with .env copied from .env.example beside it, interpolated,
// validated against the Compose schema (an unknown key fails) and normalized.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"compose.yaml": "compose.yaml", ".env": ".env.example"}
	for dst, src := range files {
		if err := os.WriteFile(filepath.Join(dir, dst), readRepoFile(t, src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "compose.yaml")},
		cli.WithWorkingDirectory(dir), cli.WithEnvFiles(), cli.WithDotEnv, cli.WithName("hms"))
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return s
}

func TestComposeStartsInOrder(t *testing.T) {
	p := loadCompose(t)
	if names := p.ServiceNames(); !slices.Equal(sorted(names), []string{"hms", "migrate", "postgres"}) {
		t.Errorf("services %v, want hms, migrate and postgres", names)
	}
	pg, migrate, hms := service(t, p, "postgres"), service(t, p, "migrate"), service(t, p, "hms")

	if pg.Image != "postgres:15" {
		t.Errorf("postgres runs %q, want postgres:15", pg.Image)
	}
	if pg.HealthCheck == nil || !strings.Contains(strings.Join(pg.HealthCheck.Test, " "), "pg_isready") {
		t.Error("postgres has no pg_isready health check, so nothing can wait for it")
	}
	if !slices.Equal(migrate.Command, types.ShellCommand{"migrate", "up"}) {
		t.Errorf("migrate runs %q, want [migrate up]", migrate.Command)
	}
	if dep, ok := migrate.DependsOn["postgres"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("migrate must wait for postgres to be healthy, depends_on %+v", migrate.DependsOn)
	}
	if dep, ok := hms.DependsOn["migrate"]; !ok || dep.Condition != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("hms must wait for the migration to succeed, depends_on %+v", hms.DependsOn)
	}
	if hms.Image != migrate.Image {
		t.Errorf("hms runs %q but migrations run %q", hms.Image, migrate.Image)
	}
	for _, s := range []types.ServiceConfig{migrate, hms} {
		if v := s.Environment["HMS_MIGRATE"]; v == nil || *v != "false" {
			t.Errorf("%s: HMS_MIGRATE must be false: migrations run once, in the migrate service", s.Name)
		}
		if v := s.Environment["HMS_DATABASE_URL"]; v == nil || !strings.Contains(*v, "@postgres:5432/") {
			t.Errorf("%s: HMS_DATABASE_URL does not point at the postgres service", s.Name)
		}
	}
	if hms.HealthCheck == nil || !slices.Equal([]string(hms.HealthCheck.Test), []string{"CMD", "/hms", "healthcheck"}) {
		t.Error(`hms: want healthcheck test ["CMD", "/hms", "healthcheck"]`)
	}
	if !slices.ContainsFunc(hms.Ports, func(p types.ServicePortConfig) bool { return p.Target == 8080 }) {
		t.Error("hms does not publish port 8080")
	}
}

func TestComposeKeepsStateInNamedVolumes(t *testing.T) {
	p := loadCompose(t)
	mounts := []struct {
		service, target string
	}{
		{"postgres", "/var/lib/postgresql/data"},
		{"hms", "/data"},
		{"migrate", "/data"},
	}
	for _, m := range mounts {
		s := service(t, p, m.service)
		i := slices.IndexFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == m.target })
		if i < 0 {
			t.Errorf("%s: nothing is mounted on %s", m.service, m.target)
			continue
		}
		v := s.Volumes[i]
		if v.Type != types.VolumeTypeVolume {
			t.Errorf("%s: %s is a %s mount, want a named volume", m.service, m.target, v.Type)
		} else if _, ok := p.Volumes[v.Source]; !ok {
			t.Errorf("%s: volume %q is not declared", m.service, v.Source)
		}
	}
	for _, name := range []string{"hms", "migrate"} {
		s := service(t, p, name)
		if !s.ReadOnly {
			t.Errorf("%s: the root filesystem must be read-only", name)
		}
		if !slices.ContainsFunc(s.Tmpfs, func(m string) bool { return strings.HasPrefix(m, "/tmp") }) {
			t.Errorf("%s: /tmp must be a tmpfs when the root filesystem is read-only", name)
		}
		if !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: cap_drop must hold ALL", name)
		}
	}
}

func TestComposeSettingsComeFromDotEnv(t *testing.T) {
	p := loadCompose(t)
	example := readEnvFile(t, ".env.example")
	for _, name := range []string{"hms", "migrate"} {
		s := service(t, p, name)
		if !slices.ContainsFunc(s.EnvFiles, func(f types.EnvFile) bool { return filepath.Base(f.Path) == ".env" }) {
			t.Errorf("%s: env_file does not include .env", name)
		}
		// Every HMS_ setting of .env.example reaches the service.
		for key := range example {
			if _, ok := s.Environment[key]; strings.HasPrefix(key, "HMS_") && !ok {
				t.Errorf("%s: %s of .env.example does not reach the container", name, key)
			}
		}
	}
	for key, value := range example {
		if secretName(key) && !isPlaceholder(value) {
			t.Errorf(".env.example: %s=%q must be a CHANGE_ME placeholder", key, value)
		}
	}
	if !gitIgnores(t, ".gitignore", ".env", "/.env") {
		t.Error(".env is not git-ignored")
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
