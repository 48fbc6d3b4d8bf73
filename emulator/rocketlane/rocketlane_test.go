package rocketlane

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/schemas"
)

const seeds = 1000

const samplesDir = "../../schemas/testdata/samples/rocketlane"

// genCase is one event (and variant) of the catalog, with the doc sample
// it must cover, if the docs have one.
type genCase struct {
	event   catalog.Event
	variant string
	sample  string
}

func (c genCase) name() string {
	if c.variant == "" {
		return c.event.Name
	}
	return c.event.Name + "/" + c.variant
}

func genCases(t *testing.T) []genCase {
	t.Helper()
	var out []genCase
	for _, e := range Vendor.Events() {
		variants := e.Variants
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, v := range variants {
			file := e.Slug + ".json"
			if v != "" {
				file = e.Slug + "." + v + ".json"
			}
			c := genCase{event: e, variant: v}
			if _, err := os.Stat(filepath.Join(samplesDir, file)); err == nil {
				c.sample = file
			}
			out = append(out, c)
		}
	}
	if len(out) != 11 {
		t.Fatalf("expected 10 Rocketlane events with 11 event/variant pairs, got %d", len(out))
	}
	return out
}

func genPayload(t *testing.T, c genCase, seed uint64) []byte {
	t.Helper()
	b, err := Vendor.Generate(fake.New(seed, time.Time{}), c.event, catalog.Options{Variant: c.variant})
	if err != nil {
		t.Fatalf("%s seed %d: %v", c.name(), seed, err)
	}
	return b
}

// TestGenerate checks, for every event and variant over 1,000 seeds, that
// the payload validates against its schema, is internally consistent, is
// the same for the same seed and differs between seeds.
func TestGenerate(t *testing.T) {
	for _, c := range genCases(t) {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			seen := map[string]uint64{}
			for seed := uint64(1); seed <= seeds; seed++ {
				b := genPayload(t, c, seed)
				if err := schemas.Validate("rocketlane", c.event.Slug, b); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, b)
				}
				if again := genPayload(t, c, seed); !bytes.Equal(b, again) {
					t.Fatalf("seed %d: two runs differ:\n%s\n%s", seed, b, again)
				}
				if prev, ok := seen[string(b)]; ok {
					t.Fatalf("seeds %d and %d give the same payload", prev, seed)
				}
				seen[string(b)] = seed
				if err := consistent(c, b); err != nil {
					t.Fatalf("seed %d: %v\n%s", seed, err, b)
				}
			}
		})
	}
}

// TestCoversDocSamples checks that generated payloads have every field of
// the vendor's doc sample, with the same JSON types.
func TestCoversDocSamples(t *testing.T) {
	covered := 0
	for _, c := range genCases(t) {
		if c.sample == "" {
			continue
		}
		covered++
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(filepath.Join(samplesDir, c.sample))
			if err != nil {
				t.Fatal(err)
			}
			sample, err := payload.ShapeOf(raw)
			if err != nil {
				t.Fatal(err)
			}
			for seed := uint64(1); seed <= 200; seed++ {
				got, err := payload.ShapeOf(genPayload(t, c, seed))
				if err != nil {
					t.Fatal(err)
				}
				if problems := payload.Covers(sample, got); len(problems) > 0 {
					t.Fatalf("seed %d does not cover %s:\n%s", seed, c.sample, strings.Join(problems, "\n"))
				}
			}
		})
	}
	if covered != 3 {
		t.Fatalf("expected 3 Rocketlane doc samples, found %d", covered)
	}
}

