package scenarios_test

import (
	"strings"
	"testing"

	"github.com/standin-dev/standin/scenarios"
)

// TestYAMLMistakesAreExplained: the YAML mistakes people make most are
// named at their place, in plain words.
func TestYAMLMistakesAreExplained(t *testing.T) {
	head := "name: s\nvendor: cutover\nsteps:\n"
	tests := []struct{ name, steps, want string }{
		{"tab", "\t- event: run.started\n", `f.yaml:4:1: YAML: a tab in the indentation; YAML indents with spaces only`},
		{"key indented too little", "  - event: run.started\n   after: 1s\n", `f.yaml:5:4: YAML: this line is indented 3 spaces and line 4's keys 4`},
		{"key at the list's column", "  - event: run.started\n  after: 2s\n", `f.yaml:5:3: YAML: this line is indented 2 spaces and line 4's keys 4`},
		{"a key indented too far after an item", "  - event: run.started\n  - event: task.created\n     after: 1s\n", `f.yaml:6:6: YAML: this line is indented 5 spaces and line 5's keys 4`},
		{"mapping for a list", "  event: run.started\n", `f.yaml:4:3: steps must be a non-empty list, got a mapping; start each step with "- "`},
		{"unclosed flow", "  [ {event: run.started}\n", `YAML: a [ or { opened here is not closed`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.Parse("f.yaml", []byte(head+tc.steps))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}
