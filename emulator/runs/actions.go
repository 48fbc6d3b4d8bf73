package runs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/scenarios"
)

// act plays a Cutover integration action step: fire, cancel or await.
func (r *Run) act(ctx context.Context, p planned) error {
	st := p.st
	w, ok := r.world.(*cutoverWorld)
	if !ok {
		return fmt.Errorf("%s: is a Cutover integration action", st.Action)
	}
	resolve := r.resolver(p.loop)
	r.wmu.Lock()
	task, err := r.name(st.Task, resolve, st.Action)
	var actor, refireActor string
	if err == nil && st.Actor != nil {
		actor, err = r.name(st.Actor, resolve, "actor")
	}
	refireActor = actor
	if err == nil && st.Refire != nil && st.Refire.Actor != nil {
		refireActor, err = r.name(st.Refire.Actor, resolve, "refire.actor")
	}
	r.wmu.Unlock()
	if err != nil {
		return err
	}
	a := actionRun{r: r, w: w, st: st, task: task, actor: actor}
	switch st.Action {
	case "fire":
		return a.fire(ctx, refireActor)
	case "cancel":
		return a.cancel(ctx)
	case "await":
		return a.await(ctx)
	}
	return fmt.Errorf("unknown action %q", st.Action)
}

// actionRun is one action step under way.
type actionRun struct {
	r     *Run
	w     *cutoverWorld
	st    *scenarios.Step
	task  string
	actor string
}

// emit makes the Cutover event name about the action's task.
func (a *actionRun) emit(ctx context.Context, name string, update []field, debug *cutover.DebugData, note string) error {
	e, err := catalog.Lookup(catalog.Cutover, name)
	if err != nil {
		return err
	}
	s := &step{event: e, spec: a.r.vocab.Events[e.Name], entity: a.task, actor: a.actor, update: update, with: map[string]any{}, debug: debug}
	return a.r.emitEvent(ctx, a.st, s, note)
}

// state reads the task's stage, its action and the request the action
// would send now.
func (a *actionRun) state(cancel bool) (stage string, act action, integration bool, out outgoing, rehearsal bool, err error) {
	a.r.wmu.Lock()
	defer a.r.wmu.Unlock()
	t := a.w.tasks[a.task]
	_, rb, err := a.w.runbook()
	if err != nil {
		return "", action{}, false, outgoing{}, false, err
	}
	return t.Stage, t.action, t.Integration, t.action.request(rb.Runbook, t.Task, cancel), rb.run.Type == cutover.Rehearsal, nil
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
			if err := a.r.advance(ctx, 200*time.Millisecond, 2*time.Second); err != nil {
				return err
			}
		}
		if rehearsal && !act.executeInRehearsal {
			return a.emit(ctx, "task.updated", []field{{"stage", stageComplete}}, nil,
				"rehearsal run: the integration is not executed (execute_in_rehearsal is false), the task finishes without a call")
		}
		if err := a.emit(ctx, "integrations.connect", nil, nil, ""); err != nil {
			return err
		}
		x := act.call(ctx, a.r.client, delivery.UserAgent, out)
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := a.r.advance(ctx, time.Second, 4*time.Second); err != nil {
			return err
		}
		if x.ok {
			if err := a.emit(ctx, "integrations.success", nil, nil, x.summary); err != nil {
				return err
			}
			if !act.finishOnSuccess {
				return nil
			}
			if err := a.r.advance(ctx, 200*time.Millisecond, time.Second); err != nil {
				return err
			}
			if stage, _, _, _, _, err := a.state(false); err != nil || stage == stageComplete {
				return err // the receiver finished it through the API meanwhile
			}
			return a.emit(ctx, "task.updated", []field{{"stage", stageComplete}}, nil, "finish task on success")
		}
		if err := a.emit(ctx, "integrations.failed", nil, &x.debug, x.summary); err != nil {
			return err
		}
		if a.st.Refire == nil || attempt >= a.st.Refire.Times {
			// The task cannot finish: the runbook stops here, as Cutover's
			// would until someone fixes the endpoint.
			return &fireFailed{fmt.Sprintf("the integration of task %s still failed after %d call(s), the last: %s; the runbook cannot go on", a.task, attempt+1, x.summary)}
		}
		wait := a.st.Refire.After
		if wait == 0 {
			wait = 2 * time.Minute
		}
		if err := a.r.advance(ctx, wait, wait); err != nil {
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
		x := act.call(ctx, a.r.client, delivery.UserAgent, out)
		note = "cancel request " + x.summary
	}
	return a.emit(ctx, "integrations.cancelled", nil, nil, note)
}

// await waits, in real time, until the task reaches the step's stage (the
// receiver moves it through the emulated Cutover API), or fails after the
// step's timeout.
func (a *actionRun) await(ctx context.Context) error {
	want := slices.Index(cutoverStageOrder, a.st.Stage)
	timer := time.NewTimer(a.st.Timeout)
	defer timer.Stop()
	for {
		a.r.wmu.Lock()
		t := a.w.tasks[a.task]
		stage, changed := t.Stage, a.w.changed
		_, rb, err := a.w.runbook()
		a.r.wmu.Unlock()
		if err != nil {
			return err
		}
		if slices.Index(cutoverStageOrder, stage) >= want {
			return nil
		}
		select {
		case <-changed:
		case <-timer.C:
			path := fmt.Sprintf("/cutover/core/runbooks/%s/tasks/%s", rb.ID, t.ID)
			hint := "PATCH " + path + "/finish"
			switch stage {
			case stageNotStartable:
				hint = "finish the tasks before it, then PATCH " + path + "/start and /finish"
			case stageStartable:
				hint = "PATCH " + path + "/start, then /finish"
			}
			return &awaitTimeout{fmt.Sprintf("await: task %s (id %s) is still %s after %s; want %s (%s)",
				a.task, t.ID, stage, a.st.Timeout, a.st.Stage, hint)}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fireFailed is a fire whose last call failed: the receiver's doing.
type fireFailed struct{ msg string }

func (e *fireFailed) Error() string { return e.msg }

// awaitTimeout is an await step the receiver did not satisfy in time.
type awaitTimeout struct{ msg string }

func (e *awaitTimeout) Error() string { return e.msg }

// cutoverStageOrder is the order a task's stages come in.
var cutoverStageOrder = []string{stageNotStartable, stageStartable, stageInProgress, stageComplete}
