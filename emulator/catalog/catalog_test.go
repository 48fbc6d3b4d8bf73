package catalog

import (
	"strings"
	"testing"
)

func TestCounts(t *testing.T) {
	want := map[string]int{Cutover: 9, Rocketlane: 10, FlexDeploy: 18}
	for v, n := range want {
		evs, err := ForVendor(v)
		if err != nil || len(evs) != n {
			t.Errorf("%s: %d events (%v), want %d", v, len(evs), err, n)
		}
	}
	if len(All()) != 37 {
		t.Errorf("%d events, want 37", len(All()))
	}
	seen := map[string]bool{}
	for _, e := range All() {
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
		if got := Slug(in); got != want {
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
			e, err := Lookup(tt.vendor, tt.name)
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

func TestNearestIgnoresFarNames(t *testing.T) {
	if got := nearest("zzzzzzzz", []string{"task-created", "run-started"}); got != "" {
		t.Errorf("nearest = %q, want none", got)
	}
	if got := distance("kitten", "sitting"); got != 3 {
		t.Errorf("distance = %d", got)
	}
}
