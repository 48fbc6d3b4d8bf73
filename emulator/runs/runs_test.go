package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
	"github.com/standin-dev/standin/schemas"
)

// receiver records every request it gets, in arrival order, and answers
// status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	status int
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.mu.Unlock()
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.bodies)
}

func newEngine(t *testing.T) *delivery.Engine {
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

// play runs sc with opts against a fresh receiver answering 200 and
// returns the report and the bodies received, in order.
func play(t *testing.T, sc *scenarios.Scenario, opts runs.Options) (runs.Report, [][]byte) {
	t.Helper()
	rc := newReceiver(t, 200)
	opts.Targets = []string{rc.URL}
	opts.SelfCheck = true // the suite validates every payload
	r, err := runs.New(sc, newEngine(t), opts)
	if err != nil {
		t.Fatalf("new run: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	return rep, rc.got()
}

func builtin(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func seed(n uint64) *uint64 { return &n }

// field reads a value at a slash path from a JSON document.
func field(t *testing.T, body []byte, path string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	for _, k := range strings.Split(strings.Trim(path, "/"), "/") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func eventsOf(t *testing.T, bodies [][]byte, path string) []string {
	var out []string
	for _, b := range bodies {
		out = append(out, field(t, b, path).(string))
	}
	return out
}

// validAll checks every body against its schema.
func validAll(t *testing.T, vendor string, bodies [][]byte) {
	t.Helper()
	for i, b := range bodies {
		e, err := emulator.Vendors().EventOf(vendor, b)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if err := schemas.Validate(vendor, e.Slug, b); err != nil {
			t.Errorf("body %d: %v\n%s", i, err, b)
		}
	}
}

func TestBuiltinsAreDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			sc := builtin(t, name)
			rep1, a := play(t, sc, runs.Options{Seed: seed(7)})
			_, b := play(t, sc, runs.Options{Seed: seed(7)})
			_, c := play(t, sc, runs.Options{Seed: seed(8)})
			if rep1.Status != runs.Succeeded {
				t.Fatalf("status %s: %s", rep1.Status, rep1.Error)
			}
			if len(a) != len(rep1.Events) || len(a) == 0 {
				t.Fatalf("%d bodies for %d events", len(a), len(rep1.Events))
			}
			if !slices.EqualFunc(a, b, bytes.Equal) {
				t.Errorf("the same seed gave different bodies")
			}
			if slices.EqualFunc(a, c, bytes.Equal) {
				t.Errorf("seeds 7 and 8 gave the same bodies")
			}
			validAll(t, sc.Vendor, a)
			// Payload times never go backwards.
			var last time.Time
			for _, ev := range rep1.Events {
				if ev.At.Before(last) {
					t.Errorf("step %d at %s, before %s", ev.Step, ev.At, last)
				}
				last = ev.At
			}
		})
	}
}

func TestTimeScaleDoesNotChangeBytes(t *testing.T) {
	parse := func(after string) *scenarios.Scenario {
		sc, err := scenarios.Parse("fast.yaml", []byte("name: fast\nvendor: cutover\nsteps:\n  - event: task.created\n  - event: task.started\n    after: "+after+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	// Time scale 0 does not wait the virtual hour.
	start := time.Now()
	rep, _ := play(t, parse("1h"), runs.Options{})
	if d := time.Since(start); d > 30*time.Second || rep.Status != runs.Succeeded {
		t.Errorf("time scale 0 took %s for a 1h wait (%s)", d, rep.Status)
	}
	if gap := rep.Events[1].At.Sub(rep.Events[0].At); gap != time.Hour {
		t.Errorf("virtual gap %s, want 1h", gap)
	}
	// Time scale 1 waits in real time; the bytes are the same.
	sc := parse("50ms")
	_, instant := play(t, sc, runs.Options{})
	start = time.Now()
	_, real := play(t, sc, runs.Options{TimeScale: 1})
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("time scale 1 took %s, want at least the 50ms wait", d)
	}
	if !slices.EqualFunc(instant, real, bytes.Equal) {
		t.Errorf("time scale changed the payloads")
	}
}

func names(t *testing.T, bodies [][]byte, path string) string {
	return strings.Join(eventsOf(t, bodies, path), ", ")
}

func TestCutoverRunbookIntegrationFailure(t *testing.T) {
	rep, bodies := play(t, builtin(t, "cutover-runbook-integration-failure"), runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatalf("%s: %s", rep.Status, rep.Error)
	}
	want := "task.created, task.created, task.created, task.created, run.started, runbook.updated, " +
		"task.started, task.updated, task.started, task.updated, task.started, integrations.connect, integrations.failed, " +
		"integrations.connect, integrations.success, task.updated, task.started, task.updated, runbook.updated"
	if got := names(t, bodies, "/attributes/type"); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	runbook := field(t, bodies[0], "/meta/runbook/id")
	taskIDs := map[string]any{} // task name -> id
	var last string
	for i, b := range bodies {
		ev := field(t, b, "/attributes/type").(string)
		created := field(t, b, "/attributes/created_at").(string)
		if created < last {
			t.Errorf("%d %s: created_at %s before %s", i, ev, created, last)
		}
		last = created
		if ev == "runbook.updated" {
			if field(t, b, "/relationships/entity/data/id") != runbook {
				t.Errorf("%d: runbook.updated about another runbook", i)
			}
			continue
		}
		if field(t, b, "/meta/runbook/id") != runbook || field(t, b, "/relationships/runbook/data/id") != runbook {
			t.Errorf("%d %s: runbook %v, want %v throughout", i, ev, field(t, b, "/meta/runbook/id"), runbook)
		}
		if name, ok := field(t, b, "/meta/task/name").(string); ok {
			id := field(t, b, "/meta/task/id")
			if prev, seen := taskIDs[name]; seen && prev != id {
				t.Errorf("%d: task %q has id %v, earlier %v", i, name, id, prev)
			}
			taskIDs[name] = id
			if field(t, b, "/relationships/entity/data/id") != id {
				t.Errorf("%d: relationships.entity does not match meta.task", i)
			}
		}
	}
	if len(taskIDs) != 4 {
		t.Errorf("%d tasks, want 4: %v", len(taskIDs), taskIDs)
	}
	// The first task.updated completes the task that was in progress.
	if got := field(t, bodies[7], "/meta/changes/stage"); fmtJSON(got) != `["in_progress","complete"]` {
		t.Errorf("changes %v", got)
	}
	failed := bodies[12]
	if field(t, failed, "/meta/debug_data/response_status") != "503" {
		t.Errorf("failed status %v, want the default var's 503", field(t, failed, "/meta/debug_data/response_status"))
	}
	if field(t, bodies[11], "/relationships/integration_setting/data/id") != field(t, bodies[14], "/relationships/integration_setting/data/id") {
		t.Errorf("the refired integration has another action id")
	}
	if field(t, rep.Events[4].Payload, "/meta/runbook/start_actual") != field(t, rep.Events[4].Payload, "/attributes/created_at") {
		t.Errorf("run.started: start_actual is not the run's start")
	}

	_, other := play(t, builtin(t, "cutover-runbook-integration-failure"), runs.Options{Vars: map[string]string{"failure_status": "500", "run_type": "rehearsal"}})
	if field(t, other[12], "/meta/debug_data/response_status") != "500" || field(t, other[4], "/meta/current_run/run_type") != "rehearsal" {
		t.Errorf("vars did not apply")
	}
}

func fmtJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFlexDeployReleasePipeline(t *testing.T) {
	tests := []struct {
		outcome, events, prodStage string
	}{
		{"approved", "Release Started, Snapshot Completed, Workflow Completed, Workflow Completed, Pipeline Stage Completed, " +
			"Workflow Completed, Workflow Completed, Pipeline Stage Completed, Task Created, Task Approved, " +
			"Workflow Completed, Workflow Completed, Pipeline Stage Completed, Release Ended", "SUCCESS"},
		{"rejected", "Release Started, Snapshot Completed, Workflow Completed, Workflow Completed, Pipeline Stage Completed, " +
			"Workflow Completed, Workflow Completed, Pipeline Stage Completed, Task Created, Task Rejected, Pipeline Stage Completed", "FAILED"},
		{"prod_failed", "Release Started, Snapshot Completed, Workflow Completed, Workflow Completed, Pipeline Stage Completed, " +
			"Workflow Completed, Workflow Completed, Pipeline Stage Completed, Task Created, Task Approved, " +
			"Workflow Completed, Pipeline Stage Completed", "FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.outcome, func(t *testing.T) {
			rep, bodies := play(t, builtin(t, "flexdeploy-release-pipeline"), runs.Options{Vars: map[string]string{"outcome": tt.outcome}})
			if rep.Status != runs.Succeeded {
				t.Fatalf("%s: %s", rep.Status, rep.Error)
			}
			if got := names(t, bodies, "/eventType"); got != tt.events {
				t.Fatalf("events:\n%s\nwant:\n%s", got, tt.events)
			}
			release := field(t, bodies[0], "/payload/release/releaseId")
			snapshot := field(t, bodies[1], "/payload/snapshot/snapshotId")
			for i, b := range bodies {
				ev := field(t, b, "/eventType").(string)
				for _, p := range []string{"/payload/release/releaseId", "/payload/snapshot/releaseId"} {
					if v := field(t, b, p); v != nil && v != release {
						t.Errorf("%d %s: %s %v, want release %v throughout", i, ev, p, v, release)
					}
				}
				for _, p := range []string{"/payload/snapshot/snapshotId", "/payload/snapshotId"} {
					if v := field(t, b, p); v != nil && v != snapshot {
						t.Errorf("%d %s: %s %v, want snapshot %v throughout", i, ev, p, v, snapshot)
					}
				}
				if ev == "Workflow Completed" && field(t, b, "/payload/workflow/workflowType") == "TEST" {
					suites := field(t, b, "/payload/testSuiteExec").([]any)
					if len(suites) == 0 || field(t, b, "/payload/testSuiteExec/0/status") != "PASSED" {
						t.Errorf("%d: a successful TEST workflow should carry passed test results", i)
					}
				}
			}
			last := bodies[len(bodies)-1]
			if tt.outcome != "approved" {
				if got := field(t, last, "/payload/pipelineStageExecution/executionStatus"); got != tt.prodStage {
					t.Errorf("PROD stage %v, want %s", got, tt.prodStage)
				}
				if got := field(t, last, "/payload/environment/environmentCode"); got != "PROD" {
					t.Errorf("last stage is %v", got)
				}
			}
			// The gate's task is the same task from creation to decision.
			if field(t, bodies[8], "/payload/taskId") != field(t, bodies[9], "/payload/taskId") {
				t.Errorf("the approval task changed id between created and decided")
			}
		})
	}
}

func TestRocketlaneProjectOnboarding(t *testing.T) {
	rep, bodies := play(t, builtin(t, "rocketlane-project-onboarding"), runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatalf("%s: %s", rep.Status, rep.Error)
	}
	got := eventsOf(t, bodies, "/eventType")
	if got[0] != "PROJECT_CREATED" || got[1] != "PHASE_CREATED" || got[4] != "TASK_CREATED" {
		t.Fatalf("events start %v", got[:5])
	}
	project := field(t, bodies[0], "/data/project/projectId")
	state := map[string]map[string]any{} // resource id -> its last data
	for i, b := range bodies {
		ev := got[i]
		kind := strings.ToLower(strings.Split(ev, "_")[0])
		data := field(t, b, "/data/"+kind).(map[string]any)
		pid := field(t, b, "/data/"+kind+"/projectId")
		if kind != "project" {
			pid = field(t, b, "/data/"+kind+"/project/projectId")
		}
		if pid != project {
			t.Errorf("%d %s: project %v, want %v throughout", i, ev, pid, project)
		}
		id := fmtJSON(data[kind+"Id"])
		if strings.HasSuffix(ev, "_UPDATED") {
			prev, ok := state[kind+id]
			if !ok {
				t.Fatalf("%d %s: update of a %s never created", i, ev, kind)
			}
			for _, f := range field(t, b, "/changeLog/changedFields").([]any) {
				name := f.(string)
				from, to := field(t, b, "/changeLog/from/"+name), field(t, b, "/changeLog/to/"+name)
				if fmtJSON(to) != fmtJSON(data[name]) {
					t.Errorf("%d %s: changeLog.to.%s %s, data has %s", i, ev, name, fmtJSON(to), fmtJSON(data[name]))
				}
				if fmtJSON(from) != fmtJSON(prev[name]) && !(from == nil && prev[name] == nil) {
					t.Errorf("%d %s: changeLog.from.%s %s, the previous event had %s", i, ev, name, fmtJSON(from), fmtJSON(prev[name]))
				}
			}
		}
		state[kind+id] = data
	}
}

func TestSetOverridesAndSchemaErrors(t *testing.T) {
	src := `
name: set
vendor: cutover
vars: {ticket: CHG0031337}
entities:
  change: {kind: task, integration: true}
steps:
  - event: task.created
    entity: change
    set:
      meta.task.name: "Raise ${ticket} for ${change.id}"
  - event: task.started
    entity: change
    set:
      meta.task.id: 42
`
	sc, err := scenarios.Parse("set.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rep, bodies := play(t, sc, runs.Options{})
	if len(bodies) != 1 {
		t.Fatalf("%d bodies delivered; the second step must not leave", len(bodies))
	}
	name := field(t, bodies[0], "/meta/task/name").(string)
	if !strings.HasPrefix(name, "Raise CHG0031337 for ") || strings.Contains(name, "${") {
		t.Errorf("set with references gave %q", name)
	}
	if rep.Status != runs.Failed || !strings.Contains(rep.Error, "set.yaml:12:5: step 2 (task.started)") || !strings.Contains(rep.Error, "/meta/task/id") {
		t.Errorf("a set breaking the schema should fail its step naming the place and the pointer: %s", rep.Error)
	}
}

func TestStepFaults(t *testing.T) {
	src := `
name: faults
vendor: rocketlane
entities:
  p: {kind: project}
steps:
  - event: PROJECT_CREATED
    fault: {out_of_order: true}
  - event: PROJECT_UPDATED
    update: {status: In progress}
    fault: {duplicate: true}
  - event: PROJECT_ARCHIVED
`
	sc, err := scenarios.Parse("faults.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rep, bodies := play(t, sc, runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatalf("%s", rep.Error)
	}
	got := names(t, bodies, "/eventType")
	if got != "PROJECT_UPDATED, PROJECT_UPDATED, PROJECT_CREATED, PROJECT_ARCHIVED" {
		t.Errorf("arrival order %s; want the created event after the (duplicated) update", got)
	}
	if !bytes.Equal(bodies[0], bodies[1]) {
		t.Errorf("the duplicate differs from the original")
	}
	if rep.Events[0].Fault != "out of order" || rep.Events[1].Fault != "duplicate" {
		t.Errorf("faults not reported: %+v", rep.Events[:2])
	}
}

func TestBadInputIsRefusedBeforePlaying(t *testing.T) {
	sc := builtin(t, "flexdeploy-release-pipeline")
	e := newEngine(t)
	for _, tt := range []struct {
		opts runs.Options
		want string
	}{
		{runs.Options{Vars: map[string]string{"outcom": "x"}}, "did you mean outcome?"},
		{runs.Options{Targets: []string{"not a url"}}, "target not a url"},
		{runs.Options{TimeScale: -2}, "time scale"},
		{runs.Options{TimeScale: math.NaN()}, "time scale"},
	} {
		if _, err := runs.New(sc, e, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.opts, err, tt.want)
		}
	}
	if subs := e.Subscriptions(); len(subs) != 0 {
		t.Errorf("refused runs left subscriptions: %v", subs)
	}
}

func TestFailedDeliveryFailsTheRun(t *testing.T) {
	rc := newReceiver(t, 201)
	r, err := runs.New(builtin(t, "rocketlane-project-onboarding"), newEngine(t), runs.Options{Targets: []string{rc.URL}})
	if err != nil {
		t.Fatal(err)
	}
	rep := r.Play(context.Background())
	if rep.Status != runs.Failed || rep.Deliveries.Failed != len(rep.Events) || !strings.Contains(rep.Error, "status 201") {
		t.Fatalf("a receiver answering 201 to Rocketlane should fail every delivery: %+v", rep.Deliveries)
	}
	if r.Err() != nil {
		t.Errorf("a delivery failure is not a step error: %v", r.Err())
	}
}

func TestReferencesToEntityAttributes(t *testing.T) {
	sc, err := scenarios.Parse("refs.yaml", []byte(`
name: refs
vendor: flexdeploy
entities:
  rel: {kind: release, name: 2026.05 HR Release}
  prod: {kind: environment, code: PROD}
steps:
  - event: Release Started
    set:
      payload.release.releaseDescription: "${rel.name} to ${prod.code} (env ${prod.id})"
      object: "${rel.id}"
`))
	if err != nil {
		t.Fatal(err)
	}
	rep, bodies := play(t, sc, runs.Options{})
	if rep.Status != runs.Failed || !strings.Contains(rep.Error, "/object: expected string, but got number") {
		t.Fatalf("a whole-string reference keeps the integer type, which the schema refuses for object: %s", rep.Error)
	}
	_ = bodies
	sc.Steps[0].Set = sc.Steps[0].Set[:1]
	_, bodies = play(t, sc, runs.Options{})
	desc := field(t, bodies[0], "/payload/release/releaseDescription").(string)
	if !strings.HasPrefix(desc, "2026.05 HR Release to PROD (env ") {
		t.Errorf("description %q", desc)
	}

	_, err = scenarios.Parse("bad.yaml", []byte("name: b\nvendor: cutover\nentities: {c: {kind: task, token: x}}\nsteps:\n  - event: task.created\n    set: {meta.task.name: \"${c.token}\"}\n"))
	if err == nil || !strings.Contains(err.Error(), "a task has no readable attribute token; valid: id, integration, name, stage, url") {
		t.Errorf("secret attributes are not readable: %v", err)
	}
}

// TestRunEndsWhenRetentionEvictsItsDeliveries: a run with more deliveries
// than the engine keeps still ends (evicted deliveries were final).
func TestRunEndsWhenRetentionEvictsItsDeliveries(t *testing.T) {
	rc := newReceiver(t, 200)
	e := delivery.New(delivery.Config{Retention: 5, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	sc, err := scenarios.Parse("many.yaml", []byte("name: many\nvendor: flexdeploy\nsteps:\n  - each: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n    steps:\n      - event: User Created\n        fault: {delay: 20ms}\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := runs.New(sc, e, runs.Options{Targets: []string{rc.URL, rc.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	if rep.Status != runs.Succeeded || len(rc.got()) != 24 {
		t.Fatalf("%s: %s; %d requests", rep.Status, rep.Error, len(rc.got()))
	}
	if e.Dropped() == 0 {
		t.Fatal("the test should make retention evict deliveries")
	}
}

func TestEscapedReferences(t *testing.T) {
	sc, err := scenarios.Parse("esc.yaml", []byte("name: e\nvendor: cutover\nentities:\n  t: {kind: task, name: \"cost $${price}\"}\nsteps:\n  - event: task.created\n    set: {meta.runbook.name: \"$${rb}\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, bodies := play(t, sc, runs.Options{})
	if len(bodies) != 1 || field(t, bodies[0], "/meta/task/name") != "cost ${price}" || field(t, bodies[0], "/meta/runbook/name") != "${rb}" {
		t.Fatalf("escapes: %s", bodies)
	}
}

// TestPayloadTimesMoveForward: across many seeds, no event's time, and no
// start time an event reports, is before the previous event's.
func TestPayloadTimesMoveForward(t *testing.T) {
	const fdLayout = "2006-01-02 15:04:05 -0700"
	fdTime := func(v any) (time.Time, bool) {
		s, ok := v.(string)
		if !ok {
			return time.Time{}, false
		}
		tm, err := time.Parse(fdLayout, s)
		return tm, err == nil
	}
	for _, name := range scenarios.Names() {
		sc := builtin(t, name)
		for seed := uint64(1); seed <= 15; seed++ {
			_, bodies := play(t, sc, runs.Options{Seed: &seed})
			var last, lastTriggered, lastStage time.Time
			for i, b := range bodies {
				var at, triggered time.Time
				var starts []time.Time
				switch sc.Vendor {
				case "cutover":
					at, _ = time.Parse(time.RFC3339, field(t, b, "/attributes/created_at").(string))
				case "rocketlane":
					occurred, _ := field(t, b, "/eventOccurredAt").(json.Number).Int64()
					trig, _ := field(t, b, "/eventTriggeredAt").(json.Number).Int64()
					at, triggered = time.UnixMilli(occurred), time.UnixMilli(trig)
					if triggered.Before(lastTriggered) || triggered.Before(at) {
						t.Errorf("%s seed %d event %d: eventTriggeredAt %v goes back (previous %v, occurred %v)", name, seed, i, triggered, lastTriggered, at)
					}
					lastTriggered = triggered
				case "flexdeploy":
					var ok bool
					if at, ok = fdTime(field(t, b, "/timestamp")); !ok {
						at, _ = fdTime(field(t, b, "/payload/updatedOn")) // Snapshot Completed's timestamp is null
					}
					switch field(t, b, "/eventType") {
					case "Workflow Completed":
						// A workflow starts after the event before it.
						if st, ok := fdTime(field(t, b, "/payload/startTime")); ok {
							starts = append(starts, st)
						}
					case "Pipeline Stage Completed":
						// A stage starts after the previous stage completed.
						if st, ok := fdTime(field(t, b, "/payload/pipelineStageExecution/startTime")); ok && st.Before(lastStage) {
							t.Errorf("%s seed %d event %d: stage starts %v, before the previous stage completed at %v", name, seed, i, st, lastStage)
						}
						lastStage = at
					}
				}
				if at.Before(last) {
					t.Errorf("%s seed %d event %d at %v, before %v", name, seed, i, at, last)
				}
				for _, st := range starts {
					if st.Before(last) {
						t.Errorf("%s seed %d event %d (%v) reports a start %v before the previous event %v", name, seed, i, field(t, b, "/eventType"), st, last)
					}
				}
				last = at
			}
		}
	}
}

func TestSecondRunStartedIsAnotherRun(t *testing.T) {
	sc, err := scenarios.Parse("two.yaml", []byte("name: t\nvendor: cutover\nsteps:\n  - event: run.started\n    with: {run_type: rehearsal}\n  - event: run.started\n    with: {run_type: live}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, bodies := play(t, sc, runs.Options{})
	a, b := field(t, bodies[0], "/relationships/entity/data/id"), field(t, bodies[1], "/relationships/entity/data/id")
	if a == b || field(t, bodies[1], "/meta/current_run/run_type") != "live" {
		t.Errorf("runs %v and %v: a second run.started is a new run", a, b)
	}
}

func TestBlockAfterWaitsBeforeEachRepetition(t *testing.T) {
	sc, err := scenarios.Parse("b.yaml", []byte("name: b\nvendor: cutover\nsteps:\n  - event: task.created\n  - each: [1, 2]\n    after: 5h\n    steps:\n      - event: task.created\n        after: 1m\n"))
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := play(t, sc, runs.Options{})
	for i := 1; i < 3; i++ {
		if gap := rep.Events[i].At.Sub(rep.Events[i-1].At); gap != 5*time.Hour+time.Minute {
			t.Errorf("event %d came %s after the previous, want 5h1m", i, gap)
		}
	}
}
