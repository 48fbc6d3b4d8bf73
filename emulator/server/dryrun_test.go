package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/server"
)

// TestRunDryRun: POST /__admin/runs?dry_run=true refuses what the run
// would refuse (a bad target, a subscription the vendor refuses, a time
// scale out of range, a step its schema refuses) and plays nothing.
func TestRunDryRun(t *testing.T) {
	srv, base := start(t, server.Config{})
	tests := []struct {
		name, query, body string
		want              int
		msg               string
	}{
		{"valid", "true", `{"scenario":"rocketlane-project-onboarding"}`, 200, `"valid":true`},
		{"a bad target", "true", `{"scenario":"rocketlane-project-onboarding","targets":["ftp://x/y"]}`, 400, "target ftp://x/y"},
		{"a subscription the vendor refuses", "true", `{"scenario":"rocketlane-project-onboarding","targets":["http://127.0.0.1:1/"],"subscription":{"method":"PUT"}}`, 400, "method"},
		{"a time scale out of range", "true", `{"scenario":"rocketlane-project-onboarding","time_scale":5000}`, 400, "time scale"},
		{"a step its schema refuses", "true", `{"script":"name: s\nvendor: cutover\nsteps:\n  - event: task.created\n    set: {meta.task.name: 42}\n"}`, 422, "script:4:5"},
		{"dry_run that is not a boolean", "maybe", `{"scenario":"rocketlane-project-onboarding"}`, 400, "dry_run"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			code := call(t, "POST", base+"/__admin/runs?dry_run="+tc.query, tc.body, &out)
			if code != tc.want {
				t.Fatalf("status %d, want %d: %v", code, tc.want, out)
			}
			if got := stringify(out); !strings.Contains(got, tc.msg) {
				t.Errorf("answer %s lacks %q", got, tc.msg)
			}
		})
	}
	if runs := srv.Runs().List(); len(runs) != 0 {
		t.Errorf("a dry run started %d runs", len(runs))
	}
}

func stringify(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
