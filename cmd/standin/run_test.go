package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestRunBuiltinToTheEmbeddedSink(t *testing.T) {
	code, out, errOut := cli(t, "", "run", "cutover-runbook-integration-failure")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"STEP", "integrations.failed", "/__sink/cutover", "delivered (200)", "19 events, 19 deliveries: 19 delivered, 0 failed (seed 1)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunJSONIsDeterministic(t *testing.T) {
	payloads := func(args ...string) []string {
		code, out, errOut := cli(t, "", append([]string{"run", "rocketlane-project-onboarding", "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var ps []string
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var row struct {
				Step    int
				Status  string
				Payload json.RawMessage
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("line is not JSON: %v", err)
			}
			if row.Status != "delivered" || row.Step != len(ps)+1 {
				t.Fatalf("row %+v", row)
			}
			ps = append(ps, string(row.Payload))
		}
		return ps
	}
	a, b, c := payloads("--seed", "5"), payloads("--seed", "5"), payloads("--seed", "6")
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Error("the same seed gave different payloads")
	}
	if strings.Join(a, "\n") == strings.Join(c, "\n") {
		t.Error("seeds 5 and 6 gave the same payloads")
	}
}

func TestRunExitsOneWhenADeliveryFails(t *testing.T) {
	var calls atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusCreated) // Rocketlane counts only 200 and 204
	}))
	defer rc.Close()
	code, out, errOut := cli(t, "", "run", "rocketlane-project-onboarding", "--target", rc.URL)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "failed (201)") || !strings.Contains(errOut, "deliveries failed") || calls.Load() == 0 {
		t.Errorf("output does not say why:\n%s\n%s", out, errOut)
	}
}

