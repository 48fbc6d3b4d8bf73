package runs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

func TestManagerFeedFollowsARun(t *testing.T) {
	sc, err := scenarios.Parse("f.yaml", []byte("name: f\nvendor: cutover\nsteps:\n  - event: task.created\n    after: 1m\n  - event: task.started\n    after: 2m\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		timeScale float64
		// want are the summaries that always go out, as
		// status/events[/waiting step], in order; progress summaries
		// (at most one per progressEvery) may come between them, or
		// repeat one.
		want string
	}{
		{"instant", 0, "running/0 succeeded/2"},
		{"scaled shows each wait", 1e-6, "running/0 running/0/task.created running/1/task.started succeeded/2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, 200)
			m := runs.NewManager(newEngine(t), runs.Limits{})
			all := m.Listen("", 64)
			defer all.Close()
			other := m.Listen("run_someone_else", 64)
			defer other.Close()
			if m.Listening() != 2 {
				t.Fatalf("Listening %d", m.Listening())
			}
			r, err := m.Start(sc, runs.Options{Targets: []string{rc.URL}, TimeScale: tc.timeScale})
			if err != nil {
				t.Fatal(err)
			}
			<-r.Done()
			var got []string
			for len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "succeeded") && !strings.HasPrefix(got[len(got)-1], "failed") {
				s := recv(t, all.C())
				if s.ID != r.ID() {
					t.Fatalf("summary of run %s, want %s", s.ID, r.ID())
				}
				line := fmt.Sprintf("%s/%d", s.Status, s.Events)
				if s.Waiting != nil {
					line += "/" + s.Waiting.Step
					if !s.Waiting.Until.After(s.StartedAt) || s.Waiting.At.IsZero() {
						t.Errorf("waiting %+v", s.Waiting)
					}
				}
				got = append(got, line)
				if s.Status == runs.Succeeded && (s.Deliveries.Delivered != 2 || s.FinishedAt == nil) {
					t.Errorf("final summary %+v", s)
				}
			}
			var kept []string
			events := 0
			for _, g := range got {
				var n int
				var status string
				fmt.Sscanf(strings.ReplaceAll(g, "/", " "), "%s %d", &status, &n)
				if n < events {
					t.Errorf("events went back from %d to %d: %v", events, n, got)
				}
				events = n
				// A progress summary may repeat the state of the one
				// before it (the same wait); each state counts once.
				if strings.Contains(tc.want, g) && (len(kept) == 0 || kept[len(kept)-1] != g) {
					kept = append(kept, g)
				}
			}
			if strings.Join(kept, " ") != tc.want {
				t.Fatalf("summaries\n %s\nwant among them, in order,\n %s", strings.Join(got, " "), tc.want)
			}
			if len(other.C()) != 0 {
				t.Errorf("a listener of another run got %d summaries", len(other.C()))
			}
			all.Close()
			other.Close()
			if m.Listening() != 0 {
				t.Fatalf("Listening %d after Close", m.Listening())
			}
		})
	}
}

func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for a summary")
		panic("unreachable")
	}
}