// TestDocSamplesValidate checks the vendor's own samples against the
// schemas, unchanged.
func TestDocSamplesValidate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples in %s: %v", samplesDir, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		slug, _, _ := strings.Cut(filepath.Base(f), ".")
		if err := schemas.Validate("rocketlane", slug, b); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	src := fake.New(1, time.Time{})
	updated, err := catalog.LookupIn(Vendor, "TASK_UPDATED")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		e    catalog.Event
		opts catalog.Options
	}{
		"unknown event":                        {catalog.Event{Vendor: "rocketlane", Name: "TASK_RENAMED", Slug: "task-renamed"}, catalog.Options{}},
		"other vendor":                         {catalog.Event{Vendor: "cutover", Name: "task.created", Slug: "task-created"}, catalog.Options{}},
		"unknown variant":                      {updated, catalog.Options{Variant: "status"}},
		"variant of an event without variants": {catalog.Event{Vendor: "rocketlane", Name: "TASK_CREATED", Slug: "task-created"}, catalog.Options{Variant: "name"}},
	} {
		if b, err := Vendor.Generate(src, tc.e, tc.opts); err == nil {
			t.Errorf("%s: no error, got %s", name, b)
		}
	}
}

// consistent checks what the schema cannot: ids, times, dates and the
// changeLog agree with each other and with data.
func consistent(c genCase, b []byte) error {
	var ev webhookEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		return err
	}
	if ev.EventType != c.event.Name {
		return fmt.Errorf("eventType %s, want %s", ev.EventType, c.event.Name)
	}
	resource, _, _ := strings.Cut(ev.EventType, "_")
	if ev.ResourceType != resource {
		return fmt.Errorf("resourceType %s for %s", ev.ResourceType, ev.EventType)
	}
	if ev.EventTriggeredAt <= ev.EventOccurredAt {
		return fmt.Errorf("eventTriggeredAt %d not after eventOccurredAt %d", ev.EventTriggeredAt, ev.EventOccurredAt)
	}
	if d := ev.EventTriggeredAt.Time().Sub(ev.EventOccurredAt.Time()); d < minTriggerDelay || d > maxTriggerDelay {
		return fmt.Errorf("triggered %v after it occurred", d)
	}
	var (
		createdAt, updatedAt millis
		createdBy, updatedBy user
		resourceJSON         any
		dates                [][2]date
	)
	switch resource {
	case resourceTask:
		task := ev.Data.Task
		createdAt, updatedAt, createdBy, updatedBy, resourceJSON = task.CreatedAt, task.UpdatedAt, task.CreatedBy, task.UpdatedBy, task
		dates = [][2]date{{task.StartDate, task.DueDate}, {task.StartDateActual, task.DueDateActual}}
		for _, a := range task.Assignees.Members {
			if !task.Followers.Has(a.UserID) {
				return fmt.Errorf("assignee %d is not a follower", a.UserID)
			}
		}
		if task.Status == statusCompleted && (task.Progress == nil || *task.Progress != 100 || task.DueDateActual == "") {
			return fmt.Errorf("completed task with progress %v and dueDateActual %q", task.Progress, task.DueDateActual)
		}
	case resourceProject:
		p := ev.Data.Project
		createdAt, updatedAt, createdBy, updatedBy, resourceJSON = p.CreatedAt, p.UpdatedAt, p.CreatedBy, p.UpdatedBy, p
		dates = [][2]date{{p.StartDate, p.DueDate}, {p.StartDateActual, p.DueDateActual}}
		if !slices.Contains(p.TeamMembers.Members, p.Owner) {
			return fmt.Errorf("owner %d is not a team member", p.Owner.UserID)
		}
		if ch := p.TeamMembers.CustomerChampion; ch != nil && !slices.Contains(p.TeamMembers.Customers, *ch) {
			return fmt.Errorf("customer champion %d is not a customer", ch.UserID)
		}
		if ev.EventType == projectArchived && !p.Archived {
			return errors.New("PROJECT_ARCHIVED with archived false")
		}
		for _, u := range append(slices.Clone(p.TeamMembers.Members), p.TeamMembers.Customers...) {
			if _, domain, _ := strings.Cut(u.EmailID, "@"); !strings.HasPrefix(p.Customer.CompanyURL, "https://www."+domain) && !strings.HasSuffix(p.Owner.EmailID, "@"+domain) {
				return fmt.Errorf("%s works neither for the customer nor for the owner's firm", u.EmailID)
			}
		}
	case resourcePhase:
		ph := ev.Data.Phase
		createdAt, updatedAt, createdBy, updatedBy, resourceJSON = ph.CreatedAt, ph.UpdatedAt, ph.CreatedBy, ph.UpdatedBy, ph
		dates = [][2]date{{ph.StartDate, ph.DueDate}, {ph.StartDateActual, ph.DueDateActual}}
	}
	if n := countSet(ev.Data); n != 1 {
		return fmt.Errorf("data holds %d resources", n)
	}
	if createdAt > updatedAt || updatedAt > ev.EventOccurredAt {
		return fmt.Errorf("times out of order: createdAt %d, updatedAt %d, eventOccurredAt %d", createdAt, updatedAt, ev.EventOccurredAt)
	}
	for _, d := range dates {
		if d[0] != "" && d[1] != "" && d[0] > d[1] {
			return fmt.Errorf("date %s after %s", d[0], d[1])
		}
	}
	switch {
	case strings.HasSuffix(ev.EventType, "_CREATED"):
		if createdBy != ev.Source.Actor || updatedBy != ev.Source.Actor {
			return fmt.Errorf("created by %d, updated by %d, actor %d", createdBy.UserID, updatedBy.UserID, ev.Source.Actor.UserID)
		}
		if ev.EventOccurredAt.Time().Sub(createdAt.Time()) > 10*time.Second {
			return fmt.Errorf("created at %d, long before the event at %d", createdAt, ev.EventOccurredAt)
		}
	case strings.HasSuffix(ev.EventType, "_UPDATED"), ev.EventType == projectArchived:
		if updatedBy != ev.Source.Actor {
			return fmt.Errorf("updated by %d, actor %d", updatedBy.UserID, ev.Source.Actor.UserID)
		}
	}
	if strings.HasSuffix(ev.EventType, "_UPDATED") != (ev.ChangeLog != nil) {
		return fmt.Errorf("%s with changeLog %v", ev.EventType, ev.ChangeLog != nil)
	}
	if ev.ChangeLog != nil {
		if err := changeAgrees(ev.ChangeLog, resourceJSON); err != nil {
			return err
		}
		want := map[string]string{"name": "taskName", "assignee": "assignees"}[c.variant]
		if want != "" && !slices.Equal(ev.ChangeLog.ChangedFields, []string{want}) {
			return fmt.Errorf("variant %s changed %v", c.variant, ev.ChangeLog.ChangedFields)
		}
	}
	if c.variant == "assignee" {
		var from, to members
		raw, _ := ev.ChangeLog.From.Get("assignees")
		_ = json.Unmarshal(raw, &from)
		raw, _ = ev.ChangeLog.To.Get("assignees")
		_ = json.Unmarshal(raw, &to)
		if len(to.Members) != len(from.Members)+1 || !slices.Equal(to.Members[:len(from.Members)], from.Members) {
			return fmt.Errorf("assignees from %v to %v: not one added", from.Members, to.Members)
		}
	}
	return nil
}

