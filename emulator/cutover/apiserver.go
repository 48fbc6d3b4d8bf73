package cutover

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// The emulated Cutover API: the part of Cutover's public API a receiver
// calls back (GET core/runbooks/{id}, its tasks, PATCH
// …/tasks/{tid}/start|finish|skip), served for the runbooks of the
// server's scenario runs. A task moved through it emits the event Cutover
// would, through the run that holds the runbook, and wakes the run's await
// steps.

// apiError is a request the emulated API refuses, with its HTTP status.
type apiError struct {
	status int
	detail string
}

func (e *apiError) Error() string { return e.detail }

func notFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, detail: fmt.Sprintf(format, args...)}
}

// api serves the emulated API over a server's runs.
type api struct {
	runs  catalog.Runs
	token string
	mux   *http.ServeMux
}

// prefix is where the server mounts the API.
const prefix = "/" + id

func newAPI(runs catalog.Runs, token string) http.Handler {
	a := &api{runs: runs, token: token, mux: http.NewServeMux()}
	a.mux.HandleFunc("/core/runbooks/{id}", a.runbook)
	a.mux.HandleFunc("/core/runbooks/{id}/tasks", a.tasks)
	a.mux.HandleFunc("/core/runbooks/{id}/tasks/{tid}", a.task)
	a.mux.HandleFunc("/core/runbooks/{id}/tasks/{tid}/{action}", a.act)
	return a
}

// ServeHTTP checks the API token, as Cutover's API does, then routes.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if a.token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="cutover"`)
			writeError(w, http.StatusUnauthorized, "a valid API token is required: Authorization: Bearer <token>")
			return
		}
	}
	if _, pattern := a.mux.Handler(r); pattern == "" {
		writeError(w, http.StatusNotFound, "standin emulates GET core/runbooks/{id}, GET core/runbooks/{id}/tasks[/{tid}] and PATCH core/runbooks/{id}/tasks/{tid}/start|finish|skip")
		return
	}
	a.mux.ServeHTTP(w, r)
}

// only answers 405 unless r's method is method.
func only(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s", r.Method, prefix+r.URL.Path))
	return false
}

// writeError answers a JSON:API error document.
func writeError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, newError(status, detail))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"status":"500","title":"Internal Server Error","detail":"encode the answer"}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// answer writes doc, or err as Cutover would.
func answer(w http.ResponseWriter, doc document, err error) {
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae.status, ae.detail)
			return
		}
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, doc)
}

func (a *api) runbook(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.runbookDoc(r.PathValue("id"))
		answer(w, doc, err)
	}
}

func (a *api) tasks(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.tasksDoc(r.PathValue("id"))
		answer(w, doc, err)
	}
}

func (a *api) task(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.taskDoc(r.PathValue("id"), r.PathValue("tid"))
		answer(w, doc, err)
	}
}

func (a *api) act(w http.ResponseWriter, r *http.Request) {
	if !only(w, r, http.MethodPatch) {
		return
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is over the limit of %d bytes", mbe.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the request body: "+err.Error())
		return
	}
	doc, err := a.move(r.Context(), r.PathValue("id"), r.PathValue("tid"), r.PathValue("action"))
	answer(w, doc, err)
}

// find returns the run holding the runbook with id: the one in progress,
// else the newest. Runs with the same scenario and seed have the same ids
// (their payloads are byte-identical), so two in progress at once are
// ambiguous: a 409 says so rather than guess.
func (a *api) find(id string) (catalog.Host, *world, string, error) {
	type hit struct {
		h    catalog.Host
		w    *world
		name string
	}
	var live []hit
	var newest *hit
	for _, h := range a.runs.Hosts(Vendor.ID()) {
		w, ok := h.World().(*world)
		if !ok {
			continue
		}
		h.Locked(func() {
			for name, rb := range w.runbooks {
				if rb.ID == id {
					x := hit{h, w, name}
					newest = &x
					select {
					case <-h.Done():
					default:
						live = append(live, x)
					}
				}
			}
		})
	}
	switch {
	case len(live) == 1:
		return live[0].h, live[0].w, live[0].name, nil
	case len(live) > 1:
		ids := make([]string, len(live))
		for i, x := range live {
			ids[i] = x.h.ID()
		}
		return nil, nil, "", &apiError{status: http.StatusConflict, detail: fmt.Sprintf(
			"runbook %s belongs to %d runs in progress (%s): runs with the same scenario and seed have the same ids; give concurrent runs different seeds",
			id, len(live), strings.Join(ids, ", "))}
	case newest != nil:
		return newest.h, newest.w, newest.name, nil
	}
	return nil, nil, "", notFound("no runbook %q: runbooks come from scenario runs (POST /__admin/runs)", id)
}

func (a *api) runbookDoc(id string) (document, error) {
	h, w, name, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var doc document
	h.Locked(func() { doc = document{Data: w.runbookResource(w.runbooks[name])} })
	return doc, nil
}

func (a *api) tasksDoc(id string) (document, error) {
	h, w, _, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var out []resource
	h.Locked(func() {
		out = make([]resource, 0, len(w.order))
		for _, n := range w.order {
			out = append(out, w.taskResource(id, w.tasks[n]))
		}
	})
	return document{
		Data:  out,
		Meta:  listMeta(len(out)),
		Links: map[string]any{"self": "/core/runbooks/" + id + "/tasks", "first": "/core/runbooks/" + id + "/tasks?page=1", "last": "/core/runbooks/" + id + "/tasks?page=1"},
	}, nil
}

