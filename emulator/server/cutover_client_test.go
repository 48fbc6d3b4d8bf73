package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
)

// cutoverClient calls the emulated API as Cutover's official client does
// (cutover-api-notes.md §1, §3): paths relative to the base URL, or a full
// URL used as is (links.next is followed verbatim); Accept and
// Content-Type application/json; Authorization: Bearer <token>; a 204 is an
// empty answer.
type cutoverClient struct {
	t     *testing.T
	base  string // such as http://127.0.0.1:1234/cutover
	token string
}

// do sends one request; it returns the status and the body.
func (c *cutoverClient) do(method, endpoint string, body any) (int, []byte) {
	c.t.Helper()
	u := endpoint
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = strings.TrimRight(c.base, "/") + "/" + strings.TrimLeft(endpoint, "/")
	}
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "CutoverMCP/0.3.0")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNoContent && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		c.t.Fatalf("%s %s: Content-Type %q", method, u, resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, b
}

// ok sends a request that must succeed and decodes its answer strictly.
func (c *cutoverClient) ok(method, endpoint string, body, out any) {
	c.t.Helper()
	code, b := c.do(method, endpoint, body)
	if code != 200 {
		c.t.Fatalf("%s %s: %d %s", method, endpoint, code, b)
	}
	strict(c.t, b, out)
}

// refused sends a request that must fail with status; its answer must be
// Cutover's documented error document, with want in a detail.
func (c *cutoverClient) refused(method, endpoint string, body any, status int, code, want string) {
	c.t.Helper()
	got, b := c.do(method, endpoint, body)
	var e cutoverErrors
	if got != status {
		c.t.Fatalf("%s %s: %d %s; want %d", method, endpoint, got, b, status)
	}
	strict(c.t, b, &e)
	if len(e.Errors) != 1 || e.Errors[0].Code != code || e.Errors[0].Title != http.StatusText(status) || !strings.Contains(e.Errors[0].Detail, want) {
		c.t.Fatalf("%s %s: %+v; want code %s with %q", method, endpoint, e.Errors, code, want)
	}
}

// strict decodes a JSON:API document into v, refusing any member v does
// not declare: what the API answers is what its docs list, no more.
func strict(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
}

// cutoverErrors is Cutover's documented error body (error-codes page).
type cutoverErrors struct {
	Errors []struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Code   string `json:"code"`
	} `json:"errors"`
}

// The models below are the API's documented resources (cutover-api-notes.md
// §3, §5), written from the notes, not from standin's code.

type apiIdentifier struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type toOneRel struct {
	Data  *apiIdentifier    `json:"data"`
	Links map[string]string `json:"links"`
}

type toManyRel struct {
	Data  []apiIdentifier   `json:"data"`
	Links map[string]string `json:"links"`
}

type customField struct {
	Name          string `json:"name"`
	CustomFieldID string `json:"custom_field_id"`
	Value         any    `json:"value"`
	DisplayName   string `json:"display_name"`
	ReadOnly      bool   `json:"read_only"`
}

type apiTask struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Name              string        `json:"name"`
		Description       string        `json:"description"`
		Duration          int           `json:"duration"`
		Stage             string        `json:"stage"`
		StartPlanned      *string       `json:"start_planned"`
		EndPlanned        *string       `json:"end_planned"`
		StartActual       *string       `json:"start_actual"`
		EndActual         *string       `json:"end_actual"`
		StartFixed        *string       `json:"start_fixed"`
		EndFixed          *string       `json:"end_fixed"`
		CreatedAt         string        `json:"created_at"`
		UpdatedAt         string        `json:"updated_at"`
		CustomFieldValues []customField `json:"custom_field_values"`
		CommentsCount     int           `json:"comments_count"`
		TaskLinks         []struct {
			ID       int    `json:"id"`
			LinkType string `json:"link_type"`
		} `json:"task_links"`
		CompletionType *string `json:"completion_type"`
	} `json:"attributes"`
	Relationships struct {
		Stream         toOneRel  `json:"stream"`
		TaskType       toOneRel  `json:"task_type"`
		Assignees      toManyRel `json:"assignees"`
		Predecessors   toManyRel `json:"predecessors"`
		Successors     toManyRel `json:"successors"`
		RunbookVersion toOneRel  `json:"runbook_version"`
	} `json:"relationships"`
	Links map[string]string `json:"links"`
	Meta  map[string]any    `json:"meta"`
}