func countSet(d eventData) int {
	n := 0
	for _, set := range []bool{d.Task != nil, d.Project != nil, d.Phase != nil} {
		if set {
			n++
		}
	}
	return n
}

// changeAgrees checks that changeLog.to holds data's values of the changed
// fields, that from differs from to, and that from and to name only changed
// fields.
func changeAgrees(cl *changeLog, resource any) error {
	b, err := payload.Marshal(resource)
	if err != nil {
		return err
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(b, &data); err != nil {
		return err
	}
	if len(cl.ChangedFields) == 0 {
		return errors.New("changeLog lists no field")
	}
	for _, k := range append(cl.From.Keys(), cl.To.Keys()...) {
		if !slices.Contains(cl.ChangedFields, k) {
			return fmt.Errorf("changeLog has %q, not in changedFields %v", k, cl.ChangedFields)
		}
	}
	for _, k := range cl.ChangedFields {
		to, _ := cl.To.Get(k)
		from, _ := cl.From.Get(k)
		if !bytes.Equal(compact(to), compact(data[k])) {
			return fmt.Errorf("changeLog.to.%s = %s, data has %s", k, to, data[k])
		}
		if bytes.Equal(compact(from), compact(to)) {
			return fmt.Errorf("changeLog.from.%s = changeLog.to.%s = %s", k, k, to)
		}
	}
	return nil
}

func compact(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return b
	}
	return out.Bytes()
}

