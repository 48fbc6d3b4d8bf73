package rocketlane

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// world is a Rocketlane account during a scenario run (a catalog.World).
// Projects, phases and tasks come into being at their first event (created
// then, by its actor), so createdAt never follows the event that reports
// it. Dates follow the story clock: a project starts on the day it is
// created, its phases are planned one after the other from there (see
// planPhase), and its progressPercentage is computed from its tasks (see
// progressOf), never set by a step.
type world struct {
	src      *fake.Source
	acct     *account
	es       catalog.Entities
	attrs    map[string]map[string]any // declared attributes, by entity
	users    map[string]user
	projects map[string]*apiProject
	phases   map[string]*phaseState
	tasks    map[string]*taskState
	deleted  map[string]bool
	nextUser int
	// lastTriggered keeps eventTriggeredAt moving forward from event to
	// event.
	lastTriggered millis
}

// phaseState is a phase entity and the project entity it belongs to.
type phaseState struct {
	apiPhase
	project string
}

// taskState is a task entity and the phase entity it belongs to.
type taskState struct {
	apiTask
	phase string
	// seen is set at the task's first event: from then on it counts in its
	// project's progressPercentage.
	seen bool
}

func newWorld(src *fake.Source) *world {
	return &world{
		src: src, acct: newAccount(src), es: catalog.NewEntities(),
		attrs: map[string]map[string]any{}, users: map[string]user{},
		projects: map[string]*apiProject{}, phases: map[string]*phaseState{},
		tasks: map[string]*taskState{}, deleted: map[string]bool{},
	}
}

var taskStatuses = map[string]status{
	"To do": statusToDo, "In progress": statusInProgress, "Completed": statusCompleted,
}

var projectStatuses = map[string]status{
	"Not started": projectNotStarted, "In progress": projectInProgress, "Completed": projectCompleted,
}

var priorityByLabel = map[string]priority{}

func init() {
	for _, p := range priorities {
		priorityByLabel[p.Label] = p
	}
}

func (w *world) Declare(name, kind string, attrs map[string]any) error {
	switch kind {
	case "user":
		var u user
		if w.nextUser < len(w.acct.Team) {
			u = w.acct.Team[w.nextUser]
		} else {
			u = w.acct.newUser(w.src, w.acct.domain)
		}
		w.nextUser++
		u.FirstName = catalog.AttrString(attrs, "first_name", u.FirstName)
		u.LastName = catalog.AttrString(attrs, "last_name", u.LastName)
		def := u.EmailID
		if _, ok := attrs["first_name"]; ok {
			def = strings.ToLower(u.FirstName + "." + u.LastName + "@" + w.acct.domain)
		}
		if _, ok := attrs["last_name"]; ok {
			def = strings.ToLower(u.FirstName + "." + u.LastName + "@" + w.acct.domain)
		}
		u.EmailID = strings.ReplaceAll(catalog.AttrString(attrs, "email", def), " ", "")
		w.users[name] = u
	case "project", "phase", "task":
	default:
		return fmt.Errorf("rocketlane has no entity kind %q", kind)
	}
	w.attrs[name] = attrs
	w.es.Add(name, kind)
	return nil
}

// user returns the user entity name, or the account's first team member.
func (w *world) user(name string) (user, error) {
	if name == "" {
		for _, n := range w.es.OfKind("user") {
			return w.users[n], nil
		}
		return w.acct.Team[0], nil
	}
	u, ok := w.users[name]
	if !ok {
		return user{}, fmt.Errorf("%q is not a user entity", name)
	}
	return u, nil
}

