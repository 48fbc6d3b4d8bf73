package testkit_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/testkit"
)

const pipeline = "flexdeploy-release-pipeline"

// pipelineFile is the built-in scenario's YAML, as a user's file would be.
var pipelineFile = filepath.Join("..", "scenarios", "builtin", pipeline+".yaml")

func TestScenarioRuns(t *testing.T) {
	yaml, err := os.ReadFile(pipelineFile)
	if err != nil {
		t.Fatal(err)
	}
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		c := ctx(t)
		tests := []struct {
			name  string
			start func(o testkit.RunOptions) (testkit.ScenarioRun, error)
			vars  map[string]any
			want  string // an event the run must emit
			not   string // one it must not
		}{
			{"built-in", func(o testkit.RunOptions) (testkit.ScenarioRun, error) { return s.RunScenario(c, pipeline, o) },
				nil, "Release Ended", "Task Rejected"},
			{"file", func(o testkit.RunOptions) (testkit.ScenarioRun, error) { return s.RunFile(c, pipelineFile, o) },
				map[string]any{"outcome": "rejected"}, "Task Rejected", "Release Ended"},
			{"inline YAML", func(o testkit.RunOptions) (testkit.ScenarioRun, error) { return s.RunScript(c, string(yaml), o) },
				map[string]any{"outcome": "prod_failed"}, "Task Approved", "Release Ended"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := testkit.NewReceiver(t)
				seed := uint64(11)
				run, err := tc.start(testkit.RunOptions{Seed: &seed, Vars: tc.vars, Targets: []string{rec.URL}})
				if err != nil {
					t.Fatal(err)
				}
				if run.ID == "" || run.Scenario != pipeline {
					t.Fatalf("the run as accepted: %+v", run.Report)
				}
				run, err = s.WaitRun(c, run.ID)
				if err != nil {
					t.Fatal(err)
				}
				if run.Status != testkit.RunSucceeded || run.Seed != 11 {
					t.Fatalf("run %s: %s (%s), seed %d", run.ID, run.Status, run.Error, run.Seed)
				}
				names := run.EventNames()
				if !slices.Contains(names, tc.want) || slices.Contains(names, tc.not) {
					t.Errorf("the run emitted %q: want %q and not %q", names, tc.want, tc.not)
				}

				ds, err := s.Deliveries(c, testkit.Filter{Run: run.ID})
				if err != nil {
					t.Fatal(err)
				}
				ds.AssertCount(t, len(names))
				ds.AssertOrder(t, names...)
				ds.AssertStatus(t, testkit.Delivered)
				if run.Deliveries.Delivered != len(names) {
					t.Errorf("the run counts %+v deliveries, want %d delivered", run.Deliveries, len(names))
				}
				for i := range ds {
					ds.AssertField(t, i, "/eventType", names[i])
				}
				// The run keeps its world: the release that ends is the one
				// that started.
				if end := slices.Index(names, "Release Ended"); end > 0 {
					id, err := ds[0].Field("/payload/release/releaseId")
					if err != nil {
						t.Fatal(err)
					}
					ds.AssertField(t, end, "/payload/release/releaseId", id)
				}
				if rec.Len() != len(names) {
					t.Errorf("the receiver got %d requests, want %d", rec.Len(), len(names))
				}
				// The receiver checks every body against the schemas at the
				// end of the test.
			})
		}

		t.Run("errors", func(t *testing.T) {
			var ae *testkit.APIError
			if _, err := s.RunScenario(c, "no-such-scenario", testkit.RunOptions{}); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || !strings.Contains(string(ae.Details), pipeline) {
				t.Errorf("unknown scenario: %v", err)
			}
			if _, err := s.RunScript(c, "name: x\nsteps: 3\n", testkit.RunOptions{}); !errors.As(err, &ae) || ae.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(ae.Message, "script:") {
				t.Errorf("bad script: %v", err)
			}
			if _, err := s.GetRun(c, "run_nope"); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
				t.Errorf("unknown run: %v", err)
			}
		})

		t.Run("waiting past the deadline", func(t *testing.T) {
			rec := testkit.NewReceiver(t)
			run, err := s.RunScenario(c, pipeline, testkit.RunOptions{TimeScale: 1, Targets: []string{rec.URL}}) // minutes of waits
			if err != nil {
				t.Fatal(err)
			}
			short, cancel := context.WithTimeout(c, 300*time.Millisecond)
			defer cancel()
			begin := time.Now()
			r, err := s.WaitRun(short, run.ID)
			if err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "still running") || r.Status != testkit.RunRunning {
				t.Errorf("WaitRun = %s, %v", r.Status, err)
			}
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("WaitRun took %s past a 300ms deadline", took)
			}
		})
	})
}
