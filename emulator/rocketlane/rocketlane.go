// Package rocketlane generates Rocketlane webhook payloads: the envelope
// (eventId, resourceType, eventType, version, data, changeLog, source,
// eventOccurredAt, eventTriggeredAt) around a task, project or phase as the
// Rocketlane public API 1.0 returns it.
//
// The package exports one value, Vendor. Inside, the resources are Go
// types (apiTask, apiProject, apiPhase, user, …) built by constructors
// that draw from a fake.Source (newAccount, newProject, newPhase,
// newTask), and the builders taskEvent, projectEvent and phaseEvent wrap
// given entities in an event, so that a scenario can keep the same
// project, phase and task across a run and report real previous values in
// changeLog (taskChange, projectChange, phaseChange). Vendor puts them
// together: its Generate is the one-shot use of those pieces, its NewWorld
// the world a scenario run keeps.
package rocketlane

import (
	"fmt"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// TASK_UPDATED variants (catalog.Event.Variants).
const (
	// variantName renames the task, like the doc's "taskName updated" sample.
	variantName = "name"
	// variantAssignee adds an assignee, like the doc's "assignee updated"
	// sample.
	variantAssignee = "assignee"
)

// generate builds event e, before the encoding, from src: one event about
// a project, phase or task of a fresh account, the entities created in the
// weeks before src.Now() and the event happening from there.
func generate(src *fake.Source, e catalog.Event, opts catalog.Options) (webhookEvent, error) {
	if e.Vendor != id {
		return webhookEvent{}, fmt.Errorf("rocketlane: %s is not a Rocketlane event", e)
	}
	variant, err := catalog.Variant(src, e, opts.Variant)
	if err != nil {
		return webhookEvent{}, err
	}
	s := newScene(src)
	var ev webhookEvent
	switch e.Name {
	case taskCreated:
		ev, err = s.taskCreated()
	case taskUpdated:
		ev, err = s.taskUpdated(variant)
	case taskDeleted:
		ev, err = taskEvent(src, taskDeleted, s.task, s.actor, s.acct.Webhook, s.occur(), nil)
	case projectCreated:
		p := newProject(src, s.acct, s.actor, src.Now())
		ev, err = projectEvent(src, projectCreated, p, s.actor, s.acct.Webhook, s.occur(), nil)
	case projectUpdated:
		ev, err = s.projectUpdated()
	case projectArchived:
		ev, err = s.projectArchived()
	case projectDeleted:
		ev, err = projectEvent(src, projectDeleted, s.project, s.actor, s.acct.Webhook, s.occur(), nil)
	case phaseCreated:
		ph := newPhase(src, s.acct, s.project, fake.Pick(src, phaseNames), s.actor, src.Now())
		ev, err = phaseEvent(src, phaseCreated, ph, s.actor, s.acct.Webhook, s.occur(), nil)
	case phaseUpdated:
		ev, err = s.phaseUpdated()
	case phaseDeleted:
		ev, err = phaseEvent(src, phaseDeleted, s.phase, s.actor, s.acct.Webhook, s.occur(), nil)
	default:
		return webhookEvent{}, fmt.Errorf("rocketlane: no generator for event %q", e.Name)
	}
	return ev, err
}

// scene is the world one generated event happens in: an account whose
// project, phase and task were created 30 to 60 days before src.Now(), the
// phase being the one under way now, and the team member who acts now.
type scene struct {
	src     *fake.Source
	acct    *account
	project apiProject
	phase   apiPhase
	task    apiTask
	actor   user
}

func newScene(src *fake.Source) scene {
	a := newAccount(src)
	owner := fake.Pick(src, a.Team)
	t := src.Before(src.Now(), 30*day, 60*day)
	project := newProject(src, a, owner, t)
	t = t.Add(src.Duration(2*time.Minute, 3*time.Hour))
	phase := newPhase(src, a, project, fake.Pick(src, phaseNames), owner, t)
	// The current phase: started 10 to 18 days ago (after the project's
	// start, at most 20 days ago), due in 2 to 25 days.
	phase.StartDate = dateOf(src.Now()).AddDays(-src.ID(10, 18))
	phase.DueDate = phase.StartDate.AddDays(src.ID(20, 35))
	t = t.Add(src.Duration(2*time.Minute, 3*time.Hour))
	task := newTask(src, a, project, phase, owner, t)
	task.StartDate = phase.StartDate.AddDays(src.IntN(3))
	task.DueDate = task.StartDate.AddDays(src.ID(1, 6))

	// Work is under way: the project and the phase are in progress.
	started, _ := phase.StartDate.Time()
	phase.SetStatus(statusInProgress, started)
	phase.Touch(owner, src.Before(src.Now(), day, 9*day))
	project.Status = projectInProgress
	project.StartDateActual = project.StartDate
	project.CurrentPhases = []phaseRef{phase.Ref()}
	project.ProgressPercentage = src.ID(5, 60)
	project.Touch(owner, src.Before(src.Now(), day, 9*day))
	return scene{src: src, acct: a, project: project, phase: phase, task: task, actor: fake.Pick(src, project.TeamMembers.Members)}
}

// occur advances the clock to when the event happens, a moment after the
// last change.
func (s *scene) occur() time.Time { return s.src.Tick(300*time.Millisecond, 6*time.Second) }

// update advances the clock to when an update is made.
func (s *scene) update() time.Time { return s.src.Tick(time.Second, 20*time.Second) }

func (s *scene) taskCreated() (webhookEvent, error) {
	t := newTask(s.src, s.acct, s.project, s.phase, s.actor, s.src.Now())
	return taskEvent(s.src, taskCreated, t, s.actor, s.acct.Webhook, s.occur(), nil)
}

// worked fills in what a task has once the team has worked on it for a
// while, and what the TASK_UPDATED doc samples show: effort, progress, at
// risk, priority, billable and time entry category, an assignee.
func (s *scene) worked(t apiTask) apiTask {
	src := s.src
	if t.EffortInMinutes == nil {
		t.EffortInMinutes = ptr(src.ID(1, 40) * 30)
	}
	t.AtRisk = ptr(src.Chance(0.15))
	if t.Priority == nil {
		t.Priority = ptr(fake.Pick(src, priorities))
	}
	if t.Billable == nil {
		t.Billable = ptr(src.Chance(0.7))
		t.TimeEntryCategory = ptr(fake.Pick(src, s.acct.categories))
	}
	if len(t.Assignees.Members) == 0 {
		t.Assign(fake.Pick(src, s.project.TeamMembers.Members))
	}
	worked := src.Before(src.Now(), 2*day, 8*day)
	switch src.IntN(3) {
	case 0:
		t.SetStatus(statusToDo, worked)
	case 1:
		t.SetStatus(statusInProgress, worked)
		t.Progress = ptr(src.ID(1, 9) * 10)
	default:
		t.SetStatus(statusCompleted, worked)
	}
	t.Touch(fake.Pick(src, t.Assignees.Members), worked)
	return t
}

func (s *scene) taskUpdated(variant string) (webhookEvent, error) {
	src := s.src
	before := s.worked(s.task)
	after := before.Clone()
	// The update is made by one of the task's assignees, as in both doc
	// samples (the assignee sample's actor is the assignee who adds the
	// other).
	actor := fake.Pick(src, before.Assignees.Members)
	var field string
	switch variant {
	case variantAssignee:
		others := s.project.TeamMembers.Members
		var free []user
		for _, u := range others {
			if !before.Assignees.Has(u.UserID) {
				free = append(free, u)
			}
		}
		if len(free) == 0 {
			return webhookEvent{}, fmt.Errorf("rocketlane: no team member left to assign")
		}
		after.Assign(fake.Pick(src, free))
		field = "assignees"
	default:
		if to, ok := renamedTo(before.TaskName); ok {
			after.TaskName = to
		} else {
			after.TaskName = before.TaskName + " (revised)"
		}
		field = "taskName"
	}
	after.Touch(actor, s.update())
	cl, err := taskChange(before, after, field)
	if err != nil {
		return webhookEvent{}, err
	}
	return taskEvent(src, taskUpdated, after, actor, s.acct.Webhook, s.occur(), cl)
}

func (s *scene) projectUpdated() (webhookEvent, error) {
	src := s.src
	before := s.project
	after := before.Clone()
	at := s.update()
	var field string
	switch src.IntN(4) {
	case 0:
		after.Status = projectCompleted
		after.DueDateActual = dateOf(at)
		after.CurrentPhases = []phaseRef{}
		after.ProgressPercentage = 100
		field = "status"
	case 1:
		after.DueDate = before.DueDate.AddDays(src.ID(1, 6) * 7)
		field = "dueDate"
	case 2:
		after.ProjectName = before.ProjectName + " (" + fake.Pick(src, []string{"Wave 2", "EMEA", "Phase 2", "Pilot"}) + ")"
		field = "projectName"
	default:
		owner := fake.Pick(src, without(before.TeamMembers.Members, before.Owner.UserID))
		after.Owner = owner
		field = "owner"
	}
	after.Touch(s.actor, at)
	cl, err := projectChange(before, after, field)
	if err != nil {
		return webhookEvent{}, err
	}
	return projectEvent(src, projectUpdated, after, s.actor, s.acct.Webhook, s.occur(), cl)
}

func (s *scene) projectArchived() (webhookEvent, error) {
	p := s.project.Clone()
	at := s.update()
	p.Status = projectCompleted
	p.DueDateActual = dateOf(at)
	p.ProgressPercentage = 100
	p.CurrentPhases = []phaseRef{}
	p.Archived = true
	p.Touch(s.actor, at)
	return projectEvent(s.src, projectArchived, p, s.actor, s.acct.Webhook, s.occur(), nil)
}

func (s *scene) phaseUpdated() (webhookEvent, error) {
	src := s.src
	before := s.phase
	after := before.Clone()
	at := s.update()
	var field string
	switch src.IntN(3) {
	case 0:
		after.SetStatus(statusCompleted, at)
		field = "status"
	case 1:
		after.DueDate = before.DueDate.AddDays(src.ID(2, 14))
		field = "dueDate"
	default:
		after.PhaseName = phaseRenames[before.PhaseName]
		field = "phaseName"
	}
	after.Touch(s.actor, at)
	cl, err := phaseChange(before, after, field)
	if err != nil {
		return webhookEvent{}, err
	}
	return phaseEvent(src, phaseUpdated, after, s.actor, s.acct.Webhook, s.occur(), cl)
}
