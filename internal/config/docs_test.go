package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// settingRow matches a row of a Markdown settings table: | `HMS_X` | default | meaning |.
var settingRow = regexp.MustCompile("(?m)^\\| `(HMS_[A-Z0-9_]+)` \\| ([^|]*) \\|")

// documentedSettings returns the settings rows of a Markdown file, name → default cell.
func documentedSettings(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, m := range settingRow.FindAllStringSubmatch(string(b), -1) {
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s: %s is listed twice", path, m[1])
		}
		rows[m[1]] = strings.TrimSpace(m[2])
	}
	return rows
}

// TestDocumentedSettingsMatchHelp keeps the configuration tables of the README and of
// docs/OPERATIONS.md equal to what `hms serve --help` prints: the same variables, and in
// the README the same defaults.
func TestDocumentedSettingsMatchHelp(t *testing.T) {
	root := filepath.Join("..", "..")
	readme := documentedSettings(t, filepath.Join(root, "README.md"))
	ops := documentedSettings(t, filepath.Join(root, "docs", "OPERATIONS.md"))
	known := map[string]bool{}
	for _, s := range Settings {
		known[s.Name] = true
		want := "(empty)"
		if s.Default != "" {
			want = "`" + s.Default + "`"
		}
		got, ok := readme[s.Name]
		switch {
		case !ok:
			t.Errorf("README.md's configuration table lacks %s (printed by hms serve --help)", s.Name)
		case got != want:
			t.Errorf("README.md gives %s the default %s; hms serve --help says %s", s.Name, got, want)
		}
		if _, ok := ops[s.Name]; !ok {
			t.Errorf("docs/OPERATIONS.md's configuration table lacks %s", s.Name)
		}
	}
	for file, rows := range map[string]map[string]string{"README.md": readme, "docs/OPERATIONS.md": ops} {
		for name := range rows {
			if !known[name] {
				t.Errorf("%s documents %s, which hms serve does not read (not in config.Settings)", file, name)
			}
		}
	}
}
