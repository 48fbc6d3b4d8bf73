package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
)

// apiDoc is a JSON:API answer of the emulated Cutover API.
type apiDoc struct {
	Data   json.RawMessage `json:"data"`
	Meta   map[string]any  `json:"meta"`
	Errors []struct {
		Title, Detail, Code string
	} `json:"errors"`
}

type taskResource struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Name, Stage    string
		EndActual      *string `json:"end_actual"`
		CompletionType *string `json:"completion_type"`
	} `json:"attributes"`
	Relationships struct {
		TaskType struct {
			Data struct{ ID, Type string }
		} `json:"task_type"`
	} `json:"relationships"`
}

func startScript(t *testing.T, base, script string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"script": script})
	var started struct {
		ID    string
		Error any
	}
	if code := call(t, "POST", base+"/__admin/runs", string(body), &started); code != 202 {
		t.Fatalf("start: %d %v", code, started.Error)
	}
	return started.ID
}

type runDoc struct {
	Status, Error string
	Events        []struct {
		Event   string          `json:"event"`
		Note    string          `json:"note"`
		Payload json.RawMessage `json:"payload"`
	}
}

// TestIntegrationCallsBackToFinishItsTask is the loop Cutover customers
// build: the integration endpoint is called when its task starts, and it
// finishes the task through Cutover's API; the run waits for that.
func TestIntegrationCallsBackToFinishItsTask(t *testing.T) {
	_, base := start(t, server.Config{APITokens: map[string]string{"cutover": "api-token"}})
	sink, sinkURL := newReceiver(t)
	finished := make(chan int, 1)
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ctx map[string]string
		_ = json.NewDecoder(r.Body).Decode(&ctx)
		w.WriteHeader(http.StatusAccepted)
		go func() { // the integration service finishes the task later
			time.Sleep(50 * time.Millisecond)
			code := call(t, "PATCH", fmt.Sprintf("%s/cutover/core/runbooks/%s/tasks/%s/finish", base, ctx["runbook_id"], ctx["task_id"]), "", nil, "Authorization", "Bearer api-token")
			finished <- code
		}()
	}))
	defer ep.Close()
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, sinkURL))
	id := startScript(t, base, fmt.Sprintf(`
name: callback
vendor: cutover
entities:
  runbook: {kind: runbook, name: Data Centre Exit}
  backup: {kind: task, name: Take final database backup}
  change: {kind: task, url: %q, finish_on_success: false}
  smoke: {kind: task, name: Smoke test customer login}
steps:
  - event: run.started
  - event: task.started
    entity: backup
  - event: task.updated
    entity: backup
    update: {stage: complete}
  - fire: change
  - await: {task: change, stage: complete, timeout: 10s}
  - event: task.started
    entity: smoke
`, ep.URL))
	var rep runDoc
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=15s", "", &rep)
	if rep.Status != "succeeded" {
		t.Fatalf("run %s: %s", rep.Status, rep.Error)
	}
	if code := <-finished; code != 200 {
		t.Fatalf("the callback got %d", code)
	}
	var evs []string
	for _, e := range rep.Events {
		evs = append(evs, e.Event)
	}
	want := "run.started, task.started, task.updated, task.started, integrations.connect, integrations.success, task.updated, task.started"
	if strings.Join(evs, ", ") != want {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(evs, ", "), want)
	}
	byAPI := rep.Events[6]
	if !strings.Contains(byAPI.Note, "/finish") || !strings.Contains(string(byAPI.Payload), `"changes":{"stage":["in_progress","complete"]}`) {
		t.Errorf("the task finished through the API should emit task.updated: %s %s", byAPI.Note, byAPI.Payload)
	}
	sink.mu.Lock()
	n := len(sink.bodies)
	sink.mu.Unlock()
	if n != len(rep.Events) {
		t.Errorf("subscriber got %d events, want %d", n, len(rep.Events))
	}

	// Read the runbook and its tasks back.
	runbookID := jsonField(t, rep.Events[0].Payload, "meta", "runbook", "id")
	auth := []string{"Authorization", "Bearer api-token"}
	var doc apiDoc
	if code := call(t, "GET", base+"/cutover/core/runbooks/"+runbookID, "", &doc, auth...); code != 200 {
		t.Fatalf("runbook: %d %+v", code, doc.Errors)
	}
	var rb struct {
		ID         string
		Type       string
		Attributes struct{ Name, Stage string }
	}
	_ = json.Unmarshal(doc.Data, &rb)
	if rb.ID != runbookID || rb.Type != "runbook" || rb.Attributes.Name != "Data Centre Exit" || rb.Attributes.Stage != "active" {
		t.Errorf("runbook %+v", rb)
	}
	if code := call(t, "GET", base+"/cutover/core/runbooks/"+runbookID+"/tasks", "", &doc, auth...); code != 200 {
		t.Fatalf("tasks: %d", code)
	}
	var tasks []taskResource
	_ = json.Unmarshal(doc.Data, &tasks)
	if len(tasks) != 3 || doc.Meta["page"] == nil {
		t.Fatalf("tasks %+v meta %v", tasks, doc.Meta)
	}
	stages := map[string]string{}
	for _, tk := range tasks {
		stages[tk.Attributes.Name] = tk.Attributes.Stage
	}
	if stages["Take final database backup"] != "complete" || stages["Smoke test customer login"] != "in_progress" {
		t.Errorf("stages %v", stages)
	}
	change := tasks[1]
	if change.Relationships.TaskType.Data.Type != "task_type" || change.Relationships.TaskType.Data.ID == tasks[0].Relationships.TaskType.Data.ID ||
		change.Attributes.Stage != "complete" || change.Attributes.EndActual == nil {
		t.Errorf("integration task %+v", change)
	}
	var one apiDoc
	if code := call(t, "GET", base+"/cutover/core/runbooks/"+runbookID+"/tasks/"+change.ID, "", &one, auth...); code != 200 || !strings.Contains(string(one.Data), `"stage":"complete"`) {
		t.Errorf("task: %d %s", code, one.Data)
	}

	// The smoke test is in progress: finish it through the API after the
	// run ended; its subscriber still hears of it.
	smoke := tasks[2]
	if code := call(t, "PATCH", base+"/cutover/core/runbooks/"+runbookID+"/tasks/"+smoke.ID+"/finish", "", &one, auth...); code != 200 {
		t.Fatalf("finish: %d %+v", code, one.Errors)
	}
	wait(t, base, fmt.Sprintf("count=%d&timeout=5s&event=task.updated", 3))

	tests := []struct {
		name, method, path, body string
		header                   []string
		want                     int
		detail                   string
	}{
		{"no token", "GET", "/cutover/core/runbooks/" + runbookID, "", nil, 401, "API token"},
		{"wrong token", "GET", "/cutover/core/runbooks/" + runbookID, "", []string{"Authorization", "Bearer nope"}, 401, "API token"},
		{"unknown runbook", "GET", "/cutover/core/runbooks/999999999", "", auth, 404, "no runbook"},
		{"unknown task", "GET", "/cutover/core/runbooks/" + runbookID + "/tasks/0", "", auth, 404, "no task"},
		{"finish twice", "PATCH", "/cutover/core/runbooks/" + runbookID + "/tasks/" + smoke.ID + "/finish", "", auth, 422, "only a task in progress"},
		{"start a complete task", "PATCH", "/cutover/core/runbooks/" + runbookID + "/tasks/" + smoke.ID + "/start", "", auth, 422, "only a startable task"},
		{"skip a complete task", "PATCH", "/cutover/core/runbooks/" + runbookID + "/tasks/" + smoke.ID + "/skip", `{"meta":{"comment":"done elsewhere"}}`, auth, 422, "already complete"},
		{"unknown action", "PATCH", "/cutover/core/runbooks/" + runbookID + "/tasks/" + smoke.ID + "/pause", "", auth, 404, "start, finish or skip"},
		{"unknown route", "GET", "/cutover/core/teams", "", auth, 404, "standin emulates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e apiDoc
			code := call(t, tt.method, base+tt.path, tt.body, &e, tt.header...)
			if code != tt.want || len(e.Errors) != 1 || e.Errors[0].Title != http.StatusText(tt.want) || e.Errors[0].Code == "" || !strings.Contains(e.Errors[0].Detail, tt.detail) {
				t.Fatalf("%d %+v; want %d with %q", code, e.Errors, tt.want, tt.detail)
			}
		})
	}
}

