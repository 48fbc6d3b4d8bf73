package runs

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
)

// APIError is a request the emulated Cutover API refuses, with its HTTP
// status.
type APIError struct {
	Status int
	Detail string
}

// Error returns the detail.
func (e *APIError) Error() string { return e.Detail }

func notFound(format string, args ...any) error {
	return &APIError{Status: http.StatusNotFound, Detail: fmt.Sprintf(format, args...)}
}

// CutoverAPI answers the emulated Cutover API (GET core/runbooks/{id},
// its tasks, PATCH …/tasks/{tid}/start|finish|skip) for the runbooks of a
// manager's runs. A task moved through it emits the event Cutover would,
// through the run that holds the runbook, and wakes the run's await
// steps.
type CutoverAPI struct{ m *Manager }

// Cutover returns the emulated Cutover API over m's runs.
func (m *Manager) Cutover() CutoverAPI { return CutoverAPI{m} }

// find returns the run holding the runbook with id: the one in progress,
// else the newest. Runs with the same scenario and seed have the same ids
// (their payloads are byte-identical), so two in progress at once are
// ambiguous: a 409 says so rather than guess.
func (a CutoverAPI) find(id string) (*Run, *cutoverWorld, string, error) {
	type hit struct {
		r    *Run
		w    *cutoverWorld
		name string
	}
	var live []hit
	var newest *hit
	for _, r := range a.m.List() {
		w, ok := r.world.(*cutoverWorld)
		if !ok {
			continue
		}
		r.wmu.Lock()
		for name, rb := range w.runbooks {
			if rb.ID == id {
				h := hit{r, w, name}
				newest = &h
				select {
				case <-r.Done():
				default:
					live = append(live, h)
				}
			}
		}
		r.wmu.Unlock()
	}
	switch {
	case len(live) == 1:
		return live[0].r, live[0].w, live[0].name, nil
	case len(live) > 1:
		ids := make([]string, len(live))
		for i, h := range live {
			ids[i] = h.r.ID()
		}
		return nil, nil, "", &APIError{Status: http.StatusConflict, Detail: fmt.Sprintf(
			"runbook %s belongs to %d runs in progress (%s): runs with the same scenario and seed have the same ids; give concurrent runs different seeds",
			id, len(live), strings.Join(ids, ", "))}
	case newest != nil:
		return newest.r, newest.w, newest.name, nil
	}
	return nil, nil, "", notFound("no runbook %q: runbooks come from scenario runs (POST /__admin/runs)", id)
}

