package deploy

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const operationsGuide = "docs/OPERATIONS.md"

var (
	documentedSetting = regexp.MustCompile("(?m)^\\| `(HMS_[A-Z0-9_]+)` \\|")
	backticked        = regexp.MustCompile("`([^`\\s]+)`")
)

// TestOperationsGuideCoversSettings: every HMS_ setting that the deployment
// files hand to hms has a row in the guide's configuration table.
func TestOperationsGuideCoversSettings(t *testing.T) {
	guide := string(readRepoFile(t, operationsGuide))
	var documented []string
	for _, m := range documentedSetting.FindAllStringSubmatch(guide, -1) {
		documented = append(documented, m[1])
	}
	used := map[string]string{} // setting -> where
	for key := range readEnvFile(t, ".env.example") {
		used[key] = ".env.example"
	}
	p := loadCompose(t)
	for _, s := range p.Services {
		for key := range s.Environment {
			used[key] = "compose.yaml service " + s.Name
		}
	}
	m := render(t, "base")
	for key := range the[corev1.ConfigMap](t, m).Data {
		used[key] = "the Kubernetes ConfigMap"
	}
	for key := range the[corev1.Secret](t, m).Data {
		used[key] = "the Kubernetes Secret"
	}
	for _, pod := range podTemplates(m) {
		for _, c := range pod.spec.Containers {
			for _, e := range c.Env {
				used[e.Name] = pod.owner
			}
		}
	}
	for key, where := range used {
		if strings.HasPrefix(key, "HMS_") && !slices.Contains(documented, key) {
			t.Errorf("%s sets %s, which %s does not describe", where, key, operationsGuide)
		}
	}
}

// TestOperationsGuideNamesRealFiles: every repository path the guide names exists.
func TestOperationsGuideNamesRealFiles(t *testing.T) {
	rootFiles := []string{"Dockerfile", "compose.yaml", "Jenkinsfile", ".env.example", ".dockerignore"}
	for _, m := range backticked.FindAllStringSubmatch(string(readRepoFile(t, operationsGuide)), -1) {
		name := strings.TrimSuffix(m[1], "/")
		if !slices.Contains(rootFiles, name) && !strings.HasPrefix(name, "deploy/") && !strings.HasPrefix(name, ".github/") {
			continue
		}
		if _, err := os.Stat(repoPath(t, name)); err != nil {
			t.Errorf("%s names %s, which does not exist", operationsGuide, m[1])
		}
	}
}
