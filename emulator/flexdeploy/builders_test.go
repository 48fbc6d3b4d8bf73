package flexdeploy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/schemas"
)

// playRelease plays a release through a DEV, QA, PROD pipeline with the
// builders, the way a scenario does: one release, pipeline and snapshot
// throughout, an approval gate per stage (rejected in PROD when reject),
// a DEPLOY and a TEST workflow per stage, and a comment edited and deleted.
func playRelease(t *testing.T, seed uint64, quirks, reject bool) []Event {
	t.Helper()
	src := fake.New(seed, time.Time{})
	st := NewStyle(src, quirks)
	ids := NewIDs(src)
	manager := NewUserName(src)
	rel, pipe := NewRelease(src), NewPipeline(src)
	envs := NewEnvironments(src, "DEV", "QA", "PROD")
	projects := NewReleaseProjects(src, 2, &envs[0])
	instance := NewInstance(src)

	var events []Event
	emit := func(ev Event, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}

	started := src.Now()
	rp := ReleasePayload{Release: rel, StartDate: st.Date(started), Projects: projects, Pipeline: pipe}
	emit(ReleaseEvent(st, ReleaseStarted, rp, manager, started))

	snapAsked := src.Tick(time.Minute, 10*time.Minute)
	snap := NewSnapshot(ids, st, rel, snapAsked.Add(2*time.Second))
	snapDone := src.Tick(time.Minute, 5*time.Minute)
	emit(SnapshotCompletedEvent(SnapshotPayload{
		Audit:    st.Audit(manager, snapAsked).Touch(st, CompletedSnapshotsMonitor, snapDone),
		Snapshot: snap,
	}, manager), nil)

	gate := src.ID(10_000, 90_000)
	pe := NewPipelineExecution(ids, pipe, envs[0], gate)
	for i, env := range envs {
		if i > 0 {
			pe = pe.NextStage(ids, env, gate+i)
		}
		stageStart := src.Tick(time.Second, time.Minute)
		task := NewApprovalTask(src, ids, st, rel, env, pe, snap.SnapshotID, CompletedSnapshotsMonitor, stageStart)
		emit(TaskEvent(st, TaskCreated, task, CompletedSnapshotsMonitor, stageStart))
		decided := src.Tick(time.Minute, time.Hour)
		if reject && env.EnvironmentCode == "PROD" {
			emit(TaskEvent(st, TaskRejected, task.Decide(st, false, "Payroll close in progress.", manager, decided), manager, decided))
			end := src.Tick(time.Second, 10*time.Second)
			emit(PipelineStageCompletedEvent(st, StagePayload{
				PipelineExecutionID:    &pe.PipelineExecutionID,
				PipelineStageExecution: pe.ActiveStageExecution.Complete(st, "FAILED", stageStart, end),
				Pipeline:               pipe, Environment: env, Release: rel.Ref(), Snapshot: snap,
			}, BuildMonitorWorker, end), nil)
			break
		}
		emit(TaskEvent(st, TaskApproved, task.Decide(st, true, "", manager, decided), manager, decided))
		for _, wfType := range []string{"DEPLOY", "TEST"} {
			start := src.Tick(time.Second, 30*time.Second)
			end := src.Tick(30*time.Second, 10*time.Minute)
			run := WorkflowRun{
				Workflow: NewWorkflow(src, wfType), Project: projects[0], Version: "1.0.42",
				Instance: instance, Environment: env, Release: &rel, Snapshot: &snap,
				Status: "SUCCESS", RequestedBy: manager, Start: start, End: end,
			}
			if wfType == "DEPLOY" {
				run.PackageName = NewPackageName(src, projects[0].ProjectName)
			}
			emit(WorkflowCompletedEvent(st, NewWorkflowExecution(src, ids, st, run), manager, end), nil)
		}
		end := src.Tick(time.Second, 10*time.Second)
		emit(PipelineStageCompletedEvent(st, StagePayload{
			PipelineExecutionID:    &pe.PipelineExecutionID,
			PipelineStageExecution: pe.ActiveStageExecution.Complete(st, "SUCCESS", stageStart, end),
			Pipeline:               pipe, Environment: env, Release: rel.Ref(), Snapshot: snap,
		}, BuildMonitorWorker, end), nil)
	}

	workItem := src.ID(1_000, 99_999)
	added := src.Tick(time.Minute, time.Hour)
	c := NewComment(src, st, workItem, "WORK_ITEM", "Deployed, please verify.", manager, added)
	emit(CommentEvent(st, CommentAdded, c, manager, added))
	edited := src.Tick(time.Minute, time.Hour)
	c = c.Edit(st, "Deployed and verified in PROD.", manager, edited)
	emit(CommentEvent(st, CommentUpdated, c, manager, edited))
	deleted := src.Tick(time.Minute, time.Hour)
	emit(CommentEvent(st, CommentDeleted, c.Delete(), manager, deleted))

	ended := src.Tick(time.Hour, 48*time.Hour)
	rp.EndDate = st.DatePtr(ended)
	emit(ReleaseEvent(st, ReleaseEnded, rp, manager, ended))
	return events
}