func (a *api) taskDoc(id, tid string) (document, error) {
	h, w, _, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var doc document
	h.Locked(func() {
		var t *taskState
		if _, t, err = w.taskByID(id, tid); err == nil {
			doc = document{Data: w.taskResource(id, t)}
		}
	})
	return doc, err
}

// move starts, finishes or skips a task (action "start", "finish" or
// "skip"), emits task.started or task.updated through the task's run and
// returns the task as it is now. A move the task's stage does not allow is
// a 422.
func (a *api) move(ctx context.Context, id, tid, action string) (document, error) {
	h, w, _, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var event string
	var update []catalog.Update
	switch action {
	case "start":
		event = "task.started"
	case "finish", "skip":
		event, update = "task.updated", []catalog.Update{{Name: "stage", Value: stageComplete}}
	default:
		return document{}, notFound("no task action %q; use start, finish or skip", action)
	}
	e, _ := catalog.LookupIn(Vendor, event)
	// Refuse a move the task's stage does not allow before the clock moves.
	h.Locked(func() { _, err = w.movable(id, tid, action) })
	if err != nil {
		return document{}, err
	}
	var doc document
	var actor string
	err = h.Emit(ctx, catalog.Emission{Event: event, Outside: true, Note: "PATCH " + prefix + "/core/runbooks/" + id + "/tasks/" + tid + "/" + action,
		// The API's user is drawn before the call's time gap, as it always was.
		Prepare: func(src *fake.Source) { actor = w.apiActor(src) },
		Build: func(at time.Time, src *fake.Source) ([]byte, string, error) {
			name, err := w.movable(id, tid, action)
			if err != nil {
				return nil, "", err
			}
			t := w.tasks[name]
			s := &catalog.Step{Event: e, Spec: vocabulary.Events[e.Name], Entity: name, Actor: actor, Update: update, With: map[string]any{}, At: at, Src: src}
			b, err := w.build(s, nil)
			if err != nil {
				return nil, "", unprocessable("task %s: %v", tid, err)
			}
			if action == "skip" {
				t.skipped = true
			}
			doc = document{Data: w.taskResource(id, t)}
			return b, name, nil
		}})
	if errors.Is(err, catalog.ErrLimit) {
		return document{}, &apiError{status: http.StatusTooManyRequests, detail: err.Error()}
	}
	return doc, err
}

// movable returns the task tid of runbook id, or why action cannot move
// it. Call with the run's world locked.
func (w *world) movable(id, tid, action string) (string, error) {
	name, t, err := w.taskByID(id, tid)
	if err != nil {
		return "", err
	}
	switch {
	case action == "start" && t.Stage != stageStartable:
		return "", unprocessable("task %s is %s; only a startable task can be started", tid, t.Stage)
	case action == "finish" && t.Stage != stageInProgress:
		return "", unprocessable("task %s is %s; only a task in progress can be finished", tid, t.Stage)
	case action == "skip" && t.Stage == stageComplete:
		return "", unprocessable("task %s is already complete", tid)
	}
	return name, nil
}

func unprocessable(format string, args ...any) error {
	return &apiError{status: http.StatusUnprocessableEntity, detail: fmt.Sprintf(format, args...)}
}

// taskByID finds the task with id tid. Call with the run's world lock held.
func (w *world) taskByID(runbook, tid string) (string, *taskState, error) {
	for _, n := range w.order {
		if w.tasks[n].ID == tid {
			return n, w.tasks[n], nil
		}
	}
	return "", nil, notFound("runbook %s has no task %q", runbook, tid)
}

// apiActor is the user entity that acts through the API: the integration
// user, made on first use.
func (w *world) apiActor(src *fake.Source) string {
	const name = "(api)"
	if _, ok := w.users[name]; !ok {
		w.users[name] = userRef{ID: strconv.Itoa(src.ID(5000, 9999)), Email: "integration.user@" + w.base.Domain}
	}
	return name
}

func timePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

func (w *world) runbookResource(rb *runbookState) resource {
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
	attrs := runbookAttributes{Name: rb.Name, Stage: stage, FrontendURL: rb.FrontendURL(), TasksCount: len(w.order), EndActual: attrsEnd}
	if rb.started {
		rt := rb.run.Type
		attrs.RunType = &rt
		attrs.StartActual = timePtr(&rb.StartActual)
	}
	return resource{
		ID: rb.ID, Type: "runbook", Attributes: attrs,
		Links: map[string]string{"self": "/core/runbooks/" + rb.ID},
	}
}

func (w *world) taskResource(runbook string, t *taskState) resource {
	typ := "Normal"
	if t.Integration {
		typ = "Integration"
	}
	return resource{
		ID: t.ID, Type: "task",
		Attributes: taskAttributes{
			Name: t.Name, Stage: t.Stage, Description: t.Description, Duration: t.Duration, TaskType: typ,
			StartActual: timePtr(t.startActual), EndActual: timePtr(t.endActual), Skipped: t.skipped,
		},
		Relationships: map[string]relationship{"runbook": {Data: resourceID{ID: runbook, Type: "runbook"}}},
		Links:         map[string]string{"self": "/core/runbooks/" + runbook + "/tasks/" + t.ID},
	}
}