func TestRunExitsTwoOnBadInput(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	if err := os.WriteFile(broken, []byte("name: b\nvendor: cutover\nsteps:\n  - event: task.created\n    after: soon\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badSet := filepath.Join(dir, "badset.yaml")
	if err := os.WriteFile(badSet, []byte("name: b\nvendor: cutover\nsteps:\n  - event: task.created\n    set: {meta.task.id: 3}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"run", broken}, broken + ":5:12: after: \"soon\" is not a duration"},
		{[]string{"run", badSet}, badSet + ":4:5: step 1 (task.created)"},
		{[]string{"run", "cutover-runbook"}, "did you mean cutover-runbook-integration-failure?"},
		{[]string{"run", "flexdeploy-release-pipeline", "--var", "outcome"}, "want K=V"},
		{[]string{"run", "flexdeploy-release-pipeline", "--var", "outcom=x"}, "did you mean outcome?"},
		{[]string{"run", "flexdeploy-release-pipeline", "--target", "ftp://x"}, "target ftp://x"},
		{[]string{"run"}, "accepts 1 arg"},
		{[]string{"scenarios", "show", "nope"}, "not a built-in scenario"},
		{[]string{"scenarios", "check", broken}, broken + ":5:12"},
	}
	for _, tt := range tests {
		code, _, errOut := cli(t, "", tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestScenariosListShowCheck(t *testing.T) {
	code, out, _ := cli(t, "", "scenarios")
	for _, n := range []string{"cutover-runbook-integration-failure", "flexdeploy-release-pipeline", "rocketlane-project-onboarding"} {
		if code != 0 || !strings.Contains(out, n) {
			t.Errorf("list lacks %s:\n%s", n, out)
		}
	}
	code, out, _ = cli(t, "", "scenarios", "show", "flexdeploy-release-pipeline")
	if code != 0 || !strings.HasPrefix(out, "name: flexdeploy-release-pipeline") {
		t.Fatalf("show: %d\n%s", code, out)
	}
	f := filepath.Join(t.TempDir(), "copy.yaml")
	if err := os.WriteFile(f, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, _ = cli(t, "", "scenarios", "check", f); code != 0 || !strings.Contains(out, "valid flexdeploy scenario") {
		t.Errorf("check of a shown copy: %d %s", code, out)
	}
}

// TestReadmeScenarioRuns plays the annotated example of the README's
// "Writing a scenario", so the documentation stays true.
func TestReadmeScenarioRuns(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "### Writing a scenario")
	if i < 0 {
		t.Fatal("README has no Writing a scenario section")
	}
	start := strings.Index(s[i:], "```yaml\n") + i + len("```yaml\n")
	end := strings.Index(s[start:], "```") + start
	f := filepath.Join(t.TempDir(), "example.yaml")
	if err := os.WriteFile(f, []byte(s[start:end]), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := cli(t, "", "run", f)
	if code != 0 || !strings.Contains(out, "6 events, 6 deliveries: 6 delivered") || !strings.Contains(out, "[duplicate]") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckPlansLikeRun: scenarios check refuses what run would refuse
// before its first step.
func TestCheckPlansLikeRun(t *testing.T) {
	f := filepath.Join(t.TempDir(), "scalar-each.yaml")
	if err := os.WriteFile(f, []byte("name: s\nvendor: cutover\nvars: {v: one}\nsteps:\n  - each: ${v}\n    steps: [{event: task.created}]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"scenarios", "check", f}, {"run", f}} {
		code, _, errOut := cli(t, "", cmd...)
		if code != 2 || !strings.Contains(errOut, f+":5:11: each: ${v} is not a list") {
			t.Errorf("%v: exit %d, %q", cmd, code, errOut)
		}
	}
}

// TestAwaitTimeoutIsTheReceiversFailure: an awaited task nobody finishes
// fails the run with exit 1, not as bad input.
func TestAwaitTimeoutIsTheReceiversFailure(t *testing.T) {
	f := filepath.Join(t.TempDir(), "await.yaml")
	if err := os.WriteFile(f, []byte("name: a\nvendor: cutover\nentities: {c: {kind: task}}\nsteps:\n  - event: run.started\n  - await: {task: c, timeout: 100ms}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := cli(t, "", "run", f)
	if code != 1 || !strings.Contains(errOut, f+":6:5: step 2 (await): await: task c") || !strings.Contains(errOut, "still startable after 100ms") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}

// TestReadmeIntegrationScenarioChecks: the README's Cutover integration
// example is a complete scenario.
func TestReadmeIntegrationScenarioChecks(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "### Cutover integrations, end to end")
	start := strings.Index(s[i:], "```yaml\n") + i + len("```yaml\n")
	end := strings.Index(s[start:], "```") + start
	f := filepath.Join(t.TempDir(), "integration.yaml")
	if err := os.WriteFile(f, []byte(s[start:end]), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := cli(t, "", "scenarios", "check", f); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckIsADryRun: a story whose later steps break (a set: the schema
// refuses, an update that changes nothing) is refused by scenarios check
// with every problem's place, and run delivers none of it.
func TestCheckIsADryRun(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string // in stderr, after the file name
	}{
		{
			name: "a set the schema refuses",
			script: "name: s\nvendor: cutover\nsteps:\n  - event: run.started\n  - event: task.created\n  - event: task.started\n" +
				"    set:\n      meta.task.name: 42\n",
			want: []string{":6:5: step 3 (task.started): the payload with set: is not a valid cutover task.started: /meta/task/name"},
		},
		{
			name: "an update that changes nothing, twice",
			script: "name: r\nvendor: rocketlane\nentities:\n  p: {kind: project}\n  t: {kind: task, name: T}\nsteps:\n" +
				"  - event: PROJECT_CREATED\n    entity: p\n  - event: TASK_CREATED\n    entity: t\n" +
				"  - event: TASK_UPDATED\n    entity: t\n    update: {name: T}\n" +
				"  - event: TASK_UPDATED\n    entity: t\n    update: {name: T}\n",
			want: []string{":11:5: step 3 (TASK_UPDATED)", ":14:5: step 3 (TASK_UPDATED)"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "late.yaml")
			if err := os.WriteFile(f, []byte(tc.script), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := cli(t, "", "scenarios", "check", f)
			if code != 2 {
				t.Fatalf("check: exit %d, want 2\n%s%s", code, out, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, f+w) {
					t.Errorf("check's message lacks %q:\n%s", f+w, errOut)
				}
			}
			r := newReceiver(t, http.StatusOK)
			code, out, errOut = cli(t, "", "run", f, "--target", r.srv.URL)
			if code != 2 || !strings.Contains(errOut, f+tc.want[0]) {
				t.Fatalf("run: exit %d, want 2 naming %s\n%s%s", code, tc.want[0], out, errOut)
			}
			wantRequests(t, r, 0)
		})
	}
}