// TestWorld builds a run's world from the package's pieces, as a scenario
// does, and checks that entities agree and that an update reports the real
// previous value.
func TestWorld(t *testing.T) {
	src := fake.New(42, time.Time{})
	acct := newAccount(src)
	owner := acct.Team[0]
	project := newProject(src, acct, owner, src.Now())
	ids := map[int]bool{}
	var tasks []apiTask
	for _, name := range phaseNames {
		phase := newPhase(src, acct, project, name, owner, src.Tick(time.Minute, time.Hour))
		if phase.Project != project.Ref() {
			t.Fatalf("phase %d project %v, want %v", phase.PhaseID, phase.Project, project.Ref())
		}
		if phase.StartDate < project.StartDate || phase.DueDate > project.DueDate || phase.StartDate > phase.DueDate {
			t.Errorf("phase %s %s..%s outside project %s..%s", name, phase.StartDate, phase.DueDate, project.StartDate, project.DueDate)
		}
		for range 5 {
			task := newTask(src, acct, project, phase, owner, src.Tick(time.Second, time.Minute))
			if task.Project != project.Ref() || task.Phase != phase.Ref() {
				t.Fatalf("task %d in %v/%v, want %v/%v", task.TaskID, task.Project, task.Phase, project.Ref(), phase.Ref())
			}
			if task.StartDate < phase.StartDate || task.DueDate > phase.DueDate || task.StartDate > task.DueDate {
				t.Errorf("task %s..%s outside phase %s..%s", task.StartDate, task.DueDate, phase.StartDate, phase.DueDate)
			}
			if ids[task.TaskID] {
				t.Fatalf("task id %d handed out twice", task.TaskID)
			}
			ids[task.TaskID] = true
			tasks = append(tasks, task)
		}
	}
	userIDs := map[int]bool{}
	for _, u := range append(slices.Clone(project.TeamMembers.Members), project.TeamMembers.Customers...) {
		if userIDs[u.UserID] {
			t.Fatalf("user id %d twice in project %d", u.UserID, project.ProjectID)
		}
		userIDs[u.UserID] = true
	}

	// Three updates in a row: each changeLog.from is the previous event's data.
	task := tasks[0]
	prev, err := taskEvent(src, taskCreated, task, owner, acct.Webhook, src.Tick(time.Second, 2*time.Second), nil)
	if err != nil {
		t.Fatal(err)
	}
	validateEvent(t, "task-created", prev)
	for i, mutate := range []func(*apiTask){
		func(t *apiTask) { t.TaskName += " (v2)" },
		func(t *apiTask) { t.Assign(project.TeamMembers.Members[1]) },
		func(t *apiTask) { t.SetStatus(statusCompleted, src.Now()) },
	} {
		before := prev.Data.Task.Clone()
		after := before.Clone()
		mutate(&after)
		after.Touch(owner, src.Tick(time.Minute, time.Hour))
		cl, err := taskChange(before, after)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := taskEvent(src, taskUpdated, after, owner, acct.Webhook, src.Tick(time.Second, 2*time.Second), cl)
		if err != nil {
			t.Fatal(err)
		}
		validateEvent(t, "task-updated", ev)
		if err := changeAgrees(ev.ChangeLog, ev.Data.Task); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		prevJSON, _ := payload.Marshal(prev.Data.Task)
		var was map[string]json.RawMessage
		_ = json.Unmarshal(prevJSON, &was)
		for _, k := range ev.ChangeLog.From.Keys() {
			from, _ := ev.ChangeLog.From.Get(k)
			if !bytes.Equal(from, was[k]) {
				t.Errorf("update %d: from.%s = %s, previous event had %s", i, k, from, was[k])
			}
		}
		if ev.Data.Task.TaskID != prev.Data.Task.TaskID {
			t.Fatalf("task id changed from %d to %d", prev.Data.Task.TaskID, ev.Data.Task.TaskID)
		}
		prev = ev
	}
	if tasks[0].Status != statusToDo || strings.HasSuffix(tasks[0].TaskName, "(v2)") {
		t.Fatal("updating a clone changed the original task")
	}
}

