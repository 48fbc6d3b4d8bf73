package runs

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/rocketlane"
	"github.com/standin-dev/standin/scenarios"
)

// rocketlaneWorld is a Rocketlane account during a run. Projects, phases
// and tasks come into being at their first event (created then, by its
// actor), so createdAt never follows the event that reports it.
type rocketlaneWorld struct {
	src      *fake.Source
	acct     *rocketlane.Account
	es       entities
	attrs    map[string]map[string]any // declared attributes, by entity
	users    map[string]rocketlane.User
	projects map[string]*rocketlane.Project
	phases   map[string]*rlPhase
	tasks    map[string]*rlTask
	deleted  map[string]bool
	nextUser int
	// lastTriggered keeps eventTriggeredAt moving forward from event to
	// event.
	lastTriggered rocketlane.Millis
}

type rlPhase struct {
	rocketlane.Phase
	project string
}

type rlTask struct {
	rocketlane.Task
	phase string
}

func newRocketlaneWorld(src *fake.Source) *rocketlaneWorld {
	return &rocketlaneWorld{
		src: src, acct: rocketlane.NewAccount(src), es: newEntities("rocketlane"),
		attrs: map[string]map[string]any{}, users: map[string]rocketlane.User{},
		projects: map[string]*rocketlane.Project{}, phases: map[string]*rlPhase{},
		tasks: map[string]*rlTask{}, deleted: map[string]bool{},
	}
}

var rocketlaneStatuses = map[string]rocketlane.Status{
	"To do": rocketlane.StatusToDo, "In progress": rocketlane.StatusInProgress, "Completed": rocketlane.StatusCompleted,
}

var projectStatuses = map[string]rocketlane.Status{
	"Not started": rocketlane.ProjectNotStarted, "In progress": rocketlane.ProjectInProgress, "Completed": rocketlane.ProjectCompleted,
}

var priorities = map[string]rocketlane.Priority{}

func init() {
	for _, p := range rocketlane.Priorities {
		priorities[p.Label] = p
	}
}

func (w *rocketlaneWorld) declare(e scenarios.Entity, attrs map[string]any) error {
	switch e.Kind {
	case "user":
		var u rocketlane.User
		if w.nextUser < len(w.acct.Team) {
			u = w.acct.Team[w.nextUser]
		} else {
			u = w.acct.NewUser(w.src, w.acct.Domain)
		}
		w.nextUser++
		u.FirstName = attrString(attrs, "first_name", u.FirstName)
		u.LastName = attrString(attrs, "last_name", u.LastName)
		def := u.EmailID
		if _, ok := attrs["first_name"]; ok {
			def = strings.ToLower(u.FirstName + "." + u.LastName + "@" + w.acct.Domain)
		}
		if _, ok := attrs["last_name"]; ok {
			def = strings.ToLower(u.FirstName + "." + u.LastName + "@" + w.acct.Domain)
		}
		u.EmailID = strings.ReplaceAll(attrString(attrs, "email", def), " ", "")
		w.users[e.Name] = u
	case "project", "phase", "task":
	default:
		return fmt.Errorf("rocketlane has no entity kind %q", e.Kind)
	}
	w.attrs[e.Name] = attrs
	w.es.add(e.Name, e.Kind)
	return nil
}

// user returns the user entity name, or the account's first team member.
func (w *rocketlaneWorld) user(name string) (rocketlane.User, error) {
	if name == "" {
		for _, n := range w.es.byKind["user"] {
			return w.users[n], nil
		}
		return w.acct.Team[0], nil
	}
	u, ok := w.users[name]
	if !ok {
		return rocketlane.User{}, fmt.Errorf("%q is not a user entity", name)
	}
	return u, nil
}

