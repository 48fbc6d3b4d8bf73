package rocketlane_test

// Fidelity: the built-in onboarding story and the generated events, held
// against what Rocketlane's docs state. The facts are written here from
// the docs (the event payload page and the OpenAPI's Task, Project and
// Phase resources), not read from the package's own tables, and payloads
// are decoded into this file's own types. Where a check rests on a choice
// standin made where the docs are silent, it says so (docs/fidelity.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/rocketlane"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// The documented facts.
var (
	// docEventTypes are the event types of the event payload page
	// ("Currently supported event types"), each with its resource type
	// (the payload page's list of resource types shows only TASK; the
	// PROJECT_* and PHASE_* events are about projects and phases).
	docEventTypes = map[string]string{
		"TASK_CREATED": "TASK", "TASK_UPDATED": "TASK", "TASK_DELETED": "TASK",
		"PROJECT_CREATED": "PROJECT", "PROJECT_UPDATED": "PROJECT", "PROJECT_ARCHIVED": "PROJECT", "PROJECT_DELETED": "PROJECT",
		"PHASE_CREATED": "PHASE", "PHASE_UPDATED": "PHASE", "PHASE_DELETED": "PHASE",
	}
	// docVersion is the payload version of every sample.
	docVersion = "1.0"
	// docTaskTypes: OAS TaskPublicAPIResponseEntity.type.
	docTaskTypes = []string{"TASK", "MILESTONE"}
	// docVisibilities: OAS ProjectPublicAPIResponseEntity.visibility.
	docVisibilities = []string{"EVERYONE", "MEMBERS", "GROUP"}
	// docCompleted is the label of the Completed status in the TASK_UPDATED
	// sample (status {3, "Completed"}).
	docCompleted = "Completed"
	// docDate is the API's date format, YYYY-MM-DD.
	docDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// docUUID: eventId in every sample is a UUID.
	docUUID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// progressOf is progressPercentage as a function of the project's tasks.
// The OpenAPI marks it read-only and computed "based on the number of
// tasks that are completed vs the total number of tasks in the project";
// the arithmetic, whole percent rounded down and 0 without tasks, is
// standin's choice (docs/fidelity.md).
func progressOf(completed, total int) int {
	if total == 0 {
		return 0
	}
	return 100 * completed / total
}

// The payload as the docs describe it, decoded independently of the
// package's types.
type (
	docUser struct {
		EmailID   string `json:"emailId"`
		UserID    int64  `json:"userId"`
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	}
	docStatus struct {
		Value int    `json:"value"`
		Label string `json:"label"`
	}
	docDates struct {
		StartDate       string `json:"startDate"`
		DueDate         string `json:"dueDate"`
		StartDateActual string `json:"startDateActual"`
		DueDateActual   string `json:"dueDateActual"`
	}
	docStamps struct {
		CreatedAt int64   `json:"createdAt"`
		UpdatedAt int64   `json:"updatedAt"`
		CreatedBy docUser `json:"createdBy"`
		UpdatedBy docUser `json:"updatedBy"`
	}
	docProjectRef struct {
		ProjectID   int64  `json:"projectId"`
		ProjectName string `json:"projectName"`
	}
	docTask struct {
		docDates
		docStamps
		TaskID   int64         `json:"taskId"`
		TaskName string        `json:"taskName"`
		Type     string        `json:"type"`
		Progress *int          `json:"progress"`
		Project  docProjectRef `json:"project"`
		Phase    struct {
			PhaseID   int64  `json:"phaseId"`
			PhaseName string `json:"phaseName"`
		} `json:"phase"`
		Status    docStatus `json:"status"`
		Assignees struct {
			Members []docUser `json:"members"`
		} `json:"assignees"`
		Followers struct {
			Members []docUser `json:"members"`
		} `json:"followers"`
	}
	docProject struct {
		docDates
		docStamps
		docProjectRef
		Owner       docUser `json:"owner"`
		TeamMembers struct {
			Members   []docUser `json:"members"`
			Customers []docUser `json:"customers"`
		} `json:"teamMembers"`
		Status             docStatus `json:"status"`
		Visibility         string    `json:"visibility"`
		ProgressPercentage *int      `json:"progressPercentage"`
	}
	docPhase struct {
		docDates
		docStamps
		PhaseID   int64         `json:"phaseId"`
		PhaseName string        `json:"phaseName"`
		Project   docProjectRef `json:"project"`
		Status    docStatus     `json:"status"`
	}
	docEvent struct {
		EventID      string `json:"eventId"`
		ResourceType string `json:"resourceType"`
		EventType    string `json:"eventType"`
		Version      string `json:"version"`
		Data         struct {
			Task    *docTask    `json:"task"`
			Project *docProject `json:"project"`
			Phase   *docPhase   `json:"phase"`
		} `json:"data"`
		ChangeLog *struct {
			ChangedFields []string                   `json:"changedFields"`
			From          map[string]json.RawMessage `json:"from"`
			To            map[string]json.RawMessage `json:"to"`
		} `json:"changeLog"`
		Source struct {
			Actor docUser `json:"actor"`
		} `json:"source"`
		EventOccurredAt  int64 `json:"eventOccurredAt"`
		EventTriggeredAt int64 `json:"eventTriggeredAt"`
	}
)

// documented checks what the docs fix for any one event: its enum values
// and formats.
func documented(b []byte, want string) error {
	var ev docEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		return err
	}
	resource, ok := docEventTypes[ev.EventType]
	switch {
	case !ok:
		return fmt.Errorf("eventType %q is not a documented event type", ev.EventType)
	case want != "" && ev.EventType != want:
		return fmt.Errorf("eventType %q, want %q", ev.EventType, want)
	case ev.ResourceType != resource:
		return fmt.Errorf("%s with resourceType %q, want %q", ev.EventType, ev.ResourceType, resource)
	case ev.Version != docVersion:
		return fmt.Errorf("version %q", ev.Version)
	case !docUUID.MatchString(ev.EventID):
		return fmt.Errorf("eventId %q is not a UUID", ev.EventID)
	case strings.HasSuffix(ev.EventType, "_UPDATED") != (ev.ChangeLog != nil):
		return fmt.Errorf("%s: changeLog present %v (only *_UPDATED events carry one)", ev.EventType, ev.ChangeLog != nil)
	}
	var dates []docDates
	switch resource {
	case "TASK":
		t := ev.Data.Task
		if t == nil || ev.Data.Project != nil || ev.Data.Phase != nil {
			return fmt.Errorf("%s: data is not one task", ev.EventType)
		}
		if !slices.Contains(docTaskTypes, t.Type) {
			return fmt.Errorf("task type %q", t.Type)
		}
		if t.Progress != nil && (*t.Progress < 0 || *t.Progress > 100) {
			return fmt.Errorf("task progress %d", *t.Progress)
		}
		dates = append(dates, t.docDates)
	case "PROJECT":
		p := ev.Data.Project
		if p == nil || ev.Data.Task != nil || ev.Data.Phase != nil {
			return fmt.Errorf("%s: data is not one project", ev.EventType)
		}
		if !slices.Contains(docVisibilities, p.Visibility) {
			return fmt.Errorf("project visibility %q", p.Visibility)
		}
		if p.ProgressPercentage != nil && (*p.ProgressPercentage < 0 || *p.ProgressPercentage > 100) {
			return fmt.Errorf("progressPercentage %d", *p.ProgressPercentage)
		}
		dates = append(dates, p.docDates)
	case "PHASE":
		ph := ev.Data.Phase
		if ph == nil || ev.Data.Task != nil || ev.Data.Project != nil {
			return fmt.Errorf("%s: data is not one phase", ev.EventType)
		}
		if ph.StartDate == "" || ph.DueDate == "" {
			return fmt.Errorf("phase without startDate or dueDate (both mandatory)")
		}
		dates = append(dates, ph.docDates)
	}
	for _, d := range dates {
		for _, s := range []string{d.StartDate, d.DueDate, d.StartDateActual, d.DueDateActual} {
			if s != "" && !docDate.MatchString(s) {
				return fmt.Errorf("date %q is not YYYY-MM-DD", s)
			}
		}
		// "dueDate must be on or after startDate" (OAS, task, project, phase).
		if d.StartDate != "" && d.DueDate != "" && d.DueDate < d.StartDate {
			return fmt.Errorf("dueDate %s before startDate %s", d.DueDate, d.StartDate)
		}
		if d.StartDateActual != "" && d.DueDateActual != "" && d.DueDateActual < d.StartDateActual {
			return fmt.Errorf("dueDateActual %s before startDateActual %s", d.DueDateActual, d.StartDateActual)
		}
	}
	if ev.EventTriggeredAt < ev.EventOccurredAt {
		return fmt.Errorf("triggered at %d, before it occurred at %d", ev.EventTriggeredAt, ev.EventOccurredAt)
	}
	return nil
}

