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
	st       style
	ids      *idSeq
	es       catalog.Entities
	releases map[string]*releaseState
	envs     map[string]*environment
	envOrder []string // environment entities in declaration order
	// qualityGate marks the environments whose stage has a quality gate.
	qualityGate map[string]bool
	users       map[string]string
	envIDs      int
	manager     string // the release manager, the default actor
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
	release
	pipeline pipeline
	projects []releaseProject
	packages map[int]string // project id -> the package it takes part with
	// build is the drawn build environment, used when the script declares
	// no environment; buildEnv resolves the one in use.
	build    environment
	buildEnv *environment
	started  time.Time
	// content is set once Release Content Changed added the projects;
	// workItems are the release's work items.
	content   bool
	workItems []workItemRef
	// snapshot is the release's current snapshot: being built until
	// snapshotDone, then deployed unchanged through every stage with the
	// project versions of versions; snapshotFailed when a build failed.
	snapshot       *snapshot
	snapshotTaken  time.Time
	snapshotBy     string
	snapshotDone   bool
	snapshotFailed bool
	built          map[int]bool // projects built for the current snapshot
	versions       map[int]projectVersion
	pe             *pipelineExecution
	gateStep       int
	stages         map[string]*stageState // by environment entity
	workflows      map[string]workflow
	instances      map[int]instance
	// testsFailed is set once a TEST workflow of the release's pipeline
	// reported a failed test result: a quality gate after it fails.
	testsFailed bool
}

// projectVersion is one project version of a snapshot.
type projectVersion struct {
	id   int
	name string
}

// stageState is one environment's stage of a release's pipeline execution.
type stageState struct {
	exec     stageExecution
	start    time.Time
	failed   bool // a workflow failed
	rejected bool // the approval gate was rejected
	// gatesFailed is set when the stage's quality gate failed: no
	// workflow runs in it.
	gatesFailed bool
	gate        *task
	complete    bool
	// ran counts the workflows of each type run in the stage, so that
	// each goes to the next of the release's projects.
	ran map[string]int
}

// stageStatuses are the statuses a pipeline stage execution ends with
// (Pipeline Stage Completed's executionStatus). FlexDeploy's docs name
// them Success, Failed, Rejected, Aborted, Gates Failed, Out of Date and
// Skipped; the samples print statuses as upper-case codes (FAILED,
// RUNNING_GATES), so standin prints these the same way.
var stageStatuses = []string{"SUCCESS", "FAILED", "REJECTED", "ABORTED", "GATES_FAILED", "OUT_OF_DATE", "SKIPPED"}

func newWorld(src *fake.Source) *world {
	return &world{
		src: src, st: newStyle(src, false), ids: newIDs(src), es: catalog.NewEntities(),
		releases: map[string]*releaseState{}, envs: map[string]*environment{}, users: map[string]string{},
		qualityGate: map[string]bool{},
		envIDs:      src.ID(10_000, 60_000), manager: src.Person("").UserName,
	}
}

