// Package cutover builds Cutover event integration payloads: JSON:API style
// core.event documents about a runbook, a run or a task, as Cutover sends
// them for runbook.updated, run.started, task.* and integrations.* events.
package cutover

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/standin-dev/standin/emulator/payload"
)

// timeLayout is how Cutover writes times: ISO 8601, UTC, milliseconds.
const timeLayout = "2006-01-02T15:04:05.000Z"

// formatTime writes t the way Cutover does.
func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// userRef is a Cutover user.
type userRef struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// runbookInfo is a Cutover runbook as the events describe it.
type runbookInfo struct {
	ID   string
	Name string
	// Instance is the customer's Cutover host, such as example.cutover.com.
	Instance string
	// Workspace is the account segment of the web app's URLs.
	Workspace string
	// StartActual is when the runbook's current run started; zero while
	// the runbook is in planning.
	StartActual time.Time
}

// FrontendURL is the runbook's task list in the Cutover web app.
func (r runbookInfo) FrontendURL() string {
	return "https://" + r.Instance + "/#/app/" + r.Workspace + "/runbooks/" + r.ID + "/current_version/tasks/list"
}

// taskRef is a task of a runbook.
type taskRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// runInfo is one run of a runbook.
type runInfo struct {
	ID string
	// Type is "rehearsal" or "live".
	Type string
}

// Run types.
const (
	runRehearsal = "rehearsal"
	runLive      = "live"
)

// change is one changed field of a task: its value before and after.
type change struct {
	Field    string
	Old, New any
}

// changeList marshals as Cutover's meta.changes object, field -> [old, new],
// keeping the order the changes were made in.
type changeList []change

// MarshalJSON writes the changes as one JSON object.
func (cs changeList) MarshalJSON() ([]byte, error) {
	var o payload.Object
	for _, c := range cs {
		v, err := json.Marshal([2]any{c.Old, c.New})
		if err != nil {
			return nil, err
		}
		o.Set(c.Field, v)
	}
	return json.Marshal(o)
}

// debugData is the exchange Cutover records for a failed integration: every
// field a string, headers, parameters and bodies JSON-encoded.
type debugData struct {
	URL               string `json:"url"`
	AuthType          string `json:"auth_type"`
	RequestType       string `json:"request_type"`
	RequestHeaders    string `json:"request_headers"`
	RequestParameters string `json:"request_parameters"`
	RequestBody       string `json:"request_body"`
	ResponseHeaders   string `json:"response_headers"`
	ResponseBody      string `json:"response_body"`
	ResponseStatus    string `json:"response_status"`
}

// payloadEvent is a Cutover webhook payload.
type payloadEvent struct {
	ID            string        `json:"id"`
	Type          string        `json:"type"`
	Attributes    attributes    `json:"attributes"`
	Meta          meta          `json:"meta"`
	Relationships relationships `json:"relationships"`
}

// attributes names the event and when it was created.
type attributes struct {
	CreatedAt string `json:"created_at"`
	Type      string `json:"type"`
}

// meta carries the acting user and, per event, the runbook, the task, the
// changes, the run or the integration's debug data.
type meta struct {
	CurrentUser userRef      `json:"current_user"`
	Runbook     *runbookMeta `json:"runbook,omitempty"`
	Task        *taskRef     `json:"task,omitempty"`
	Changes     changeList   `json:"changes,omitempty"`
	CurrentRun  *currentRun  `json:"current_run,omitempty"`
	DebugData   *debugData   `json:"debug_data,omitempty"`
}

// runbookMeta is meta.runbook.
type runbookMeta struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FrontendURL string `json:"frontend_url"`
	// StartActual is null while the runbook is in planning.
	StartActual *string `json:"start_actual"`
}

// currentRun is meta.current_run of run.started.
type currentRun struct {
	RunType string `json:"run_type"`
}