// project returns the project entity, made (created by by at at) on
// first use.
func (w *world) project(name string, by user, at time.Time) (*apiProject, error) {
	if p, ok := w.projects[name]; ok {
		return p, nil
	}
	attrs := w.attrs[name]
	owner := by
	if o, ok := attrs["owner"].(string); ok {
		var err error
		if owner, err = w.user(o); err != nil {
			return nil, err
		}
	}
	p := newProject(w.src, w.acct, owner, at)
	// The project starts on the day the story creates it, keeping the
	// span newProject drew (standin's choice: the story's clock is the
	// project's).
	span := daysBetween(p.StartDate, p.DueDate)
	p.StartDate = dateOf(at)
	p.DueDate = p.StartDate.AddDays(span)
	if !slices.ContainsFunc(p.TeamMembers.Members, func(u user) bool { return u.UserID == by.UserID }) {
		p.TeamMembers.Members = append(p.TeamMembers.Members, by)
	}
	// Every declared user works on the project.
	for _, n := range w.es.OfKind("user") {
		u := w.users[n]
		if !slices.ContainsFunc(p.TeamMembers.Members, func(x user) bool { return x.UserID == u.UserID }) {
			p.TeamMembers.Members = append(p.TeamMembers.Members, u)
		}
	}
	p.CreatedBy, p.UpdatedBy = by, by
	if c, ok := attrs["customer"].(string); ok && c != "" {
		kind := p.ProjectName[strings.LastIndex(p.ProjectName, "– ")+len("– "):]
		p.Customer.CompanyName = c
		p.ProjectName = c + " – " + kind
	}
	p.ProjectName = catalog.AttrString(attrs, "name", p.ProjectName)
	w.projects[name] = &p
	return &p, nil
}

// phase returns the phase entity, made on first use.
func (w *world) phase(name string, by user, at time.Time) (*phaseState, error) {
	if p, ok := w.phases[name]; ok {
		return p, nil
	}
	attrs := w.attrs[name]
	projName, err := w.refOrOnly(attrs, "project", "project")
	if err != nil {
		return nil, fmt.Errorf("phase %s: %w", name, err)
	}
	proj, err := w.project(projName, by, at.Add(-time.Minute))
	if err != nil {
		return nil, err
	}
	phaseName := catalog.AttrString(attrs, "name", "")
	if phaseName == "" {
		used := map[string]bool{}
		for _, p := range w.phases {
			used[p.PhaseName] = true
		}
		phaseName = phaseNames[len(w.phases)%len(phaseNames)]
		for _, n := range phaseNames {
			if !used[n] {
				phaseName = n
				break
			}
		}
	}
	p := &phaseState{apiPhase: newPhase(w.src, w.acct, *proj, phaseName, by, at), project: projName}
	p.StartDate, p.DueDate = w.planPhase(projName, proj, phaseName)
	w.phases[name] = p
	return p, nil
}

// planPhase returns the planned dates of a new phase called name of the
// project entity projName: it starts the day after the latest due date of
// the project's other phases (on the project's start day for its first),
// lasts as long as a phase of its kind does (phaseKind), and ends by the
// project's due date; a phase planned past the project's due date is
// squeezed onto that last day. Phases are thus in the order the story
// creates them and never overlap out of order (standin's choice: the
// Phase API requires dueDate on or after startDate and says nothing of
// how phases follow one another).
func (w *world) planPhase(projName string, proj *apiProject, name string) (start, due date) {
	start = proj.StartDate
	for _, n := range w.es.OfKind("phase") {
		if p, ok := w.phases[n]; ok && p.project == projName && !w.deleted[n] && p.DueDate.AddDays(1) > start {
			start = p.DueDate.AddDays(1)
		}
	}
	k := phaseKind(name)
	due = start.AddDays(w.src.ID(k.minDays, k.maxDays) - 1)
	if proj.DueDate != "" && due > proj.DueDate {
		due = proj.DueDate
	}
	if start > due {
		start = due
	}
	return start, due
}

