package cutover

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// world is a Cutover instance during a run: one customer, its
// runbooks, tasks and users. Tasks run in declaration order: at
// run.started the first becomes startable, and each task that completes
// makes the next one startable.
type world struct {
	src      *fake.Source
	base     scene // drawn defaults: customer, names, ids, endpoint
	es       catalog.Entities
	runbooks map[string]*runbookState
	tasks    map[string]*taskState
	order    []string // task entities, declaration order
	users    map[string]userRef
	nextTask int
	nextUser int
	lead     userRef // the default actor
	// lastMode is the mode of the event built last.
	lastMode catalog.Mode
	// start is the story's start: when the runbook and its tasks were
	// made, unless an event says otherwise.
	start time.Time
	// changed is closed (and replaced) whenever a task changes, for
	// await steps.
	changed chan struct{}
}

// runbookState is the runbook of a Cutover run as the world keeps it.
type runbookState struct {
	runbookInfo
	run runInfo
	// started is whether the runbook has had a run; stage is where it
	// stands (planning until a run starts), endActual when it completed.
	started   bool
	stage     string
	endActual *time.Time
	// updatedAt is when an event last changed it (zero: never).
	updatedAt time.Time
}

// mode is the mode of the runbook's events: planning until a run starts,
// then the run's type.
func (rb *runbookState) mode() catalog.Mode {
	switch {
	case rb.stage == runbookPlanning:
		return catalog.ModePlanning
	case rb.run.Type == runRehearsal:
		return catalog.ModeRehearsal
	}
	return catalog.ModeLive
}

// startRun starts a run of type typ at at: the runbook is active, its
// start_actual the run's start, and the first task becomes startable.
func (w *world) startRun(rb *runbookState, typ string, at time.Time) {
	rb.run.Type, rb.StartActual, rb.started, rb.stage, rb.endActual = typ, at, true, runbookActive, nil
	w.advance()
}

// moveCheck says whether the runbook lets its tasks move now; a runbook
// still in planning starts its run (a script that starts a task before
// run.started: Cutover runs tasks only in a run).
func (w *world) moveCheck(rb *runbookState, task string, at time.Time) error {
	switch rb.stage {
	case runbookPlanning:
		w.startRun(rb, rb.run.Type, at)
	case runbookPaused:
		return fmt.Errorf("task %s cannot move: runbook %s is paused (resume it first: PATCH %s/core/runbooks/%s/resume)", task, rb.ID, prefix, rb.ID)
	case runbookCanceled:
		return fmt.Errorf("task %s cannot move: runbook %s is canceled", task, rb.ID)
	}
	return nil
}

// LastMode is the mode of the event the world built last.
func (w *world) LastMode() catalog.Mode { return w.lastMode }

// taskState is a task of a Cutover run as the world keeps it.
type taskState struct {
	taskRef
	Runbook       string // the runbook entity
	Stage         string
	Description   *string
	Duration      *int64
	Integration   bool
	IntegrationID string
	// system is what the integration calls, and endpoint its URL, as
	// simulated exchanges show them.
	system      *system
	endpoint    string
	action      action
	startActual *time.Time
	endActual   *time.Time
	// createdAt and updatedAt are when task.created and the last event
	// about the task happened (zero: not in the story).
	createdAt, updatedAt time.Time
	// completion is how the task completed: complete_normal,
	// complete_skipped or complete_auto ("" until it is complete).
	completion string
}

func newWorld(src *fake.Source) *world {
	base := newScene(src)
	// The runbook is in planning until run.started: it has no start_actual.
	base.Runbook.StartActual = time.Time{}
	first, _ := strconv.Atoi(base.Tasks[0].ID)
	return &world{
		src: src, base: base, es: catalog.NewEntities(),
		runbooks: map[string]*runbookState{}, tasks: map[string]*taskState{},
		users: map[string]userRef{}, nextTask: first, lead: base.Users[0],
		changed: make(chan struct{}), start: src.Now(),
	}
}

// notify wakes the await steps: a task changed.
func (w *world) notify() {
	close(w.changed)
	w.changed = make(chan struct{})
}