func validateEvent(t *testing.T, slug string, ev webhookEvent) {
	t.Helper()
	b, err := ev.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Validate("rocketlane", slug, b); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
}

func TestChangeLog(t *testing.T) {
	src := fake.New(3, time.Time{})
	acct := newAccount(src)
	project := newProject(src, acct, acct.Team[0], src.Now())
	phase := newPhase(src, acct, project, "UAT", acct.Team[0], src.Now())
	task := newTask(src, acct, project, phase, acct.Team[0], src.Now())

	if _, err := taskChange(task, task); err == nil {
		t.Error("TaskChange of an unchanged task: no error")
	}
	if _, err := taskChange(task, task, "taskname"); err == nil {
		t.Error("TaskChange of an unknown field: no error")
	}

	after := task.Clone()
	after.DueDate = after.DueDate.AddDays(3)
	after.TaskName = "Renamed"
	after.Assign(acct.Team[1])
	after.Touch(acct.Team[1], src.Tick(time.Minute, time.Hour))
	cl, err := taskChange(task, after)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"taskName", "dueDate"}
	if !task.Assignees.Has(acct.Team[1].UserID) {
		want = append(want, "assignees")
	}
	if !task.Followers.Has(acct.Team[1].UserID) {
		want = append(want, "followers")
	}
	if !slices.Equal(cl.ChangedFields, want) {
		t.Errorf("changedFields %v, want %v (struct order, no updatedAt/updatedBy)", cl.ChangedFields, want)
	}
	if !slices.Equal(cl.To.Keys(), want) {
		t.Errorf("to keys %v, want %v", cl.To.Keys(), want)
	}
	only, err := taskChange(task, after, "dueDate")
	if err != nil || !slices.Equal(only.ChangedFields, []string{"dueDate"}) {
		t.Errorf("restricted to dueDate: %v, %v", only, err)
	}

	// Values keep their order through JSON.
	b, err := json.Marshal(cl)
	if err != nil {
		t.Fatal(err)
	}
	var back changeLog
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if !bytes.Equal(b, again) {
		t.Errorf("round trip changed the changeLog:\n%s\n%s", b, again)
	}
	if !strings.HasPrefix(string(b), `{"changedFields":["taskName","dueDate"`) || !strings.Contains(string(b), `"to":{"taskName":"Renamed","dueDate":`) {
		t.Errorf("changeLog out of order: %s", b)
	}

	// A project field appearing in to only (set for the first time).
	p2 := project.Clone()
	p2.DueDateActual = "2026-05-01"
	p2.Touch(acct.Team[0], src.Tick(time.Minute, time.Hour))
	pcl, err := projectChange(project, p2)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pcl.From.Get("dueDateActual"); ok || len(pcl.To.Keys()) != 1 {
		t.Errorf("field set for the first time: from %v, to %v", pcl.From.Keys(), pcl.To.Keys())
	}
}