type apiRunbook struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		Name              string        `json:"name"`
		Description       string        `json:"description"`
		Archived          bool          `json:"archived"`
		IsTemplate        bool          `json:"is_template"`
		Stage             string        `json:"stage"`
		Status            string        `json:"status"`
		TemplateType      string        `json:"template_type"`
		RTO               *int          `json:"rto"`
		Timezone          string        `json:"timezone"`
		StartPlanned      *string       `json:"start_planned"`
		EndPlanned        *string       `json:"end_planned"`
		StartScheduled    *string       `json:"start_scheduled"`
		EndScheduled      *string       `json:"end_scheduled"`
		StartActual       *string       `json:"start_actual"`
		EndActual         *string       `json:"end_actual"`
		CreatedAt         string        `json:"created_at"`
		UpdatedAt         string        `json:"updated_at"`
		CustomFieldValues []customField `json:"custom_field_values"`
	} `json:"attributes"`
	Relationships struct {
		Workspace      toOneRel `json:"workspace"`
		Folder         toOneRel `json:"folder"`
		RunbookType    toOneRel `json:"runbook_type"`
		Author         toOneRel `json:"author"`
		CurrentVersion toOneRel `json:"current_version"`
	} `json:"relationships"`
	Links map[string]string `json:"links"`
	Meta  map[string]any    `json:"meta"`
}

type single[T any] struct {
	Data     T               `json:"data"`
	Included json.RawMessage `json:"included"`
}

type list[T any] struct {
	Data []T `json:"data"`
	Meta struct {
		Page struct {
			Number int  `json:"number"`
			Size   int  `json:"size"`
			Total  *int `json:"total"`
		} `json:"page"`
	} `json:"meta"`
	Links struct {
		Self  *string `json:"self"`
		First *string `json:"first"`
		Last  *string `json:"last"`
		Prev  *string `json:"prev"`
		Next  *string `json:"next"`
	} `json:"links"`
	Included json.RawMessage `json:"included"`
}

// tasks reads every task of a runbook as the client does: the first page
// with its query, then links.next verbatim until it is null.
func (c *cutoverClient) tasks(runbook, query string) ([]apiTask, int) {
	c.t.Helper()
	var all []apiTask
	pages := 0
	next := "core/runbooks/" + runbook + "/tasks" + query
	for next != "" {
		var page list[apiTask]
		c.ok("GET", next, nil, &page)
		pages++
		all = append(all, page.Data...)
		if page.Links.Self == nil || !strings.Contains(*page.Links.Self, "/cutover/core/") {
			c.t.Fatalf("links.self %v does not resolve on standin", page.Links.Self)
		}
		next = ""
		if page.Links.Next != nil {
			next = *page.Links.Next
		}
		if pages > 50 {
			c.t.Fatal("links.next never ends")
		}
	}
	return all, pages
}

func (c *cutoverClient) runbook(id string) apiRunbook {
	c.t.Helper()
	var doc single[apiRunbook]
	c.ok("GET", "core/runbooks/"+id, nil, &doc)
	checkRunbook(c.t, doc.Data)
	return doc.Data
}

func (c *cutoverClient) task(runbook, id string) apiTask {
	c.t.Helper()
	var doc single[apiTask]
	c.ok("GET", "core/runbooks/"+runbook+"/tasks/"+id, nil, &doc)
	checkTask(c.t, doc.Data)
	return doc.Data
}

