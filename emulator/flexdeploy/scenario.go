package flexdeploy

import (
	"fmt"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// world is a FlexDeploy server during a scenario run (a catalog.World):
// its releases, each with a pipeline, projects and snapshot, the
// pipeline's stages (environments) and their approval gates.
type world struct {
	src      *fake.Source
	st       Style
	ids      *IDs
	es       catalog.Entities
	releases map[string]*releaseState
	envs     map[string]*Environment
	users    map[string]string
	envIDs   int
	manager  string // the release manager, the default actor
	// last is the time of the latest event: what an event reports as
	// having started (a workflow, a stage, a snapshot) starts no earlier.
	last time.Time
}

// since returns t, or the latest event's time when t is before it.
func (w *world) since(t time.Time) time.Time {
	if t.Before(w.last) {
		return w.last
	}
	return t
}

// releaseState is a release entity and the run of its pipeline.
type releaseState struct {
	Release
	pipeline  Pipeline
	projects  []ReleaseProject
	build     Environment
	started   time.Time
	snapshot  *Snapshot
	pe        *PipelineExecution
	gateStep  int
	stages    map[string]*stageState // by environment entity
	workflows map[string]Workflow
	versions  map[int]string // project id -> version in the snapshot
	instances map[int]Instance
}

// stageState is one environment's stage of a release's pipeline execution.
type stageState struct {
	exec     StageExecution
	start    time.Time
	failed   bool // a workflow failed or the gate was rejected
	gate     *Task
	complete bool
}

func newWorld(src *fake.Source) *world {
	return &world{
		src: src, st: NewStyle(src, false), ids: NewIDs(src), es: catalog.NewEntities(),
		releases: map[string]*releaseState{}, envs: map[string]*Environment{}, users: map[string]string{},
		envIDs: src.ID(10_000, 60_000), manager: src.Person("").UserName,
	}
}

func (w *world) Declare(name, kind string, attrs map[string]any) error {
	src := w.src
	switch kind {
	case "release":
		r := &releaseState{
			Release: NewRelease(src), pipeline: NewPipeline(src),
			stages: map[string]*stageState{}, workflows: map[string]Workflow{},
			versions: map[int]string{}, instances: map[int]Instance{},
			gateStep: src.ID(10_000, 99_999),
		}
		r.ReleaseName = catalog.AttrString(attrs, "name", r.ReleaseName)
		if d := catalog.AttrString(attrs, "description", ""); d != "" {
			r.ReleaseDescription = &d
		}
		r.build = NewEnvironment(src, "DEV")
		r.projects = NewReleaseProjects(src, 1+src.IntN(3), &r.build)
		w.releases[name] = r
	case "environment":
		code := strings.ToUpper(catalog.AttrString(attrs, "code", name))
		env := NewEnvironment(src, code)
		env.EnvironmentName = catalog.AttrString(attrs, "name", env.EnvironmentName)
		// Stages get increasing ids in pipeline order.
		env.EnvironmentID = w.envIDs
		w.envIDs += src.ID(1, 400)
		w.envs[name] = &env
	case "user":
		w.users[name] = catalog.AttrString(attrs, "name", src.Person("").UserName)
	default:
		return fmt.Errorf("flexdeploy has no entity kind %q", kind)
	}
	w.es.Add(name, kind)
	return nil
}

var (
	releaseAttrs = catalog.AttrTable[*releaseState]{
		"id":   func(r *releaseState) any { return int64(r.ReleaseID) },
		"name": func(r *releaseState) any { return r.ReleaseName },
		"description": func(r *releaseState) any {
			if r.ReleaseDescription == nil {
				return nil
			}
			return *r.ReleaseDescription
		},
		"pipeline": func(r *releaseState) any { return r.pipeline.PipelineName },
	}
	environmentAttrs = catalog.AttrTable[*Environment]{
		"id":   func(e *Environment) any { return int64(e.EnvironmentID) },
		"name": func(e *Environment) any { return e.EnvironmentName },
		"code": func(e *Environment) any { return e.EnvironmentCode },
	}
	userAttrs = catalog.AttrTable[string]{"name": func(u string) any { return u }}
)

func (w *world) Attr(entity, name string) (any, error) {
	kind, _ := w.es.KindOf(entity)
	switch kind {
	case "release":
		return releaseAttrs.Get(entity, kind, name, w.releases[entity])
	case "environment":
		return environmentAttrs.Get(entity, kind, name, w.envs[entity])
	case "user":
		return userAttrs.Get(entity, kind, name, w.users[entity])
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

func (w *world) actor(s *catalog.Step, def string) (string, error) {
	if s.Actor == "" {
		return def, nil
	}
	u, ok := w.users[s.Actor]
	if !ok {
		return "", fmt.Errorf("actor %q is not a user entity", s.Actor)
	}
	return u, nil
}

// entity resolves the step's entity of kind, declaring an implicit one
// when the script has none.
func (w *world) entity(name, kind string) (string, error) {
	name, ok, err := w.es.Resolve(name, kind)
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

// release returns the release a step is about: its entity, or with.release,
// or the only one.
func (w *world) release(s *catalog.Step) (*releaseState, error) {
	name := s.Entity
	if s.Spec.About != "release" {
		name = s.WithString("release", "")
	}
	name, err := w.entity(name, "release")
	if err != nil {
		return nil, err
	}
	return w.releases[name], nil
}

// snapshotOf returns the release's snapshot, taking one when no Snapshot
// Completed came first (a pipeline cannot run without one).
func (w *world) snapshotOf(r *releaseState, at time.Time) Snapshot {
	if r.snapshot == nil {
		taken := w.since(at.Add(-w.src.Duration(time.Minute, 10*time.Minute)))
		snap := NewSnapshot(w.ids, w.st, r.Release, taken)
		r.snapshot = &snap
	}
	return *r.snapshot
}

// stage returns the release's stage in env, moving the pipeline execution
// on to it when it is not there yet.
func (w *world) stage(r *releaseState, envName string, start time.Time) *stageState {
	if sg, ok := r.stages[envName]; ok {
		return sg
	}
	env := *w.envs[envName]
	w.snapshotOf(r, start)
	if r.pe == nil {
		pe := NewPipelineExecution(w.ids, r.pipeline, env, r.gateStep)
		r.pe = &pe
	} else {
		pe := r.pe.NextStage(w.ids, env, r.gateStep)
		r.pe = &pe
	}
	sg := &stageState{exec: r.pe.ActiveStageExecution, start: start}
	r.stages[envName] = sg
	return sg
}

func (w *world) Build(s *catalog.Step) ([]byte, error) {
	b, err := w.event(s)
	if err == nil && s.At.After(w.last) {
		w.last = s.At
	}
	return b, err
}

// event builds the step's event.
func (w *world) event(s *catalog.Step) ([]byte, error) {
	src, st, at := s.Src, w.st, s.At
	if s.Spec.About == "" {
		ev, err := generateIn(src, st, w.ids, s.Event, "")
		if err != nil {
			return nil, err
		}
		return ev.JSON()
	}
	r, err := w.release(s)
	if err != nil {
		return nil, err
	}
	var envName string
	if s.Spec.About == "environment" {
		if envName, err = w.entity(s.Entity, "environment"); err != nil {
			return nil, err
		}
	}
	var ev Event
	switch s.Event.Name {
	case ReleaseStarted, ReleaseEnded:
		actor, err := w.actor(s, w.manager)
		if err != nil {
			return nil, err
		}
		if r.started.IsZero() {
			r.started = at
		}
		p := ReleasePayload{
			Release: r.Release, StartDate: st.Date(r.started), Projects: r.projects, Pipeline: r.pipeline,
		}
		if s.Event.Name == ReleaseEnded {
			p.EndDate = st.DatePtr(at)
		}
		if ev, err = ReleaseEvent(st, s.Event.Name, p, actor, at); err != nil {
			return nil, err
		}
	case SnapshotCompleted:
		actor, err := w.actor(s, w.manager)
		if err != nil {
			return nil, err
		}
		created := w.since(at.Add(-src.Duration(20*time.Second, 3*time.Minute)))
		snap := NewSnapshot(w.ids, st, r.Release, created.Add(src.Duration(0, 3*time.Second)))
		r.snapshot = &snap
		p := SnapshotPayload{
			Audit:    st.Audit(actor, created).Touch(st, CompletedSnapshotsMonitor, at),
			Snapshot: snap,
		}
		ev = SnapshotCompletedEvent(p, actor)
	case WorkflowCompleted:
		if ev, err = w.workflow(s, r, envName); err != nil {
			return nil, err
		}
	case PipelineStageCompleted:
		sg := w.stage(r, envName, w.since(at.Add(-src.Duration(5*time.Minute, 20*time.Minute))))
		if sg.complete {
			return nil, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
		}
		status := "SUCCESS"
		if sg.failed {
			status = "FAILED"
		}
		status = s.WithString("status", status)
		sg.complete = true
		peID := r.pe.PipelineExecutionID
		p := StagePayload{
			PipelineExecutionID:    &peID,
			PipelineStageExecution: sg.exec.Complete(st, status, sg.start, at),
			Pipeline:               r.pipeline,
			Environment:            *w.envs[envName],
			Release:                r.Ref(),
			Snapshot:               w.snapshotOf(r, at),
		}
		if status == "FAILED" {
			r.pe.ExecutionStatus = "FAILED"
		}
		ev = PipelineStageCompletedEvent(st, p, BuildMonitorWorker, at)
	case TaskCreated, TaskApproved, TaskRejected:
		if ev, err = w.gate(s, r, envName); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("flexdeploy scenarios cannot emit %s about an entity", s.Event.Name)
	}
	return ev.JSON()
}

// workflow runs a DEPLOY or TEST workflow of the release in env.
func (w *world) workflow(s *catalog.Step, r *releaseState, envName string) (Event, error) {
	src, st, at := s.Src, w.st, s.At
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return Event{}, err
	}
	wfType := strings.ToUpper(s.WithString("type", "deploy"))
	status := s.WithString("status", "SUCCESS")
	took := at.Sub(w.since(at.Add(-src.Duration(40*time.Second, 8*time.Minute))))
	sg := w.stage(r, envName, at.Add(-took))
	if sg.complete {
		return Event{}, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
	}
	wf, ok := r.workflows[wfType]
	if !ok {
		wf = NewWorkflow(src, wfType)
		r.workflows[wfType] = wf
	}
	project := r.projects[0]
	version, ok := r.versions[project.ProjectID]
	if !ok {
		version = fmt.Sprintf("1.0.%d", src.ID(1, 250))
		r.versions[project.ProjectID] = version
	}
	inst, ok := r.instances[project.ProjectID]
	if !ok {
		inst = NewInstance(src)
		r.instances[project.ProjectID] = inst
	}
	snap := w.snapshotOf(r, at)
	rel := r.Release
	run := WorkflowRun{
		Workflow: wf, Project: project, Version: version, Instance: inst,
		Environment: *w.envs[envName], Release: &rel, Snapshot: &snap,
		Status: status, RequestedBy: actor, Start: at.Add(-took), End: at,
	}
	if wfType == "DEPLOY" {
		run.PackageName = NewPackageName(src, project.ProjectName)
	}
	exec := NewWorkflowExecution(src, w.ids, st, run)
	if wfType == "TEST" {
		exec.setTestOutcome(src, status == "SUCCESS")
	}
	if status == "FAILED" {
		sg.failed = true
	}
	return WorkflowCompletedEvent(st, exec, actor, at), nil
}

// gate creates or decides the approval task before the stage of env.
func (w *world) gate(s *catalog.Step, r *releaseState, envName string) (Event, error) {
	src, st, at := s.Src, w.st, s.At
	sg := w.stage(r, envName, at)
	if s.Event.Name == TaskCreated || sg.gate == nil {
		created := at
		if s.Event.Name != TaskCreated {
			created = w.since(at.Add(-src.Duration(time.Minute, time.Hour)))
		}
		creator := CompletedSnapshotsMonitor
		if r.pe.ExecutionStatus == "RUNNING" && len(r.stages) > 1 {
			creator = ReleaseEventProcessor
		}
		t := NewApprovalTask(src, w.ids, st, r.Release, *w.envs[envName], *r.pe, w.snapshotOf(r, at).SnapshotID, creator, created)
		sg.gate = &t
		if s.Event.Name == TaskCreated {
			return TaskEvent(st, s.Event.Name, t, creator, at)
		}
	}
	if sg.gate.TaskStatus != "PENDING" {
		return Event{}, fmt.Errorf("the approval task of the %s stage is already %s", envName, sg.gate.TaskStatus)
	}
	approver, err := w.actor(s, w.manager)
	if err != nil {
		return Event{}, err
	}
	approve := s.Event.Name == TaskApproved
	t := sg.gate.Decide(st, approve, s.WithString("notes", ""), approver, at)
	sg.gate = &t
	if !approve {
		sg.failed = true
	}
	return TaskEvent(st, s.Event.Name, t, approver, at)
}