// progressOf returns the progressPercentage of the project entity
// projName. Rocketlane computes it (read-only in the Project API) "based
// on the number of tasks that are completed vs the total number of tasks
// in the project"; standin's formula is floor(100 × completed ÷ total)
// over the project's tasks that have had an event and are not deleted,
// milestones included, a task counting as completed when its status is
// Completed; 0 for a project without tasks.
func (w *world) progressOf(projName string) int {
	total, done := 0, 0
	for _, n := range w.es.OfKind("task") {
		t, ok := w.tasks[n]
		if !ok || !t.seen || w.deleted[n] || w.phases[t.phase].project != projName {
			continue
		}
		total++
		if t.Status.Value == statusCompleted.Value {
			done++
		}
	}
	if total == 0 {
		return 0
	}
	return 100 * done / total
}

// task returns the task entity, made on first use.
func (w *world) task(name string, by user, at time.Time) (*taskState, error) {
	if t, ok := w.tasks[name]; ok {
		return t, nil
	}
	attrs := w.attrs[name]
	phaseName, err := w.refOrOnly(attrs, "phase", "phase")
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", name, err)
	}
	ph, err := w.phase(phaseName, by, at.Add(-time.Minute))
	if err != nil {
		return nil, err
	}
	proj := w.projects[ph.project]
	t := &taskState{apiTask: newTask(w.src, w.acct, *proj, ph.apiPhase, by, at), phase: phaseName}
	t.TaskName = catalog.AttrString(attrs, "name", t.TaskName)
	if catalog.AttrBool(attrs, "milestone", false) {
		t.Type = "MILESTONE"
	}
	// A scripted task is assigned only when the script says so (at
	// creation with assignee:, or later with update: assignee:).
	t.Assignees = members{}
	t.Followers = members{Members: []user{by}}
	if a, ok := attrs["assignee"].(string); ok {
		u, err := w.user(a)
		if err != nil {
			return nil, err
		}
		t.Assign(u)
	}
	w.tasks[name] = t
	return t, nil
}

// refOrOnly returns the entity an attribute names, or the only (or
// implicit) entity of kind.
func (w *world) refOrOnly(attrs map[string]any, key, kind string) (string, error) {
	if n, ok := attrs[key].(string); ok && n != "" {
		return n, nil
	}
	name, ok, err := w.es.Resolve("", kind)
	if err != nil {
		return "", err
	}
	if !ok {
		if err := w.Declare(name, kind, nil); err != nil {
			return "", err
		}
	}
	return name, nil
}

var (
	userAttrs = catalog.AttrTable[user]{
		"id":         func(u user) any { return int64(u.UserID) },
		"name":       func(u user) any { return u.FirstName + " " + u.LastName },
		"email":      func(u user) any { return u.EmailID },
		"first_name": func(u user) any { return u.FirstName },
		"last_name":  func(u user) any { return u.LastName },
	}
	projectAttrs = catalog.AttrTable[*apiProject]{
		"id":         func(p *apiProject) any { return int64(p.ProjectID) },
		"name":       func(p *apiProject) any { return p.ProjectName },
		"customer":   func(p *apiProject) any { return p.Customer.CompanyName },
		"owner":      func(p *apiProject) any { return p.Owner.EmailID },
		"start_date": func(p *apiProject) any { return string(p.StartDate) },
		"due_date":   func(p *apiProject) any { return string(p.DueDate) },
	}
	phaseAttrs = catalog.AttrTable[*phaseState]{
		"id":         func(p *phaseState) any { return int64(p.PhaseID) },
		"name":       func(p *phaseState) any { return p.PhaseName },
		"project":    func(p *phaseState) any { return p.project },
		"start_date": func(p *phaseState) any { return string(p.StartDate) },
		"due_date":   func(p *phaseState) any { return string(p.DueDate) },
	}
	taskAttrs = catalog.AttrTable[*taskState]{
		"id":    func(t *taskState) any { return int64(t.TaskID) },
		"name":  func(t *taskState) any { return t.TaskName },
		"phase": func(t *taskState) any { return t.phase },
	}
)

