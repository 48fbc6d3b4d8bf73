package cutover

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// Act plays an integration action step: fire, cancel or await.
func (w *world) Act(ctx context.Context, h catalog.Host, a catalog.Action) error {
	r := actionRun{h: h, w: w}
	switch a.Kind {
	case "fire", "cancel":
		r.task, _ = a.Value.(string)
		r.actor, _ = a.Options["actor"].(string)
	case "await":
		m, _ := a.Value.(map[string]any)
		r.task, _ = m["task"].(string)
		r.stage, r.timeout = stageComplete, defaultAwait
		if s, ok := m["stage"].(string); ok {
			r.stage = s
		}
		if d, ok := m["timeout"].(time.Duration); ok {
			r.timeout = d
		}
	}
	switch a.Kind {
	case "fire":
		refire := r.actor
		if m, ok := a.Options["refire"].(map[string]any); ok {
			r.refires, r.refireAfter = 1, 2*time.Minute
			if n, ok := m["times"].(int64); ok {
				r.refires = int(n)
			}
			if d, ok := m["after"].(time.Duration); ok && d > 0 {
				r.refireAfter = d
			}
			if u, ok := m["actor"].(string); ok {
				refire = u
			}
		}
		return r.fire(ctx, refire)
	case "cancel":
		return r.cancel(ctx)
	case "await":
		return r.await(ctx)
	}
	return fmt.Errorf("unknown action %q", a.Kind)
}

// defaultAwait is how long an await waits when the step gives no timeout.
const defaultAwait = 30 * time.Second

// actionRun is one action step under way.
type actionRun struct {
	h     catalog.Host
	w     *world
	task  string
	actor string
	// refires and refireAfter are fire's refire: (refires 0: none).
	refires     int
	refireAfter time.Duration
	// stage and timeout are await's.
	stage   string
	timeout time.Duration
}

// emit makes the Cutover event name about the action's task.
func (a *actionRun) emit(ctx context.Context, name string, update []catalog.Update, debug *debugData, note string) error {
	e, err := catalog.LookupIn(Vendor, name)
	if err != nil {
		return err
	}
	return a.h.Emit(ctx, catalog.Emission{Event: name, Note: note, Build: func(at time.Time, src *fake.Source) ([]byte, string, error) {
		s := &catalog.Step{Event: e, Spec: vocabulary.Events[e.Name], Entity: a.task, Actor: a.actor, Update: update, With: map[string]any{}, At: at, Src: src}
		b, err := a.w.build(s, debug)
		if t := a.w.tasks[a.task]; err == nil && name == "task.updated" && t.Stage == stageComplete {
			t.completion = completeAuto // the integration finished it
		}
		return b, a.task, err
	}})
}

// state reads the task's stage, its action and the request the action
// would send now.
func (a *actionRun) state(cancel bool) (stage string, act action, integration bool, out outgoing, rehearsal bool, err error) {
	a.h.Locked(func() {
		t := a.w.tasks[a.task]
		var rb *runbookState
		if _, rb, err = a.w.runbook(); err != nil {
			return
		}
		stage, act, integration, out, rehearsal = t.Stage, t.action, t.Integration, t.action.request(rb.runbookInfo, t.taskRef, cancel), rb.run.Type == runRehearsal
	})
	return
}

