package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// gated answers 200, but holds its nth request (from 1) until release is
// closed.
func gated(t *testing.T, n int64, release chan struct{}) string {
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == n {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
		ts.Close()
	})
	return ts.URL
}

func threeSteps(t *testing.T) string {
	f := filepath.Join(t.TempDir(), "three.yaml")
	src := "name: three\nvendor: cutover\nsteps:\n  - event: task.created\n  - event: task.started\n  - event: task.created\n"
	if err := os.WriteFile(f, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestRunPrintsRowsAsTheyAreDeliveredToAPipe holds the third delivery
// and reads the first two rows from the pipe meanwhile.
func TestRunPrintsRowsAsTheyAreDeliveredToAPipe(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		header bool
		check  func(t *testing.T, line string, step int)
	}{
		{"table", nil, true, func(t *testing.T, line string, step int) {
			if !strings.HasPrefix(line, fmt.Sprint(step)+" ") || !strings.Contains(line, "delivered (200)") {
				t.Errorf("row %d: %q", step, line)
			}
		}},
		{"json", []string{"--json"}, false, func(t *testing.T, line string, step int) {
			var row struct {
				Step   int
				Status string
			}
			if err := json.Unmarshal([]byte(line), &row); err != nil || row.Step != step || row.Status != "delivered" {
				t.Errorf("row %d: %q (%v)", step, line, err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			target := gated(t, 3, release)
			bg := startCLI(t, append([]string{"run", threeSteps(t), "--target", target}, tc.args...)...)
			if tc.header {
				if l := bg.line(t); !strings.HasPrefix(l, "Cutover API for this run: http://127.0.0.1:") {
					t.Fatalf("first line %q, want the API's address", l)
				}
				bg.line(t) // blank
				if l := bg.line(t); !strings.HasPrefix(l, "STEP") {
					t.Fatalf("first line %q, want the header", l)
				}
			}
			for step := 1; step <= 2; step++ {
				tc.check(t, bg.line(t), step)
			}
			select {
			case code := <-bg.code:
				t.Fatalf("the run ended (exit %d) while its third delivery was held", code)
			default:
			}
			close(release)
			tc.check(t, bg.line(t), 3)
			if code := bg.exit(t); code != 0 {
				t.Fatalf("exit %d: %s", code, bg.stderr.String())
			}
		})
	}
}

func TestRunListenKeepsServingTheRun(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	defer failing.Close()
	for _, tc := range []struct {
		name   string
		target []string
		status string
		code   int
	}{
		{"delivered", nil, "succeeded", 0},
		{"failed", []string{"--target", failing.URL}, "failed", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := freeAddr(t)
			bg := startCLI(t, append([]string{"run", "rocketlane-project-onboarding", "--listen", addr, "--json"}, tc.target...)...)
			deadline := time.Now().Add(15 * time.Second)
			for !strings.Contains(bg.stderr.String(), "serving it at http://"+addr) {
				if time.Now().After(deadline) {
					t.Fatalf("no serving message; stderr:\n%s", bg.stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			// The run is over, and the server still shows it.
			resp, err := http.Get("http://" + addr + "/__admin/runs")
			if err != nil {
				t.Fatal(err)
			}
			var list []struct {
				Scenario, Status string
				Events           int
			}
			err = json.NewDecoder(resp.Body).Decode(&list)
			resp.Body.Close()
			if err != nil || len(list) != 1 || list[0].Status != tc.status || list[0].Events == 0 {
				t.Fatalf("runs %+v (%v), want one %s", list, err, tc.status)
			}
			select {
			case code := <-bg.code:
				t.Fatalf("run exited (%d) before it was interrupted", code)
			default:
			}
			bg.cancel()
			if code := bg.exit(t); code != tc.code {
				t.Fatalf("exit %d, want %d (the run's)", code, tc.code)
			}
		})
	}
}

func TestRunStatusLineSaysWhatItWaitsFor(t *testing.T) {
	sc, err := scenarios.Parse("w.yaml", []byte("name: w\nvendor: cutover\nsteps:\n  - event: task.created\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := newRowPrinter(&out, sc, []string{"http://x"}, false, true)
	at := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)
	p.wait(&runs.Waiting{Step: "task.created", Pos: scenarios.Pos{Line: 4, Col: 5}, At: at, Until: time.Now().Add(time.Hour)})
	if got := out.String(); !strings.HasPrefix(got, "\r\x1b[Kwaiting for task.created (line 4) at 2026-03-02 08:15:00 virtual time, ") || !strings.HasSuffix(got, " left") || strings.Contains(got, "\n") {
		t.Fatalf("status line %q", got)
	}
	out.Reset()
	if err := p.rows([]deliveryRow{{Step: 1, At: at, Event: "task.created", Target: "http://x", Status: "delivered", Response: 200, Attempts: 1}}); err != nil {
		t.Fatal(err)
	}
	// The row goes over a cleared line, and the status line comes back.
	got := out.String()
	if !strings.HasPrefix(got, "\r\x1b[K1     2026-03-02 08:15:00  task.created") || !strings.Contains(got, "\n\r\x1b[Kwaiting for task.created") {
		t.Fatalf("row and status %q", got)
	}
	out.Reset()
	p.wait(nil)
	if out.String() != "\r\x1b[K" {
		t.Fatalf("clearing wrote %q", out.String())
	}
	// Not on a terminal: no status line at all.
	out.Reset()
	p = newRowPrinter(&out, sc, nil, false, false)
	p.wait(&runs.Waiting{Step: "task.created", Until: time.Now().Add(time.Hour)})
	if out.Len() != 0 {
		t.Fatalf("status line on a pipe: %q", out.String())
	}
}
