package runs

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/scenarios"
)

// Cutover task stages, as the Cutover API reports them.
const (
	stageNotStartable = cutover.StageNotStartable
	stageStartable    = cutover.StageStartable
	stageInProgress   = cutover.StageInProgress
	stageComplete     = cutover.StageComplete
)

// cutoverWorld is a Cutover instance during a run: one customer, its
// runbooks, tasks and users. Tasks run in declaration order: at
// run.started the first becomes startable, and each task that completes
// makes the next one startable.
type cutoverWorld struct {
	src      *fake.Source
	base     cutover.World // drawn defaults: customer, names, ids, endpoint
	es       entities
	runbooks map[string]*cutoverRunbook
	tasks    map[string]*cutoverTask
	order    []string // task entities, declaration order
	users    map[string]cutover.User
	nextTask int
	nextUser int
	lead     cutover.User // the default actor
	// changed is closed (and replaced) whenever a task changes, for
	// await steps.
	changed chan struct{}
	apiUser *cutover.User // who acts through the emulated API
}

type cutoverRunbook struct {
	cutover.Runbook
	run     cutover.Run
	started bool
}

// cutoverTask is a task of a Cutover run as the world keeps it.
type cutoverTask struct {
	cutover.Task
	Runbook       string // the runbook entity
	Stage         string
	Description   *string
	Duration      *int64
	Integration   bool
	IntegrationID string
	action        action
	skipped       bool
	startActual   *time.Time
	endActual     *time.Time
}

func newCutoverWorld(src *fake.Source) *cutoverWorld {
	base := cutover.NewWorld(src)
	// The runbook's start_actual is set by run.started; until then it is
	// the story's start.
	base.Runbook.StartActual = src.Now()
	first, _ := strconv.Atoi(base.Tasks[0].ID)
	return &cutoverWorld{
		src: src, base: base, es: newEntities("cutover"),
		runbooks: map[string]*cutoverRunbook{}, tasks: map[string]*cutoverTask{},
		users: map[string]cutover.User{}, nextTask: first, lead: base.Users[0],
		changed: make(chan struct{}),
	}
}

// notify wakes the await steps: a task changed.
func (w *cutoverWorld) notify() {
	close(w.changed)
	w.changed = make(chan struct{})
}

func (w *cutoverWorld) declare(e scenarios.Entity, attrs map[string]any) error {
	switch e.Kind {
	case "runbook":
		rb := &cutoverRunbook{Runbook: w.base.Runbook, run: w.base.Run}
		if len(w.runbooks) > 0 {
			rb.ID = strconv.Itoa(w.src.ID(1000, 99999))
			rb.run.ID = strconv.Itoa(w.src.ID(100, 9999))
		}
		rb.Name = attrString(attrs, "name", rb.Name)
		rb.ID = attrString(attrs, "id", rb.ID)
		rb.run.Type = attrString(attrs, "run_type", cutover.Live)
		w.runbooks[e.Name] = rb
	case "task":
		t := &cutoverTask{Stage: attrString(attrs, "stage", stageNotStartable), action: actionOf(attrs)}
		t.Integration = attrBool(attrs, "integration") || t.action.url != ""
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
		t.Name = attrString(attrs, "name", t.Name)
		t.ID = attrString(attrs, "id", t.ID)
		w.tasks[e.Name] = t
		w.order = append(w.order, e.Name)
	case "user":
		u := w.newUser()
		u.Email = attrString(attrs, "email", u.Email)
		u.ID = attrString(attrs, "id", u.ID)
		if len(w.users) == 0 {
			w.lead = u
		}
		w.users[e.Name] = u
	default:
		return fmt.Errorf("cutover has no entity kind %q", e.Kind)
	}
	w.es.add(e.Name, e.Kind)
	return nil
}

func (w *cutoverWorld) integrationTasks() int {
	n := 0
	for _, t := range w.tasks {
		if t.Integration {
			n++
		}
	}
	return n
}