// Declare adds an entity of the script.
func (w *world) Declare(name, kind string, attrs map[string]any) error {
	switch kind {
	case "runbook":
		rb := &runbookState{runbookInfo: w.base.Runbook, run: w.base.Run, stage: runbookPlanning}
		if len(w.runbooks) > 0 {
			rb.ID = strconv.Itoa(w.src.ID(1000, 99999))
			rb.run.ID = strconv.Itoa(w.src.ID(100, 9999))
		}
		rb.Name = catalog.AttrString(attrs, "name", rb.Name)
		rb.ID = catalog.AttrString(attrs, "id", rb.ID)
		rb.run.Type = catalog.AttrString(attrs, "run_type", runLive)
		w.runbooks[name] = rb
	case "task":
		t := &taskState{Stage: catalog.AttrString(attrs, "stage", stageNotStartable), action: actionOf(attrs)}
		t.Integration = catalog.AttrBool(attrs, "integration", false) || t.action.url != ""
		t.ID = strconv.Itoa(w.nextTask)
		w.nextTask++
		if i := len(w.order); i < len(w.base.Tasks) {
			t.Name = w.base.Tasks[i].Name
		} else {
			t.Name = fmt.Sprintf("Task %d", i+1)
		}
		if t.Integration {
			t.Name = w.base.IntegrationTask.Name
			t.IntegrationID = w.base.IntegrationID
			if w.integrationTasks() > 0 {
				t.IntegrationID = strconv.Itoa(w.src.ID(1, 400))
			}
		}
		t.Name = catalog.AttrString(attrs, "name", t.Name)
		t.ID = catalog.AttrString(attrs, "id", t.ID)
		if t.Integration {
			w.integrationTarget(t, attrs)
		}
		w.tasks[name] = t
		w.order = append(w.order, name)
	case "user":
		u := w.newUser()
		u.Email = catalog.AttrString(attrs, "email", u.Email)
		u.ID = catalog.AttrString(attrs, "id", u.ID)
		if len(w.users) == 0 {
			w.lead = u
		}
		w.users[name] = u
	default:
		return fmt.Errorf("cutover has no entity kind %q", kind)
	}
	w.es.Add(name, kind)
	return nil
}

// integrationTarget sets what t's integration calls: the system its name
// names (the drawn one when the script leaves the name alone, the
// customer's own service when the name names none), at the action's url
// when the script gives one.
func (w *world) integrationTarget(t *taskState, attrs map[string]any) {
	t.system = w.base.System
	if _, named := attrs["name"]; named {
		if t.system = systemFor(t.Name); t.system == nil {
			t.system = genericSystem
		}
	}
	t.endpoint = t.system.endpoint(w.base.Runbook.Workspace)
	if t.action.url != "" {
		t.endpoint = t.action.url
	}
}

func (w *world) integrationTasks() int {
	n := 0
	for _, t := range w.tasks {
		if t.Integration {
			n++
		}
	}
	return n
}

func (w *world) newUser() userRef {
	if w.nextUser < len(w.base.Users) {
		u := w.base.Users[w.nextUser]
		w.nextUser++
		return u
	}
	w.nextUser++
	return userRef{ID: strconv.Itoa(w.src.ID(1, 5000)), Email: w.src.Person(w.base.Domain).Email}
}

var (
	runbookAttrs = catalog.AttrTable[*runbookState]{
		"id":           func(rb *runbookState) any { return rb.ID },
		"name":         func(rb *runbookState) any { return rb.Name },
		"run_type":     func(rb *runbookState) any { return rb.run.Type },
		"frontend_url": func(rb *runbookState) any { return rb.FrontendURL() },
	}
	taskAttrs = catalog.AttrTable[*taskState]{
		"id":          func(t *taskState) any { return t.ID },
		"name":        func(t *taskState) any { return t.Name },
		"stage":       func(t *taskState) any { return t.Stage },
		"integration": func(t *taskState) any { return t.Integration },
		"url":         func(t *taskState) any { return t.action.url },
	}
	userAttrs = catalog.AttrTable[userRef]{
		"id":    func(u userRef) any { return u.ID },
		"email": func(u userRef) any { return u.Email },
		"name":  func(u userRef) any { return u.Email },
	}
)

