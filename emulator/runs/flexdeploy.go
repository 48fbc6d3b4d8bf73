package runs

import (
	"fmt"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/scenarios"
)

// flexDeployWorld is a FlexDeploy server during a run: its releases, each
// with a pipeline, projects and snapshot, the pipeline's stages
// (environments) and their approval gates.
type flexDeployWorld struct {
	src      *fake.Source
	st       flexdeploy.Style
	ids      *flexdeploy.IDs
	es       entities
	releases map[string]*fdRelease
	envs     map[string]*flexdeploy.Environment
	users    map[string]string
	envIDs   int
	manager  string // the release manager, the default actor
	// last is the time of the latest event: what an event reports as
	// having started (a workflow, a stage, a snapshot) starts no earlier.
	last time.Time
}

// since returns t, or the latest event's time when t is before it.
func (w *flexDeployWorld) since(t time.Time) time.Time {
	if t.Before(w.last) {
		return w.last
	}
	return t
}

type fdRelease struct {
	flexdeploy.Release
	pipeline  flexdeploy.Pipeline
	projects  []flexdeploy.ReleaseProject
	build     flexdeploy.Environment
	started   time.Time
	snapshot  *flexdeploy.Snapshot
	pe        *flexdeploy.PipelineExecution
	gateStep  int
	stages    map[string]*fdStage // by environment entity
	workflows map[string]flexdeploy.Workflow
	versions  map[int]string // project id -> version in the snapshot
	instances map[int]flexdeploy.Instance
}

// fdStage is one environment's stage of a release's pipeline execution.
type fdStage struct {
	exec     flexdeploy.StageExecution
	start    time.Time
	failed   bool // a workflow failed or the gate was rejected
	gate     *flexdeploy.Task
	complete bool
}

func newFlexDeployWorld(src *fake.Source) *flexDeployWorld {
	return &flexDeployWorld{
		src: src, st: flexdeploy.NewStyle(src, false), ids: flexdeploy.NewIDs(src), es: newEntities("flexdeploy"),
		releases: map[string]*fdRelease{}, envs: map[string]*flexdeploy.Environment{}, users: map[string]string{},
		envIDs: src.ID(10_000, 60_000), manager: src.Person("").UserName,
	}
}

func (w *flexDeployWorld) declare(e scenarios.Entity, attrs map[string]any) error {
	src := w.src
	switch e.Kind {
	case "release":
		r := &fdRelease{
			Release: flexdeploy.NewRelease(src), pipeline: flexdeploy.NewPipeline(src),
			stages: map[string]*fdStage{}, workflows: map[string]flexdeploy.Workflow{},
			versions: map[int]string{}, instances: map[int]flexdeploy.Instance{},
			gateStep: src.ID(10_000, 99_999),
		}
		r.ReleaseName = attrString(attrs, "name", r.ReleaseName)
		if d := attrString(attrs, "description", ""); d != "" {
			r.ReleaseDescription = &d
		}
		r.build = flexdeploy.NewEnvironment(src, "DEV")
		r.projects = flexdeploy.NewReleaseProjects(src, 1+src.IntN(3), &r.build)
		w.releases[e.Name] = r
	case "environment":
		code := strings.ToUpper(attrString(attrs, "code", e.Name))
		env := flexdeploy.NewEnvironment(src, code)
		env.EnvironmentName = attrString(attrs, "name", env.EnvironmentName)
		// Stages get increasing ids in pipeline order.
		env.EnvironmentID = w.envIDs
		w.envIDs += src.ID(1, 400)
		w.envs[e.Name] = &env
	case "user":
		w.users[e.Name] = attrString(attrs, "name", src.Person("").UserName)
	default:
		return fmt.Errorf("flexdeploy has no entity kind %q", e.Kind)
	}
	w.es.add(e.Name, e.Kind)
	return nil
}

var (
	fdReleaseAttrs = attrTable[*fdRelease]{
		"id":   func(r *fdRelease) any { return int64(r.ReleaseID) },
		"name": func(r *fdRelease) any { return r.ReleaseName },
		"description": func(r *fdRelease) any {
			if r.ReleaseDescription == nil {
				return nil
			}
			return *r.ReleaseDescription
		},
		"pipeline": func(r *fdRelease) any { return r.pipeline.PipelineName },
	}
	fdEnvironmentAttrs = attrTable[*flexdeploy.Environment]{
		"id":   func(e *flexdeploy.Environment) any { return int64(e.EnvironmentID) },
		"name": func(e *flexdeploy.Environment) any { return e.EnvironmentName },
		"code": func(e *flexdeploy.Environment) any { return e.EnvironmentCode },
	}
	fdUserAttrs = attrTable[string]{"name": func(u string) any { return u }}
)