func (w *cutoverWorld) newUser() cutover.User {
	if w.nextUser < len(w.base.Users) {
		u := w.base.Users[w.nextUser]
		w.nextUser++
		return u
	}
	w.nextUser++
	return cutover.User{ID: strconv.Itoa(w.src.ID(1, 5000)), Email: w.src.Person(w.base.Domain).Email}
}

var (
	cutoverRunbookAttrs = attrTable[*cutoverRunbook]{
		"id":           func(rb *cutoverRunbook) any { return rb.ID },
		"name":         func(rb *cutoverRunbook) any { return rb.Name },
		"run_type":     func(rb *cutoverRunbook) any { return rb.run.Type },
		"frontend_url": func(rb *cutoverRunbook) any { return rb.FrontendURL() },
	}
	cutoverTaskAttrs = attrTable[*cutoverTask]{
		"id":          func(t *cutoverTask) any { return t.ID },
		"name":        func(t *cutoverTask) any { return t.Name },
		"stage":       func(t *cutoverTask) any { return t.Stage },
		"integration": func(t *cutoverTask) any { return t.Integration },
		"url":         func(t *cutoverTask) any { return t.action.url },
	}
	cutoverUserAttrs = attrTable[cutover.User]{
		"id":    func(u cutover.User) any { return u.ID },
		"email": func(u cutover.User) any { return u.Email },
		"name":  func(u cutover.User) any { return u.Email },
	}
)

func (w *cutoverWorld) attr(entity, name string) (any, error) {
	switch kind := w.es.kinds[entity]; kind {
	case "runbook":
		return cutoverRunbookAttrs.get(entity, kind, name, w.runbooks[entity])
	case "task":
		return cutoverTaskAttrs.get(entity, kind, name, w.tasks[entity])
	case "user":
		return cutoverUserAttrs.get(entity, kind, name, w.users[entity])
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

// runbook returns the runbook entity (the only one, made on first use
// when none is declared).
func (w *cutoverWorld) runbook() (string, *cutoverRunbook, error) {
	name, ok, err := w.es.resolve("", "runbook")
	if err != nil {
		return "", nil, err
	}
	if !ok {
		if err := w.declare(scenarios.Entity{Name: name, Kind: "runbook"}, nil); err != nil {
			return "", nil, err
		}
	}
	return name, w.runbooks[name], nil
}

func (w *cutoverWorld) build(s *step) ([]byte, error) {
	actor := w.lead
	if s.actor != "" {
		u, ok := w.users[s.actor]
		if !ok {
			return nil, fmt.Errorf("actor %q is not a user entity", s.actor)
		}
		actor = u
	}
	subject := cutover.Subject{Actor: actor}
	switch s.spec.About {
	case "runbook":
		name, ok, err := w.es.resolve(s.entity, "runbook")
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := w.declare(scenarios.Entity{Name: name, Kind: "runbook"}, nil); err != nil {
				return nil, err
			}
		}
		rb := w.runbooks[name]
		switch s.event.Name {
		case "run.started":
			if rb.started {
				// Another run of the runbook (a rehearsal, then live).
				rb.run.ID = strconv.Itoa(s.src.ID(100, 9999))
			}
			rb.run.Type = s.withString("run_type", rb.run.Type)
			rb.StartActual = s.at
			rb.started = true
			w.advance()
		case "runbook.updated":
			for _, f := range s.update {
				if f.name == "name" {
					rb.Name = f.value.(string)
				}
			}
		}
		subject.Runbook, subject.Run = rb.Runbook, rb.run
	case "task":
		name, ok, err := w.es.resolve(s.entity, "task")
		if err != nil {
			return nil, err
		}
		if !ok {
			if err := w.declare(scenarios.Entity{Name: name, Kind: "task"}, nil); err != nil {
				return nil, err
			}
		}
		t := w.tasks[name]
		_, rb, err := w.runbook()
		if err != nil {
			return nil, err
		}
		subject.Runbook, subject.Run = rb.Runbook, rb.run
		if err := w.taskEvent(s, name, t, &subject); err != nil {
			return nil, err
		}
		subject.Task = t.Task
		subject.IntegrationID = t.IntegrationID
	}
	ev, err := cutover.Build(s.event.Name, s.src.UUID(), s.at, subject)
	if err != nil {
		return nil, err
	}
	return payload.Marshal(ev)
}

// taskEvent moves task t as event s says.
func (w *cutoverWorld) taskEvent(s *step, name string, t *cutoverTask, subject *cutover.Subject) error {
	isIntegration := s.event.Name != "task.created" && s.event.Name != "task.started" && s.event.Name != "task.updated"
	if isIntegration && !t.Integration {
		return fmt.Errorf("task %s has no integration action; declare it with integration: true", name)
	}
	switch s.event.Name {
	case "task.started":
		t.Stage = stageInProgress
		at := s.at
		t.startActual = &at
	case "task.updated":
		for _, f := range s.update {
			var old, now any
			switch f.name {
			case "name":
				old, now = t.Name, f.value
				t.Name = f.value.(string)
			case "stage":
				old, now = t.Stage, f.value
				t.Stage = f.value.(string)
			case "description":
				if t.Description != nil {
					old = *t.Description
				}
				d := f.value.(string)
				t.Description, now = &d, d
			case "duration":
				if t.Duration != nil {
					old = *t.Duration
				}
				d := f.value.(int64)
				t.Duration, now = &d, d
			}
			if old == now {
				continue // Cutover reports what changed
			}
			subject.Changes = append(subject.Changes, cutover.Change{Field: f.name, Old: old, New: now})
		}
		if len(subject.Changes) == 0 {
			return fmt.Errorf("task.updated changes nothing: task %s already has %s", name, describeFields(s.update))
		}
		if t.Stage == stageComplete && t.endActual == nil {
			at := s.at
			t.endActual = &at
			if t.startActual == nil {
				t.startActual = &at
			}
		}
		if t.Stage == stageComplete {
			w.advance()
		}
	case "integrations.failed":
		if s.debug != nil {
			subject.Debug = s.debug
		} else {
			subject.Debug = w.failedExchange(s, subject.Runbook, t)
		}
	}
	w.notify()
	return nil
}

// describeFields writes updates as field=value pairs for messages.
func describeFields(fs []field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %v", f.name, f.value)
	}
	return strings.Join(parts, ", ")
}

