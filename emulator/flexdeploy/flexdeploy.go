// Package flexdeploy generates FlexDeploy webhook events: the envelope
// (eventType, actor, object, timestamp, payload) and the payloads of the 31
// events of FlexDeploy 9.0's Events page, with the samples' field order,
// types and nulls; where a sample was lost, the shape of its nearest
// documented relative (the catalog marks those events inferred).
//
// The pieces compose: constructors draw entities from a fake.Source
// (newRelease, newPipeline, newEnvironments, newSnapshot, newApprovalTask,
// newWorkflowExecution, newComment, ...), methods move them on (task.Decide,
// comment.Edit, pipelineExecution.NextStage, stageExecution.Complete), and
// builders wrap them into events (releaseEvent, taskEvent,
// workflowCompletedEvent, ...). A scenario keeps its entities and builds
// every event from them. Vendor puts them together: its Generate is the
// one-shot use of the same pieces, its NewWorld the world a scenario run
// keeps.
//
// Every time is printed by timestamp through a style: the server's zone
// and, on request, the minute-in-month bug of the documented samples.
package flexdeploy

import (
	"fmt"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// generate returns the payload of event e as compact JSON, built from src.
// opts.Variant picks Workflow Completed's variant (deploy or test; "" lets
// src choose) or the release events' (classic, the default, or 9.0) and opts.Quirks prints timestamps with FlexDeploy's
// minute-in-month bug. The event happens at src.Now(); everything it
// refers to happened before.
func generate(src *fake.Source, e catalog.Event, opts catalog.Options) (_ []byte, err error) {
	if e.Vendor != "" && e.Vendor != id {
		return nil, fmt.Errorf("flexdeploy: cannot generate %s", e)
	}
	var variant string
	if opts.Variant == "" && defaultsToClassic(e.Name) {
		// The release events keep the older page's shape unless asked:
		// the seed does not choose, so existing seeds keep their bytes.
		variant = variantClassic
	} else if variant, err = catalog.Variant(src, e, opts.Variant); err != nil {
		return nil, err
	}
	g := &oneShot{src: src, st: newStyle(src, opts.Quirks), at: src.Now()}
	g.ids = newIDs(src)
	ev, err := g.event(e.Name, variant)
	if err != nil {
		return nil, err
	}
	return ev.JSON()
}

// oneShot makes one event about freshly drawn entities, at time at.
type oneShot struct {
	src *fake.Source
	st  style
	ids *idSeq
	at  time.Time
}

func (g *oneShot) before(lo, hi time.Duration) time.Time { return g.src.Before(g.at, lo, hi) }

func (g *oneShot) event(name, variant string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	switch name {
	case commentAdded, commentUpdated, commentDeleted:
		return g.comment(name)

	case packageCreated:
		by := newUserName(src)
		return packageEvent(st, name, newPackage(src, g.ids, st, newProject(src), by, at), by, at)
	case packageStatusUpdated:
		p := newPackage(src, g.ids, st, newProject(src), newUserName(src), g.before(time.Hour, 60*24*time.Hour))
		status := fake.Pick(src, []string{"COMPLETED", "COMPLETED", "INACTIVE", "INACTIVE", "ACTIVE"})
		by := newUserName(src)
		return packageEvent(st, name, p.setStatus(st, status, by, at), by, at)

	case pipelineStageCompleted:
		return g.stageCompleted(), nil

	case releaseStarted, releaseEnded:
		if variant == variant90 {
			return g.release90(name)
		}
		return g.release(name)
	case releaseUpdated:
		return g.release90(name)

	case snapshotCompleted:
		rel := newRelease(src)
		by := newUserName(src)
		created := g.before(20*time.Second, 20*time.Minute)
		snap := newSnapshot(g.ids, st, rel, created.Add(src.Duration(0, 3*time.Second)))
		p := snapshotPayload{audit: st.Audit(by, created).Touch(st, completedSnapshotsMonitor, at), Snapshot: snap}
		// "completes successfully or fails to build": drawn last, so the
		// other fields of a seed stay as they were before snapshots failed.
		if src.Chance(0.2) {
			p.Snapshot.SnapshotStatus = snapshotFailed
		}
		return snapshotCompletedEvent(p, by), nil

	case tagAssigned, tagUnassigned:
		assigned := at
		if name == tagUnassigned {
			assigned = g.before(10*time.Second, 30*24*time.Hour)
		}
		by := newUserName(src)
		a := newTagAssignment(g.ids, st, newTag(src), src.ID(10_000, 999_999), fake.Pick(src, tagObjectTypes), by, assigned)
		if name == tagUnassigned && src.Chance(0.5) {
			by = newUserName(src)
		}
		return tagEvent(st, name, a, by, at)

	case taskCreated, taskApproved, taskRejected:
		return g.task(name)

	case userCreated:
		by := admin
		if src.Chance(0.3) {
			by = src.Person("").UserName
		}
		return userCreatedEvent(st, newUser(src, st, by, at), by, at), nil

	case workflowCompleted:
		return g.workflow(variant), nil

	case workItemCreated, workItemUpdated:
		return g.workItem(name)
	}
	if ev, ok, err := g.event90(name); ok {
		return ev, err
	}
	return envelope{}, fmt.Errorf("flexdeploy: unknown event %q", name)
}

func (g *oneShot) comment(name string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	author := newUserName(src)
	workItem := src.ID(1_000, 99_999)
	if name == commentAdded {
		c := newComment(src, st, workItem, "WORK_ITEM", newCommentText(src), author, at)
		return commentEvent(st, name, c, author, at)
	}
	text := newCommentText(src)
	c := newComment(src, st, workItem, "WORK_ITEM", text, author, g.before(time.Minute, 72*time.Hour))
	actor := author
	if src.Chance(0.2) {
		actor = admin
	}
	if name == commentUpdated {
		return commentEvent(st, name, c.Edit(st, newCommentText(src, text), actor, at), actor, at)
	}
	return commentEvent(st, name, c.Delete(), actor, at)
}

func (g *oneShot) stageCompleted() envelope {
	src, st, at := g.src, g.st, g.at
	rel, pipe := newRelease(src), newPipeline(src)
	env := newEnvironment(src, "")
	start := g.before(20*time.Second, 2*time.Hour)
	snap := newSnapshot(g.ids, st, rel, src.Before(start, time.Second, 72*time.Hour))
	pe := newPipelineExecution(g.ids, pipe, env, src.ID(10_000, 99_999))
	status := "SUCCESS"
	if src.Chance(0.3) {
		status = "FAILED"
	}
	p := stagePayload{
		PipelineStageExecution: pe.ActiveStageExecution.Complete(st, status, start, at),
		Pipeline:               pipe,
		Environment:            env,
		Release:                rel.Ref(),
		Snapshot:               snap,
	}
	if src.Chance(0.7) {
		p.PipelineExecutionID = ptr(pe.PipelineExecutionID)
	}
	// A stage that did not succeed was sometimes rejected at its approval
	// gate: drawn last, so the other fields of a seed stay as they were.
	if status == "FAILED" && src.Chance(0.3) {
		p.PipelineStageExecution.ExecutionStatus = "REJECTED"
	}
	return pipelineStageCompletedEvent(st, p, buildMonitorWorker, at)
}

func (g *oneShot) release(name string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	rel, pipe := newRelease(src), newPipeline(src)
	dev := newEnvironment(src, "DEV")
	start := at
	if name == releaseEnded {
		start = g.before(7*24*time.Hour, 90*24*time.Hour)
	}
	p := releasePayload{
		Release:   rel,
		StartDate: st.Date(start),
		Projects:  newReleaseProjects(src, 1+src.IntN(4), &dev),
		Pipeline:  pipe,
	}
	if src.Chance(0.4) {
		p.EndDate = st.DatePtr(start.Add(src.Duration(14*24*time.Hour, 90*24*time.Hour)))
	}
	return releaseEvent(st, name, p, newUserName(src), at)
}

func (g *oneShot) task(name string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	rel, pipe := newRelease(src), newPipeline(src)
	env := newEnvironment(src, "")
	created := at
	if name != taskCreated {
		created = g.before(time.Minute, 48*time.Hour)
	}
	snap := newSnapshot(g.ids, st, rel, src.Before(created, time.Minute, 24*time.Hour))
	pe := newPipelineExecution(g.ids, pipe, env, src.ID(10_000, 99_999))
	creator := fake.Pick(src, []string{completedSnapshotsMonitor, releaseEventProcessor})
	t := newApprovalTask(src, g.ids, st, rel, env, pe, snap.SnapshotID, creator, created)
	if name == taskCreated {
		return taskEvent(st, name, t, creator, at)
	}
	approver := newUserName(src)
	notes := fake.Pick(src, approvalNotes[:5])
	if name == taskRejected {
		notes = fake.Pick(src, append([]string{""}, approvalNotes[5:]...))
	}
	return taskEvent(st, name, t.Decide(st, name == taskApproved, notes, approver, at), approver, at)
}

func (g *oneShot) workflow(variant string) envelope {
	src, st, at := g.src, g.st, g.at
	wfType := "DEPLOY"
	if variant == "test" {
		wfType = "TEST"
	}
	project := newReleaseProjects(src, 1, nil)[0]
	start := g.before(10*time.Second, 40*time.Minute)
	run := workflowRun{
		Workflow:    newWorkflow(src, wfType),
		Project:     project,
		Instance:    newInstance(src),
		Environment: newEnvironment(src, ""),
		Status:      "SUCCESS",
		RequestedBy: newUserName(src),
		Start:       start,
		End:         at,
	}
	if src.Chance(0.25) {
		run.Status = "FAILED"
	}
	if wfType == "DEPLOY" {
		run.PackageName = newPackageName(src, project.ProjectName)
	}
	if src.Chance(0.5) {
		rel := newRelease(src)
		snap := newSnapshot(g.ids, st, rel, src.Before(start, time.Minute, 24*time.Hour))
		run.Release, run.Snapshot = &rel, &snap
	}
	w := newWorkflowExecution(src, g.ids, st, run)
	// The TEST sample shows failed results with their messages: make sure
	// one-shot payloads carry one too.
	failOne(src, w.TestSuiteExec)
	return workflowCompletedEvent(st, w, run.RequestedBy, at)
}

func (g *oneShot) workItem(name string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	by := newUserName(src)
	if name == workItemCreated {
		return workItemEvent(st, name, newWorkItem(src, st, newWorkItemUser(src), by, at), by, at)
	}
	w := newWorkItem(src, st, newWorkItemUser(src), by, g.before(time.Minute, 30*24*time.Hour))
	var changes []workItemChange
	switch src.IntN(3) {
	case 0:
		changes = []workItemChange{{"Description", "Updated " + w.Description}}
	case 1:
		changes = []workItemChange{{"Status", fake.Pick(src, workItemStatuses[1:]).Name}}
	default:
		changes = []workItemChange{{"Status", "IN_PROGRESS"}, {"PRIORITY", "Priority" + fmt.Sprint(1+src.IntN(4))}}
	}
	editor := newUserName(src)
	return workItemEvent(st, name, w.update(st, editor, at, changes...), editor, at)
}

// defaultsToClassic reports whether event name, asked for without a
// variant, takes variantClassic.
func defaultsToClassic(name string) bool { return name == releaseStarted || name == releaseEnded }