func (w *flexDeployWorld) attr(entity, name string) (any, error) {
	switch kind := w.es.kinds[entity]; kind {
	case "release":
		return fdReleaseAttrs.get(entity, kind, name, w.releases[entity])
	case "environment":
		return fdEnvironmentAttrs.get(entity, kind, name, w.envs[entity])
	case "user":
		return fdUserAttrs.get(entity, kind, name, w.users[entity])
	}
	return nil, fmt.Errorf("no entity %q is declared", entity)
}

func (w *flexDeployWorld) actor(s *step, def string) (string, error) {
	if s.actor == "" {
		return def, nil
	}
	u, ok := w.users[s.actor]
	if !ok {
		return "", fmt.Errorf("actor %q is not a user entity", s.actor)
	}
	return u, nil
}

// entity resolves the step's entity of kind, declaring an implicit one
// when the script has none.
func (w *flexDeployWorld) entity(name, kind string) (string, error) {
	name, ok, err := w.es.resolve(name, kind)
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

// release returns the release a step is about: its entity, or with.release,
// or the only one.
func (w *flexDeployWorld) release(s *step) (*fdRelease, error) {
	name := s.entity
	if s.spec.About != "release" {
		name = s.withString("release", "")
	}
	name, err := w.entity(name, "release")
	if err != nil {
		return nil, err
	}
	return w.releases[name], nil
}

// snapshotOf returns the release's snapshot, taking one when no Snapshot
// Completed came first (a pipeline cannot run without one).
func (w *flexDeployWorld) snapshotOf(r *fdRelease, at time.Time) flexdeploy.Snapshot {
	if r.snapshot == nil {
		taken := w.since(at.Add(-w.src.Duration(time.Minute, 10*time.Minute)))
		snap := flexdeploy.NewSnapshot(w.ids, w.st, r.Release, taken)
		r.snapshot = &snap
	}
	return *r.snapshot
}

// stage returns the release's stage in env, moving the pipeline execution
// on to it when it is not there yet.
func (w *flexDeployWorld) stage(r *fdRelease, envName string, start time.Time) *fdStage {
	if sg, ok := r.stages[envName]; ok {
		return sg
	}
	env := *w.envs[envName]
	w.snapshotOf(r, start)
	if r.pe == nil {
		pe := flexdeploy.NewPipelineExecution(w.ids, r.pipeline, env, r.gateStep)
		r.pe = &pe
	} else {
		pe := r.pe.NextStage(w.ids, env, r.gateStep)
		r.pe = &pe
	}
	sg := &fdStage{exec: r.pe.ActiveStageExecution, start: start}
	r.stages[envName] = sg
	return sg
}

func (w *flexDeployWorld) build(s *step) ([]byte, error) {
	b, err := w.event(s)
	if err == nil && s.at.After(w.last) {
		w.last = s.at
	}
	return b, err
}

// event builds the step's event.
func (w *flexDeployWorld) event(s *step) ([]byte, error) {
	src, st, at := s.src, w.st, s.at
	if s.spec.About == "" {
		ev, err := flexdeploy.GenerateIn(src, st, w.ids, s.event, "")
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
	if s.spec.About == "environment" {
		if envName, err = w.entity(s.entity, "environment"); err != nil {
			return nil, err
		}
	}
	var ev flexdeploy.Event
	switch s.event.Name {
	case flexdeploy.ReleaseStarted, flexdeploy.ReleaseEnded:
		actor, err := w.actor(s, w.manager)
		if err != nil {
			return nil, err
		}
		if r.started.IsZero() {
			r.started = at
		}
		p := flexdeploy.ReleasePayload{
			Release: r.Release, StartDate: st.Date(r.started), Projects: r.projects, Pipeline: r.pipeline,
		}
		if s.event.Name == flexdeploy.ReleaseEnded {
			p.EndDate = st.DatePtr(at)
		}
		if ev, err = flexdeploy.ReleaseEvent(st, s.event.Name, p, actor, at); err != nil {
			return nil, err
		}
	case flexdeploy.SnapshotCompleted:
		actor, err := w.actor(s, w.manager)
		if err != nil {
			return nil, err
		}
		created := w.since(at.Add(-src.Duration(20*time.Second, 3*time.Minute)))
		snap := flexdeploy.NewSnapshot(w.ids, st, r.Release, created.Add(src.Duration(0, 3*time.Second)))
		r.snapshot = &snap
		p := flexdeploy.SnapshotPayload{
			Audit:    st.Audit(actor, created).Touch(st, flexdeploy.CompletedSnapshotsMonitor, at),
			Snapshot: snap,
		}
		ev = flexdeploy.SnapshotCompletedEvent(p, actor)
	case flexdeploy.WorkflowCompleted:
		if ev, err = w.workflow(s, r, envName); err != nil {
			return nil, err
		}
	case flexdeploy.PipelineStageCompleted:
		sg := w.stage(r, envName, w.since(at.Add(-src.Duration(5*time.Minute, 20*time.Minute))))
		if sg.complete {
			return nil, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
		}
		status := "SUCCESS"
		if sg.failed {
			status = "FAILED"
		}
		status = s.withString("status", status)
		sg.complete = true
		peID := r.pe.PipelineExecutionID
		p := flexdeploy.StagePayload{
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
		ev = flexdeploy.PipelineStageCompletedEvent(st, p, flexdeploy.BuildMonitorWorker, at)
	case flexdeploy.TaskCreated, flexdeploy.TaskApproved, flexdeploy.TaskRejected:
		if ev, err = w.gate(s, r, envName); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("flexdeploy scenarios cannot emit %s about an entity", s.event.Name)
	}
	return ev.JSON()
}

// workflow runs a DEPLOY or TEST workflow of the release in env.
func (w *flexDeployWorld) workflow(s *step, r *fdRelease, envName string) (flexdeploy.Event, error) {
	src, st, at := s.src, w.st, s.at
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return flexdeploy.Event{}, err
	}
	wfType := strings.ToUpper(s.withString("type", "deploy"))
	status := s.withString("status", "SUCCESS")
	took := at.Sub(w.since(at.Add(-src.Duration(40*time.Second, 8*time.Minute))))
	sg := w.stage(r, envName, at.Add(-took))
	if sg.complete {
		return flexdeploy.Event{}, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
	}
	wf, ok := r.workflows[wfType]
	if !ok {
		wf = flexdeploy.NewWorkflow(src, wfType)
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
		inst = flexdeploy.NewInstance(src)
		r.instances[project.ProjectID] = inst
	}
	snap := w.snapshotOf(r, at)
	rel := r.Release
	run := flexdeploy.WorkflowRun{
		Workflow: wf, Project: project, Version: version, Instance: inst,
		Environment: *w.envs[envName], Release: &rel, Snapshot: &snap,
		Status: status, RequestedBy: actor, Start: at.Add(-took), End: at,
	}
	if wfType == "DEPLOY" {
		run.PackageName = flexdeploy.NewPackageName(src, project.ProjectName)
	}
	exec := flexdeploy.NewWorkflowExecution(src, w.ids, st, run)
	if wfType == "TEST" {
		exec.SetTestOutcome(src, status == "SUCCESS")
	}
	if status == "FAILED" {
		sg.failed = true
	}
	return flexdeploy.WorkflowCompletedEvent(st, exec, actor, at), nil
}

// gate creates or decides the approval task before the stage of env.
func (w *flexDeployWorld) gate(s *step, r *fdRelease, envName string) (flexdeploy.Event, error) {
	src, st, at := s.src, w.st, s.at
	sg := w.stage(r, envName, at)
	if s.event.Name == flexdeploy.TaskCreated || sg.gate == nil {
		created := at
		if s.event.Name != flexdeploy.TaskCreated {
			created = w.since(at.Add(-src.Duration(time.Minute, time.Hour)))
		}
		creator := flexdeploy.CompletedSnapshotsMonitor
		if r.pe.ExecutionStatus == "RUNNING" && len(r.stages) > 1 {
			creator = flexdeploy.ReleaseEventProcessor
		}
		t := flexdeploy.NewApprovalTask(src, w.ids, st, r.Release, *w.envs[envName], *r.pe, w.snapshotOf(r, at).SnapshotID, creator, created)
		sg.gate = &t
		if s.event.Name == flexdeploy.TaskCreated {
			return flexdeploy.TaskEvent(st, s.event.Name, t, creator, at)
		}
	}
	if sg.gate.TaskStatus != "PENDING" {
		return flexdeploy.Event{}, fmt.Errorf("the approval task of the %s stage is already %s", envName, sg.gate.TaskStatus)
	}
	approver, err := w.actor(s, w.manager)
	if err != nil {
		return flexdeploy.Event{}, err
	}
	approve := s.event.Name == flexdeploy.TaskApproved
	t := sg.gate.Decide(st, approve, s.withString("notes", ""), approver, at)
	sg.gate = &t
	if !approve {
		sg.failed = true
	}
	return flexdeploy.TaskEvent(st, s.event.Name, t, approver, at)
}
