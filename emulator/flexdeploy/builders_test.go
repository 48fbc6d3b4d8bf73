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
func playRelease(t *testing.T, seed uint64, quirks, reject bool) []envelope {
	t.Helper()
	src := fake.New(seed, time.Time{})
	st := newStyle(src, quirks)
	ids := newIDs(src)
	manager := newUserName(src)
	rel, pipe := newRelease(src), newPipeline(src)
	envs := newEnvironments(src, "DEV", "QA", "PROD")
	projects := newReleaseProjects(src, 2, &envs[0])
	instance := newInstance(src)

	var events []envelope
	emit := func(ev envelope, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}

	started := src.Now()
	rp := releasePayload{Release: rel, StartDate: st.Date(started), Projects: projects, Pipeline: pipe}
	emit(releaseEvent(st, releaseStarted, rp, manager, started))

	snapAsked := src.Tick(time.Minute, 10*time.Minute)
	snap := newSnapshot(ids, st, rel, snapAsked.Add(2*time.Second))
	snapDone := src.Tick(time.Minute, 5*time.Minute)
	emit(snapshotCompletedEvent(snapshotPayload{
		audit:    st.Audit(manager, snapAsked).Touch(st, completedSnapshotsMonitor, snapDone),
		Snapshot: snap,
	}, manager), nil)

	gate := src.ID(10_000, 90_000)
	pe := newPipelineExecution(ids, pipe, envs[0], gate)
	for i, env := range envs {
		if i > 0 {
			pe = pe.NextStage(ids, env, gate+i)
		}
		stageStart := src.Tick(time.Second, time.Minute)
		task := newApprovalTask(src, ids, st, rel, env, pe, snap.SnapshotID, completedSnapshotsMonitor, stageStart)
		emit(taskEvent(st, taskCreated, task, completedSnapshotsMonitor, stageStart))
		decided := src.Tick(time.Minute, time.Hour)
		if reject && env.EnvironmentCode == "PROD" {
			emit(taskEvent(st, taskRejected, task.Decide(st, false, "Payroll close in progress.", manager, decided), manager, decided))
			end := src.Tick(time.Second, 10*time.Second)
			emit(pipelineStageCompletedEvent(st, stagePayload{
				PipelineExecutionID:    &pe.PipelineExecutionID,
				PipelineStageExecution: pe.ActiveStageExecution.Complete(st, "FAILED", stageStart, end),
				Pipeline:               pipe, Environment: env, Release: rel.Ref(), Snapshot: snap,
			}, buildMonitorWorker, end), nil)
			break
		}
		emit(taskEvent(st, taskApproved, task.Decide(st, true, "", manager, decided), manager, decided))
		for _, wfType := range []string{"DEPLOY", "TEST"} {
			start := src.Tick(time.Second, 30*time.Second)
			end := src.Tick(30*time.Second, 10*time.Minute)
			run := workflowRun{
				Workflow: newWorkflow(src, wfType), Project: projects[0], Version: "1.0.42",
				Instance: instance, Environment: env, Release: &rel, Snapshot: &snap,
				Status: "SUCCESS", RequestedBy: manager, Start: start, End: end,
			}
			if wfType == "DEPLOY" {
				run.PackageName = newPackageName(src, projects[0].ProjectName)
			}
			emit(workflowCompletedEvent(st, newWorkflowExecution(src, ids, st, run), manager, end), nil)
		}
		end := src.Tick(time.Second, 10*time.Second)
		emit(pipelineStageCompletedEvent(st, stagePayload{
			PipelineExecutionID:    &pe.PipelineExecutionID,
			PipelineStageExecution: pe.ActiveStageExecution.Complete(st, "SUCCESS", stageStart, end),
			Pipeline:               pipe, Environment: env, Release: rel.Ref(), Snapshot: snap,
		}, buildMonitorWorker, end), nil)
	}

	workItem := src.ID(1_000, 99_999)
	added := src.Tick(time.Minute, time.Hour)
	c := newComment(src, st, workItem, "WORK_ITEM", "Deployed, please verify.", manager, added)
	emit(commentEvent(st, commentAdded, c, manager, added))
	edited := src.Tick(time.Minute, time.Hour)
	c = c.Edit(st, "Deployed and verified in PROD.", manager, edited)
	emit(commentEvent(st, commentUpdated, c, manager, edited))
	deleted := src.Tick(time.Minute, time.Hour)
	emit(commentEvent(st, commentDeleted, c.Delete(), manager, deleted))

	ended := src.Tick(time.Hour, 48*time.Hour)
	rp.EndDate = st.DatePtr(ended)
	emit(releaseEvent(st, releaseEnded, rp, manager, ended))
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
				if got, want := str(comments[commentUpdated], "/payload/oldCommentText"), str(comments[commentAdded], "/payload/commentText"); got != want {
					t.Errorf("seed %d: Comment Updated oldCommentText %s, want the added text %s", seed, got, want)
				}
				if got, want := str(comments[commentDeleted], "/payload/oldCommentText"), str(comments[commentUpdated], "/payload/commentText"); got != want {
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
	st := newStyle(src, false)
	ids := newIDs(src)
	rel, pipe := newRelease(src), newPipeline(src)
	env := newEnvironment(src, "QA")
	task := newApprovalTask(src, ids, st, rel, env, newPipelineExecution(ids, pipe, env, 1), 1, releaseEventProcessor, src.Now())
	approved := task.Decide(st, true, "", admin, src.Now())
	tests := []struct {
		name string
		err  error
	}{
		{"created task approved", second(taskEvent(st, taskApproved, task, admin, src.Now()))},
		{"approved task created", second(taskEvent(st, taskCreated, approved, admin, src.Now()))},
		{"task event of another kind", second(taskEvent(st, releaseStarted, task, admin, src.Now()))},
		{"comment event of another kind", second(commentEvent(st, tagAssigned, comment{}, admin, src.Now()))},
		{"release event of another kind", second(releaseEvent(st, snapshotCompleted, releasePayload{}, admin, src.Now()))},
		{"package event of another kind", second(packageEvent(st, packageCreated+"d", packageInfo{}, admin, src.Now()))},
		{"tag event of another kind", second(tagEvent(st, userCreated, tagAssignment{}, admin, src.Now()))},
		{"work item event of another kind", second(workItemEvent(st, workflowCompleted, workItem{}, admin, src.Now()))},
	}
	for _, tt := range tests {
		if tt.err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
	// Task Created drops what its documented sample lacks; the task keeps it.
	ev, err := taskEvent(st, taskCreated, task, completedSnapshotsMonitor, src.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := ev.JSON()
	for _, absent := range []string{"taskIdentifier", "taskType", "releaseDescription"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("Task Created carries %s: %s", absent, b)
		}
	}
	ev, _ = taskEvent(st, taskApproved, approved, admin, src.Now())
	b, _ = ev.JSON()
	for _, present := range []string{"taskIdentifier", "taskType", "releaseDescription"} {
		if !strings.Contains(string(b), present) {
			t.Errorf("Task Approved lacks %s: %s", present, b)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestRichText(t *testing.T) {
	got := richText(`He said "ship it" & <left>`)
	want := `{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"He said \"ship it\" & <left>"}]}]}`
	if got != want {
		t.Errorf("RichText = %s, want %s", got, want)
	}
}
