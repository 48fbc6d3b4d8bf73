package cutover

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// The emulated Cutover API: the part of Cutover's public API a receiver
// calls back, as Cutover's official client calls it (cutover-api-notes.md):
// GET core/runbooks[/{id}], PATCH core/runbooks/{id}/start|pause|resume|cancel,
// GET core/runbooks/{id}/tasks[/{tid}] and PATCH
// core/runbooks/{id}/tasks/{tid}/start|finish|skip, served for the runbooks
// of the server's scenario runs. A runbook or task moved through it emits
// the event Cutover would, through the run that holds the runbook, and
// wakes the run's await steps.

// apiError is a request the emulated API refuses, with its HTTP status.
type apiError struct {
	status int
	detail string
}

func (e *apiError) Error() string { return e.detail }

func notFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, detail: fmt.Sprintf(format, args...)}
}

func unprocessable(format string, args ...any) error {
	return &apiError{status: http.StatusUnprocessableEntity, detail: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, detail: fmt.Sprintf(format, args...)}
}

// api serves the emulated API over a server's runs.
type api struct {
	runs  catalog.Runs
	token string
	mux   *http.ServeMux
}

// prefix is where the server mounts the API.
const prefix = "/" + id

// Page sizes of the lists (standin's choice: Cutover documents none).
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// routes is what the 404 of an unknown route lists.
const routes = "standin emulates GET core/runbooks[/{id}], PATCH core/runbooks/{id}/start|pause|resume|cancel, " +
	"GET core/runbooks/{id}/tasks[/{tid}] and PATCH core/runbooks/{id}/tasks/{tid}/start|finish|skip"

func newAPI(runs catalog.Runs, token string) http.Handler {
	a := &api{runs: runs, token: token, mux: http.NewServeMux()}
	a.mux.HandleFunc("/core/runbooks", a.runbookList)
	a.mux.HandleFunc("/core/runbooks/{id}", a.runbook)
	a.mux.HandleFunc("/core/runbooks/{id}/{action}", a.runbookAct)
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
		writeError(w, http.StatusNotFound, routes)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// only answers 405 unless r's method is method.
func only(w http.ResponseWriter, r *http.Request, method string) bool {
	if r.Method == method {
		return true
	}
	w.Header().Set("Allow", method)
	writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s is not allowed on %s; use %s", r.Method, prefix+r.URL.Path, method))
	return false
}

// writeError answers Cutover's error document.
func writeError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, newError(status, detail))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"title":"Internal Server Error","detail":"encode the answer","code":"internal_server_error"}]}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// answer writes v (204 when nil), or err as Cutover would.
func answer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae.status, ae.detail)
			return
		}
		if errors.Is(err, catalog.ErrLimit) {
			writeError(w, http.StatusTooManyRequests, err.Error())
			return
		}
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// baseURL is the API's absolute URL as the caller reached it, so that the
// links it answers resolve on standin, /cutover mount included.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host + prefix
}