func TestEventBuilderErrors(t *testing.T) {
	src := fake.New(5, time.Time{})
	acct := newAccount(src)
	actor := acct.Team[0]
	project := newProject(src, acct, actor, src.Now())
	phase := newPhase(src, acct, project, "Kickoff", actor, src.Now())
	task := newTask(src, acct, project, phase, actor, src.Now())
	later := src.Tick(time.Second, 2*time.Second)
	renamed := task.Clone()
	renamed.TaskName = "Another name"
	cl, err := taskChange(task, renamed)
	if err != nil {
		t.Fatal(err)
	}
	for name, build := range map[string]func() (webhookEvent, error){
		"project event type for a task": func() (webhookEvent, error) {
			return taskEvent(src, projectCreated, task, actor, acct.Webhook, later, nil)
		},
		"unknown event type": func() (webhookEvent, error) {
			return phaseEvent(src, "PHASE_ARCHIVED", phase, actor, acct.Webhook, later, nil)
		},
		"TASK_UPDATED without changeLog": func() (webhookEvent, error) {
			return taskEvent(src, taskUpdated, task, actor, acct.Webhook, later, nil)
		},
		"TASK_CREATED with changeLog": func() (webhookEvent, error) {
			return taskEvent(src, taskCreated, task, actor, acct.Webhook, later, cl)
		},
		"PROJECT_UPDATED with empty changeLog": func() (webhookEvent, error) {
			return projectEvent(src, projectUpdated, project, actor, acct.Webhook, later, &changeLog{})
		},
		"occurred before the update": func() (webhookEvent, error) {
			return taskEvent(src, taskCreated, task, actor, acct.Webhook, task.CreatedAt.Time(), nil)
		},
	} {
		if ev, err := build(); err == nil {
			t.Errorf("%s: no error, got %+v", name, ev)
		}
	}
}