func TestAwaitTimesOut(t *testing.T) {
	_, base := start(t, server.Config{})
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	defer ep.Close()
	id := startScript(t, base, fmt.Sprintf(`
name: nobody-calls-back
vendor: cutover
entities:
  change: {kind: task, url: %q, finish_on_success: false}
steps:
  - fire: change
  - await: {task: change, timeout: 200ms}
`, ep.URL))
	var rep runDoc
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=10s", "", &rep)
	if rep.Status != "failed" || !strings.Contains(rep.Error, "script:8:5: step 4 (await)") || !strings.Contains(rep.Error, "still in_progress after 200ms") || !strings.Contains(rep.Error, "/finish") {
		t.Fatalf("run %s: %s", rep.Status, rep.Error)
	}
}

func TestSkipThroughTheAPI(t *testing.T) {
	_, base := start(t, server.Config{})
	id := startScript(t, base, "name: s\nvendor: cutover\nentities:\n  a: {kind: task}\n  b: {kind: task}\nsteps:\n  - event: run.started\n")
	var rep runDoc
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=10s", "", &rep)
	rb := jsonField(t, rep.Events[0].Payload, "meta", "runbook", "id")
	var doc apiDoc
	call(t, "GET", base+"/cutover/core/runbooks/"+rb+"/tasks", "", &doc)
	var tasks []taskResource
	_ = json.Unmarshal(doc.Data, &tasks)
	if len(tasks) != 2 || tasks[0].Attributes.Stage != "startable" || tasks[1].Attributes.Stage != "not_startable" {
		t.Fatalf("after run.started the first task is startable: %+v", tasks)
	}
	if code := call(t, "PATCH", base+"/cutover/core/runbooks/"+rb+"/tasks/"+tasks[0].ID+"/skip", `{"meta":{"comment":"not needed"}}`, nil); code != 204 {
		t.Fatalf("skip: %d", code)
	}
	call(t, "GET", base+"/cutover/core/runbooks/"+rb+"/tasks/"+tasks[0].ID, "", &doc)
	if !strings.Contains(string(doc.Data), `"completion_type":"complete_skipped"`) {
		t.Errorf("a skipped task is complete_skipped: %s", doc.Data)
	}
	call(t, "GET", base+"/cutover/core/runbooks/"+rb+"/tasks/"+tasks[1].ID, "", &doc)
	if !strings.Contains(string(doc.Data), `"stage":"startable"`) {
		t.Errorf("skipping a task makes the next one startable: %s", doc.Data)
	}
	if code := call(t, "PATCH", base+"/cutover/core/runbooks/"+rb+"/tasks/"+tasks[1].ID+"/start", "", &doc); code != 200 || !strings.Contains(string(doc.Data), `"stage":"in_progress"`) {
		t.Errorf("start: %d %s", code, doc.Data)
	}
}

