package deploy

import (
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// workflowFiles lists .github/workflows/*.yml and *.yaml.
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	walkRepo(t, ".github/workflows", func(rel string) error {
		if !strings.Contains(rel, "/") && (strings.HasSuffix(rel, ".yml") || strings.HasSuffix(rel, ".yaml")) {
			files = append(files, ".github/workflows/"+rel)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no workflow in .github/workflows")
	}
	return files
}

// TestWorkflowsPassActionlint runs actionlint over every workflow and fails on
// any finding: syntax, expressions and their types, job dependencies, action
// inputs, runner labels, untrusted input in scripts. shellcheck and pyflakes,
// which actionlint runs when they are installed, are left off so that the
// result is the same on every machine.
func TestWorkflowsPassActionlint(t *testing.T) {
	linter, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range workflowFiles(t) {
		findings, err := linter.Lint(file, readRepoFile(t, file), nil)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, f := range findings {
			t.Errorf("%s:%d:%d: %s [%s]", file, f.Line, f.Column, f.Message, f.Kind)
		}
	}
}

// pipelineStages pairs each job of ci.yml with its stage in the Jenkinsfile.
var pipelineStages = []struct{ job, stage string }{
	{"test-sqlite", "Test on SQLite"},
	{"test-postgres", "Test on PostgreSQL"},
	{"deploy-files", "Deploy files"},
	{"ui", "UI"},
	{"lint", "Vet and lint"},
	{"image", "Image"},
	{"image", "Scan with Trivy"},
	{"image", "Push"},
	{"deploy", "Deploy to production"},
}

var jenkinsStage = regexp.MustCompile(`\bstage\('([^']+)'\)`)

// TestPipelinesHaveTheSameStages keeps ci.yml and the Jenkinsfile in step, and
// checks the parts of ci.yml that actionlint cannot know matter here.
func TestPipelinesHaveTheSameStages(t *testing.T) {
	wf, errs := actionlint.Parse(readRepoFile(t, ".github/workflows/ci.yml"))
	if len(errs) > 0 {
		t.Fatalf("ci.yml: %v", errs[0])
	}
	var jobs []string
	for id := range wf.Jobs {
		jobs = append(jobs, id)
	}
	var stages []string
	for _, m := range jenkinsStage.FindAllStringSubmatch(string(readRepoFile(t, "Jenkinsfile")), -1) {
		stages = append(stages, m[1])
	}
	for _, p := range pipelineStages {
		if !slices.Contains(jobs, p.job) {
			t.Errorf("ci.yml has no job %q", p.job)
		}
		if !slices.Contains(stages, p.stage) {
			t.Errorf("the Jenkinsfile has no stage %q", p.stage)
		}
	}
	if len(stages) != len(pipelineStages) {
		t.Errorf("the Jenkinsfile has stages %q; pair each new one with its ci.yml job here", stages)
	}

	deploy := wf.Jobs["deploy"]
	if deploy == nil || deploy.Environment == nil || deploy.Environment.Name == nil || deploy.Environment.Name.Value != "production" {
		t.Error("the deploy job must run in the production environment, whose reviewers gate it")
	}
	if deploy != nil && (deploy.If == nil || !strings.Contains(deploy.If.Value, "refs/heads/main")) {
		t.Error("the deploy job must run only for main")
	}
	uses := map[string]bool{}
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			if action, ok := step.Exec.(*actionlint.ExecAction); ok {
				ref := action.Uses.Value
				if _, version, ok := strings.Cut(ref, "@"); !ok || version == "" || version == "main" || version == "master" {
					t.Errorf("%s is not pinned to a version", ref)
				}
				uses[ref[:strings.Index(ref, "@")]] = true
			}
		}
	}
	for _, want := range []string{"docker/build-push-action", "aquasecurity/trivy-action", "docker/login-action"} {
		if !uses[want] {
			t.Errorf("ci.yml does not use %s", want)
		}
	}
	if postgres := wf.Jobs["test-postgres"]; postgres == nil || postgres.Services == nil || postgres.Services.Value["postgres"] == nil ||
		postgres.Services.Value["postgres"].Container.Image.Value != "postgres:15" {
		t.Error("test-postgres must run a postgres:15 service container")
	}
}
