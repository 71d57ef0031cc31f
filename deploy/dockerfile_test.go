package deploy

import (
	"bytes"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/dockerignore"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
)

// dockerfile is the repository's Dockerfile as BuildKit reads it.
type dockerfile struct {
	stages   []instructions.Stage
	metaArgs []instructions.ArgCommand
	escape   rune
}

// parseDockerfile parses the Dockerfile with BuildKit's own parser and fails
// on any parser or linter warning that `docker build` would print.
func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	result, err := parser.Parse(bytes.NewReader(readRepoFile(t, "Dockerfile")))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range result.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		t.Errorf("Dockerfile:%d: %s: %s", line, rule, msg)
	}})
	stages, metaArgs, err := instructions.Parse(result.AST, lint)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) == 0 {
		t.Fatal("Dockerfile: no stage")
	}
	return dockerfile{stages: stages, metaArgs: metaArgs, escape: result.EscapeToken}
}

// stageFrom returns the first stage built on an image whose name starts with prefix.
func (d dockerfile) stageFrom(t *testing.T, prefix string) instructions.Stage {
	t.Helper()
	for _, s := range d.stages {
		if strings.HasPrefix(s.BaseName, prefix) {
			return s
		}
	}
	t.Fatalf("Dockerfile: no stage FROM %s...", prefix)
	return instructions.Stage{}
}

func (d dockerfile) final() instructions.Stage { return d.stages[len(d.stages)-1] }

// commandsOf returns the commands of type T in a stage, in order.
func commandsOf[T instructions.Command](s instructions.Stage) []T {
	var found []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			found = append(found, v)
		}
	}
	return found
}

// goBuild is the Go stage's `go build` command as the Dockerfile runs it.
type goBuild struct {
	env  []string // NAME=value set by the stage or on the command line
	args []string // after `go`: build, flags, packages
}

// dockerGoBuild finds the Go stage's `go build` and expands it as the shell in
// the build container would, with the build argument VERSION set to version.
func dockerGoBuild(t *testing.T, d dockerfile, version string) goBuild {
	t.Helper()
	stage := d.stageFrom(t, "golang:")
	vars := map[string]string{}
	for _, a := range d.metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				vars[kv.Key] = *kv.Value
			}
		}
	}
	var env []string // set by ENV, so present in the build's environment
	for _, c := range stage.Commands {
		switch c := c.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				vars[kv.Key] = kv.Value
				env = append(env, kv.Key+"="+kv.Value)
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				switch {
				case kv.Key == "VERSION":
					vars[kv.Key] = version
				case kv.Value != nil:
					vars[kv.Key] = *kv.Value
				}
			}
		case *instructions.RunCommand:
			if len(c.CmdLine) != 1 || !c.PrependShell || !strings.Contains(c.CmdLine[0], "go build") {
				continue
			}
			var lookup []string
			for k, v := range vars {
				lookup = append(lookup, k+"="+v)
			}
			words, err := shell.NewLex(d.escape).ProcessWords(c.CmdLine[0], shell.EnvsFromSlice(lookup))
			if err != nil {
				t.Fatalf("Dockerfile: %s: %v", c.CmdLine[0], err)
			}
			for len(words) > 0 && strings.Contains(words[0], "=") {
				env = append(env, words[0])
				words = words[1:]
			}
			if len(words) < 2 || words[0] != "go" || words[1] != "build" {
				t.Fatalf("Dockerfile: want `[NAME=value...] go build ...` alone in its RUN, got %q", c.CmdLine[0])
			}
			for _, w := range words {
				if strings.ContainsAny(w, ";&|<>") {
					t.Fatalf("Dockerfile: want `go build` alone in its RUN, got %q", c.CmdLine[0])
				}
			}
			return goBuild{env: env, args: words[1:]}
		}
	}
	t.Fatal("Dockerfile: the Go stage has no `RUN go build`")
	return goBuild{}
}

// boolFlags are the `go build` flags that take no value.
var boolFlags = map[string]bool{"a": true, "n": true, "race": true, "msan": true, "asan": true, "cover": true,
	"v": true, "work": true, "x": true, "trimpath": true, "linkshared": true, "json": true}