// relationships points at the user, the entity the event is about, the
// runbook and the integration action.
type relationships struct {
	CurrentUser        relationship  `json:"current_user"`
	Entity             relationship  `json:"entity"`
	Runbook            *relationship `json:"runbook,omitempty"`
	IntegrationSetting *relationship `json:"integration_setting,omitempty"`
}

// relationship is a JSON:API resource identifier.
type relationship struct {
	Data resourceID `json:"data"`
}

// resourceID names one resource: its id and type (core.task, …).
type resourceID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func rel(id, typ string) relationship { return relationship{Data: resourceID{ID: id, Type: typ}} }

// eventSubject is what an event is about: the state of the run's world that the
// event reports. Build takes from it what the event carries.
type eventSubject struct {
	Actor   userRef
	Runbook runbookInfo
	// Run is the run that run.started reports.
	Run runInfo
	// Task is the task of task.* and integrations.* events.
	Task taskRef
	// IntegrationID is the integration action item of integrations.* events.
	IntegrationID string
	// Changes are task.updated's changed fields; Task holds the new values.
	Changes changeList
	// Debug is integrations.failed's record of the failed exchange.
	Debug *debugData
}

// buildEvent makes the payload of the named event (runbook.updated, …) with the
// given event id, created at at, from s. It fails when s lacks what the
// event must carry.
func buildEvent(name, id string, at time.Time, s eventSubject) (payloadEvent, error) {
	ev := payloadEvent{
		ID:         id,
		Type:       "core.event",
		Attributes: attributes{CreatedAt: formatTime(at), Type: name},
		Meta:       meta{CurrentUser: s.Actor},
		Relationships: relationships{
			CurrentUser: rel(s.Actor.ID, "core.user"),
		},
	}
	rb := &runbookMeta{ID: s.Runbook.ID, Name: s.Runbook.Name, FrontendURL: s.Runbook.FrontendURL()}
	if !s.Runbook.StartActual.IsZero() {
		at := formatTime(s.Runbook.StartActual)
		rb.StartActual = &at
	}
	rbRel := rel(s.Runbook.ID, "core.runbook")
	switch name {
	case "runbook.updated":
		// Cutover's runbook.updated carries no meta.runbook: the runbook is the entity.
		ev.Relationships.Entity = rbRel
	case "run.started":
		if s.Run.Type != runRehearsal && s.Run.Type != runLive {
			return payloadEvent{}, fmt.Errorf("run.started: run type %q, want rehearsal or live", s.Run.Type)
		}
		ev.Meta.Runbook = rb
		ev.Meta.CurrentRun = &currentRun{RunType: s.Run.Type}
		ev.Relationships.Entity = rel(s.Run.ID, "core.run")
		ev.Relationships.Runbook = &rbRel
	case "task.created", "task.started", "task.updated",
		"integrations.connect", "integrations.failed", "integrations.success", "integrations.cancelled":
		task := s.Task
		ev.Meta.Runbook = rb
		ev.Meta.Task = &task
		ev.Relationships.Entity = rel(s.Task.ID, "core.task")
		ev.Relationships.Runbook = &rbRel
		switch name {
		case "task.updated":
			if len(s.Changes) == 0 {
				return payloadEvent{}, fmt.Errorf("task.updated: no changes")
			}
			ev.Meta.Changes = s.Changes
		case "integrations.failed":
			if s.Debug == nil {
				return payloadEvent{}, fmt.Errorf("integrations.failed: no debug data")
			}
			ev.Meta.DebugData = s.Debug
		}
		if name != "task.created" && name != "task.started" && name != "task.updated" {
			if s.IntegrationID == "" {
				return payloadEvent{}, fmt.Errorf("%s: no integration action item id", name)
			}
			is := rel(s.IntegrationID, "core.integration_action_item")
			ev.Relationships.IntegrationSetting = &is
		}
	default:
		return payloadEvent{}, fmt.Errorf("unknown Cutover event %q", name)
	}
	return ev, nil
}
