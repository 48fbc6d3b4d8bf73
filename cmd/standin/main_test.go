package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the CLI in-process and returns its exit code and output.
func cli(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestEventsJSONListsTheWholeCatalog(t *testing.T) {
	code, out, errOut := cli(t, "", "events", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var evs []struct{ Vendor, Event string }
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range evs {
		count[e.Vendor]++
		if e.Event == "" {
			t.Errorf("event without a name: %+v", e)
		}
	}
	if len(evs) != 37 || count["cutover"] != 9 || count["rocketlane"] != 10 || count["flexdeploy"] != 18 {
		t.Fatalf("catalog %v (%d events), want 9/10/18", count, len(evs))
	}
	code, out, _ = cli(t, "", "events", "--vendor", "FlexDeploy")
	if code != 0 || !strings.Contains(out, "Workflow Completed") || strings.Contains(out, "task.created") {
		t.Fatalf("events --vendor flexdeploy: exit %d\n%s", code, out)
	}
}

func TestSampleIsDeterministicAndValidates(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ vendor, event string }{
		{"cutover", "task.updated"}, {"rocketlane", "TASK_CREATED"}, {"flexdeploy", "release-started"},
	} {
		_, a, _ := cli(t, "", "sample", tc.vendor, tc.event, "--seed", "9")
		code, b, errOut := cli(t, "", "sample", tc.vendor, tc.event, "--seed", "9")
		if code != 0 {
			t.Fatalf("sample %v: exit %d: %s", tc, code, errOut)
		}
		if a != b {
			t.Errorf("sample %v: same seed, different output", tc)
		}
		_, c, _ := cli(t, "", "sample", tc.vendor, tc.event, "--seed", "10")
		if a == c {
			t.Errorf("sample %v: seeds 9 and 10 gave the same output", tc)
		}
		f := filepath.Join(dir, tc.vendor+".json")
		if err := os.WriteFile(f, []byte(a), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := cli(t, "", "validate", tc.vendor, f); code != 0 {
			t.Errorf("validate %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
}

func TestSampleErrors(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"sample", "jira", "issue-created"}, 2, "unknown vendor"},
		{[]string{"sample", "cutover", "task.crated"}, 2, `did you mean "task.created"`},
		{[]string{"sample", "cutover"}, 2, "VENDOR EVENT"},
		{[]string{"sample", "flexdeploy", "workflow-completed", "--variant", "build"}, 2, "deploy, test"},
		{[]string{"sample", "cutover", "task.created", "--seed", "x"}, 2, "invalid argument"},
		{[]string{"sample", "cutover", "task.created", "--start", "yesterday"}, 2, "RFC 3339"},
		{[]string{"frobnicate"}, 2, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errOut := cli(t, "", tt.args...)
			if code != tt.wantCode || !strings.Contains(errOut, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.wantCode, tt.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	sample := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "testdata", "samples", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	taskCreated := sample("cutover/task-created.json")
	broken := strings.Replace(taskCreated, `"2025-06-27T10:27:00.000Z"`, `"2025-06-27 10:27"`, 1)
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"event read from payload", taskCreated, []string{"validate", "cutover", "-"}, 0, "valid cutover task.created"},
		{"event given", taskCreated, []string{"validate", "cutover", "task-created", "-"}, 0, "valid"},
		{"unknown field, with the nearest", `{"meta":{"tsk":1}}`, []string{"validate", "cutover", "task.created", "-"}, 1, `/meta: unknown field "tsk" (did you mean "task"?)`},
		{"truncated JSON", `{"attributes":`, []string{"validate", "cutover", "-"}, 1, "the payload is not JSON: invalid JSON at line 1, column 15 (byte offset 14): unexpected end of input"},
		{"wrong event given", taskCreated, []string{"validate", "cutover", "run.started", "-"}, 1, `/meta: missing required field "current_run"`},
		{"broken timestamp", broken, []string{"validate", "cutover", "-"}, 1, "/attributes/created_at: expected an ISO-8601 UTC time with milliseconds"},
		{"not JSON", "{\n  \"id\": }", []string{"validate", "cutover", "-"}, 1, "<stdin>:"},
		{"no event name", `{"id":"x"}`, []string{"validate", "rocketlane", "-"}, 1, "/eventType"},
		{"json output", broken, []string{"validate", "--json", "cutover", "-"}, 1, `"pointer": "/attributes/created_at"`},
		{"doc sample flexdeploy", sample("flexdeploy/workflow-completed.test.json"), []string{"validate", "flexdeploy", "-"}, 0, "valid flexdeploy Workflow Completed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, tt.stdin, tt.args...)
			if code != tt.wantCode || !strings.Contains(out, tt.wantOut) {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s\nwant exit %d and %q", code, out, errOut, tt.wantCode, tt.wantOut)
			}
		})
	}
	for _, args := range [][]string{
		{"validate", "cutover"},
		{"validate", "nope", "-"},
		{"validate", "cutover", "nope.event", "-"},
		{"validate", "cutover", filepath.Join(t.TempDir(), "missing.json")},
	} {
		if code, _, _ := cli(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	_, want, _ := cli(t, "", "sample", "cutover", "task.created", "--seed", "77")
	t.Setenv("STANDIN_SEED", "77")
	code, got, errOut := cli(t, "", "sample", "cutover", "task.created")
	if code != 0 || got != want {
		t.Fatalf("STANDIN_SEED=77 did not act as --seed 77 (exit %d, %s)", code, errOut)
	}
	_, flag, _ := cli(t, "", "sample", "cutover", "task.created", "--seed", "78")
	if flag == got {
		t.Fatal("a flag on the command line must win over the environment")
	}
	t.Setenv("STANDIN_SEED", "many")
	if code, _, errOut := cli(t, "", "sample", "cutover", "task.created"); code != 2 || !strings.Contains(errOut, "STANDIN_SEED") {
		t.Fatalf("bad STANDIN_SEED: exit %d, %s", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "standin ") {
		t.Fatalf("exit %d: %q", code, out)
	}
}

// TestSampleEveryEvent samples every event of the catalog the way a user
// would, without --variant, and validates the output.
func TestSampleEveryEvent(t *testing.T) {
	_, out, _ := cli(t, "", "events", "--json")
	var evs []struct{ Vendor, Event string }
	if err := json.Unmarshal([]byte(out), &evs); err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		code, sample, errOut := cli(t, "", "sample", e.Vendor, e.Event, "--seed", "3")
		if code != 0 {
			t.Errorf("sample %s %q: exit %d: %s", e.Vendor, e.Event, code, errOut)
			continue
		}
		if code, vout, verr := cli(t, sample, "validate", e.Vendor, e.Event, "-"); code != 0 {
			t.Errorf("sample %s %q does not validate: %s%s", e.Vendor, e.Event, vout, verr)
		}
	}
}
