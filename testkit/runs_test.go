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

func TestPlay(t *testing.T) {
	yaml, err := os.ReadFile(pipelineFile)
	if err != nil {
		t.Fatal(err)
	}
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		tests := []struct {
			name string
			sc   testkit.Scenario
			vars map[string]any
			want string // an event the run must emit
		}{
			{"built-in", testkit.Builtin(pipeline), nil, "Release Ended"},
			{"file", testkit.File(pipelineFile), map[string]any{"outcome": "rejected"}, "Task Rejected"},
			{"inline YAML", testkit.Script(string(yaml)), map[string]any{"outcome": "prod_failed"}, "Task Approved"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := testkit.NewReceiver(t)
				run, ds := s.MustPlay(t, tc.sc, testkit.RunOptions{Vars: tc.vars, Targets: []string{rec.URL}})
				run.AssertStatus(t, testkit.RunSucceeded)
				names := run.EventNames()
				if !slices.Contains(names, tc.want) {
					t.Errorf("the run emitted %q, want %q among them", names, tc.want)
				}
				ds.AssertCount(t, len(names))
				ds.AssertOrder(t, names...)
				ds.AssertStatus(t, testkit.Delivered)
				if len(ds) > 0 && len(ds[0].Attempts) != 1 {
					t.Errorf("Play's deliveries should carry their attempts: %+v", ds[0])
				}
				// The release that ends is the one that started, read as
				// typed fields.
				first := ds.Select(testkit.OfEvent("Release Started")).First().Must(t)
				id := first.MustInt(t, "payload.release.releaseId")
				if end := ds.Select(testkit.OfEvent("Release Ended")); end.Len() > 0 {
					end.Last().AssertField(t, "payload.release.releaseId", id)
				}
			})
		}

		t.Run("errors", func(t *testing.T) {
			var ae *testkit.APIError
			if _, _, err := s.Play(ctx(t), testkit.Builtin("no-such-scenario"), testkit.RunOptions{}); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound || !strings.Contains(err.Error(), `play the built-in scenario "no-such-scenario"`) {
				t.Errorf("unknown scenario: %v", err)
			}
			if _, _, err := s.Play(ctx(t), testkit.File("no/such.yaml"), testkit.RunOptions{}); err == nil || !strings.Contains(err.Error(), "scenario file no/such.yaml") {
				t.Errorf("missing file: %v", err)
			}
			rtb := newRecordingTB(t)
			capture(rtb, func(tb testing.TB) { s.MustPlay(tb, testkit.Script("name: x\nsteps: 3\n"), testkit.RunOptions{}) })
			if !rtb.fatal || !strings.Contains(rtb.report(), "play the inline scenario") {
				t.Errorf("MustPlay of a bad script reported %q", rtb.report())
			}
			// A run that fails is returned, for the test to check.
			rl := testkit.NewReceiver(t, testkit.Respond(http.StatusCreated)) // Rocketlane wants 200 or 204
			run, ds := s.MustPlay(t, testkit.Builtin("rocketlane-project-onboarding"), testkit.RunOptions{Targets: []string{rl.URL}})
			run.AssertStatus(t, testkit.RunFailed)
			ds.Select(testkit.InStatus(testkit.Failed)).First().AssertResponseStatus(t, http.StatusCreated)
			capture(rtb, func(tb testing.TB) { run.AssertStatus(tb, testkit.RunSucceeded) })
			if !strings.Contains(rtb.report(), "want run "+run.ID+" (rocketlane-project-onboarding) succeeded, it is failed: ") {
				t.Errorf("AssertStatus reported %q", rtb.report())
			}
		})
	})
}

// A wait for more deliveries than a run makes ends when the run does,
// saying so, not at its deadline: here a minute, which would end the
// wait with a *WaitError without Run.
func TestWaitEndsWithTheRun(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		long := func(t *testing.T) context.Context {
			c, cancel := context.WithTimeout(context.Background(), time.Minute)
			t.Cleanup(cancel)
			return c
		}
		rec := testkit.NewReceiver(t)
		run, ds := s.MustPlay(t, testkit.Builtin(pipeline), testkit.RunOptions{Targets: []string{rec.URL}})
		run.AssertStatus(t, testkit.RunSucceeded)
		n := len(ds)
		if len(run.Subscribers) != 1 {
			t.Fatalf("the run's subscriptions: %q", run.Subscribers)
		}
		failing := testkit.NewReceiver(t, testkit.Respond(http.StatusCreated))
		failed, _ := s.MustPlay(t, testkit.Builtin("rocketlane-project-onboarding"), testkit.RunOptions{Targets: []string{failing.URL}})
		failed.AssertStatus(t, testkit.RunFailed)

		tests := []struct {
			name  string
			f     testkit.Filter
			count int
			run   *testkit.ScenarioRun // the run the wait should end with; nil: it succeeds
			seen  int
			want  string
		}{
			{"enough", testkit.Filter{Run: run.ID}, n, nil, n, ""},
			{"more than the run made", testkit.Filter{Run: run.ID}, n + 1, &run, n, "has ended (succeeded)"},
			{"of a status none has", testkit.Filter{Run: run.ID, Status: "failed"}, 1, &run, 0, "status=failed"},
			{"through the run's subscription", testkit.Filter{Subscription: run.Subscribers[0]}, n + 2, &run, n, "subscription=" + run.Subscribers[0]},
			{"of a failed run", testkit.Filter{Run: failed.ID, Status: "delivered"}, 1, &failed, 0, "has ended (failed: "},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Wait(long(t), tc.f, tc.count)
				if tc.run == nil {
					if err != nil || len(got) != tc.seen {
						t.Fatalf("Wait = %d deliveries, %v; want %d", len(got), err, tc.seen)
					}
					return
				}
				var we *testkit.WaitError
				if !errors.As(err, &we) || we.Run == nil {
					t.Fatalf("Wait = %v, want a *WaitError with the run", err)
				}
				if we.Run.ID != tc.run.ID || len(we.Seen) != tc.seen || we.Want != tc.count {
					t.Errorf("WaitError: run %s, seen %d, want %d", we.Run.ID, len(we.Seen), we.Want)
				}
				for _, w := range []string{"run " + tc.run.ID + " has ended", tc.want, "so no more will come"} {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("the message lacks %q:\n%s", w, err)
					}
				}
			})
		}
	})
}