// checkTime fails unless v is null (when nullable) or an ISO 8601 time.
func checkTime(t *testing.T, what string, v *string, nullable bool) {
	t.Helper()
	if v == nil {
		if !nullable {
			t.Errorf("%s is null", what)
		}
		return
	}
	if _, err := time.Parse(time.RFC3339, *v); err != nil {
		t.Errorf("%s %q is not ISO 8601", what, *v)
	}
}

// checkTask holds a task to the documented types and enums.
func checkTask(t *testing.T, tk apiTask) {
	t.Helper()
	a := tk.Attributes
	if tk.Type != "task" || tk.ID == "" {
		t.Errorf("task %s type %q (the API's types are bare)", tk.ID, tk.Type)
	}
	if !slices.Contains([]string{"not_startable", "startable", "in_progress", "complete"}, a.Stage) {
		t.Errorf("task %s stage %q", tk.ID, a.Stage)
	}
	if a.CompletionType != nil && (a.Stage != "complete" || !slices.Contains([]string{"complete_normal", "complete_skipped", "complete_abandoned", "complete_auto"}, *a.CompletionType)) {
		t.Errorf("task %s: completion_type %q at stage %s", tk.ID, *a.CompletionType, a.Stage)
	}
	if a.Stage == "complete" && a.CompletionType == nil {
		t.Errorf("task %s is complete with no completion_type", tk.ID)
	}
	for what, v := range map[string]*string{"start_planned": a.StartPlanned, "end_planned": a.EndPlanned, "created_at": &a.CreatedAt, "updated_at": &a.UpdatedAt} {
		checkTime(t, "task "+tk.ID+" "+what, v, false)
	}
	for what, v := range map[string]*string{"start_actual": a.StartActual, "end_actual": a.EndActual, "start_fixed": a.StartFixed, "end_fixed": a.EndFixed} {
		checkTime(t, "task "+tk.ID+" "+what, v, true)
	}
	if (a.StartActual != nil) != (a.Stage == "in_progress" || a.Stage == "complete") || (a.EndActual != nil) != (a.Stage == "complete") {
		t.Errorf("task %s at stage %s has start_actual %v, end_actual %v", tk.ID, a.Stage, a.StartActual, a.EndActual)
	}
	if *a.EndPlanned < *a.StartPlanned || a.Duration <= 0 {
		t.Errorf("task %s planned %s to %s for %ds", tk.ID, *a.StartPlanned, *a.EndPlanned, a.Duration)
	}
	r := tk.Relationships
	if r.TaskType.Data == nil || r.TaskType.Data.Type != "task_type" || r.Stream.Data == nil || r.Stream.Data.Type != "stream" ||
		r.RunbookVersion.Data == nil || r.RunbookVersion.Data.Type != "runbook_version" || r.Assignees.Data == nil {
		t.Errorf("task %s relationships %+v", tk.ID, r)
	}
	for _, p := range slices.Concat(r.Predecessors.Data, r.Successors.Data) {
		if p.Type != "task" {
			t.Errorf("task %s: a predecessor or successor of type %q", tk.ID, p.Type)
		}
	}
	if !strings.Contains(tk.Links["self"], "/cutover/core/runbooks/") || !strings.HasSuffix(tk.Links["self"], "/tasks/"+tk.ID) {
		t.Errorf("task %s links.self %q", tk.ID, tk.Links["self"])
	}
}