// fire runs the task's integration action as Cutover does when the task
// starts: the task starts if it has not, integrations.connect, the real
// call, then integrations.success (and task.updated to complete with
// finish_on_success) or integrations.failed with the exchange. A failure
// is refired as the step's refire: says.
func (a *actionRun) fire(ctx context.Context, refireActor string) error {
	for attempt := 0; ; attempt++ {
		stage, act, _, out, rehearsal, err := a.state(false)
		if err != nil {
			return err
		}
		if err := act.check(a.task); err != nil {
			return err
		}
		if stage == stageComplete {
			return fmt.Errorf("task %s is complete; fire: runs the action of a task to start or in progress", a.task)
		}
		if stage != stageInProgress {
			if err := a.emit(ctx, "task.started", nil, nil, ""); err != nil {
				return err
			}
			if err := a.h.Advance(ctx, 200*time.Millisecond, 2*time.Second); err != nil {
				return err
			}
		}
		if rehearsal && !act.executeInRehearsal {
			return a.emit(ctx, "task.updated", []catalog.Update{{Name: "stage", Value: stageComplete}}, nil,
				"rehearsal run: the integration is not executed (execute_in_rehearsal is false), the task finishes without a call")
		}
		if err := a.emit(ctx, "integrations.connect", nil, nil, ""); err != nil {
			return err
		}
		x := act.call(ctx, a.h.Client(), a.h.UserAgent(), out)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.h.Advance(ctx, time.Second, 4*time.Second); err != nil {
			return err
		}
		if x.ok {
			if err := a.emit(ctx, "integrations.success", nil, nil, x.summary); err != nil {
				return err
			}
			if !act.finishOnSuccess {
				return nil
			}
			if err := a.h.Advance(ctx, 200*time.Millisecond, time.Second); err != nil {
				return err
			}
			if stage, _, _, _, _, err := a.state(false); err != nil || stage == stageComplete {
				return err // the receiver finished it through the API meanwhile
			}
			return a.emit(ctx, "task.updated", []catalog.Update{{Name: "stage", Value: stageComplete}}, nil, "finish task on success")
		}
		if err := a.emit(ctx, "integrations.failed", nil, &x.debug, x.summary); err != nil {
			return err
		}
		if attempt >= a.refires {
			// The task cannot finish: the runbook stops here, as Cutover's
			// would until someone fixes the endpoint.
			return &catalog.ReceiverError{Msg: fmt.Sprintf("the integration of task %s still failed after %d call(s), the last: %s; the runbook cannot go on", a.task, attempt+1, x.summary)}
		}
		if err := a.h.Advance(ctx, a.refireAfter, a.refireAfter); err != nil {
			return err
		}
		a.actor = refireActor
	}
}

// cancel stops the task's integration: with notify_on_cancel it sends the
// cancel request, then integrations.cancelled.
func (a *actionRun) cancel(ctx context.Context) error {
	stage, act, integration, out, _, err := a.state(true)
	switch {
	case err != nil:
		return err
	case !integration:
		return fmt.Errorf("task %s has no integration action to cancel", a.task)
	case !act.cancelable:
		return fmt.Errorf("task %s is not cancelable; declare it with cancelable: true", a.task)
	case stage != stageInProgress:
		return fmt.Errorf("task %s is %s; only a task in progress can be cancelled", a.task, stage)
	}
	note := "cancelled (notify_on_cancel is false: no request)"
	if act.notifyOnCancel {
		if out.url == "" {
			return fmt.Errorf("task %s notifies on cancel but has neither cancel_url nor url", a.task)
		}
		x := act.call(ctx, a.h.Client(), a.h.UserAgent(), out)
		note = "cancel request " + x.summary
	}
	return a.emit(ctx, "integrations.cancelled", nil, nil, note)
}

// await waits, in real time, until the task reaches the step's stage (the
// receiver moves it through the emulated Cutover API), or fails after the
// step's timeout.
func (a *actionRun) await(ctx context.Context) error {
	want := slices.Index(stages, a.stage)
	timer := time.NewTimer(a.timeout)
	defer timer.Stop()
	for {
		var t *taskState
		var stage string
		var changed chan struct{}
		var rb *runbookState
		var rbID, rbStage string
		var err error
		a.h.Locked(func() {
			t = a.w.tasks[a.task]
			stage, changed = t.Stage, a.w.changed
			if _, rb, err = a.w.runbook(); err == nil {
				rbID, rbStage = rb.ID, rb.stage
			}
		})
		if err != nil {
			return err
		}
		if slices.Index(stages, stage) >= want {
			return nil
		}
		select {
		case <-changed:
		case <-timer.C:
			path := fmt.Sprintf("/cutover/core/runbooks/%s/tasks/%s", rbID, t.ID)
			hint := "PATCH " + path + "/finish"
			switch {
			case rbStage == runbookPlanning:
				hint = fmt.Sprintf(`the runbook is in planning: PATCH /cutover/core/runbooks/%s/start with {"meta":{"run_type":"live","comms":"off"}}, then work the tasks`, rbID)
			case rbStage == runbookPaused:
				hint = fmt.Sprintf("the runbook is paused: PATCH /cutover/core/runbooks/%s/resume", rbID)
			case stage == stageNotStartable:
				hint = "finish the tasks before it, then PATCH " + path + "/start and /finish"
			case stage == stageStartable:
				hint = "PATCH " + path + "/start, then /finish"
			}
			return &catalog.ReceiverError{Msg: fmt.Sprintf("await: task %s (id %s) is still %s after %s; want %s (%s)",
				a.task, t.ID, stage, a.timeout, a.stage, hint)}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
