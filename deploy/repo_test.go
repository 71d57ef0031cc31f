package deploy

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is the repository's top directory: this module lives in deploy/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: the deploy tests must run from the deploy/ folder of the repository", root)
	}
	return root
}

// readRepoFile returns a file of the repository, named by its slash-separated path.
func readRepoFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return data
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