// checkRunbook holds a runbook to the documented types and enums.
func checkRunbook(t *testing.T, rb apiRunbook) {
	t.Helper()
	a := rb.Attributes
	if rb.Type != "runbook" || !slices.Contains([]string{"planning", "active", "paused", "canceled", "complete"}, a.Stage) ||
		!slices.Contains([]string{"off", "red", "amber", "green"}, a.Status) || !slices.Contains([]string{"off", "default", "snippet"}, a.TemplateType) {
		t.Errorf("runbook %s: type %q stage %q status %q template_type %q", rb.ID, rb.Type, a.Stage, a.Status, a.TemplateType)
	}
	if _, err := time.LoadLocation(a.Timezone); err != nil || a.Timezone == "" {
		t.Errorf("runbook %s timezone %q", rb.ID, a.Timezone)
	}
	if (a.StartActual == nil) != (a.Stage == "planning") || (a.EndActual != nil) != (a.Stage == "complete") {
		t.Errorf("runbook %s at stage %s has start_actual %v, end_actual %v", rb.ID, a.Stage, a.StartActual, a.EndActual)
	}
	checkTime(t, "start_actual", a.StartActual, true)
	checkTime(t, "end_actual", a.EndActual, true)
	checkTime(t, "start_planned", a.StartPlanned, false)
	checkTime(t, "created_at", &a.CreatedAt, false)
	r := rb.Relationships
	if r.Workspace.Data == nil || r.Workspace.Data.Type != "workspace" || r.Author.Data == nil || r.Author.Data.Type != "user" ||
		r.CurrentVersion.Data == nil || r.CurrentVersion.Data.Type != "runbook_version" || r.RunbookType.Data == nil || r.RunbookType.Data.Type != "runbook_type" {
		t.Errorf("runbook %s relationships %+v", rb.ID, r)
	}
	if !strings.HasSuffix(rb.Links["self"], "/cutover/core/runbooks/"+rb.ID) {
		t.Errorf("runbook %s links.self %q", rb.ID, rb.Links["self"])
	}
}