// project returns the project entity, made (created by by at at) on
// first use.
func (w *rocketlaneWorld) project(name string, by rocketlane.User, at time.Time) (*rocketlane.Project, error) {
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
	p := rocketlane.NewProject(w.src, w.acct, owner, at)
	if !slices.ContainsFunc(p.TeamMembers.Members, func(u rocketlane.User) bool { return u.UserID == by.UserID }) {
		p.TeamMembers.Members = append(p.TeamMembers.Members, by)
	}
	// Every declared user works on the project.
	for _, n := range w.es.byKind["user"] {
		u := w.users[n]
		if !slices.ContainsFunc(p.TeamMembers.Members, func(x rocketlane.User) bool { return x.UserID == u.UserID }) {
			p.TeamMembers.Members = append(p.TeamMembers.Members, u)
		}
	}
	p.CreatedBy, p.UpdatedBy = by, by
	if c, ok := attrs["customer"].(string); ok && c != "" {
		kind := p.ProjectName[strings.LastIndex(p.ProjectName, "– ")+len("– "):]
		p.Customer.CompanyName = c
		p.ProjectName = c + " – " + kind
	}
	p.ProjectName = attrString(attrs, "name", p.ProjectName)
	w.projects[name] = &p
	return &p, nil
}

// phase returns the phase entity, made on first use.
func (w *rocketlaneWorld) phase(name string, by rocketlane.User, at time.Time) (*rlPhase, error) {
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
	phaseName := attrString(attrs, "name", "")
	if phaseName == "" {
		used := map[string]bool{}
		for _, p := range w.phases {
			used[p.PhaseName] = true
		}
		phaseName = rocketlane.PhaseNames[len(w.phases)%len(rocketlane.PhaseNames)]
		for _, n := range rocketlane.PhaseNames {
			if !used[n] {
				phaseName = n
				break
			}
		}
	}
	p := &rlPhase{Phase: rocketlane.NewPhase(w.src, w.acct, *proj, phaseName, by, at), project: projName}
	w.phases[name] = p
	return p, nil
}