// TestGeneratedEventsAreDocumented: every generated event and variant,
// over 300 seeds, has only documented enum values and formats, and a
// generated TASK_UPDATED is made by one of the task's assignees (as in
// both doc samples).
func TestGeneratedEventsAreDocumented(t *testing.T) {
	events := rocketlane.Vendor.Events()
	if len(events) != len(docEventTypes) {
		t.Fatalf("%d events in the catalog, the docs list %d", len(events), len(docEventTypes))
	}
	for _, e := range events {
		if _, ok := docEventTypes[e.Name]; !ok {
			t.Errorf("%s is not a documented event type", e.Name)
		}
		for _, v := range append([]string{""}, e.Variants...) {
			for seed := uint64(1); seed <= uint64(catalogtest.Seeds(300)); seed++ {
				b, err := rocketlane.Vendor.Generate(fake.New(seed, time.Time{}), e, catalog.Options{Variant: v})
				if err != nil {
					t.Fatalf("%s/%s seed %d: %v", e.Name, v, seed, err)
				}
				if err := documented(b, e.Name); err != nil {
					t.Fatalf("%s/%s seed %d: %v\n%s", e.Name, v, seed, err, b)
				}
				var ev docEvent
				_ = json.Unmarshal(b, &ev)
				// One user per id and per e-mail address in a payload.
				people := []docUser{ev.Source.Actor}
				if p := ev.Data.Project; p != nil {
					people = append(append(append(people, p.Owner, p.CreatedBy, p.UpdatedBy), p.TeamMembers.Members...), p.TeamMembers.Customers...)
				}
				if tk := ev.Data.Task; tk != nil {
					people = append(append(append(people, tk.CreatedBy, tk.UpdatedBy), tk.Assignees.Members...), tk.Followers.Members...)
				}
				users, emails := map[int64]docUser{}, map[string]int64{}
				for _, u := range people {
					if err := sameUser(users, emails, u); err != nil {
						t.Fatalf("%s/%s seed %d: %v", e.Name, v, seed, err)
					}
				}
				if e.Name != "TASK_UPDATED" {
					continue
				}
				if !slices.Contains(ev.Data.Task.Assignees.Members, ev.Source.Actor) || ev.Data.Task.UpdatedBy != ev.Source.Actor {
					t.Fatalf("%s/%s seed %d: updated by %d, actor %d, not an assignee", e.Name, v, seed, ev.Data.Task.UpdatedBy.UserID, ev.Source.Actor.UserID)
				}
			}
		}
	}
}