// readMeta reads a request body's top-level meta object (an empty body
// has none). Bad JSON is a 400, an oversized body a 413.
func readMeta(r *http.Request) (map[string]json.RawMessage, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, detail: fmt.Sprintf("request body is over the limit of %d bytes", mbe.Limit)}
		}
		return nil, badRequest("reading the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, nil
	}
	var body struct {
		Meta map[string]json.RawMessage `json:"meta"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return nil, badRequest("the body is not a JSON object with meta: %v", err)
	}
	return body.Meta, nil
}

// metaString reads meta.key as a string, one of valid when given; "" when
// absent.
func metaString(meta map[string]json.RawMessage, key string, valid ...string) (string, error) {
	raw, ok := meta[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", unprocessable("meta.%s must be a string", key)
	}
	if len(valid) > 0 && !slices.Contains(valid, s) {
		return "", unprocessable("meta.%s %q is not valid; want one of %s", key, s, strings.Join(valid, ", "))
	}
	return s, nil
}

// metaBools checks that the given meta keys are booleans when present.
func metaBools(meta map[string]json.RawMessage, keys ...string) error {
	for _, k := range keys {
		raw, ok := meta[k]
		if !ok || string(raw) == "null" {
			continue
		}
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return unprocessable("meta.%s must be true or false", k)
		}
	}
	return nil
}

func (a *api) runbookList(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.runbooksDoc(r)
		answer(w, doc, err)
	}
}

func (a *api) runbook(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.runbookDoc(baseURL(r), r.PathValue("id"))
		answer(w, doc, err)
	}
}

func (a *api) runbookAct(w http.ResponseWriter, r *http.Request) {
	if !only(w, r, http.MethodPatch) {
		return
	}
	meta, err := readMeta(r)
	if err != nil {
		answer(w, nil, err)
		return
	}
	doc, err := a.runbookMove(r.Context(), baseURL(r), r.PathValue("id"), r.PathValue("action"), meta)
	answer(w, doc, err)
}

func (a *api) tasks(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.tasksDoc(r, r.PathValue("id"))
		answer(w, doc, err)
	}
}

func (a *api) task(w http.ResponseWriter, r *http.Request) {
	if only(w, r, http.MethodGet) {
		doc, err := a.taskDoc(baseURL(r), r.PathValue("id"), r.PathValue("tid"))
		answer(w, doc, err)
	}
}

func (a *api) act(w http.ResponseWriter, r *http.Request) {
	if !only(w, r, http.MethodPatch) {
		return
	}
	meta, err := readMeta(r)
	if err != nil {
		answer(w, nil, err)
		return
	}
	doc, err := a.move(r.Context(), baseURL(r), r.PathValue("id"), r.PathValue("tid"), r.PathValue("action"), meta)
	if doc == nil && err == nil {
		answer(w, nil, nil) // skip answers no task
		return
	}
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

// runbooksDoc lists the runbooks of the server's runs (the newest run's
// of each id), filtered by stage.
func (a *api) runbooksDoc(r *http.Request) (listDocument, error) {
	stages, err := filterValues(r, "stage", []string{runbookPlanning, runbookActive, runbookPaused, runbookCanceled, runbookComplete}, nil)
	if err != nil {
		return listDocument{}, err
	}
	base := baseURL(r)
	var ids []string
	byID := map[string]resource{}
	for _, h := range a.runs.Hosts(Vendor.ID()) {
		w, ok := h.World().(*world)
		if !ok {
			continue
		}
		h.Locked(func() {
			names := make([]string, 0, len(w.runbooks))
			for n := range w.runbooks {
				names = append(names, n)
			}
			slices.Sort(names)
			for _, n := range names {
				rb := w.runbooks[n]
				if stages != nil && !slices.Contains(stages, rb.stage) {
					continue
				}
				if _, seen := byID[rb.ID]; !seen {
					ids = append(ids, rb.ID)
				}
				byID[rb.ID] = w.runbookResource(base, rb)
			}
		})
	}
	items := make([]resource, len(ids))
	for i, id := range ids {
		items[i] = byID[id]
	}
	return paginate(r, base, "/core/runbooks", items)
}

func (a *api) runbookDoc(base, id string) (document, error) {
	h, w, name, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var doc document
	h.Locked(func() { doc = document{Data: w.runbookResource(base, w.runbooks[name])} })
	return doc, nil
}

// taskStages are the task list's stage filter values and the stages they
// select: "default" is not_startable.
var taskStages = map[string]string{
	stageFilterDefault: stageNotStartable, stageStartable: stageStartable,
	stageInProgress: stageInProgress, stageComplete: stageComplete,
}

func (a *api) tasksDoc(r *http.Request, id string) (listDocument, error) {
	stages, err := filterValues(r, "stage", []string{stageFilterDefault, stageStartable, stageInProgress, stageComplete}, taskStages)
	if err != nil {
		return listDocument{}, err
	}
	h, w, _, err := a.find(id)
	if err != nil {
		return listDocument{}, err
	}
	base := baseURL(r)
	var items []resource
	h.Locked(func() {
		items = make([]resource, 0, len(w.order))
		for _, n := range w.order {
			t := w.tasks[n]
			if stages == nil || slices.Contains(stages, t.Stage) {
				items = append(items, w.taskResource(base, id, n))
			}
		}
	})
	return paginate(r, base, "/core/runbooks/"+id+"/tasks", items)
}

// filterValues reads a comma-joined list filter; nil when absent. Each
// value must be one of valid; alias maps a value to what it selects.
func filterValues(r *http.Request, key string, valid []string, alias map[string]string) ([]string, error) {
	raw, ok := r.URL.Query()[key]
	if !ok {
		return nil, nil
	}
	out := []string{}
	for _, v := range strings.Split(strings.Join(raw, ","), ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if !slices.Contains(valid, v) {
			hint := ""
			if v == stageNotStartable {
				hint = " (the filter names not_startable tasks default)"
			}
			return nil, unprocessable("%s filter %q is not valid; want one of %s%s", key, v, strings.Join(valid, ", "), hint)
		}
		if s, ok := alias[v]; ok {
			v = s
		}
		out = append(out, v)
	}
	return out, nil
}

// paginate returns the page of items r asks for (page[number], from 1;
// page[size], up to maxPageSize) with meta.page and absolute links; the
// client follows links.next until it is null.
func paginate(r *http.Request, base, path string, items []resource) (listDocument, error) {
	q := r.URL.Query()
	number, size := 1, defaultPageSize
	for _, p := range []struct {
		key      string
		dst      *int
		min, max int
	}{{"page[number]", &number, 1, 1 << 30}, {"page[size]", &size, 1, maxPageSize}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				return listDocument{}, badRequest("%s=%q: want an integer from %d to %d", p.key, v, p.min, p.max)
			}
			*p.dst = n
		}
	}
	last := max(1, (len(items)+size-1)/size)
	from, to := min((number-1)*size, len(items)), min(number*size, len(items))
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("page[number]", strconv.Itoa(n))
		v.Set("page[size]", strconv.Itoa(size))
		return base + path + "?" + v.Encode()
	}
	doc := listDocument{
		Data:  items[from:to],
		Meta:  listMeta{Page: pageMeta{Number: number, Size: size, Total: len(items)}},
		Links: pageLinks{Self: link(number), First: link(1), Last: link(last)},
	}
	if number > 1 {
		p := link(min(number-1, last))
		doc.Links.Prev = &p
	}
	if number < last {
		n := link(number + 1)
		doc.Links.Next = &n
	}
	return doc, nil
}

func (a *api) taskDoc(base, id, tid string) (document, error) {
	h, w, _, err := a.find(id)
	if err != nil {
		return document{}, err
	}
	var doc document
	h.Locked(func() {
		var name string
		if name, _, err = w.taskByID(id, tid); err == nil {
			doc = document{Data: w.taskResource(base, id, name)}
		}
	})
	return doc, err
}

// runbookMove starts, pauses, resumes or cancels a runbook. Start needs
// meta.run_type and meta.comms (required by Cutover's platform) and emits
// run.started; pause, resume and cancel emit runbook.updated (standin's
// choice: the runbook's stage is one of its properties). It answers the
// runbook as it is now.
func (a *api) runbookMove(ctx context.Context, base, id, action string, meta map[string]json.RawMessage) (any, error) {
	var from []string
	var to, event, runType string
	switch action {
	case "start":
		from, to, event = []string{runbookPlanning}, runbookActive, "run.started"
		var err error
		if runType, err = metaString(meta, "run_type", runLive, runRehearsal); err != nil {
			return nil, err
		}
		comms, err := metaString(meta, "comms", "off", "test", "on")
		if err != nil {
			return nil, err
		}
		switch {
		case runType == "":
			return nil, unprocessable("meta.run_type is required: live or rehearsal")
		case comms == "":
			return nil, unprocessable("meta.comms is required: off, test or on")
		}
		if _, err := metaString(meta, "validation_level", "warning", "error"); err != nil {
			return nil, err
		}
		if err := metaBools(meta, "disable_task_notify", "rebaseline", "shift_fixed_times"); err != nil {
			return nil, err
		}
	case "pause":
		from, to, event = []string{runbookActive}, runbookPaused, "runbook.updated"
	case "resume":
		from, to, event = []string{runbookPaused}, runbookActive, "runbook.updated"
	case "cancel":
		from, to, event = []string{runbookActive, runbookPaused}, runbookCanceled, "runbook.updated"
	default:
		return nil, notFound("no runbook action %q; use start, pause, resume or cancel", action)
	}
	if action != "start" {
		if _, err := metaString(meta, "message"); err != nil {
			return nil, err
		}
		if err := metaBools(meta, "notify"); err != nil {
			return nil, err
		}
	}
	h, w, name, err := a.find(id)
	if err != nil {
		return nil, err
	}
	movable := func() error {
		if rb := w.runbooks[name]; !slices.Contains(from, rb.stage) {
			states := make([]string, len(from))
			for i, f := range from {
				states[i] = stageWords(f)
			}
			return unprocessable("runbook %s is %s; only a runbook %s can be %s", id, stageWords(rb.stage), strings.Join(states, " or "), pastTense(action))
		}
		return nil
	}
	h.Locked(func() { err = movable() })
	if err != nil {
		return nil, err
	}
	e, _ := catalog.LookupIn(Vendor, event)
	var doc document
	var actor string
	err = h.Emit(ctx, catalog.Emission{Event: event, Outside: true, Note: "PATCH " + prefix + "/core/runbooks/" + id + "/" + action,
		Prepare: func(src *fake.Source) { actor = w.apiActor(src) },
		Build: func(at time.Time, src *fake.Source) ([]byte, string, error) {
			if err := movable(); err != nil {
				return nil, "", err
			}
			with := map[string]any{}
			if runType != "" {
				with["run_type"] = runType
			}
			rb := w.runbooks[name]
			if event == "runbook.updated" {
				rb.stage = to
			}
			s := &catalog.Step{Event: e, Spec: vocabulary.Events[e.Name], Entity: name, Actor: actor, With: with, At: at, Src: src}
			b, err := w.build(s, nil)
			if err != nil {
				return nil, "", unprocessable("runbook %s: %v", id, err)
			}
			doc = document{Data: w.runbookResource(base, rb)}
			return b, name, nil
		}})
	return doc, err
}

// stageWords writes a runbook stage in a sentence ("in planning").
func stageWords(stage string) string {
	if stage == runbookPlanning {
		return "in planning"
	}
	return stage
}

// pastTense writes a runbook or task action as done ("started").
func pastTense(action string) string {
	switch action {
	case "cancel":
		return "canceled"
	case "pause":
		return "paused"
	case "skip":
		return "skipped"
	}
	return action + "ed"
}

// move starts, finishes or skips a task (action "start", "finish" or
// "skip"), emits task.started or task.updated through the task's run and
// returns the task as it is now (skip returns nothing, as Cutover's does;
// it needs meta.comment). A move the task's or runbook's stage does not
// allow is a 422.
func (a *api) move(ctx context.Context, base, id, tid, action string, meta map[string]json.RawMessage) (any, error) {
	var event string
	var update []catalog.Update
	switch action {
	case "start":
		event = "task.started"
	case "finish", "skip":
		event, update = "task.updated", []catalog.Update{{Name: "stage", Value: stageComplete}}
	default:
		return nil, notFound("no task action %q; use start, finish or skip", action)
	}
	var comment string
	if action == "skip" {
		var err error
		if comment, err = metaString(meta, "comment"); err != nil {
			return nil, err
		}
		if strings.TrimSpace(comment) == "" {
			return nil, unprocessable(`skip needs a reason: {"meta":{"comment":"…"}} (it is added as a comment on the runbook)`)
		}
	}
	h, w, _, err := a.find(id)
	if err != nil {
		return nil, err
	}
	e, _ := catalog.LookupIn(Vendor, event)
	// Refuse a move the task's stage does not allow before the clock moves.
	h.Locked(func() { _, err = w.movable(id, tid, action) })
	if err != nil {
		return nil, err
	}
	note := "PATCH " + prefix + "/core/runbooks/" + id + "/tasks/" + tid + "/" + action
	if comment != "" {
		note += ": " + comment
	}
	var doc any
	var actor string
	err = h.Emit(ctx, catalog.Emission{Event: event, Outside: true, Note: note,
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
				t.completion = completeSkipped
			} else {
				doc = document{Data: w.taskResource(base, id, name)}
			}
			return b, name, nil
		}})
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// movable returns the task tid of runbook id, or why action cannot move
// it. Call with the run's world locked.
func (w *world) movable(id, tid, action string) (string, error) {
	name, t, err := w.taskByID(id, tid)
	if err != nil {
		return "", err
	}
	_, rb, err := w.runbook()
	if err != nil {
		return "", err
	}
	switch {
	case rb.stage == runbookPlanning:
		return "", unprocessable("runbook %s is in planning; start it first (PATCH %s/core/runbooks/%s/start)", id, prefix, id)
	case rb.stage == runbookPaused || rb.stage == runbookCanceled:
		return "", unprocessable("runbook %s is %s; its tasks cannot be %s", id, rb.stage, pastTense(action))
	case action == "start" && t.Stage != stageStartable:
		return "", unprocessable("task %s is %s; only a startable task can be started", tid, t.Stage)
	case action == "finish" && t.Stage != stageInProgress:
		return "", unprocessable("task %s is %s; only a task in progress can be finished", tid, t.Stage)
	case action == "skip" && t.Stage == stageComplete:
		return "", unprocessable("task %s is already complete", tid)
	}
	return name, nil
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
	if t == nil || t.IsZero() {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// plannedStart is when the runbook is planned to start: the hour after
// the story's start (standin's choice).
func (w *world) plannedStart() time.Time { return w.start.Truncate(time.Hour).Add(time.Hour) }

// plannedTimes are each task's planned start and end (tasks run one after
// another from the runbook's planned start, each for its duration) and the
// runbook's planned end.
func (w *world) plannedTimes() (map[string][2]time.Time, time.Time) {
	at := w.plannedStart()
	out := make(map[string][2]time.Time, len(w.order))
	for _, n := range w.order {
		end := at.Add(time.Duration(w.tasks[n].plannedDuration()) * time.Second)
		out[n] = [2]time.Time{at, end}
		at = end
	}
	return out, at
}

// orStart is t, or the story's start when t is zero.
func (w *world) orStart(t time.Time) time.Time {
	if t.IsZero() {
		return w.start
	}
	return t
}

func (w *world) runbookResource(base string, rb *runbookState) resource {
	start := w.plannedStart()
	_, end := w.plannedTimes()
	attrs := runbookAttributes{
		Name: rb.Name, Stage: rb.stage, Status: "off", TemplateType: "off", Timezone: "UTC",
		StartPlanned: timePtr(&start), EndPlanned: timePtr(&end), EndActual: timePtr(rb.endActual),
		CreatedAt: formatTime(w.start), UpdatedAt: formatTime(w.orStart(rb.updatedAt)),
		CustomFieldValues: []customFieldValue{},
	}
	if rb.stage != runbookPlanning {
		attrs.StartActual = timePtr(&rb.StartActual)
	}
	slug := w.base.Runbook.Workspace
	return resource{
		ID: rb.ID, Type: "runbook", Attributes: attrs,
		Relationships: map[string]any{
			"workspace":       one(derivedID("workspace", slug), "workspace"),
			"folder":          toOne{},
			"runbook_type":    one(derivedID("runbook_type", slug), "runbook_type"),
			"author":          one(w.lead.ID, "user"),
			"current_version": one(derivedID("runbook_version", rb.ID), "runbook_version"),
		},
		Links: map[string]string{"self": base + "/core/runbooks/" + rb.ID},
	}
}

func (w *world) taskResource(base, runbook, name string) resource {
	t := w.tasks[name]
	planned, _ := w.plannedTimes()
	p := planned[name]
	var completion *string
	if t.Stage == stageComplete {
		c := or(t.completion, completeNormal)
		completion = &c
	}
	var desc string
	if t.Description != nil {
		desc = *t.Description
	}
	attrs := taskAttributes{
		Name: t.Name, Description: desc, Duration: t.plannedDuration(), Stage: t.Stage,
		StartPlanned: timePtr(&p[0]), EndPlanned: timePtr(&p[1]),
		StartActual: timePtr(t.startActual), EndActual: timePtr(t.endActual),
		CreatedAt: formatTime(w.orStart(t.createdAt)), UpdatedAt: formatTime(w.orStart(t.updatedAt)),
		CustomFieldValues: []customFieldValue{}, TaskLinks: []taskLink{}, CompletionType: completion,
	}
	slug := w.base.Runbook.Workspace
	taskType := derivedID("task_type", "normal", slug)
	if t.Integration && t.system != nil {
		taskType = derivedID("task_type", t.system.key, slug)
	}
	i := slices.Index(w.order, name)
	pred, succ := []identifier{}, []identifier{}
	if i > 0 {
		pred = append(pred, identifier{ID: w.tasks[w.order[i-1]].ID, Type: "task"})
	}
	if i+1 < len(w.order) {
		succ = append(succ, identifier{ID: w.tasks[w.order[i+1]].ID, Type: "task"})
	}
	return resource{
		ID: t.ID, Type: "task", Attributes: attrs,
		Relationships: map[string]any{
			"stream":          one(derivedID("stream", runbook), "stream"),
			"task_type":       one(taskType, "task_type"),
			"assignees":       toMany{Data: []identifier{}},
			"predecessors":    toMany{Data: pred},
			"successors":      toMany{Data: succ},
			"runbook_version": one(derivedID("runbook_version", runbook), "runbook_version"),
		},
		Links: map[string]string{"self": base + "/core/runbooks/" + runbook + "/tasks/" + t.ID},
	}
}
