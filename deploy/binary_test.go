package deploy

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const (
	// imageBudget is the most the image may weigh (issue 6: under 30 MB).
	imageBudget = 30_000_000
	// runtimeBase is a generous weight for distroless/static: CA certificates, tzdata, passwd.
	runtimeBase = 3_000_000
)

// TestImageBinaryIsStatic builds ./cmd/hms with the Go stage's own command
// line, taken from the Dockerfile, and checks what the image will run: a
// static ELF executable (no interpreter, no dynamic section) that carries the
// version and no build-machine paths, small enough for the image budget.
func TestImageBinaryIsStatic(t *testing.T) {
	root := repoRoot(t)
	if _, err := os.Stat(repoPath(t, "cmd/hms")); err != nil {
		t.Fatalf("the image builds ./cmd/hms, which %s lacks", filepath.Clean(root))
	}
	const version = "0.0.0-deploytest.20240101"
	b := dockerGoBuild(t, parseDockerfile(t), version)
	bin := filepath.Join(t.TempDir(), "hms")
	args := slices.Clone(b.args)
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = bin
		}
	}

	trackBuildInputs(t)

	ctx := t.Context()
	if deadline, ok := t.Deadline(); ok {
		var cancel func()
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-5*time.Second))
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), b.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %s program header: it is dynamically linked", p.Type)
		}
	}
	if f.Section(".interp") != nil || f.Section(".dynamic") != nil {
		t.Error("the binary has an .interp or .dynamic section: it is dynamically linked")
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %v", libs)
	}

	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(version)) {
		t.Errorf("the binary does not carry the version %q: does package main declare `var version string`?", version)
	}
	if clean := filepath.Clean(root); bytes.Contains(data, []byte(clean)) {
		t.Errorf("the binary contains the build path %s: -trimpath is not in effect", clean)
	}
	if size := len(data); size+runtimeBase > imageBudget {
		t.Errorf("the binary weighs %d bytes: with the runtime base the image would pass %d", size, imageBudget)
	} else {
		t.Logf("binary: %.1f MB, image budget left: %.1f MB", float64(size)/1e6, float64(imageBudget-runtimeBase-size)/1e6)
	}
}

// trackBuildInputs stats every file the build reads. `go test` caches a pass
// against the files the test process itself touched, and the build runs in a
// child process: without this, a change to cmd/ or internal/ could be answered
// with a cached pass.
func trackBuildInputs(t *testing.T) {
	t.Helper()
	for _, name := range []string{"go.mod", "go.sum"} {
		readRepoFile(t, name)
	}
	for _, dir := range []string{"cmd", "internal"} {
		walkRepo(t, dir, func(rel string) error {
			_, err := os.Stat(repoPath(t, dir+"/"+rel))
			return err
		})
	}
}