// Attr reads an entity's attribute.
func (w *world) Attr(entity, name string) (any, error) {
	kind, _ := w.es.KindOf(entity)
	switch kind {
	case "runbook":
		return runbookAttrs.Get(entity, kind, name, w.runbooks[entity])
	case "task":
		return taskAttrs.Get(entity, kind, name, w.tasks[entity])
	case "user":
		return userAttrs.Get(entity, kind, name, w.users[entity])
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

// runbook returns the runbook entity (the only one, made on first use
// when none is declared).
func (w *world) runbook() (string, *runbookState, error) {
	name, ok, err := w.es.Resolve("", "runbook")
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if err := w.Declare(name, "runbook", nil); err != nil {
			return "", nil, err
		}
	}
	return name, w.runbooks[name], nil
}

// Build makes the payload of an event step.
func (w *world) Build(s *catalog.Step) ([]byte, error) { return w.build(s, nil) }

// build makes the payload of s; debug is integrations.failed's record of
// a real exchange (nil: the world draws a simulated one).
func (w *world) build(s *catalog.Step, debug *debugData) ([]byte, error) {
	actor := w.lead
	if s.Actor != "" {
		u, ok := w.users[s.Actor]
		if !ok {
			return nil, fmt.Errorf("actor %q is not a user entity", s.Actor)
		}
		actor = u
	}
	subject := eventSubject{Actor: actor}
	switch s.Spec.About {
	case "runbook":
		name, ok, err := w.es.Resolve(s.Entity, "runbook")
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := w.Declare(name, "runbook", nil); err != nil {
				return nil, err
			}
		}
		rb := w.runbooks[name]
		switch s.Event.Name {
		case "run.started":
			if rb.started {
				// Another run of the runbook (a rehearsal, then live).
				rb.run.ID = strconv.Itoa(s.Src.ID(100, 9999))
			}
			w.startRun(rb, s.WithString("run_type", rb.run.Type), s.At)
		case "runbook.updated":
			for _, f := range s.Update {
				if f.Name == "name" {
					rb.Name = f.Value.(string)
				}
			}
		}
		rb.updatedAt = s.At
		subject.Runbook, subject.Run = rb.runbookInfo, rb.run
		w.lastMode = rb.mode()
	case "task":
		name, ok, err := w.es.Resolve(s.Entity, "task")
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := w.Declare(name, "task", nil); err != nil {
				return nil, err
			}
		}
		t := w.tasks[name]
		_, rb, err := w.runbook()
		if err != nil {
			return nil, err
		}
		if err := w.taskEvent(s, name, t, rb, &subject, debug); err != nil {
			return nil, err
		}
		subject.Runbook, subject.Run = rb.runbookInfo, rb.run
		w.lastMode = rb.mode()
		if s.Event.Name == "task.created" && t.createdAt.IsZero() {
			t.createdAt = s.At
		}
		t.updatedAt = s.At
		subject.Task = t.taskRef
		subject.IntegrationID = t.IntegrationID
	}
	ev, err := buildEvent(s.Event.Name, s.Src.UUID(), s.At, subject)
	if err != nil {
		return nil, err
	}
	return payload.Marshal(&ev)
}

// taskEvent moves task t as event s says.
func (w *world) taskEvent(s *catalog.Step, name string, t *taskState, rb *runbookState, subject *eventSubject, debug *debugData) error {
	isIntegration := s.Event.Name != "task.created" && s.Event.Name != "task.started" && s.Event.Name != "task.updated"
	if isIntegration && !t.Integration {
		return fmt.Errorf("task %s has no integration action; declare it with integration: true", name)
	}
	if movesTask(s) {
		if err := w.moveCheck(rb, name, s.At); err != nil {
			return err
		}
	}
	if isIntegration && rb.run.Type == runRehearsal && !t.action.executeInRehearsal {
		return fmt.Errorf("task %s: a rehearsal run does not execute its integration (Execute in Rehearsal is off); declare the task with execute_in_rehearsal: true, or finish it with task.updated", name)
	}
	switch s.Event.Name {
	case "task.started":
		t.Stage = stageInProgress
		at := s.At
		t.startActual = &at
	case "task.updated":
		for _, f := range s.Update {
			var old, now any
			switch f.Name {
			case "name":
				old, now = t.Name, f.Value
				t.Name = f.Value.(string)
			case "stage":
				old, now = t.Stage, f.Value
				t.Stage = f.Value.(string)
			case "description":
				if t.Description != nil {
					old = *t.Description
				}
				d := f.Value.(string)
				t.Description, now = &d, d
			case "duration":
				old = t.plannedDuration()
				d := f.Value.(int64)
				t.Duration, now = &d, d
			}
			if old == now {
				continue // Cutover reports what changed
			}
			subject.Changes = append(subject.Changes, change{Field: f.Name, Old: old, New: now})
		}
		if len(subject.Changes) == 0 {
			return fmt.Errorf("task.updated changes nothing: task %s already has %s", name, describeFields(s.Update))
		}
		if t.Stage == stageComplete && t.endActual == nil {
			at := s.At
			t.endActual = &at
			if t.completion == "" {
				t.completion = completeNormal
			}
			if t.startActual == nil {
				t.startActual = &at
			}
		}
		if t.Stage == stageComplete {
			w.advance()
			w.settle(rb, s.At)
		} else {
			t.completion = ""
		}
	case "integrations.failed":
		if debug != nil {
			subject.Debug = debug
		} else {
			subject.Debug = w.failedExchange(s, subject.Runbook, t)
		}
	}
	w.notify()
	return nil
}