// Runbook returns the runbook with id.
func (a CutoverAPI) Runbook(id string) (cutover.Document, error) {
	r, w, name, err := a.find(id)
	if err != nil {
		return cutover.Document{}, err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	return cutover.Document{Data: w.runbookResource(w.runbooks[name])}, nil
}

// Tasks lists the runbook's tasks, in runbook order.
func (a CutoverAPI) Tasks(id string) (cutover.Document, error) {
	r, w, _, err := a.find(id)
	if err != nil {
		return cutover.Document{}, err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	out := make([]cutover.Resource, 0, len(w.order))
	for _, n := range w.order {
		out = append(out, w.taskResource(id, w.tasks[n]))
	}
	return cutover.Document{
		Data:  out,
		Meta:  cutover.ListMeta(len(out)),
		Links: map[string]any{"self": "/core/runbooks/" + id + "/tasks", "first": "/core/runbooks/" + id + "/tasks?page=1", "last": "/core/runbooks/" + id + "/tasks?page=1"},
	}, nil
}

// Task returns one task of the runbook.
func (a CutoverAPI) Task(id, tid string) (cutover.Document, error) {
	r, w, _, err := a.find(id)
	if err != nil {
		return cutover.Document{}, err
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	_, t, err := w.taskByID(id, tid)
	if err != nil {
		return cutover.Document{}, err
	}
	return cutover.Document{Data: w.taskResource(id, t)}, nil
}

// Act starts, finishes or skips a task (action "start", "finish" or
// "skip"), emits task.started or task.updated through the task's run and
// returns the task as it is now. A move the task's stage does not allow is
// a 422.
func (a CutoverAPI) Act(ctx context.Context, id, tid, action string) (cutover.Document, error) {
	r, w, _, err := a.find(id)
	if err != nil {
		return cutover.Document{}, err
	}
	r.wmu.Lock()
	name, t, err := w.taskByID(id, tid)
	if err != nil {
		r.wmu.Unlock()
		return cutover.Document{}, err
	}
	var event string
	var update []field
	switch action {
	case "start":
		if t.Stage != stageStartable {
			err = unprocessable("task %s is %s; only a startable task can be started", tid, t.Stage)
		}
		event = "task.started"
	case "finish":
		if t.Stage != stageInProgress {
			err = unprocessable("task %s is %s; only a task in progress can be finished", tid, t.Stage)
		}
		event, update = "task.updated", []field{{"stage", stageComplete}}
	case "skip":
		if t.Stage == stageComplete {
			err = unprocessable("task %s is already complete", tid)
		}
		event, update = "task.updated", []field{{"stage", stageComplete}}
	default:
		err = notFound("no task action %q; use start, finish or skip", action)
	}
	if err != nil {
		r.wmu.Unlock()
		return cutover.Document{}, err
	}
	e, _ := catalog.Lookup(catalog.Cutover, event)
	s := &step{event: e, spec: r.vocab.Events[e.Name], entity: name, actor: w.apiActor(r.apiSrc), update: update, with: map[string]any{}}
	s.at, s.src = r.src.Advance(r.apiSrc.Duration(minGap, maxGap)), r.apiSrc
	b, err := w.build(s)
	if err != nil {
		r.wmu.Unlock()
		return cutover.Document{}, unprocessable("task %s: %v", tid, err)
	}
	if action == "skip" {
		t.skipped = true
	}
	doc := cutover.Document{Data: w.taskResource(id, t)}
	r.wmu.Unlock()
	if err := r.validate(e, b, false); err != nil {
		return cutover.Document{}, err
	}
	ev := delivery.Event{ID: delivery.NewEventID(), Run: r.opts.ID, Vendor: catalog.Cutover, Name: e.Name, Body: b, Time: time.Now().UTC()}
	if err := r.record(nil, ev, name, s.at, "", "PATCH /cutover/core/runbooks/"+id+"/tasks/"+tid+"/"+action); err != nil {
		return cutover.Document{}, &APIError{Status: http.StatusTooManyRequests, Detail: err.Error()}
	}
	if err := r.send(context.WithoutCancel(ctx), ev, false); err != nil {
		return cutover.Document{}, err
	}
	return doc, nil
}

func unprocessable(format string, args ...any) error {
	return &APIError{Status: http.StatusUnprocessableEntity, Detail: fmt.Sprintf(format, args...)}
}

// taskByID finds the task with id tid. Call with the run's world lock held.
func (w *cutoverWorld) taskByID(runbook, tid string) (string, *cutoverTask, error) {
	for _, n := range w.order {
		if w.tasks[n].ID == tid {
			return n, w.tasks[n], nil
		}
	}
	return "", nil, notFound("runbook %s has no task %q", runbook, tid)
}

// apiActor is the user entity that acts through the API: the integration
// user, made on first use.
func (w *cutoverWorld) apiActor(src *fake.Source) string {
	const name = "(api)"
	if _, ok := w.users[name]; !ok {
		w.users[name] = cutover.User{ID: strconv.Itoa(src.ID(5000, 9999)), Email: "integration.user@" + w.base.Domain}
	}
	return name
}

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := cutover.FormatTime(*t)
	return &s
}

func (w *cutoverWorld) runbookResource(rb *cutoverRunbook) cutover.Resource {
	stage := "planning"
	var attrsEnd *string
	if rb.started {
		stage = "active"
		complete := len(w.order) > 0
		for _, n := range w.order {
			if w.tasks[n].Stage != stageComplete {
				complete = false
			}
		}
		if complete {
			stage = "complete"
			var end time.Time
			for _, n := range w.order {
				if e := w.tasks[n].endActual; e != nil && e.After(end) {
					end = *e
				}
			}
			attrsEnd = timePtr(&end)
		}
	}
	attrs := cutover.RunbookAttributes{Name: rb.Name, Stage: stage, FrontendURL: rb.FrontendURL(), TasksCount: len(w.order), EndActual: attrsEnd}
	if rb.started {
		rt := rb.run.Type
		attrs.RunType = &rt
		attrs.StartActual = timePtr(&rb.StartActual)
	}
	return cutover.Resource{
		ID: rb.ID, Type: "runbook", Attributes: attrs,
		Links: map[string]string{"self": "/core/runbooks/" + rb.ID},
	}
}

func (w *cutoverWorld) taskResource(runbook string, t *cutoverTask) cutover.Resource {
	typ := "Normal"
	if t.Integration {
		typ = "Integration"
	}
	return cutover.Resource{
		ID: t.ID, Type: "task",
		Attributes: cutover.TaskAttributes{
			Name: t.Name, Stage: t.Stage, Description: t.Description, Duration: t.Duration, TaskType: typ,
			StartActual: timePtr(t.startActual), EndActual: timePtr(t.endActual), Skipped: t.skipped,
		},
		Relationships: map[string]cutover.Relationship{"runbook": {Data: cutover.ResourceID{ID: runbook, Type: "runbook"}}},
		Links:         map[string]string{"self": "/core/runbooks/" + runbook + "/tasks/" + t.ID},
	}
}