// attr reads an entity's attribute; a project, phase or task referred to
// before its first event comes into being now.
func (w *world) Attr(entity, name string) (any, error) {
	at := w.src.Now()
	actor, _ := w.user("")
	kind, _ := w.es.KindOf(entity)
	switch kind {
	case "user":
		return userAttrs.Get(entity, kind, name, w.users[entity])
	case "project":
		p, err := w.project(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return projectAttrs.Get(entity, kind, name, p)
	case "phase":
		p, err := w.phase(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return phaseAttrs.Get(entity, kind, name, p)
	case "task":
		t, err := w.task(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return taskAttrs.Get(entity, kind, name, t)
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

func (w *world) Build(s *catalog.Step) ([]byte, error) {
	actor, err := w.user(s.Actor)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	kind := s.Spec.About
	name, ok, err := w.es.Resolve(s.Entity, kind)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := w.Declare(name, kind, nil); err != nil {
			return nil, err
		}
	}
	if w.deleted[name] {
		return nil, fmt.Errorf("%s %s was deleted by an earlier step", kind, name)
	}
	updated := strings.HasSuffix(s.Event.Name, "_UPDATED")
	deleted := strings.HasSuffix(s.Event.Name, "_DELETED")
	hook, at := w.acct.Webhook, s.At
	// Rocketlane records the event a moment after the change (updatedAt,
	// which a creation stamps up to 80 ms after createdAt).
	occurred := func() time.Time { return s.Src.Tick(100*time.Millisecond, 900*time.Millisecond) }
	var ev webhookEvent
	switch kind {
	case "project":
		p, err := w.project(name, actor, at)
		if err != nil {
			return nil, err
		}
		before := p.Clone()
		fields, err := w.updateProject(p, s.Update, at)
		if err != nil {
			return nil, err
		}
		if s.Event.Name == projectArchived {
			p.Archived = true
		}
		if s.Event.Name != projectCreated {
			p.Touch(actor, at)
		}
		var cl *changeLog
		if updated {
			if cl, err = projectChange(before, *p, fields...); err != nil {
				return nil, err
			}
		}
		ev, err = projectEvent(s.Src, s.Event.Name, p.Clone(), actor, hook, occurred(), cl)
		if err != nil {
			return nil, err
		}
	case "phase":
		ph, err := w.phase(name, actor, at)
		if err != nil {
			return nil, err
		}
		ph.Project = w.projects[ph.project].Ref()
		before := ph.Clone()
		fields := w.updatePhase(ph, s.Update, at)
		if s.Event.Name != phaseCreated {
			ph.Touch(actor, at)
		}
		var cl *changeLog
		if updated {
			if cl, err = phaseChange(before, ph.apiPhase, fields...); err != nil {
				return nil, err
			}
		}
		if ev, err = phaseEvent(s.Src, s.Event.Name, ph.Clone(), actor, hook, occurred(), cl); err != nil {
			return nil, err
		}
	case "task":
		t, err := w.task(name, actor, at)
		if err != nil {
			return nil, err
		}
		ph := w.phases[t.phase]
		t.Project, t.Phase = w.projects[ph.project].Ref(), ph.Ref()
		before := t.Clone()
		fields, err := w.updateTask(t, s.Update, at)
		if err != nil {
			return nil, err
		}
		if s.Event.Name != taskCreated {
			t.Touch(actor, at)
		}
		var cl *changeLog
		if updated {
			if cl, err = taskChange(before, t.apiTask, fields...); err != nil {
				return nil, err
			}
		}
		if ev, err = taskEvent(s.Src, s.Event.Name, t.Clone(), actor, hook, occurred(), cl); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("rocketlane events are about a project, phase or task, not a %s", kind)
	}
	if deleted {
		w.deleted[name] = true
	}
	if t, ok := w.tasks[name]; ok && kind == "task" {
		// A task's creation, completion or deletion moves its project's
		// computed progress, which the project's next event shows.
		t.seen = true
		proj := w.phases[t.phase].project
		w.projects[proj].ProgressPercentage = w.progressOf(proj)
	}
	if ev.EventTriggeredAt <= w.lastTriggered {
		ev.EventTriggeredAt = w.lastTriggered + 1
	}
	w.lastTriggered = ev.EventTriggeredAt
	return ev.JSON()
}

func (w *world) updateProject(p *apiProject, us []catalog.Update, at time.Time) ([]string, error) {
	var fields []string
	for _, f := range us {
		switch f.Name {
		case "name":
			p.ProjectName = f.Value.(string)
			fields = append(fields, "projectName")
			w.renameProject(p)
		case "status":
			st := projectStatuses[f.Value.(string)]
			p.Status = st
			switch st.Value {
			case projectInProgress.Value:
				if p.StartDateActual == "" {
					p.StartDateActual = dateOf(at)
				}
			case projectCompleted.Value:
				p.DueDateActual = dateOf(at)
				p.CurrentPhases = []phaseRef{}
			}
			fields = append(fields, "status")
		case "due_date":
			p.DueDate = date(f.Value.(string))
			fields = append(fields, "dueDate")
		case "owner":
			u, err := w.user(f.Value.(string))
			if err != nil {
				return nil, err
			}
			p.Owner = u
			fields = append(fields, "owner")
		}
	}
	return fields, nil
}

// renameProject carries a project's new name to its phases and tasks.
func (w *world) renameProject(p *apiProject) {
	for _, ph := range w.phases {
		if w.projects[ph.project] == p {
			ph.Project = p.Ref()
		}
	}
}

func (w *world) updatePhase(ph *phaseState, us []catalog.Update, at time.Time) []string {
	var fields []string
	proj := w.projects[ph.project]
	for _, f := range us {
		switch f.Name {
		case "name":
			ph.PhaseName = f.Value.(string)
			fields = append(fields, "phaseName")
		case "status":
			ph.SetStatus(taskStatuses[f.Value.(string)], at)
			fields = append(fields, "status")
		case "due_date":
			ph.DueDate = date(f.Value.(string))
			fields = append(fields, "dueDate")
		}
	}
	// The project's current phases are those in progress.
	proj.CurrentPhases = proj.CurrentPhases[:0:0]
	for _, n := range w.es.OfKind("phase") {
		if p, ok := w.phases[n]; ok && p.project == ph.project && p.Status.Value == statusInProgress.Value && !w.deleted[n] {
			proj.CurrentPhases = append(proj.CurrentPhases, p.Ref())
		}
	}
	return fields
}

func (w *world) updateTask(t *taskState, us []catalog.Update, at time.Time) ([]string, error) {
	var fields []string
	for _, f := range us {
		switch f.Name {
		case "name":
			t.TaskName = f.Value.(string)
			fields = append(fields, "taskName")
		case "status":
			t.SetStatus(taskStatuses[f.Value.(string)], at)
			fields = append(fields, "status")
		case "assignee":
			u, err := w.user(f.Value.(string))
			if err != nil {
				return nil, err
			}
			if t.Assignees.Has(u.UserID) {
				return nil, fmt.Errorf("update.assignee: %s is already assigned", f.Value)
			}
			t.Assign(u)
			fields = append(fields, "assignees")
		case "progress":
			v := int(f.Value.(int64))
			t.Progress = &v
			fields = append(fields, "progress")
		case "due_date":
			t.DueDate = date(f.Value.(string))
			fields = append(fields, "dueDate")
		case "at_risk":
			v := f.Value.(bool)
			t.AtRisk = &v
			fields = append(fields, "atRisk")
		case "priority":
			p := priorityByLabel[f.Value.(string)]
			t.Priority = &p
			fields = append(fields, "priority")
		}
	}
	return fields, nil
}