// TestBrokenPayloads breaks one thing in a valid payload and checks that
// the schema rejects it at the right JSON pointer.
func TestBrokenPayloads(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(samplesDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gen := func(name string) []byte {
		e, err := catalog.LookupIn(Vendor, name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Vendor.Generate(fake.New(11, time.Time{}), e, catalog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	created, renamed := read("task-created.json"), read("task-updated.name.json")
	project, phase := gen("PROJECT_UPDATED"), gen("PHASE_CREATED")
	tests := []struct {
		name    string
		slug    string
		base    []byte
		edit    func(doc map[string]any)
		pointer string
		message string // a part of the violation's message
	}{
		{"required field dropped", "task-created", created, del("/data/task/taskName"), "/data/task", "taskName"},
		{"required envelope field dropped", "task-created", created, del("/eventId"), "", "eventId"},
		{"actor without userId", "task-created", created, del("/source/actor/userId"), "/source/actor", "userId"},
		{"id as a string", "task-created", created, set("/data/task/taskId", "278"), "/data/task/taskId", "expected integer"},
		{"id zero", "task-created", created, set("/data/task/project/projectId", 0), "/data/task/project/projectId", ">= 1"},
		{"eventOccurredAt as ISO string", "task-created", created, set("/eventOccurredAt", "2023-12-11T03:43:45Z"), "/eventOccurredAt", "expected integer"},
		{"eventTriggeredAt in seconds", "task-created", created, set("/eventTriggeredAt", 1702266229), "/eventTriggeredAt", "must be >="},
		{"startDate with slashes", "task-created", created, set("/data/task/startDate", "2023/12/04"), "/data/task/startDate", "expected a Rocketlane date, YYYY-MM-DD"},
		{"dueDate not a calendar day", "task-created", created, set("/data/task/dueDate", "2023-02-30"), "/data/task/dueDate", "expected a Rocketlane date"},
		{"unknown eventType", "task-updated", renamed, set("/eventType", "TASK_RENAMED"), "/eventType", `value must be "TASK_UPDATED"`},
		{"eventType of another event", "task-created", created, set("/eventType", "TASK_UPDATED"), "/eventType", `value must be "TASK_CREATED"`},
		{"wrong resourceType", "task-created", created, set("/resourceType", "PROJECT"), "/resourceType", `value must be "TASK"`},
		{"version 2.0", "task-created", created, set("/version", "2.0"), "/version", `value must be "1.0"`},
		{"eventId not a UUID", "task-created", created, set("/eventId", "xxyyzz-aabbcc-ddeeff"), "/eventId", "expected a UUID"},
		{"emailId not an address", "task-created", created, set("/source/actor/emailId", "Dev Curry"), "/source/actor/emailId", "expected an e-mail address"},
		{"TASK_UPDATED without changeLog", "task-updated", renamed, del("/changeLog"), "", "changeLog"},
		{"TASK_CREATED with changeLog", "task-created", created, set("/changeLog", map[string]any{"changedFields": []any{"taskName"}, "from": map[string]any{}, "to": map[string]any{}}), "/changeLog", "not allowed"},
		{"data.project in a TASK event", "task-created", created, set("/data/project", map[string]any{"projectId": 102, "projectName": "Eu_proj_11_12_v1"}), "/data/project", "not allowed"},
		{"data without task", "task-created", created, del("/data/task"), "/data", "task"},
		{"extra top-level field", "task-created", created, set("/signature", "abc"), "", "signature"},
		{"extra task field", "task-created", created, set("/data/task/color", "red"), "/data/task", "color"},
		{"fieldValue an object", "task-created", created, set("/data/task/fields/0/fieldValue", map[string]any{"id": 1}), "/data/task/fields/0/fieldValue", "expected string or number or array"},
		{"assignees a list", "task-created", created, set("/data/task/assignees", []any{}), "/data/task/assignees", "expected object"},
		{"changedFields empty", "task-updated", renamed, set("/changeLog/changedFields", []any{}), "/changeLog/changedFields", "minimum 1 items"},
		{"changeLog.from with an unknown field", "task-updated", renamed, set("/changeLog/from/name", "x"), "/changeLog/from", "name"},
		{"changeLog.to with a wrong type", "task-updated", renamed, set("/changeLog/to/taskName", 7), "/changeLog/to/taskName", "expected string"},
		{"unknown project visibility", "project-updated", project, set("/data/project/visibility", "PUBLIC"), "/data/project/visibility", "EVERYONE"},
		{"project currency lower case", "project-updated", project, set("/data/project/currency", "usd"), "/data/project/currency", "expected a three-letter ISO 4217 currency code"},
		{"project without owner", "project-updated", project, del("/data/project/owner"), "/data/project", "owner"},
		{"phase without dueDate", "phase-created", phase, del("/data/phase/dueDate"), "/data/phase", "dueDate"},
		{"data.task in a PHASE event", "phase-created", phase, set("/data/task", map[string]any{}), "/data/task", "not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := schemas.Validate("rocketlane", tc.slug, tc.base); err != nil {
				t.Fatalf("base payload invalid: %v", err)
			}
			doc, err := schemas.Decode(tc.base)
			if err != nil {
				t.Fatal(err)
			}
			tc.edit(doc.(map[string]any))
			broken, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			err = schemas.Validate("rocketlane", tc.slug, broken)
			var se *schemas.Error
			if !errors.As(err, &se) {
				t.Fatalf("want *schemas.Error, got %v", err)
			}
			for _, v := range se.Violations {
				if v.Pointer == tc.pointer && strings.Contains(v.Message, tc.message) {
					return
				}
			}
			t.Fatalf("no violation at %q mentioning %q; got %v", tc.pointer, tc.message, se.Violations)
		})
	}
}

// set and del edit a decoded document at a JSON pointer (object keys and
// array indices).
func set(pointer string, v any) func(map[string]any) {
	return func(doc map[string]any) {
		parent, last := walk(doc, pointer)
		switch p := parent.(type) {
		case map[string]any:
			p[last] = v
		case []any:
			i, _ := strconv.Atoi(last)
			p[i] = v
		}
	}
}

func del(pointer string) func(map[string]any) {
	return func(doc map[string]any) {
		parent, last := walk(doc, pointer)
		delete(parent.(map[string]any), last)
	}
}

func walk(doc map[string]any, pointer string) (any, string) {
	toks := strings.Split(strings.TrimPrefix(pointer, "/"), "/")
	var cur any = doc
	for _, tok := range toks[:len(toks)-1] {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[tok]
		case []any:
			i, _ := strconv.Atoi(tok)
			cur = c[i]
		}
	}
	return cur, toks[len(toks)-1]
}