// story is one play of a scenario: its events in order, each with the
// time on the run's virtual clock and the entity it is about.
type story struct {
	start  time.Time
	events []runs.Emitted
}

func playStory(t *testing.T, e *delivery.Engine, sc *scenarios.Scenario, seed uint64) story {
	t.Helper()
	r, err := runs.New(sc, e, runs.Options{Seed: &seed, SelfCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	if rep.Status != runs.Succeeded {
		t.Fatalf("seed %d: %s: %s", seed, rep.Status, rep.Error)
	}
	return story{start: sc.Start, events: rep.Events}
}

// TestOnboardingStoryFidelity plays the built-in onboarding over 200
// seeds and holds every event, and the story as a whole, against the docs.
func TestOnboardingStoryFidelity(t *testing.T) {
	sc, err := scenarios.Builtin("rocketlane-project-onboarding")
	if err != nil {
		t.Fatal(err)
	}
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	for seed := uint64(1); seed <= uint64(catalogtest.Seeds(200)); seed++ {
		s := playStory(t, e, sc, seed)
		if len(s.events) != 20 {
			t.Fatalf("seed %d: %d events, want 20", seed, len(s.events))
		}
		if err := s.check(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := s.checkPlan(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := s.onboarding(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
	}
}

// check holds a story's events against the docs, event by event and
// across events. It keeps what the events showed so far: each resource's
// last data (for changeLog.from), each entity's id, each user's identity,
// and the tasks' statuses (for progressPercentage).
func (s story) check() error {
	ids := map[string]string{} // entity → its kind and id
	users := map[int64]docUser{}
	emails := map[string]int64{}
	last := map[string]map[string]json.RawMessage{} // kind+id → last data
	type taskSeen struct {
		project            int64
		completed, deleted bool
		assignees          []docUser
	}
	tasks := map[int64]*taskSeen{}
	team := map[int64][]docUser{} // project id → its members
	var prevOccurred, prevTriggered int64
	for i, em := range s.events {
		fail := func(format string, args ...any) error {
			return fmt.Errorf("event %d (%s %s): %s\n%s", i+1, em.Event, em.Entity, fmt.Sprintf(format, args...), em.Payload)
		}
		if err := documented(em.Payload, em.Event); err != nil {
			return fail("%v", err)
		}
		var ev docEvent
		if err := json.Unmarshal(em.Payload, &ev); err != nil {
			return fail("%v", err)
		}
		// The virtual clock: the event occurs at its step's time or a
		// moment after, and times never go back.
		at := em.At.UnixMilli()
		if em.At.Before(s.start) {
			return fail("step at %s, before the story's start %s", em.At, s.start)
		}
		if ev.EventOccurredAt < at || ev.EventOccurredAt > at+int64(5*time.Second/time.Millisecond) {
			return fail("eventOccurredAt %d, the step is at %d on the story clock", ev.EventOccurredAt, at)
		}
		if ev.EventOccurredAt < prevOccurred || ev.EventTriggeredAt < prevTriggered {
			return fail("times go back: occurred %d after %d, triggered %d after %d", ev.EventOccurredAt, prevOccurred, ev.EventTriggeredAt, prevTriggered)
		}
		prevOccurred, prevTriggered = ev.EventOccurredAt, ev.EventTriggeredAt
		actor := ev.Source.Actor

		var (
			kind, key string
			id        int64
			stamps    docStamps
			dates     docDates
			status    docStatus
			projectID int64
			raw       json.RawMessage
		)
		switch {
		case ev.Data.Task != nil:
			d := ev.Data.Task
			kind, id, stamps, dates, status, projectID = "task", d.TaskID, d.docStamps, d.docDates, d.Status, d.Project.ProjectID
			raw = field(em.Payload, "task")
		case ev.Data.Project != nil:
			d := ev.Data.Project
			kind, id, stamps, dates, status, projectID = "project", d.ProjectID, d.docStamps, d.docDates, d.Status, d.ProjectID
			raw = field(em.Payload, "project")
			team[d.ProjectID] = d.TeamMembers.Members
			for _, u := range append(slices.Clone(d.TeamMembers.Members), d.TeamMembers.Customers...) {
				if err := sameUser(users, emails, u); err != nil {
					return fail("%v", err)
				}
			}
			if err := sameUser(users, emails, d.Owner); err != nil {
				return fail("%v", err)
			}
		case ev.Data.Phase != nil:
			d := ev.Data.Phase
			kind, id, stamps, dates, status, projectID = "phase", d.PhaseID, d.docStamps, d.docDates, d.Status, d.Project.ProjectID
			raw = field(em.Payload, "phase")
		}
		key = kind + fmt.Sprint(id)

		// One id per entity, one entity per id.
		if was, ok := ids[em.Entity]; ok && was != key {
			return fail("%s is %s here and %s before", em.Entity, key, was)
		}
		for ent, k := range ids {
			if k == key && ent != em.Entity {
				return fail("%s has the id of %s", em.Entity, ent)
			}
		}
		ids[em.Entity] = key
		for _, u := range []docUser{actor, stamps.CreatedBy, stamps.UpdatedBy} {
			if err := sameUser(users, emails, u); err != nil {
				return fail("%v", err)
			}
		}

		// Times: created, then updated, then the event; a creation is
		// stamped at its step's time, an update too.
		if stamps.CreatedAt > stamps.UpdatedAt || stamps.UpdatedAt > ev.EventOccurredAt {
			return fail("createdAt %d, updatedAt %d, eventOccurredAt %d out of order", stamps.CreatedAt, stamps.UpdatedAt, ev.EventOccurredAt)
		}
		switch {
		case strings.HasSuffix(ev.EventType, "_CREATED"):
			if stamps.CreatedAt != at || stamps.CreatedBy != actor {
				return fail("created at %d by %d; the step is at %d by %d", stamps.CreatedAt, stamps.CreatedBy.UserID, at, actor.UserID)
			}
		case strings.HasSuffix(ev.EventType, "_UPDATED"):
			if stamps.UpdatedAt != at || stamps.UpdatedBy != actor {
				return fail("updated at %d by %d; the step is at %d by %d", stamps.UpdatedAt, stamps.UpdatedBy.UserID, at, actor.UserID)
			}
		}
		// Actual dates are the day of the status change that set them.
		if prev, ok := last[key]; ok {
			var was docDates
			_ = json.Unmarshal(object(prev), &was)
			day := em.At.UTC().Format("2006-01-02")
			if dates.StartDateActual != was.StartDateActual && dates.StartDateActual != "" && dates.StartDateActual != day {
				return fail("startDateActual %s set on %s", dates.StartDateActual, day)
			}
			if dates.DueDateActual != was.DueDateActual && dates.DueDateActual != "" && dates.DueDateActual != day {
				return fail("dueDateActual %s set on %s", dates.DueDateActual, day)
			}
		}
		// dueDateActual: "the date status moved to a Completed-category
		// status; null until then" (OAS, task and phase).
		if kind != "project" && (dates.DueDateActual != "") != (status.Label == docCompleted) {
			return fail("status %q with dueDateActual %q", status.Label, dates.DueDateActual)
		}

		// The actor works on the project; a task's status and progress are
		// changed by one of its assignees.
		if members, ok := team[projectID]; ok && !slices.Contains(members, actor) {
			return fail("actor %s is not a member of project %d", actor.EmailID, projectID)
		}

		// changeLog: from is what the previous event showed, to is data.
		if ev.ChangeLog != nil {
			prev, ok := last[key]
			if !ok {
				return fail("an update of a %s no event created", kind)
			}
			now := fields(raw)
			for _, f := range ev.ChangeLog.ChangedFields {
				if f == "progressPercentage" {
					return fail("changeLog lists progressPercentage, which the API computes (read-only)")
				}
				from, to := ev.ChangeLog.From[f], ev.ChangeLog.To[f]
				if !jsonEqual(from, prev[f]) {
					return fail("changeLog.from.%s %s, the previous event showed %s", f, from, prev[f])
				}
				if !jsonEqual(to, now[f]) {
					return fail("changeLog.to.%s %s, data has %s", f, to, now[f])
				}
				if jsonEqual(from, to) {
					return fail("changeLog lists %s unchanged", f)
				}
			}
			if kind == "task" && (slices.Contains(ev.ChangeLog.ChangedFields, "status") || slices.Contains(ev.ChangeLog.ChangedFields, "progress")) {
				if !slices.Contains(tasks[id].assignees, actor) {
					return fail("task %d's status or progress changed by %s, who is not assigned to it", id, actor.EmailID)
				}
			}
		}
		last[key] = fields(raw)

		// progressPercentage at every project event is the formula over
		// the tasks the story has shown so far.
		if kind == "task" {
			ts, ok := tasks[id]
			if !ok {
				ts = &taskSeen{}
				tasks[id] = ts
			}
			ts.project = ev.Data.Task.Project.ProjectID
			ts.completed = ev.Data.Task.Status.Label == docCompleted
			ts.deleted = ev.EventType == "TASK_DELETED"
			ts.assignees = ev.Data.Task.Assignees.Members
		}
		if kind == "project" {
			completed, total := 0, 0
			for _, ts := range tasks {
				if ts.project == id && !ts.deleted {
					total++
					if ts.completed {
						completed++
					}
				}
			}
			got := ev.Data.Project.ProgressPercentage
			if got == nil || *got != progressOf(completed, total) {
				return fail("progressPercentage %v with %d of %d tasks completed, want %d", fmtPtr(got), completed, total, progressOf(completed, total))
			}
		}
	}
	return nil
}

// twoProjects is a script beyond the built-in: two projects, default
// phase names, a deleted task, a milestone, updates by several people.
const twoProjects = `
name: fidelity-two-projects
vendor: rocketlane
start: 2026-03-02T09:00:00Z
entities:
  owner: {kind: user}
  dev: {kind: user}
  qa: {kind: user}
  acme: {kind: project, owner: owner}
  beta: {kind: project, owner: owner}
  a1: {kind: phase, project: acme}
  a2: {kind: phase, project: acme}
  a3: {kind: phase, project: acme}
  b1: {kind: phase, project: beta}
  t1: {kind: task, phase: a1, assignee: dev}
  t2: {kind: task, phase: a2, assignee: dev}
  t3: {kind: task, phase: a2}
  t4: {kind: task, phase: a3, milestone: true}
  u1: {kind: task, phase: b1, assignee: qa}
steps:
  - {event: PROJECT_CREATED, entity: acme, actor: owner}
  - {event: PROJECT_CREATED, entity: beta, actor: owner, after: 1h}
  - each: [a1, a2, a3, b1]
    var: p
    steps:
      - {event: PHASE_CREATED, entity: "${p}", actor: owner}
  - each: [t1, t2, t3, t4, u1]
    var: t
    steps:
      - {event: TASK_CREATED, entity: "${t}", actor: owner, after: 2m}
  - {event: PROJECT_UPDATED, entity: acme, actor: owner, after: 1d, update: {status: In progress}}
  - {event: TASK_UPDATED, entity: t1, actor: dev, after: 3h, update: {status: In progress}}
  - {event: TASK_UPDATED, entity: t1, actor: dev, after: 1d, update: {status: Completed}}
  - {event: PROJECT_UPDATED, entity: acme, actor: owner, after: 5m, update: {name: Acme rollout}}
  - {event: TASK_DELETED, entity: t3, actor: owner, after: 1h}
  - {event: TASK_UPDATED, entity: t4, actor: owner, after: 10m, update: {assignee: qa}}
  - {event: TASK_UPDATED, entity: t4, actor: qa, after: 2d, update: {status: Completed}}
  - {event: PHASE_UPDATED, entity: a1, actor: owner, update: {status: Completed}}
  - {event: PROJECT_UPDATED, entity: acme, actor: owner, after: 1m, update: {due_date: "${a3.due_date}"}}
  - {event: TASK_UPDATED, entity: u1, actor: qa, after: 4h, update: {status: Completed}}
  - {event: PROJECT_UPDATED, entity: beta, actor: owner, after: 1m, update: {status: Completed}}
  - {event: PROJECT_ARCHIVED, entity: beta, actor: owner, after: 1d}
`

// TestScriptedStoryFidelity holds a script with two projects, a deletion
// and default phase names to the same facts, over 200 seeds.
func TestScriptedStoryFidelity(t *testing.T) {
	sc, err := scenarios.Parse("two-projects.yaml", []byte(twoProjects))
	if err != nil {
		t.Fatal(err)
	}
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	for seed := uint64(1); seed <= uint64(catalogtest.Seeds(200)); seed++ {
		s := playStory(t, e, sc, seed)
		if err := s.check(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if err := s.checkPlan(); err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		var ev docEvent
		// acme ends with t1 and t4 completed, t2 not, t3 deleted: 66;
		// beta with its one task completed: 100.
		for i, want := range map[int]int{len(s.events) - 4: 66, len(s.events) - 1: 100} {
			_ = json.Unmarshal(s.events[i].Payload, &ev)
			if got := ev.Data.Project.ProgressPercentage; got == nil || *got != want {
				t.Fatalf("seed %d: event %d progressPercentage %s, want %d", seed, i+1, fmtPtr(got), want)
			}
		}
	}
}

// plan is what a story's events showed last of each project, phase and
// task, phases in the order the story created them.
type plan struct {
	projects map[int64]*docProject
	created  map[int64]time.Time // project id → its PROJECT_CREATED step
	phases   map[int64]*docPhase
	order    []int64
	tasks    map[int64]*docTask
}

func (s story) plan() plan {
	p := plan{projects: map[int64]*docProject{}, created: map[int64]time.Time{}, phases: map[int64]*docPhase{}, tasks: map[int64]*docTask{}}
	for _, em := range s.events {
		var ev docEvent
		_ = json.Unmarshal(em.Payload, &ev)
		switch {
		case ev.Data.Project != nil:
			p.projects[ev.Data.Project.ProjectID] = ev.Data.Project
			if ev.EventType == "PROJECT_CREATED" {
				p.created[ev.Data.Project.ProjectID] = em.At
			}
		case ev.Data.Phase != nil:
			if _, ok := p.phases[ev.Data.Phase.PhaseID]; !ok {
				p.order = append(p.order, ev.Data.Phase.PhaseID)
			}
			p.phases[ev.Data.Phase.PhaseID] = ev.Data.Phase
		case ev.Data.Task != nil:
			p.tasks[ev.Data.Task.TaskID] = ev.Data.Task
		}
	}
	return p
}

// phasesOf returns the phases of a project in the order they were created.
func (p plan) phasesOf(project int64) []*docPhase {
	var out []*docPhase
	for _, id := range p.order {
		if p.phases[id].Project.ProjectID == project {
			out = append(out, p.phases[id])
		}
	}
	return out
}

// checkPlan holds a story's plan to the story clock (standin's choices,
// docs/fidelity.md): a project starts on the day the story creates it,
// its phases follow one another in the order the story creates them from
// that day, within the project's dates, and each task lies within its
// phase.
func (s story) checkPlan() error {
	p := s.plan()
	for id, project := range p.projects {
		if day := p.created[id].UTC().Format("2006-01-02"); project.StartDate != day {
			return fmt.Errorf("project %d starts %s, created on %s", id, project.StartDate, day)
		}
		phases := p.phasesOf(id)
		for i, ph := range phases {
			if ph.StartDate < project.StartDate || ph.DueDate > project.DueDate {
				return fmt.Errorf("phase %s %s..%s outside the project's %s..%s", ph.PhaseName, ph.StartDate, ph.DueDate, project.StartDate, project.DueDate)
			}
			if i == 0 && ph.StartDate != project.StartDate {
				return fmt.Errorf("first phase starts %s, the project %s", ph.StartDate, project.StartDate)
			}
			if i > 0 && ph.StartDate <= phases[i-1].DueDate {
				return fmt.Errorf("phase %s starts %s, before %s ends %s", ph.PhaseName, ph.StartDate, phases[i-1].PhaseName, phases[i-1].DueDate)
			}
		}
	}
	for _, task := range p.tasks {
		ph := p.phases[task.Phase.PhaseID]
		if ph == nil || task.StartDate < ph.StartDate || task.DueDate > ph.DueDate {
			return fmt.Errorf("task %s %s..%s outside its phase", task.TaskName, task.StartDate, task.DueDate)
		}
	}
	return nil
}

// onboarding checks what the onboarding story tells: Kickoff, then
// Configuration, then Go-live; 2 of its 4 tasks completed at the end; the
// project due when Go-live ends.
func (s story) onboarding() error {
	p := s.plan()
	if len(p.projects) != 1 {
		return fmt.Errorf("%d projects", len(p.projects))
	}
	var project *docProject
	for _, project = range p.projects {
	}
	phases := p.phasesOf(project.ProjectID)
	var names []string
	for _, ph := range phases {
		names = append(names, ph.PhaseName)
	}
	if strings.Join(names, ", ") != "Kickoff, Configuration, Go-live" {
		return fmt.Errorf("phases %v", names)
	}
	if got := project.ProgressPercentage; got == nil || *got != 50 {
		return fmt.Errorf("the story ends with 2 of 4 tasks completed and progressPercentage %s", fmtPtr(got))
	}
	if golive := phases[len(phases)-1]; project.DueDate != golive.DueDate {
		return fmt.Errorf("project due %s, Go-live ends %s", project.DueDate, golive.DueDate)
	}
	return nil
}

// sameUser checks that a user id always names the same person and an
// e-mail address always the same user id.
func sameUser(users map[int64]docUser, emails map[string]int64, u docUser) error {
	if was, ok := users[u.UserID]; ok && was != u {
		return fmt.Errorf("user %d is %+v and %+v", u.UserID, was, u)
	}
	if was, ok := emails[u.EmailID]; ok && was != u.UserID {
		return fmt.Errorf("%s is user %d and %d", u.EmailID, was, u.UserID)
	}
	users[u.UserID], emails[u.EmailID] = u, u.UserID
	return nil
}

// field returns data.<name> of a payload.
func field(payload []byte, name string) json.RawMessage {
	var ev struct {
		Data map[string]json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(payload, &ev)
	return ev.Data[name]
}

func fields(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return m
}

func object(m map[string]json.RawMessage) []byte {
	b, _ := json.Marshal(m)
	return b
}

func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

func fmtPtr(p *int) string {
	if p == nil {
		return "absent"
	}
	return fmt.Sprint(*p)
}