// flag returns the value of a `-name value` or `-name=value` flag, and whether it is present.
func (b goBuild) flag(name string) (string, bool) {
	for i, a := range b.args {
		if a == "-"+name || a == "--"+name {
			if boolFlags[name] || i+1 == len(b.args) {
				return "", true
			}
			return b.args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "-"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// getenv returns the last value the build's environment gives name.
func (b goBuild) getenv(name string) string {
	v := ""
	for _, kv := range b.env {
		if k, val, _ := strings.Cut(kv, "="); k == name {
			v = val
		}
	}
	return v
}

func TestDockerfileStages(t *testing.T) {
	d := parseDockerfile(t)
	if len(d.stages) < 3 {
		t.Fatalf("%d stages, want a UI stage, a Go stage and the runtime stage", len(d.stages))
	}
	ui := d.stageFrom(t, "node:")
	var ran []string
	for _, r := range commandsOf[*instructions.RunCommand](ui) {
		ran = append(ran, strings.Join(r.CmdLine, " "))
	}
	for _, want := range []string{"npm ci", "npm run build"} {
		if !slices.ContainsFunc(ran, func(r string) bool { return strings.Contains(r, want) }) {
			t.Errorf("the UI stage does not run %q", want)
		}
	}
	build := d.stageFrom(t, "golang:")
	if !slices.ContainsFunc(commandsOf[*instructions.CopyCommand](build), func(c *instructions.CopyCommand) bool {
		return c.From == ui.Name
	}) {
		t.Errorf("the Go stage does not copy the built UI from stage %q", ui.Name)
	}

	final := d.final()
	if base := final.BaseName; base != "scratch" && !(strings.HasPrefix(base, "gcr.io/distroless/static") && strings.HasSuffix(base, ":nonroot")) {
		t.Errorf("runtime stage FROM %s, want distroless static :nonroot or scratch", base)
	}
	for _, c := range commandsOf[*instructions.CopyCommand](final) {
		if c.From == "" {
			t.Errorf("the runtime stage copies %v from the build context: only build results belong there", c.SourcePaths)
		}
	}
	if n := len(commandsOf[*instructions.RunCommand](final)); n > 0 {
		t.Errorf("the runtime stage has %d RUN instructions, but it has no shell", n)
	}
}

func TestDockerfileRunsUnprivileged(t *testing.T) {
	final := parseDockerfile(t).final()
	users := commandsOf[*instructions.UserCommand](final)
	if len(users) == 0 {
		t.Fatal("the runtime stage sets no USER")
	}
	user, group, _ := strings.Cut(users[len(users)-1].User, ":")
	if user == "" || user == "root" || user == "0" || group == "root" || group == "0" {
		t.Errorf("the runtime stage runs as %q, want an unprivileged user", users[len(users)-1].User)
	}
	var env []string
	for _, e := range commandsOf[*instructions.EnvCommand](final) {
		for _, kv := range e.Env {
			env = append(env, kv.Key+"="+kv.Value)
		}
	}
	for _, want := range []string{"HMS_DATA_DIR=/data", "HMS_ADDR=:8080"} {
		if !slices.Contains(env, want) {
			t.Errorf("the runtime stage does not set %s", want)
		}
	}
	var volumes, ports []string
	for _, v := range commandsOf[*instructions.VolumeCommand](final) {
		volumes = append(volumes, v.Volumes...)
	}
	for _, e := range commandsOf[*instructions.ExposeCommand](final) {
		ports = append(ports, e.Ports...)
	}
	if !slices.Contains(volumes, "/data") {
		t.Errorf("VOLUME %v lacks /data: the root filesystem is meant to be read-only", volumes)
	}
	if !slices.Contains(ports, "8080") {
		t.Errorf("EXPOSE %v lacks 8080", ports)
	}
	entry := commandsOf[*instructions.EntrypointCommand](final)
	cmd := commandsOf[*instructions.CmdCommand](final)
	if len(entry) != 1 || entry[0].PrependShell || !slices.Equal(entry[0].CmdLine, []string{"/hms"}) {
		t.Error(`want ENTRYPOINT ["/hms"] (exec form: the image has no shell)`)
	}
	if len(cmd) != 1 || cmd[0].PrependShell || !slices.Equal(cmd[0].CmdLine, []string{"serve"}) {
		t.Error(`want CMD ["serve"]`)
	}
	checks := commandsOf[*instructions.HealthCheckCommand](final)
	if len(checks) != 1 || !slices.Equal(checks[0].Health.Test, []string{"CMD", "/hms", "healthcheck"}) {
		t.Error(`want HEALTHCHECK CMD ["/hms", "healthcheck"]: the image has no shell or curl`)
	}
}

func TestDockerfileBuildsStaticBinary(t *testing.T) {
	d := parseDockerfile(t)
	b := dockerGoBuild(t, d, "1.2.3")
	if b.getenv("CGO_ENABLED") != "0" {
		t.Error("the Go build must set CGO_ENABLED=0: distroless/static has no C library")
	}
	if _, ok := b.flag("trimpath"); !ok {
		t.Error("the Go build lacks -trimpath")
	}
	if ldflags, _ := b.flag("ldflags"); !strings.Contains(ldflags, "-X main.version=1.2.3") {
		t.Errorf("-ldflags %q does not stamp main.version with the VERSION build argument", ldflags)
	}
	out, ok := b.flag("o")
	if !ok || out == "" {
		t.Fatal("the Go build names no -o output")
	}
	if b.args[len(b.args)-1] != "./cmd/hms" {
		t.Errorf("the Go build builds %q, want ./cmd/hms", b.args[len(b.args)-1])
	}
	copied := slices.ContainsFunc(commandsOf[*instructions.CopyCommand](d.final()), func(c *instructions.CopyCommand) bool {
		return c.From == d.stageFrom(t, "golang:").Name && slices.Contains(c.SourcePaths, out) && c.DestPath == "/hms"
	})
	if !copied {
		t.Errorf("the runtime stage does not copy %s from the Go stage to /hms", out)
	}
}

// secretLike names files that must never enter an image.
func secretLike(p string) bool {
	base := path.Base(p)
	return base == ".env" || strings.HasPrefix(base, ".env.") || strings.HasSuffix(base, ".env") ||
		strings.Contains(base, "secret") || strings.HasSuffix(base, ".pem") || strings.HasSuffix(base, ".key") ||
		base == ".git" || base == ".dockerignore"
}

func TestDockerfileKeepsSecretsOut(t *testing.T) {
	d := parseDockerfile(t)
	for _, s := range d.stages {
		var sources []string
		for _, c := range commandsOf[*instructions.CopyCommand](s) {
			if c.From == "" {
				sources = append(sources, c.SourcePaths...)
			}
		}
		for _, a := range commandsOf[*instructions.AddCommand](s) {
			sources = append(sources, a.SourcePaths...)
		}
		for _, src := range sources {
			if secretLike(src) {
				t.Errorf("stage %q copies %s into the image", s.Name, src)
			}
		}
		for _, e := range commandsOf[*instructions.EnvCommand](s) {
			for _, kv := range e.Env {
				if secretName(kv.Key) {
					t.Errorf("stage %q bakes %s into the image with ENV", s.Name, kv.Key)
				}
			}
		}
		for _, a := range commandsOf[*instructions.ArgCommand](s) {
			for _, kv := range a.Args {
				if secretName(kv.Key) {
					t.Errorf("stage %q takes %s as a build argument, which the image history keeps", s.Name, kv.Key)
				}
			}
		}
	}

	// Whatever a COPY names, the context itself must not carry secrets or local data.
	patterns, err := dockerignore.ReadAll(bytes.NewReader(readRepoFile(t, ".dockerignore")))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	scenarios := []struct {
		file     string
		excluded bool
	}{
		{".env", true},
		{".env.local", true},
		{"deploy/kubernetes/overlays/production/secrets.env", true},
		{".git/config", true},
		{"data/hms.db", true},
		{"web/node_modules/react/index.js", true},
		{"internal/web/dist/index.html", true},
		{"go.mod", false},
		{"go.sum", false},
		{"cmd/hms/main.go", false},
		{"internal/store/store.go", false},
		{"web/package.json", false},
		{"web/package-lock.json", false},
		{"web/src/main.tsx", false},
	}
	for _, s := range scenarios {
		//nolint:staticcheck // MatchesOrParentMatches is what BuildKit's context filter does for one path.
		excluded, err := pm.MatchesOrParentMatches(s.file)
		if err != nil {
			t.Fatal(err)
		}
		if excluded != s.excluded {
			t.Errorf(".dockerignore: %s excluded=%v, want %v", s.file, excluded, s.excluded)
		}
	}
}

func secretName(name string) bool {
	n := strings.ToUpper(name)
	for _, word := range []string{"SECRET", "PASSWORD", "TOKEN", "DATABASE_URL", "PRIVATE"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return false
}