// task returns the task entity, made on first use.
func (w *rocketlaneWorld) task(name string, by rocketlane.User, at time.Time) (*rlTask, error) {
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
	t := &rlTask{Task: rocketlane.NewTask(w.src, w.acct, *proj, ph.Phase, by, at), phase: phaseName}
	t.TaskName = attrString(attrs, "name", t.TaskName)
	if attrBool(attrs, "milestone") {
		t.Type = "MILESTONE"
	}
	// A scripted task is assigned only when the script says so (at
	// creation with assignee:, or later with update: assignee:).
	t.Assignees = rocketlane.Members{}
	t.Followers = rocketlane.Members{Members: []rocketlane.User{by}}
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
func (w *rocketlaneWorld) refOrOnly(attrs map[string]any, key, kind string) (string, error) {
	if n, ok := attrs[key].(string); ok && n != "" {
		return n, nil
	}
	name, ok, err := w.es.resolve("", kind)
	if err != nil {
		return "", err
	}
	if !ok {
		if err := w.declare(scenarios.Entity{Name: name, Kind: kind}, nil); err != nil {
			return "", err
		}
	}
	return name, nil
}

var (
	rlUserAttrs = attrTable[rocketlane.User]{
		"id":         func(u rocketlane.User) any { return int64(u.UserID) },
		"name":       func(u rocketlane.User) any { return u.FirstName + " " + u.LastName },
		"email":      func(u rocketlane.User) any { return u.EmailID },
		"first_name": func(u rocketlane.User) any { return u.FirstName },
		"last_name":  func(u rocketlane.User) any { return u.LastName },
	}
	rlProjectAttrs = attrTable[*rocketlane.Project]{
		"id":       func(p *rocketlane.Project) any { return int64(p.ProjectID) },
		"name":     func(p *rocketlane.Project) any { return p.ProjectName },
		"customer": func(p *rocketlane.Project) any { return p.Customer.CompanyName },
		"owner":    func(p *rocketlane.Project) any { return p.Owner.EmailID },
	}
	rlPhaseAttrs = attrTable[*rlPhase]{
		"id":      func(p *rlPhase) any { return int64(p.PhaseID) },
		"name":    func(p *rlPhase) any { return p.PhaseName },
		"project": func(p *rlPhase) any { return p.project },
	}
	rlTaskAttrs = attrTable[*rlTask]{
		"id":    func(t *rlTask) any { return int64(t.TaskID) },
		"name":  func(t *rlTask) any { return t.TaskName },
		"phase": func(t *rlTask) any { return t.phase },
	}
)

// attr reads an entity's attribute; a project, phase or task referred to
// before its first event comes into being now.
func (w *rocketlaneWorld) attr(entity, name string) (any, error) {
	at := w.src.Now()
	actor, _ := w.user("")
	switch kind := w.es.kinds[entity]; kind {
	case "user":
		return rlUserAttrs.get(entity, kind, name, w.users[entity])
	case "project":
		p, err := w.project(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return rlProjectAttrs.get(entity, kind, name, p)
	case "phase":
		p, err := w.phase(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return rlPhaseAttrs.get(entity, kind, name, p)
	case "task":
		t, err := w.task(entity, actor, at)
		if err != nil {
			return nil, err
		}
		return rlTaskAttrs.get(entity, kind, name, t)
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

func (w *rocketlaneWorld) build(s *step) ([]byte, error) {
	actor, err := w.user(s.actor)
	if err != nil {
		return nil, fmt.Errorf("actor: %w", err)
	}
	kind := s.spec.About
	name, ok, err := w.es.resolve(s.entity, kind)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := w.declare(scenarios.Entity{Name: name, Kind: kind}, nil); err != nil {
			return nil, err
		}
	}
	if w.deleted[name] {
		return nil, fmt.Errorf("%s %s was deleted by an earlier step", kind, name)
	}
	updated := strings.HasSuffix(s.event.Name, "_UPDATED")
	deleted := strings.HasSuffix(s.event.Name, "_DELETED")
	hook, at := w.acct.Webhook, s.at
	// Rocketlane records the event a moment after the change (updatedAt).
	occurred := func() time.Time { return s.src.Tick(50*time.Millisecond, 900*time.Millisecond) }
	var ev rocketlane.Event
	switch kind {
	case "project":
		p, err := w.project(name, actor, at)
		if err != nil {
			return nil, err
		}
		before := p.Clone()
		fields, err := w.updateProject(p, s.update, at)
		if err != nil {
			return nil, err
		}
		if s.event.Name == rocketlane.ProjectArchived {
			p.Archived = true
		}
		if s.event.Name != rocketlane.ProjectCreated {
			p.Touch(actor, at)
		}
		var cl *rocketlane.ChangeLog
		if updated {
			if cl, err = rocketlane.ProjectChange(before, *p, fields...); err != nil {
				return nil, err
			}
		}
		ev, err = rocketlane.ProjectEvent(s.src, s.event.Name, p.Clone(), actor, hook, occurred(), cl)
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
		fields := w.updatePhase(ph, s.update, at)
		if s.event.Name != rocketlane.PhaseCreated {
			ph.Touch(actor, at)
		}
		var cl *rocketlane.ChangeLog
		if updated {
			if cl, err = rocketlane.PhaseChange(before, ph.Phase, fields...); err != nil {
				return nil, err
			}
		}
		if ev, err = rocketlane.PhaseEvent(s.src, s.event.Name, ph.Clone(), actor, hook, occurred(), cl); err != nil {
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
		fields, err := w.updateTask(t, s.update, at)
		if err != nil {
			return nil, err
		}
		if s.event.Name != rocketlane.TaskCreated {
			t.Touch(actor, at)
		}
		var cl *rocketlane.ChangeLog
		if updated {
			if cl, err = rocketlane.TaskChange(before, t.Task, fields...); err != nil {
				return nil, err
			}
		}
		if ev, err = rocketlane.TaskEvent(s.src, s.event.Name, t.Clone(), actor, hook, occurred(), cl); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("rocketlane events are about a project, phase or task, not a %s", kind)
	}
	if deleted {
		w.deleted[name] = true
	}
	if ev.EventTriggeredAt <= w.lastTriggered {
		ev.EventTriggeredAt = w.lastTriggered + 1
	}
	w.lastTriggered = ev.EventTriggeredAt
	return ev.JSON()
}

func (w *rocketlaneWorld) updateProject(p *rocketlane.Project, us []field, at time.Time) ([]string, error) {
	var fields []string
	for _, f := range us {
		switch f.name {
		case "name":
			p.ProjectName = f.value.(string)
			fields = append(fields, "projectName")
			w.renameProject(p)
		case "status":
			st := projectStatuses[f.value.(string)]
			p.Status = st
			switch st.Value {
			case rocketlane.ProjectInProgress.Value:
				if p.StartDateActual == "" {
					p.StartDateActual = rocketlane.DateOf(at)
				}
			case rocketlane.ProjectCompleted.Value:
				p.DueDateActual = rocketlane.DateOf(at)
				p.ProgressPercentage = 100
				p.CurrentPhases = []rocketlane.PhaseRef{}
			}
			fields = append(fields, "status")
		case "due_date":
			p.DueDate = rocketlane.Date(f.value.(string))
			fields = append(fields, "dueDate")
		case "progress":
			p.ProgressPercentage = int(f.value.(int64))
			fields = append(fields, "progressPercentage")
		case "owner":
			u, err := w.user(f.value.(string))
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
func (w *rocketlaneWorld) renameProject(p *rocketlane.Project) {
	for _, ph := range w.phases {
		if w.projects[ph.project] == p {
			ph.Project = p.Ref()
		}
	}
}

func (w *rocketlaneWorld) updatePhase(ph *rlPhase, us []field, at time.Time) []string {
	var fields []string
	proj := w.projects[ph.project]
	for _, f := range us {
		switch f.name {
		case "name":
			ph.PhaseName = f.value.(string)
			fields = append(fields, "phaseName")
		case "status":
			ph.SetStatus(rocketlaneStatuses[f.value.(string)], at)
			fields = append(fields, "status")
		case "due_date":
			ph.DueDate = rocketlane.Date(f.value.(string))
			fields = append(fields, "dueDate")
		}
	}
	// The project's current phases are those in progress.
	proj.CurrentPhases = proj.CurrentPhases[:0:0]
	for _, n := range w.es.byKind["phase"] {
		if p, ok := w.phases[n]; ok && p.project == ph.project && p.Status.Value == rocketlane.StatusInProgress.Value && !w.deleted[n] {
			proj.CurrentPhases = append(proj.CurrentPhases, p.Ref())
		}
	}
	return fields
}

func (w *rocketlaneWorld) updateTask(t *rlTask, us []field, at time.Time) ([]string, error) {
	var fields []string
	for _, f := range us {
		switch f.name {
		case "name":
			t.TaskName = f.value.(string)
			fields = append(fields, "taskName")
		case "status":
			t.SetStatus(rocketlaneStatuses[f.value.(string)], at)
			fields = append(fields, "status")
		case "assignee":
			u, err := w.user(f.value.(string))
			if err != nil {
				return nil, err
			}
			if t.Assignees.Has(u.UserID) {
				return nil, fmt.Errorf("update.assignee: %s is already assigned", f.value)
			}
			t.Assign(u)
			fields = append(fields, "assignees")
		case "progress":
			v := int(f.value.(int64))
			t.Progress = &v
			fields = append(fields, "progress")
		case "due_date":
			t.DueDate = rocketlane.Date(f.value.(string))
			fields = append(fields, "dueDate")
		case "at_risk":
			v := f.value.(bool)
			t.AtRisk = &v
			fields = append(fields, "atRisk")
		case "priority":
			p := priorities[f.value.(string)]
			t.Priority = &p
			fields = append(fields, "priority")
		}
	}
	return fields, nil
}