func (w *world) Declare(name, kind string, attrs map[string]any) error {
	src := w.src
	switch kind {
	case "release":
		r := &releaseState{
			release: newRelease(src), pipeline: newPipeline(src),
			stages: map[string]*stageState{}, workflows: map[string]workflow{},
			versions: map[int]projectVersion{}, instances: map[int]instance{},
			packages: map[int]string{}, built: map[int]bool{},
			gateStep: src.ID(10_000, 99_999),
		}
		r.ReleaseName = catalog.AttrString(attrs, "name", r.ReleaseName)
		if d := catalog.AttrString(attrs, "description", ""); d != "" {
			r.ReleaseDescription = &d
		}
		n := 2
		if v, ok := attrs["projects"].(int64); ok {
			n = int(v)
		}
		r.build = newEnvironment(src, "DEV")
		r.projects = newReleaseProjects(src, n, &r.build)
		for _, p := range r.projects {
			r.packages[p.ProjectID] = newPackageName(src, p.ProjectName)
		}
		w.releases[name] = r
	case "environment":
		code := strings.ToUpper(catalog.AttrString(attrs, "code", name))
		env := newEnvironment(src, code)
		env.EnvironmentName = catalog.AttrString(attrs, "name", env.EnvironmentName)
		// Stages get increasing ids in pipeline order.
		env.EnvironmentID = w.envIDs
		w.envIDs += src.ID(1, 400)
		w.envs[name] = &env
		w.envOrder = append(w.envOrder, name)
		w.qualityGate[name] = catalog.AttrBool(attrs, "quality_gate", false)
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
	environmentAttrs = catalog.AttrTable[*environment]{
		"id":   func(e *environment) any { return int64(e.EnvironmentID) },
		"name": func(e *environment) any { return e.EnvironmentName },
		"code": func(e *environment) any { return e.EnvironmentCode },
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

// buildEnvironment is the environment the release's projects build in:
// the declared environment whose code is DEV, else the first declared one
// (the pipeline's first stage), else one drawn for the release. It is the
// same environment, with the same id, in every event.
func (w *world) buildEnvironment(r *releaseState) environment {
	if r.buildEnv == nil {
		r.buildEnv = &r.build
		if len(w.envOrder) > 0 {
			r.buildEnv = w.envs[w.envOrder[0]]
		}
		for _, name := range w.envOrder {
			if w.envs[name].EnvironmentCode == "DEV" {
				r.buildEnv = w.envs[name]
				break
			}
		}
	}
	return *r.buildEnv
}

// releaseProjects returns the release's projects, those with a build
// environment building in buildEnvironment.
func (w *world) releaseProjects(r *releaseState) []releaseProject {
	build := w.buildEnvironment(r).build()
	out := append([]releaseProject(nil), r.projects...)
	for i := range out {
		if out[i].BuildEnvironment.EnvironmentID != nil {
			out[i].BuildEnvironment = build
		}
	}
	return out
}

// projects90 returns the release's projects as 9.0 shows them: each with
// its package, building in the build environment.
func (w *world) projects90(r *releaseState) []releaseProject90 {
	build := w.buildEnvironment(r)
	out := make([]releaseProject90, len(r.projects))
	for i, p := range r.projects {
		p.BuildEnvironment = build.build()
		out[i] = p.v90(r.packages[p.ProjectID])
	}
	return out
}

// takeSnapshot starts a new snapshot of the release, requested by by at
// at: no project is built for it yet.
func (w *world) takeSnapshot(r *releaseState, by string, at time.Time) {
	snap := newSnapshot(w.ids, w.st, r.release, at)
	r.snapshot, r.snapshotTaken, r.snapshotBy = &snap, at, by
	r.snapshotDone, r.snapshotFailed = false, false
	r.built, r.versions = map[int]bool{}, map[int]projectVersion{}
}

// snapshotOf returns the snapshot the release's pipeline deploys, taking
// (and completing) one when the script built none: a pipeline cannot run
// without one. It fails when the snapshot failed to build.
func (w *world) snapshotOf(r *releaseState, at time.Time) (snapshot, error) {
	if r.snapshot == nil {
		w.takeSnapshot(r, w.manager, w.since(at.Add(-w.src.Duration(time.Minute, 10*time.Minute))))
	}
	if r.snapshotFailed {
		return snapshot{}, fmt.Errorf("the snapshot %s of release %s failed to build: its pipeline cannot run", r.snapshot.SnapshotName, r.ReleaseName)
	}
	r.snapshotDone = true
	return *r.snapshot, nil
}

// version returns the version of project p in the release's snapshot,
// drawing it when no build made it.
func (w *world) version(r *releaseState, p releaseProject) projectVersion {
	v, ok := r.versions[p.ProjectID]
	if !ok {
		v = projectVersion{id: w.ids.nextID(), name: fmt.Sprintf("1.0.%d", w.src.ID(1, 250))}
		r.versions[p.ProjectID] = v
	}
	return v
}

// stage returns the release's stage in env, moving the pipeline execution
// on to it when it is not there yet.
func (w *world) stage(r *releaseState, envName string, start time.Time) (*stageState, error) {
	if sg, ok := r.stages[envName]; ok {
		return sg, nil
	}
	env := *w.envs[envName]
	if _, err := w.snapshotOf(r, start); err != nil {
		return nil, err
	}
	if r.pe == nil {
		pe := newPipelineExecution(w.ids, r.pipeline, env, r.gateStep)
		r.pe = &pe
	} else {
		pe := r.pe.NextStage(w.ids, env, r.gateStep)
		r.pe = &pe
	}
	sg := &stageState{exec: r.pe.ActiveStageExecution, start: start, ran: map[string]int{}}
	sg.gatesFailed = w.qualityGate[envName] && r.testsFailed
	r.stages[envName] = sg
	return sg, nil
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
	if s.Spec.About == "" {
		ev, err := generateIn(s.Src, w.st, w.ids, s.Event, "")
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
	var ev envelope
	switch s.Event.Name {
	case releaseContentChanged:
		ev, err = w.contentChanged(s, r)
	case releaseStarted, releaseEnded, releaseUpdated:
		ev, err = w.releaseEvent(s, r)
	case snapshotCompleted:
		ev, err = w.snapshotCompleted(s, r)
	case workflowCompleted:
		if strings.EqualFold(s.WithString("type", "deploy"), "build") {
			ev, err = w.build(s, r, envName)
		} else {
			ev, err = w.workflow(s, r, envName)
		}
	case pipelineStageCompleted:
		ev, err = w.stageCompleted(s, r, envName)
	case taskCreated, taskApproved, taskRejected:
		ev, err = w.gate(s, r, envName)
	default:
		return nil, fmt.Errorf("flexdeploy scenarios cannot emit %s about an entity", s.Event.Name)
	}
	if err != nil {
		return nil, err
	}
	return ev.JSON()
}

// contentChanged adds the release's projects to it (the first time) and a
// work item, as FlexDeploy 9.0's Release Content Changed shows it.
func (w *world) contentChanged(s *catalog.Step, r *releaseState) (envelope, error) {
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	all := w.projects90(r)
	c := releaseContent{Release: release90(r.release), Projects: all}
	added := workItemRef{WorkItemID: s.Src.ID(1, 9_999)}
	r.workItems = append(r.workItems, added)
	c.WorkItems, c.AddedWorkItems = append([]workItemRef(nil), r.workItems...), []workItemRef{added}
	if !r.content {
		c.AddedProjects = all
		r.content = true
	}
	return releaseContentChangedEvent(w.st, c, actor, s.At), nil
}

// releaseEvent builds Release Started, Ended or Updated: in the older
// page's shape (variant classic, the default of Started and Ended) or in
// FlexDeploy 9.0's (variant 9.0; Release Updated has only that one).
func (w *world) releaseEvent(s *catalog.Step, r *releaseState) (envelope, error) {
	st, at, name := w.st, s.At, s.Event.Name
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	if name == releaseStarted && r.started.IsZero() {
		r.started = at
	}
	if name == releaseUpdated || s.WithString("variant", variantClassic) == variant90 {
		p := releasePayload90{Release: release90(r.release), Projects: w.projects90(r), Pipeline: r.pipeline}
		if !r.started.IsZero() {
			p.StartDate = epochMillis(r.started)
		}
		return releaseEvent90(st, name, p, actor, at)
	}
	if r.started.IsZero() {
		r.started = at // classic: a date is required, the release's first event's
	}
	p := releasePayload{
		Release: r.release, StartDate: st.Date(r.started), Projects: w.releaseProjects(r), Pipeline: r.pipeline,
	}
	if name == releaseEnded {
		p.EndDate = st.DatePtr(at)
	}
	return releaseEvent(st, name, p, actor, at)
}

// snapshotCompleted completes the release's snapshot: the one its builds
// made, or a new one. It fails (FAILED) when a build failed or the step
// says so.
func (w *world) snapshotCompleted(s *catalog.Step, r *releaseState) (envelope, error) {
	src, st, at := s.Src, w.st, s.At
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	if r.snapshot == nil || r.snapshotDone {
		created := w.since(at.Add(-src.Duration(20*time.Second, 3*time.Minute)))
		w.takeSnapshot(r, actor, created.Add(src.Duration(0, 3*time.Second)))
		r.snapshotTaken = created
	}
	status := snapshotInitiated
	if r.snapshotFailed {
		status = snapshotFailed
	}
	status = s.WithString("status", status)
	r.snapshot.SnapshotStatus = status
	r.snapshotFailed = status == snapshotFailed
	r.snapshotDone = !r.snapshotFailed
	p := snapshotPayload{
		audit:    st.Audit(r.snapshotBy, r.snapshotTaken).Touch(st, completedSnapshotsMonitor, at),
		Snapshot: *r.snapshot,
	}
	// The snapshot's versions are fixed once it completes.
	for _, proj := range r.projects {
		w.version(r, proj)
	}
	return snapshotCompletedEvent(p, r.snapshotBy), nil
}

// project returns the release project a workflow step is for: with.project
// (1 for the first), else the one at next.
func (w *world) project(s *catalog.Step, r *releaseState, next int) (releaseProject, error) {
	i := next
	if n, ok := s.WithInt("project"); ok {
		i = n - 1
	}
	if i < 0 || i >= len(r.projects) {
		return releaseProject{}, fmt.Errorf("release %s has %d projects; no project %d", r.ReleaseName, len(r.projects), i+1)
	}
	return r.projects[i], nil
}

// instance is the instance the project's workflows run on.
func (w *world) instance(r *releaseState, p releaseProject) instance {
	inst, ok := r.instances[p.ProjectID]
	if !ok {
		inst = newInstance(w.src)
		r.instances[p.ProjectID] = inst
	}
	return inst
}

// build runs a BUILD workflow of one of the release's projects for its
// snapshot, in env (the build environment): it makes the project version
// the snapshot deploys. A snapshot is taken when none is being built.
func (w *world) build(s *catalog.Step, r *releaseState, envName string) (envelope, error) {
	src, st, at := s.Src, w.st, s.At
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	status := s.WithString("status", "SUCCESS")
	start := w.since(at.Add(-src.Duration(40*time.Second, 6*time.Minute)))
	if r.snapshot == nil || r.snapshotDone || r.snapshotFailed && len(r.built) == len(r.projects) {
		w.takeSnapshot(r, actor, w.since(start.Add(-src.Duration(time.Second, 5*time.Second))))
	}
	next := 0
	for next < len(r.projects)-1 && r.built[r.projects[next].ProjectID] {
		next++
	}
	project, err := w.project(s, r, next)
	if err != nil {
		return envelope{}, err
	}
	wf, ok := r.workflows["BUILD"]
	if !ok {
		wf = newWorkflow(src, "BUILD")
		r.workflows["BUILD"] = wf
	}
	v := projectVersion{id: w.ids.nextID(), name: fmt.Sprintf("1.0.%d", src.ID(1, 250))}
	r.versions[project.ProjectID], r.built[project.ProjectID] = v, true
	if status == "FAILED" {
		r.snapshotFailed = true
	}
	snap, rel := *r.snapshot, r.release
	run := workflowRun{
		Workflow: wf, Project: project, Version: v.name, VersionID: v.id, PackageName: r.packages[project.ProjectID],
		Instance: w.instance(r, project), Environment: *w.envs[envName], Release: &rel, Snapshot: &snap,
		Status: status, RequestedBy: actor, Start: start, End: at,
	}
	return workflowCompletedEvent(st, newWorkflowExecution(src, w.ids, st, run), actor, at), nil
}

// workflow runs a DEPLOY or TEST workflow of the release in env, for one
// of its projects (the next one the stage has not run the type for), with
// the project version of the snapshot.
func (w *world) workflow(s *catalog.Step, r *releaseState, envName string) (envelope, error) {
	src, st, at := s.Src, w.st, s.At
	actor, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	wfType := strings.ToUpper(s.WithString("type", "deploy"))
	status := s.WithString("status", "SUCCESS")
	took := at.Sub(w.since(at.Add(-src.Duration(40*time.Second, 8*time.Minute))))
	sg, err := w.stage(r, envName, at.Add(-took))
	if err != nil {
		return envelope{}, err
	}
	if sg.complete {
		return envelope{}, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
	}
	if sg.gatesFailed {
		return envelope{}, fmt.Errorf("the quality gate of the %s stage of release %s failed (a test failed before it): no workflow runs in the stage", envName, r.ReleaseName)
	}
	wf, ok := r.workflows[wfType]
	if !ok {
		wf = newWorkflow(src, wfType)
		r.workflows[wfType] = wf
	}
	project, err := w.project(s, r, sg.ran[wfType]%len(r.projects))
	if err != nil {
		return envelope{}, err
	}
	sg.ran[wfType]++
	snap, err := w.snapshotOf(r, at)
	if err != nil {
		return envelope{}, err
	}
	v := w.version(r, project)
	rel := r.release
	run := workflowRun{
		Workflow: wf, Project: project, Version: v.name, VersionID: v.id, Instance: w.instance(r, project),
		Environment: *w.envs[envName], Release: &rel, Snapshot: &snap,
		Status: status, RequestedBy: actor, Start: at.Add(-took), End: at,
	}
	if wfType == "DEPLOY" {
		run.PackageName = r.packages[project.ProjectID]
	}
	exec := newWorkflowExecution(src, w.ids, st, run)
	if wfType == "TEST" {
		def := "passed"
		if status != "SUCCESS" {
			def = "failed"
		}
		passed := s.WithString("tests", def) == "passed"
		exec.setTestOutcome(src, passed)
		r.testsFailed = r.testsFailed || !passed
	}
	if status == "FAILED" {
		sg.failed = true
	}
	return workflowCompletedEvent(st, exec, actor, at), nil
}

// stageCompleted ends the release's stage in env: REJECTED after a
// rejected gate, GATES_FAILED when its quality gate failed, FAILED after a
// failed workflow, else SUCCESS, unless the step says.
func (w *world) stageCompleted(s *catalog.Step, r *releaseState, envName string) (envelope, error) {
	src, st, at := s.Src, w.st, s.At
	sg, err := w.stage(r, envName, w.since(at.Add(-src.Duration(5*time.Minute, 20*time.Minute))))
	if err != nil {
		return envelope{}, err
	}
	if sg.complete {
		return envelope{}, fmt.Errorf("the %s stage of release %s is already complete", envName, r.ReleaseName)
	}
	status := "SUCCESS"
	switch {
	case sg.rejected:
		status = "REJECTED"
	case sg.gatesFailed:
		status = "GATES_FAILED"
	case sg.failed:
		status = "FAILED"
	}
	status = s.WithString("status", status)
	sg.complete = true
	peID := r.pe.PipelineExecutionID
	snap, err := w.snapshotOf(r, at)
	if err != nil {
		return envelope{}, err
	}
	p := stagePayload{
		PipelineExecutionID:    &peID,
		PipelineStageExecution: sg.exec.Complete(st, status, sg.start, at),
		Pipeline:               r.pipeline,
		Environment:            *w.envs[envName],
		Release:                r.Ref(),
		Snapshot:               snap,
	}
	if status != "SUCCESS" {
		r.pe.ExecutionStatus = "FAILED"
	}
	return pipelineStageCompletedEvent(st, p, buildMonitorWorker, at), nil
}

// gate creates or decides the approval task before the stage of env.
func (w *world) gate(s *catalog.Step, r *releaseState, envName string) (envelope, error) {
	src, st, at := s.Src, w.st, s.At
	sg, err := w.stage(r, envName, at)
	if err != nil {
		return envelope{}, err
	}
	snap, err := w.snapshotOf(r, at)
	if err != nil {
		return envelope{}, err
	}
	if s.Event.Name == taskCreated || sg.gate == nil {
		created := at
		if s.Event.Name != taskCreated {
			created = w.since(at.Add(-src.Duration(time.Minute, time.Hour)))
		}
		creator := completedSnapshotsMonitor
		if r.pe.ExecutionStatus == "RUNNING" && len(r.stages) > 1 {
			creator = releaseEventProcessor
		}
		t := newApprovalTask(src, w.ids, st, r.release, *w.envs[envName], *r.pe, snap.SnapshotID, creator, created)
		sg.gate = &t
		if s.Event.Name == taskCreated {
			return taskEvent(st, s.Event.Name, t, creator, at)
		}
	}
	if sg.gate.TaskStatus != "PENDING" {
		return envelope{}, fmt.Errorf("the approval task of the %s stage is already %s", envName, sg.gate.TaskStatus)
	}
	approver, err := w.actor(s, w.manager)
	if err != nil {
		return envelope{}, err
	}
	approve := s.Event.Name == taskApproved
	t := sg.gate.Decide(st, approve, s.WithString("notes", ""), approver, at)
	sg.gate = &t
	if !approve {
		sg.rejected = true
	}
	return taskEvent(st, s.Event.Name, t, approver, at)
}
