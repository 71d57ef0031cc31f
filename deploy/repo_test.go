package deploy

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory, written as "<deploy module>/..".
//
// The unclean form is deliberate. `go test` caches a pass and re-runs a test
// only when a file the test read has changed, but it watches only the files
// that lie inside the module, judged by the text of their path: written this
// way, the Dockerfile, compose.yaml, the manifests and the workflows count as
// inside, so an edit to any of them re-runs these tests instead of replaying a
// cached pass. Build paths from it with repoPath, never filepath.Join, which
// would clean the ".." away.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root := wd + string(filepath.Separator) + ".."
	if _, err := os.Stat(root + string(filepath.Separator) + "go.mod"); err != nil {
		t.Fatalf("no go.mod in %s: the deploy tests must run from the deploy/ folder of the repository", filepath.Clean(root))
	}
	return root
}

// repoPath is the path of a repository file named by its slash-separated path.
func repoPath(t *testing.T, path string) string {
	t.Helper()
	return repoRoot(t) + string(filepath.Separator) + filepath.FromSlash(path)
}

// readRepoFile returns a file of the repository, named by its slash-separated path.
func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(repoPath(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// walkRepo calls fn with the slash-separated path, relative to dir, of every
// file under the repository folder dir; a missing dir has no files.
func walkRepo(t *testing.T, dir string, fn func(rel string) error) {
	t.Helper()
	top := repoPath(t, dir)
	clean := filepath.Clean(top)
	err := filepath.WalkDir(clean, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(clean, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel))
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// readEnvFile parses a KEY=value file as Compose and kustomize read it:
// blank lines and # comments are skipped, values are taken as written.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(readRepoFile(t, path))))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || key == "" {
			t.Fatalf("%s:%d: want KEY=value, got %q", path, n, line)
		}
		if _, dup := vars[key]; dup {
			t.Fatalf("%s:%d: %s is set twice", path, n, key)
		}
		vars[key] = value
	}
	return vars
}

// gitIgnores reports whether the .gitignore file at path has a line that is exactly one of patterns.
func gitIgnores(t *testing.T, path string, patterns ...string) bool {
	t.Helper()
	for _, line := range strings.Split(string(readRepoFile(t, path)), "\n") {
		for _, p := range patterns {
			if strings.TrimSpace(line) == p {
				return true
			}
		}
	}
	return false
}

// isPlaceholder reports whether a committed secret value is visibly not a real one.
func isPlaceholder(value string) bool {
	return strings.Contains(value, "CHANGE_ME") || value == "" || strings.HasSuffix(value, "@example.org")
}