func TestReleaseThroughPipeline(t *testing.T) {
	for _, tc := range []struct{ quirks, reject bool }{{false, false}, {true, false}, {false, true}} {
		t.Run(fmt.Sprintf("quirks=%v,reject=%v", tc.quirks, tc.reject), func(t *testing.T) {
			for seed := uint64(1); seed <= 100; seed++ {
				events := playRelease(t, seed, tc.quirks, tc.reject)
				var releaseIDs, snapshotIDs, names []string
				var last time.Time
				comments := map[string]map[string]any{}
				for _, ev := range events {
					b, err := ev.JSON()
					if err != nil {
						t.Fatal(err)
					}
					if err := schemas.Validate("flexdeploy", catalog.Slug(ev.EventType), b); err != nil {
						t.Fatalf("seed %d: %v\n%s", seed, err, b)
					}
					doc := decode(t, b)
					names = append(names, ev.EventType)
					walk("", doc, func(ptr string, v any) {
						switch {
						case strings.HasSuffix(ptr, "/releaseId"):
							releaseIDs = append(releaseIDs, fmt.Sprint(v))
						case strings.HasSuffix(ptr, "/snapshotId"):
							snapshotIDs = append(snapshotIDs, fmt.Sprint(v))
						}
					})
					if strings.HasPrefix(ev.EventType, "Comment") {
						comments[ev.EventType] = doc
					}
					if tc.quirks {
						continue
					}
					ts := str(doc, "/timestamp")
					if ts == "" {
						ts = str(doc, "/payload/updatedOn")
					}
					at := parseTS(t, ts)
					if at.Before(last) {
						t.Fatalf("seed %d: %s at %s, before the previous event (%s)", seed, ev.EventType, at, last)
					}
					last = at
					checkTimes(t, seed, doc)
				}
				for _, ids := range [][]string{releaseIDs, snapshotIDs} {
					for _, id := range ids {
						if id != ids[0] {
							t.Fatalf("seed %d: ids differ across the run: %v", seed, ids)
						}
					}
				}
				if len(releaseIDs) < 10 || len(snapshotIDs) < 5 {
					t.Fatalf("seed %d: release ids %v, snapshot ids %v", seed, releaseIDs, snapshotIDs)
				}
				if got, want := str(comments[CommentUpdated], "/payload/oldCommentText"), str(comments[CommentAdded], "/payload/commentText"); got != want {
					t.Errorf("seed %d: Comment Updated oldCommentText %s, want the added text %s", seed, got, want)
				}
				if got, want := str(comments[CommentDeleted], "/payload/oldCommentText"), str(comments[CommentUpdated], "/payload/commentText"); got != want {
					t.Errorf("seed %d: Comment Deleted oldCommentText %s, want the edited text %s", seed, got, want)
				}
				wantLen := 2 + 3*5 + 4
				if tc.reject {
					wantLen = 2 + 2*5 + 3 + 4
				}
				if len(events) != wantLen {
					t.Fatalf("seed %d: %d events, want %d: %v", seed, len(events), wantLen, names)
				}
			}
		})
	}
}

func TestBuilderErrors(t *testing.T) {
	src := fake.New(3, time.Time{})
	st := NewStyle(src, false)
	ids := NewIDs(src)
	rel, pipe := NewRelease(src), NewPipeline(src)
	env := NewEnvironment(src, "QA")
	task := NewApprovalTask(src, ids, st, rel, env, NewPipelineExecution(ids, pipe, env, 1), 1, ReleaseEventProcessor, src.Now())
	approved := task.Decide(st, true, "", Admin, src.Now())
	tests := []struct {
		name string
		err  error
	}{
		{"created task approved", second(TaskEvent(st, TaskApproved, task, Admin, src.Now()))},
		{"approved task created", second(TaskEvent(st, TaskCreated, approved, Admin, src.Now()))},
		{"task event of another kind", second(TaskEvent(st, ReleaseStarted, task, Admin, src.Now()))},
		{"comment event of another kind", second(CommentEvent(st, TagAssigned, Comment{}, Admin, src.Now()))},
		{"release event of another kind", second(ReleaseEvent(st, SnapshotCompleted, ReleasePayload{}, Admin, src.Now()))},
		{"package event of another kind", second(PackageEvent(st, PackageCreated+"d", Package{}, Admin, src.Now()))},
		{"tag event of another kind", second(TagEvent(st, UserCreated, TagAssignment{}, Admin, src.Now()))},
		{"work item event of another kind", second(WorkItemEvent(st, WorkflowCompleted, WorkItem{}, Admin, src.Now()))},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// Task Created drops what its documented sample lacks; the task keeps it.
	ev, err := TaskEvent(st, TaskCreated, task, CompletedSnapshotsMonitor, src.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ev.JSON()
	for _, absent := range []string{"taskIdentifier", "taskType", "releaseDescription"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("Task Created carries %s: %s", absent, b)
		}
	}
	ev, _ = TaskEvent(st, TaskApproved, approved, Admin, src.Now())
	b, _ = ev.JSON()
	for _, present := range []string{"taskIdentifier", "taskType", "releaseDescription"} {
		if !strings.Contains(string(b), present) {
			t.Errorf("Task Approved lacks %s: %s", present, b)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestRichText(t *testing.T) {
	got := RichText(`He said "ship it" & <left>`)
	want := `{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"He said \"ship it\" & <left>"}]}]}`
	if got != want {
		t.Errorf("RichText = %s, want %s", got, want)
	}
}
