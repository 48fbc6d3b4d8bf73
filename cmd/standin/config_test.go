package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestConfigCheck(t *testing.T) {
	const good = "# a CI setup\nserver:\n  workers: 4\n  self-check: true\nsubscriptions:\n  - vendor: rocketlane\n    url: ${RECEIVER}/rocketlane\n    events: [TASK_CREATED]\n" +
		"runs:\n  - scenario: rocketlane-project-onboarding\n    seed: 3\n"
	tests := []struct {
		name, text string
		env        map[string]string
		wantCode   int
		want       string // in the output (0) or the error (2), after the file name
	}{
		{"valid", good, map[string]string{"RECEIVER": "http://127.0.0.1:9"}, 0, ": valid: 2 settings (self-check, workers), 1 subscription, 1 run"},
		{"unset variable", good, nil, 2, ":7:10: ${RECEIVER}: the environment variable RECEIVER is not set"},
		{"typo in a subscription", strings.Replace(good, "    events:", "    evnets:", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:8:5: YAML: unknown field "evnets"`},
		{"unknown setting", strings.Replace(good, "workers", "wrokers", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:3:3: server: unknown setting "wrokers" (did you mean "workers"?)`},
		{"bad setting value", strings.Replace(good, "workers: 4", "workers: many", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:3:12: server: workers:`},
		{"setting serve refuses", strings.Replace(good, "workers: 4", "workers: 0", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:3:3: server: --workers 0: must be at least 1`},
		{"settings that disagree", strings.Replace(good, "workers: 4", "inflight: 40\n  target-inflight: 16", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:4:3: server: --target-inflight 16: must be at least --inflight (40)`},
		{"host cap at the workers", strings.Replace(good, "workers: 4", "workers: 4\n  target-inflight: 4", 1), map[string]string{"RECEIVER": "http://x"}, 0, ": valid: 3 settings (self-check, target-inflight, workers)"},
		{"inflight raised alone", strings.Replace(good, "workers: 4", "inflight: 40", 1), map[string]string{"RECEIVER": "http://x"}, 0, ": valid: 2 settings (inflight, self-check)"},
		{"subscription the API refuses", strings.Replace(good, "vendor: rocketlane", "vendor: jira", 1), map[string]string{"RECEIVER": "http://x"}, 2, `:6:11: subscriptions[0]: vendor: unknown vendor "jira"`},
		{"run the dry run refuses", good + "  - script: |\n      name: s\n      vendor: cutover\n      steps:\n        - event: task.created\n          set: {meta.task.name: 42}\n",
			map[string]string{"RECEIVER": "http://x"}, 2, `:12:11: runs[1]: script:4:5: step 1 (task.created): the payload with set: is not a valid`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			os.Unsetenv("RECEIVER")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			f := writeFile(t, "standin.yaml", tc.text)
			code, out, errOut := cli(t, "", "config", "check", f)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			if got := out + errOut; !strings.Contains(got, f+tc.want) {
				t.Errorf("output lacks %q:\n%s", f+tc.want, got)
			}
		})
	}
}

// TestConfigValuesAreValuesNotYAML: an environment value is taken as the
// text of the value it is in, whatever YAML it looks like, and a run's
// script keeps its own ${...} references.
func TestConfigValuesAreValuesNotYAML(t *testing.T) {
	t.Setenv("ENVV", "ci #7, {x: *y}")
	t.Setenv("RECEIVER", "http://127.0.0.1:9")
	f := writeFile(t, "standin.yaml", "subscriptions:\n  - vendor: cutover\n    url: ${RECEIVER}/c\n    headers:\n      X-Env: ${ENVV}\n"+
		"runs:\n  - script: |\n      name: s\n      vendor: rocketlane\n      vars: {label: Acme}\n      entities:\n        p: {kind: project, name: \"${label}\"}\n      steps:\n        - event: PROJECT_CREATED\n          entity: p\n")
	c, err := loadConfig(f, os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Subscriptions[0].Headers["X-Env"]; got != "ci #7, {x: *y}" {
		t.Errorf("X-Env = %q, want the variable's whole value", got)
	}
	if got := c.Subscriptions[0].URL; got != "http://127.0.0.1:9/c" {
		t.Errorf("url = %q", got)
	}
	if !strings.Contains(c.Runs[0].Script, `name: "${label}"`) {
		t.Errorf("the script's own reference was replaced:\n%s", c.Runs[0].Script)
	}
	if code, out, errOut := cli(t, "", "config", "check", f); code != 0 {
		t.Errorf("config check: exit %d\n%s%s", code, out, errOut)
	}
}

// TestServeConfigDeliversWithoutAdminCalls starts `standin serve` with
// STANDIN_CONFIG naming a file whose subscription comes from the
// environment and whose boot run plays the onboarding story: the
// receiver gets the story's TASK_CREATED events with no admin call.
func TestServeConfigDeliversWithoutAdminCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	var mu sync.Mutex
	var got []string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var p struct{ EventType string }
		_ = json.Unmarshal(b, &p)
		mu.Lock()
		got = append(got, r.URL.Path+" "+p.EventType)
		mu.Unlock()
	}))
	defer recv.Close()
	f := writeFile(t, "standin.yaml", "server:\n  addr: "+freeAddr(t)+"\nsubscriptions:\n  - vendor: rocketlane\n    url: ${RECEIVER}/hooks\n    events: [TASK_CREATED]\n"+
		"runs:\n  - scenario: rocketlane-project-onboarding\n")
	cmd := exec.Command(buildBinary(t), "serve")
	cmd.Env = append(os.Environ(), "STANDIN_CONFIG="+f, "RECEIVER="+recv.URL)
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(15 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("receiver got %d requests in 15s, want the story's 4 TASK_CREATED; logs:\n%s", n, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 4 {
		t.Errorf("receiver got %v, want 4 TASK_CREATED", got)
	}
	for _, g := range got {
		if g != "/hooks TASK_CREATED" {
			t.Errorf("receiver got %q, want /hooks TASK_CREATED", g)
		}
	}
}