// defaultDuration is a task's planned duration in seconds until the
// script sets one (standin's choice).
const defaultDuration = 600

// plannedDuration is the task's planned duration in seconds.
func (t *taskState) plannedDuration() int64 {
	if t.Duration != nil {
		return *t.Duration
	}
	return defaultDuration
}

// movesTask reports whether s works its task (starts it, runs its
// integration, moves its stage on), rather than creates or edits it.
func movesTask(s *catalog.Step) bool {
	switch s.Event.Name {
	case "task.created":
		return false
	case "task.updated":
		for _, f := range s.Update {
			if f.Name == "stage" && (f.Value == stageInProgress || f.Value == stageComplete) {
				return true
			}
		}
		return false
	}
	return true
}

// describeFields writes updates as field=value pairs for messages.
func describeFields(fs []catalog.Update) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %v", f.Name, f.Value)
	}
	return strings.Join(parts, ", ")
}

// settle completes the runbook's run at at once every task is complete.
func (w *world) settle(rb *runbookState, at time.Time) {
	if rb.stage != runbookActive || len(w.order) == 0 {
		return
	}
	for _, n := range w.order {
		if w.tasks[n].Stage != stageComplete {
			return
		}
	}
	rb.stage, rb.endActual = runbookComplete, &at
}

// advance makes the first task that is not startable yet startable, if no
// task is startable or in progress (tasks run one after another).
func (w *world) advance() {
	for _, name := range w.order {
		switch w.tasks[name].Stage {
		case stageStartable, stageInProgress:
			return
		case stageNotStartable:
			w.tasks[name].Stage = stageStartable
			return
		}
	}
}

// failedExchange draws the record of a failed call of t's integration,
// with the status, title and detail the step asks for, in the format of
// the system the task calls.
func (w *world) failedExchange(s *catalog.Step, rb runbookInfo, t *taskState) *debugData {
	d := failedExchange(s.Src, t.system, t.endpoint, rb, t.taskRef)
	status, hasStatus := s.WithInt("status")
	title, detail := s.WithString("title", ""), s.WithString("detail", "")
	if !hasStatus && title == "" && detail == "" {
		return d
	}
	drawn, _ := strconv.Atoi(d.ResponseStatus)
	f := t.system.failureFor(drawn)
	if hasStatus {
		f = t.system.failureFor(status)
	}
	f.title, f.detail = or(title, f.title), or(detail, f.detail)
	answerFailure(d, t.system, f, s.At)
	return d
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// failureDetail is what an endpoint typically says with status.
func failureDetail(status int) string {
	switch {
	case status == 401:
		return "The access token is missing, invalid or expired."
	case status == 403:
		return "The integration user is not allowed to perform this operation."
	case status == 404:
		return "The requested resource does not exist."
	case status == 429:
		return "Rate limit exceeded; retry later."
	case status == 502 || status == 504:
		return "The upstream service did not respond."
	case status == 503:
		return "The service is temporarily unavailable for maintenance."
	case status >= 500:
		return "An unexpected error occurred."
	case status >= 400:
		return "The request was not accepted."
	}
	return "The endpoint did not confirm the request."
}