func jsonField(t *testing.T, doc []byte, path ...string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// TestSameRunbookInTwoLiveRunsIsAConflict: runs with the same scenario and
// seed have the same ids; the API refuses to guess which one is meant.
func TestSameRunbookInTwoLiveRunsIsAConflict(t *testing.T) {
	_, base := start(t, server.Config{})
	script := "name: twin\nvendor: cutover\nentities: {c: {kind: task}}\nsteps:\n  - event: run.started\n  - await: {task: c, stage: complete, timeout: 3s}\n"
	a, b := startScript(t, base, script), startScript(t, base, script)
	var rep runDoc
	for rep.Status == "" || len(rep.Events) == 0 {
		call(t, "GET", base+"/__admin/runs/"+b, "", &rep)
		time.Sleep(10 * time.Millisecond)
	}
	rb := jsonField(t, rep.Events[0].Payload, "meta", "runbook", "id")
	var e apiDoc
	if code := call(t, "GET", base+"/cutover/core/runbooks/"+rb, "", &e); code != 409 || len(e.Errors) != 1 ||
		!strings.Contains(e.Errors[0].Detail, a) || !strings.Contains(e.Errors[0].Detail, b) || !strings.Contains(e.Errors[0].Detail, "different seeds") {
		t.Fatalf("%d %+v", code, e.Errors)
	}
	call(t, "POST", base+"/__admin/reset", "", nil)
	if code := call(t, "GET", base+"/cutover/core/runbooks/"+rb, "", &e); code != 404 {
		t.Errorf("after a reset the runbook is gone: %d", code)
	}
}

// TestExecuteInPlanningAndRehearsal: Cutover's event integration settings
// as subscription fields. With execute_in_planning false a subscription
// hears nothing of the runbook's planning (the built-in story's four
// task.created); with execute_in_rehearsal false, nothing of a rehearsal
// run; a subscription that leaves them unset hears the whole story.
func TestExecuteInPlanningAndRehearsal(t *testing.T) {
	tests := []struct {
		name, setting, runType string
		want                   func(ev string, i int) bool // whether the story's i-th event reaches the subscription
	}{
		{"planning off", `"execute_in_planning":false`, "live", func(ev string, i int) bool { return i >= 4 }},
		{"rehearsal off, live run", `"execute_in_rehearsal":false`, "live", func(string, int) bool { return true }},
		{"rehearsal off, rehearsal run", `"execute_in_rehearsal":false`, "rehearsal", func(ev string, i int) bool { return i < 4 }},
		{"both on", `"execute_in_planning":true,"execute_in_rehearsal":true`, "rehearsal", func(string, int) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, base := start(t, server.Config{})
			rcv, url := newReceiver(t)
			all, allURL := newReceiver(t)
			subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q,%s}`, url, tt.setting))
			subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, allURL))
			var started struct{ ID string }
			if code := call(t, "POST", base+"/__admin/runs", fmt.Sprintf(`{"scenario":"cutover-runbook-integration-failure","vars":{"run_type":%q}}`, tt.runType), &started); code != 202 {
				t.Fatalf("start: %d", code)
			}
			var rep runDoc
			call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=15s", "", &rep)
			if rep.Status != "succeeded" {
				t.Fatalf("run %s: %s", rep.Status, rep.Error)
			}
			var want []string
			for i, e := range rep.Events {
				if tt.want(e.Event, i) {
					want = append(want, string(e.Payload))
				}
			}
			rcv.mu.Lock()
			got := append([]string(nil), rcv.bodies...)
			rcv.mu.Unlock()
			all.mu.Lock()
			n := len(all.bodies)
			all.mu.Unlock()
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("the subscription got %d events, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
			}
			if n != len(rep.Events) {
				t.Errorf("the default subscription got %d events, want all %d", n, len(rep.Events))
			}
		})
	}
	_, base := start(t, server.Config{})
	var e struct{ Error struct{ Message string } }
	if code := call(t, "POST", base+"/__admin/subscriptions", `{"vendor":"rocketlane","url":"http://localhost:9/x","execute_in_planning":false}`, &e); code != 400 || !strings.Contains(e.Error.Message, "execute_in_planning") {
		t.Errorf("rocketlane execute_in_planning: %d %+v", code, e)
	}
}

// TestAwaitInPlanningSaysToStartTheRunbook: a task awaited while its
// runbook is still in planning cannot move until the runbook starts; the
// failure says how.
func TestAwaitInPlanningSaysToStartTheRunbook(t *testing.T) {
	_, base := start(t, server.Config{})
	id := startScript(t, base, "name: p\nvendor: cutover\nentities: {c: {kind: task}}\nsteps:\n  - event: task.created\n    entity: c\n  - await: {task: c, timeout: 100ms}\n")
	var rep runDoc
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=10s", "", &rep)
	if rep.Status != "failed" || !strings.Contains(rep.Error, "in planning") || !strings.Contains(rep.Error, "/start") || !strings.Contains(rep.Error, "run_type") {
		t.Fatalf("run %s: %s", rep.Status, rep.Error)
	}
}