// advance makes the first task that is not startable yet startable, if no
// task is startable or in progress (tasks run one after another).
func (w *cutoverWorld) advance() {
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
// with the status, title and detail the step asks for.
func (w *cutoverWorld) failedExchange(s *step, rb cutover.Runbook, t *cutoverTask) *cutover.DebugData {
	base := w.base
	base.Runbook = rb
	d := cutover.FailedExchange(s.src, base, t.Task)
	status, hasStatus := s.withInt("status")
	title, detail := s.withString("title", ""), s.withString("detail", "")
	if !hasStatus && title == "" && detail == "" {
		return d
	}
	if hasStatus {
		d.ResponseStatus = strconv.Itoa(status)
		if title == "" {
			title = http.StatusText(status)
		}
		if detail == "" {
			detail = failureDetail(status)
		}
	}
	type apiError struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	var old struct {
		Errors []apiError `json:"errors"`
	}
	_ = json.Unmarshal([]byte(d.ResponseBody), &old)
	if len(old.Errors) > 0 {
		title = cmp(title, old.Errors[0].Title)
		detail = cmp(detail, old.Errors[0].Detail)
	}
	body, _ := json.Marshal(map[string][]apiError{"errors": {{title, detail}}})
	d.ResponseBody = string(body)
	d.ResponseHeaders = cutover.HeaderJSON(http.Header{
		"Date":           {s.at.UTC().Format(http.TimeFormat)},
		"Content-Type":   {"application/json"},
		"Content-Length": {strconv.Itoa(len(body))},
		"Connection":     {"keep-alive"},
		"Vary":           {"Origin"},
	}, "date", "content-type", "content-length", "connection", "vary")
	return d
}

func cmp(a, b string) string {
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