// TestCutoverAPIAsItsClientDrivesIt: a run plans a runbook of five tasks
// and waits; the client starts the runbook, works, skips, pauses and
// resumes through the API as Cutover's official client sends those calls,
// until the run's await sees the last task complete.
func TestCutoverAPIAsItsClientDrivesIt(t *testing.T) {
	_, base := start(t, server.Config{APITokens: map[string]string{"cutover": "tok"}})
	rcv, rcvURL := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, rcvURL))
	id := startScript(t, base, `
name: api-driven
vendor: cutover
entities:
  runbook: {kind: runbook, name: Payments Gateway Migration}
  a: {kind: task}
  b: {kind: task}
  c: {kind: task}
  d: {kind: task}
  e: {kind: task}
steps:
  - each: [a, b, c, d, e]
    steps: [{event: task.created, entity: "${item}"}]
  - await: {task: e, stage: complete, timeout: 20s}
`)
	c := &cutoverClient{t: t, base: base + "/cutover", token: "tok"}
	var rep runDoc
	for len(rep.Events) < 5 {
		call(t, "GET", base+"/__admin/runs/"+id, "", &rep)
		time.Sleep(5 * time.Millisecond)
	}
	rbID := jsonField(t, rep.Events[0].Payload, "meta", "runbook", "id")

	// Planning: no start, no task can move.
	rb := c.runbook(rbID)
	if rb.Attributes.Stage != "planning" || rb.Attributes.StartActual != nil || rb.Attributes.Name != "Payments Gateway Migration" {
		t.Fatalf("runbook in planning: %+v", rb.Attributes)
	}
	tasks, pages := c.tasks(rbID, "?page[size]=2")
	if len(tasks) != 5 || pages != 3 {
		t.Fatalf("%d tasks in %d pages, want 5 in 3", len(tasks), pages)
	}
	for i, tk := range tasks {
		checkTask(t, tk)
		if tk.Attributes.Stage != "not_startable" {
			t.Errorf("task %s is %s in planning", tk.ID, tk.Attributes.Stage)
		}
		// links.self resolves to the same task.
		var again single[apiTask]
		c.ok("GET", tk.Links["self"], nil, &again)
		if again.Data.ID != tk.ID {
			t.Errorf("links.self %s is task %s", tk.Links["self"], again.Data.ID)
		}
		if i > 0 && (len(tk.Relationships.Predecessors.Data) != 1 || tk.Relationships.Predecessors.Data[0].ID != tasks[i-1].ID) {
			t.Errorf("task %s predecessors %+v", tk.ID, tk.Relationships.Predecessors.Data)
		}
		if i > 0 && *tk.Attributes.StartPlanned != *tasks[i-1].Attributes.EndPlanned {
			t.Errorf("task %s is planned to start %s, not when %s ends (%s)", tk.ID, *tk.Attributes.StartPlanned, tasks[i-1].ID, *tasks[i-1].Attributes.EndPlanned)
		}
	}
	task := func(i int) string { return "core/runbooks/" + rbID + "/tasks/" + tasks[i].ID }
	c.refused("PATCH", task(0)+"/start", nil, 422, "unprocessable_entity", "in planning")
	c.refused("PATCH", "core/runbooks/"+rbID+"/pause", map[string]any{"meta": map[string]any{"notify": false}}, 422, "unprocessable_entity", "only a runbook active")

	// Start: run_type and comms are required.
	c.refused("PATCH", "core/runbooks/"+rbID+"/start", nil, 422, "unprocessable_entity", "meta.run_type is required")
	c.refused("PATCH", "core/runbooks/"+rbID+"/start", map[string]any{"meta": map[string]any{"run_type": "live"}}, 422, "unprocessable_entity", "meta.comms is required")
	c.refused("PATCH", "core/runbooks/"+rbID+"/start", map[string]any{"meta": map[string]any{"run_type": "dress", "comms": "off"}}, 422, "unprocessable_entity", "live, rehearsal")
	var started single[apiRunbook]
	c.ok("PATCH", "core/runbooks/"+rbID+"/start", map[string]any{"meta": map[string]any{
		"comms": "off", "disable_task_notify": false, "run_type": "live", "rebaseline": false, "shift_fixed_times": false, "validation_level": "warning",
	}}, &started)
	checkRunbook(t, started.Data)
	if started.Data.Attributes.Stage != "active" || started.Data.Attributes.StartActual == nil {
		t.Fatalf("started runbook %+v", started.Data.Attributes)
	}
	c.refused("PATCH", "core/runbooks/"+rbID+"/start", map[string]any{"meta": map[string]any{"run_type": "live", "comms": "off"}}, 422, "unprocessable_entity", "only a runbook in planning")

	// The list's stage filter: "default" is not_startable.
	if got, _ := c.tasks(rbID, "?stage=startable"); len(got) != 1 || got[0].ID != tasks[0].ID {
		t.Errorf("startable tasks %+v", got)
	}
	if got, _ := c.tasks(rbID, "?stage=default,in_progress"); len(got) != 4 {
		t.Errorf("stage=default,in_progress: %d tasks", len(got))
	}
	c.refused("GET", "core/runbooks/"+rbID+"/tasks?stage=not_startable", nil, 422, "unprocessable_entity", "default")

	// Work the first task; skip the second (a comment is required, and
	// skip answers no task).
	var one single[apiTask]
	c.ok("PATCH", task(0)+"/start", nil, &one)
	if one.Data.Attributes.Stage != "in_progress" || one.Data.Attributes.StartActual == nil {
		t.Errorf("started %+v", one.Data.Attributes)
	}
	c.ok("PATCH", task(0)+"/finish", nil, &one)
	if a := one.Data.Attributes; a.Stage != "complete" || a.CompletionType == nil || *a.CompletionType != "complete_normal" {
		t.Errorf("finished %+v", a)
	}
	c.refused("PATCH", task(1)+"/skip", nil, 422, "unprocessable_entity", "meta")
	c.refused("PATCH", task(1)+"/skip", map[string]any{"meta": map[string]any{"comment": " "}}, 422, "unprocessable_entity", "reason")
	if code, b := c.do("PATCH", task(1)+"/skip", map[string]any{"meta": map[string]any{"comment": "not needed in this window"}}); code != 204 || len(b) != 0 {
		t.Fatalf("skip: %d %s", code, b)
	}
	if a := c.task(rbID, tasks[1].ID).Attributes; a.Stage != "complete" || *a.CompletionType != "complete_skipped" {
		t.Errorf("skipped %+v", a)
	}

	// Pause: tasks cannot move; resume.
	var paused single[apiRunbook]
	c.ok("PATCH", "core/runbooks/"+rbID+"/pause", map[string]any{"meta": map[string]any{"message": "waiting for CAB", "notify": true}}, &paused)
	if paused.Data.Attributes.Stage != "paused" {
		t.Errorf("paused: %s", paused.Data.Attributes.Stage)
	}
	c.refused("PATCH", task(2)+"/start", nil, 422, "unprocessable_entity", "paused")
	c.refused("PATCH", "core/runbooks/"+rbID+"/pause", nil, 422, "unprocessable_entity", "is paused")
	c.ok("PATCH", "core/runbooks/"+rbID+"/resume", map[string]any{"meta": map[string]any{}}, &paused)
	if paused.Data.Attributes.Stage != "active" {
		t.Errorf("resumed: %s", paused.Data.Attributes.Stage)
	}
	for i := 2; i < 5; i++ {
		c.ok("PATCH", task(i)+"/start", nil, &one)
		c.ok("PATCH", task(i)+"/finish", nil, &one)
	}
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=15s", "", &rep)
	if rep.Status != "succeeded" {
		t.Fatalf("run %s: %s", rep.Status, rep.Error)
	}
	done := c.runbook(rbID)
	if done.Attributes.Stage != "complete" || done.Attributes.EndActual == nil || *done.Attributes.EndActual < *done.Attributes.StartActual {
		t.Errorf("runbook after its last task: %+v", done.Attributes)
	}
	c.refused("PATCH", "core/runbooks/"+rbID+"/cancel", nil, 422, "unprocessable_entity", "is complete")

	// The events: what each call emitted, in order, and the receiver heard.
	var evs []string
	for _, e := range rep.Events {
		evs = append(evs, e.Event)
	}
	want := "task.created, task.created, task.created, task.created, task.created, run.started, task.started, task.updated, task.updated, " +
		"runbook.updated, runbook.updated, task.started, task.updated, task.started, task.updated, task.started, task.updated"
	if strings.Join(evs, ", ") != want {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(evs, ", "), want)
	}
	if rt := jsonField(t, rep.Events[5].Payload, "meta", "current_run", "run_type"); rt != "live" {
		t.Errorf("run.started run_type %q", rt)
	}
	if sa := jsonField(t, rep.Events[5].Payload, "meta", "runbook", "start_actual"); sa != *started.Data.Attributes.StartActual {
		t.Errorf("run.started start_actual %s, the API says %s", sa, *started.Data.Attributes.StartActual)
	}
	if !strings.Contains(rep.Events[8].Note, "not needed in this window") {
		t.Errorf("the skip's comment is not in the run's report: %q", rep.Events[8].Note)
	}
	wait(t, base, fmt.Sprintf("count=%d&timeout=5s", len(rep.Events)))
	rcv.mu.Lock()
	n := len(rcv.bodies)
	rcv.mu.Unlock()
	if n != len(rep.Events) {
		t.Errorf("the subscriber got %d events, want %d", n, len(rep.Events))
	}
}

