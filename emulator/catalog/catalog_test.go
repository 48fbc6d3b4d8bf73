package catalog_test

import (
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

func TestCounts(t *testing.T) {
	reg := emulator.Vendors()
	want := map[string]int{"cutover": 9, "rocketlane": 10, "flexdeploy": 31}
	for v, n := range want {
		evs, err := reg.EventsOf(v)
		if err != nil || len(evs) != n {
			t.Errorf("%s: %d events (%v), want %d", v, len(evs), err, n)
		}
	}
	if len(reg.Events()) != 50 {
		t.Errorf("%d events, want 50", len(reg.Events()))
	}
	seen := map[string]bool{}
	for _, e := range reg.Events() {
		if seen[e.Vendor+e.Slug] {
			t.Errorf("duplicate slug %s/%s", e.Vendor, e.Slug)
		}
		seen[e.Vendor+e.Slug] = true
	}
}

func TestSlug(t *testing.T) {
	tests := map[string]string{
		"task.created":           "task-created",
		"TASK_CREATED":           "task-created",
		"Release Started":        "release-started",
		"Package Status Updated": "package-status-updated",
		"  Work  Item--Created ": "work-item-created",
		"integrations.failed":    "integrations-failed",
		"":                       "",
	}
	for in, want := range tests {
		if got := catalog.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		vendor, name string
		want         string
		wantErr      []string
	}{
		{"cutover", "task.created", "task.created", nil},
		{"cutover", "task-created", "task.created", nil},
		{"CUTOVER", "Task.Created", "task.created", nil},
		{"rocketlane", "task-updated", "TASK_UPDATED", nil},
		{"rocketlane", "TASK_UPDATED.", "TASK_UPDATED", nil},
		{"flexdeploy", "release-started", "Release Started", nil},
		{"flexdeploy", "Release Started", "Release Started", nil},
		{"flexdeploy", "relase-started", "", []string{`did you mean "Release Started"`, "Work Item Updated"}},
		{"cutover", "deploy", "", []string{`unknown cutover event "deploy"`, "valid: runbook.updated"}},
		{"jira", "issue", "", []string{`unknown vendor "jira"`, "cutover, rocketlane, flexdeploy"}},
		{"rocketlan", "TASK_CREATED", "", []string{`did you mean "rocketlane"`}},
	}
	for _, tt := range tests {
		t.Run(tt.vendor+"/"+tt.name, func(t *testing.T) {
			e, err := emulator.Vendors().Lookup(tt.vendor, tt.name)
			if tt.wantErr == nil {
				if err != nil || e.Name != tt.want {
					t.Fatalf("got %v, %v; want %s", e, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %v, want an error", e)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestVariant(t *testing.T) {
	reg := emulator.Vendors()
	wf, _ := reg.Lookup("flexdeploy", "workflow-completed")
	plain, _ := reg.Lookup("cutover", "task.created")
	src := fake.New(1, fake.DefaultStart)
	if v, err := catalog.Variant(src, wf, "TEST"); err != nil || v != "test" {
		t.Errorf("TEST: %q, %v", v, err)
	}
	if _, err := catalog.Variant(src, wf, "build"); err == nil || !strings.Contains(err.Error(), "deploy, test") {
		t.Errorf("unknown variant: %v", err)
	}
	if v, err := catalog.Variant(src, plain, ""); err != nil || v != "" {
		t.Errorf("no variants: %q, %v", v, err)
	}
	seen := map[string]bool{}
	for seed := range uint64(50) {
		v, err := catalog.Variant(fake.New(seed, fake.DefaultStart), wf, "")
		if err != nil {
			t.Fatal(err)
		}
		seen[v] = true
	}
	if !seen["deploy"] || !seen["test"] {
		t.Errorf("the seed chose only %v over 50 seeds", seen)
	}
}
