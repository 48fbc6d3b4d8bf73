package runs_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// noNetwork refuses every request, so fuzzed integration actions call
// nothing.
type noNetwork struct{}

func (noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in the fuzz test")
}

// FuzzPlay plays every script the parser accepts: a run may fail, but must
// not panic, and must end in a final status.
func FuzzPlay(f *testing.F) {
	for _, n := range scenarios.Names() {
		sc, _ := scenarios.Builtin(n)
		f.Add(sc.Source)
	}
	for _, s := range []string{
		"name: a\nvendor: rocketlane\nentities: {t: {kind: task}, p: {kind: phase}}\nsteps:\n  - event: TASK_DELETED\n  - event: TASK_UPDATED\n    update: {progress: 5}\n",
		"name: a\nvendor: flexdeploy\nentities: {e: {kind: environment}}\nsteps:\n  - event: Task Approved\n  - event: Pipeline Stage Completed\n  - event: Workflow Completed\n",
		"name: a\nvendor: cutover\nentities: {c: {kind: task, url: 'http://x.invalid/'}}\nsteps:\n  - fire: c\n    refire: {times: 2}\n  - cancel: c\n  - await: {task: c, timeout: 10ms}\n",
		"name: a\nvendor: cutover\nvars: {l: [a, b]}\nsteps:\n  - each: ${l}\n    steps: [{event: task.created, set: {meta.task.name: '${item}-${index}'}}]\n",
		"name: a\nvendor: rocketlane\nentities: {u: {kind: user}, p: {kind: project, owner: u}}\nsteps:\n  - event: PROJECT_UPDATED\n    update: {owner: u, name: x}\n",
	} {
		f.Add([]byte(s))
	}
	client := &http.Client{Transport: noNetwork{}}
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := scenarios.Parse("f.yaml", src)
		if err != nil {
			return
		}
		r, err := runs.New(sc, newEngine(t), runs.Options{Client: client})
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rep := r.Play(ctx)
		if rep.Status != runs.Succeeded && rep.Status != runs.Failed {
			t.Fatalf("status %q after Play", rep.Status)
		}
		if rep.Status == runs.Failed && len(rep.Error) > 30 && rep.Error[:30] == "standin failed while playing t" {
			t.Fatalf("panic: %s", rep.Error)
		}
	})
}