// TestCutoverAPICancelAndLists: a rehearsal started and canceled through
// the API; the runbook list pages and filters; errors are Cutover's.
func TestCutoverAPICancelAndLists(t *testing.T) {
	_, base := start(t, server.Config{})
	id := startScript(t, base, "name: c\nvendor: cutover\nentities: {a: {kind: task}, b: {kind: task}}\nsteps:\n  - event: task.created\n    entity: a\n")
	var rep runDoc
	call(t, "GET", base+"/__admin/runs/"+id+"?wait=10s", "", &rep)
	rbID := jsonField(t, rep.Events[0].Payload, "meta", "runbook", "id")
	c := &cutoverClient{t: t, base: base + "/cutover"}

	var rbs list[apiRunbook]
	c.ok("GET", "core/runbooks?stage=planning", nil, &rbs)
	if len(rbs.Data) != 1 || rbs.Data[0].ID != rbID || rbs.Links.Next != nil || rbs.Meta.Page.Number != 1 {
		t.Fatalf("runbooks %+v", rbs)
	}
	c.ok("GET", "core/runbooks?stage=active", nil, &rbs)
	if len(rbs.Data) != 0 {
		t.Errorf("no runbook is active: %+v", rbs.Data)
	}
	c.ok("PATCH", "core/runbooks/"+rbID+"/start", map[string]any{"meta": map[string]any{"run_type": "rehearsal", "comms": "test"}}, &single[apiRunbook]{})
	var canceled single[apiRunbook]
	c.ok("PATCH", "core/runbooks/"+rbID+"/cancel", map[string]any{"meta": map[string]any{"message": "abandoned", "notify": false}}, &canceled)
	checkRunbook(t, canceled.Data)
	if canceled.Data.Attributes.Stage != "canceled" {
		t.Errorf("canceled: %s", canceled.Data.Attributes.Stage)
	}
	tasks, _ := c.tasks(rbID, "")
	c.refused("PATCH", "core/runbooks/"+rbID+"/tasks/"+tasks[0].ID+"/start", nil, 422, "unprocessable_entity", "canceled")
	c.refused("PATCH", "core/runbooks/"+rbID+"/resume", nil, 422, "unprocessable_entity", "only a runbook paused")

	tests := []struct {
		method, path string
		body         string
		status       int
		code, detail string
	}{
		{"GET", "core/runbooks/999999", "", 404, "not_found", "no runbook"},
		{"GET", "core/runbooks/" + rbID + "/tasks/0", "", 404, "not_found", "no task"},
		{"GET", "core/teams", "", 404, "not_found", "standin emulates"},
		{"POST", "core/runbooks/" + rbID + "/start", "", 405, "method_not_allowed", "use PATCH"},
		{"PATCH", "core/runbooks/" + rbID + "/archive", "", 404, "not_found", "start, pause, resume or cancel"},
		{"PATCH", "core/runbooks/" + rbID + "/start", "{", 400, "bad_request", "JSON"},
		{"PATCH", "core/runbooks/" + rbID + "/pause", `{"meta":{"notify":"yes"}}`, 422, "unprocessable_entity", "meta.notify"},
		{"GET", "core/runbooks/" + rbID + "/tasks?page[size]=0", "", 400, "bad_request", "page[size]"},
		{"GET", "core/runbooks/" + rbID + "/tasks?page[number]=x", "", 400, "bad_request", "page[number]"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+"/cutover/"+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e cutoverErrors
			strict(t, b, &e)
			if resp.StatusCode != tt.status || len(e.Errors) != 1 || e.Errors[0].Code != tt.code || !strings.Contains(e.Errors[0].Detail, tt.detail) {
				t.Fatalf("%d %s; want %d %s with %q", resp.StatusCode, b, tt.status, tt.code, tt.detail)
			}
		})
	}
	// A page past the last is empty, with a prev link and no next.
	var past list[apiTask]
	c.ok("GET", "core/runbooks/"+rbID+"/tasks?page[number]=3&page[size]=1", nil, &past)
	if len(past.Data) != 0 || past.Links.Next != nil || past.Links.Prev == nil || *past.Meta.Page.Total != 2 {
		t.Errorf("page 3 of 2: %+v", past)
	}
}
