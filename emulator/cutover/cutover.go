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

// TimeLayout is how Cutover writes times: ISO 8601, UTC, milliseconds.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime writes t the way Cutover does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// User is a Cutover user.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// Runbook is a Cutover runbook as the events describe it.
type Runbook struct {
	ID   string
	Name string
	// Instance is the customer's Cutover host, such as example.cutover.com.
	Instance string
	// Workspace is the account segment of the web app's URLs.
	Workspace string
	// StartActual is when the runbook's current run started.
	StartActual time.Time
}

// FrontendURL is the runbook's task list in the Cutover web app.
func (r Runbook) FrontendURL() string {
	return fmt.Sprintf("https://%s/#/app/%s/runbooks/%s/current_version/tasks/list", r.Instance, r.Workspace, r.ID)
}

// Task is a task of a runbook.
type Task struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Run is one run of a runbook.
type Run struct {
	ID string
	// Type is "rehearsal" or "live".
	Type string
}

// Run types.
const (
	Rehearsal = "rehearsal"
	Live      = "live"
)

// Change is one changed field of a task: its value before and after.
type Change struct {
	Field    string
	Old, New any
}

// Changes marshals as Cutover's meta.changes object, field -> [old, new],
// keeping the order the changes were made in.
type Changes []Change

// MarshalJSON writes the changes as one JSON object.
func (cs Changes) MarshalJSON() ([]byte, error) {
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

// DebugData is the exchange Cutover records for a failed integration: every
// field a string, headers, parameters and bodies JSON-encoded.
type DebugData struct {
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

// Event is a Cutover webhook payload.
type Event struct {
	ID            string        `json:"id"`
	Type          string        `json:"type"`
	Attributes    Attributes    `json:"attributes"`
	Meta          Meta          `json:"meta"`
	Relationships Relationships `json:"relationships"`
}

// Attributes names the event and when it was created.
type Attributes struct {
	CreatedAt string `json:"created_at"`
	Type      string `json:"type"`
}

// Meta carries the acting user and, per event, the runbook, the task, the
// changes, the run or the integration's debug data.
type Meta struct {
	CurrentUser User         `json:"current_user"`
	Runbook     *RunbookMeta `json:"runbook,omitempty"`
	Task        *Task        `json:"task,omitempty"`
	Changes     Changes      `json:"changes,omitempty"`
	CurrentRun  *CurrentRun  `json:"current_run,omitempty"`
	DebugData   *DebugData   `json:"debug_data,omitempty"`
}

// RunbookMeta is meta.runbook.
type RunbookMeta struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	FrontendURL string `json:"frontend_url"`
	StartActual string `json:"start_actual"`
}

// CurrentRun is meta.current_run of run.started.
type CurrentRun struct {
	RunType string `json:"run_type"`
}

// Relationships points at the user, the entity the event is about, the
// runbook and the integration action.
type Relationships struct {
	CurrentUser        Relationship  `json:"current_user"`
	Entity             Relationship  `json:"entity"`
	Runbook            *Relationship `json:"runbook,omitempty"`
	IntegrationSetting *Relationship `json:"integration_setting,omitempty"`
}

// Relationship is a JSON:API resource identifier.
type Relationship struct {
	Data ResourceID `json:"data"`
}

// ResourceID names one resource: its id and type (core.task, …).
type ResourceID struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

func rel(id, typ string) Relationship { return Relationship{Data: ResourceID{ID: id, Type: typ}} }

// Subject is what an event is about: the state of the run's world that the
// event reports. Build takes from it what the event carries.
type Subject struct {
	Actor   User
	Runbook Runbook
	// Run is the run that run.started reports.
	Run Run
	// Task is the task of task.* and integrations.* events.
	Task Task
	// IntegrationID is the integration action item of integrations.* events.
	IntegrationID string
	// Changes are task.updated's changed fields; Task holds the new values.
	Changes Changes
	// Debug is integrations.failed's record of the failed exchange.
	Debug *DebugData
}

// buildEvent makes the payload of the named event (runbook.updated, …) with the
// given event id, created at at, from s. It fails when s lacks what the
// event must carry.
func buildEvent(name, id string, at time.Time, s Subject) (Event, error) {
	ev := Event{
		ID:         id,
		Type:       "core.event",
		Attributes: Attributes{CreatedAt: FormatTime(at), Type: name},
		Meta:       Meta{CurrentUser: s.Actor},
		Relationships: Relationships{
			CurrentUser: rel(s.Actor.ID, "core.user"),
		},
	}
	rb := &RunbookMeta{ID: s.Runbook.ID, Name: s.Runbook.Name, FrontendURL: s.Runbook.FrontendURL(), StartActual: FormatTime(s.Runbook.StartActual)}
	rbRel := rel(s.Runbook.ID, "core.runbook")
	switch name {
	case "runbook.updated":
		// Cutover's runbook.updated carries no meta.runbook: the runbook is the entity.
		ev.Relationships.Entity = rbRel
	case "run.started":
		if s.Run.Type != Rehearsal && s.Run.Type != Live {
			return Event{}, fmt.Errorf("run.started: run type %q, want rehearsal or live", s.Run.Type)
		}
		ev.Meta.Runbook = rb
		ev.Meta.CurrentRun = &CurrentRun{RunType: s.Run.Type}
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
				return Event{}, fmt.Errorf("task.updated: no changes")
			}
			ev.Meta.Changes = s.Changes
		case "integrations.failed":
			if s.Debug == nil {
				return Event{}, fmt.Errorf("integrations.failed: no debug data")
			}
			ev.Meta.DebugData = s.Debug
		}
		if name != "task.created" && name != "task.started" && name != "task.updated" {
			if s.IntegrationID == "" {
				return Event{}, fmt.Errorf("%s: no integration action item id", name)
			}
			is := rel(s.IntegrationID, "core.integration_action_item")
			ev.Relationships.IntegrationSetting = &is
		}
	default:
		return Event{}, fmt.Errorf("unknown Cutover event %q", name)
	}
	return ev, nil
}
