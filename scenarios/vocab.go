package scenarios

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Type is the type of an entity attribute, a `with` option or an `update`
// field.
type Type struct {
	// Base is "string", "int", "bool", "date" (YYYY-MM-DD), "duration"
	// (30s, 5m), "url" (absolute http or https), "enum" or "ref" (the
	// name of another entity).
	Base string
	// Enum lists the values of an "enum".
	Enum []string
	// Kind is the entity kind a "ref" names.
	Kind string
	// Min and Max bound an "int" when Max > Min.
	Min, Max int64
}

// Describe says what a value of t looks like.
func (t Type) Describe() string {
	switch t.Base {
	case "enum":
		return "one of " + strings.Join(t.Enum, ", ")
	case "ref":
		return "the name of a " + t.Kind + " entity"
	case "date":
		return "a date such as 2026-03-02"
	case "duration":
		return "a duration such as 30s"
	case "url":
		return "an absolute http(s) URL"
	case "int":
		if t.Max > t.Min {
			return fmt.Sprintf("an integer from %d to %d", t.Min, t.Max)
		}
		return "an integer"
	case "bool":
		return "true or false"
	}
	return "a string"
}

// Field describes one attribute, option or updatable field.
type Field struct {
	Name string
	Type Type
	Doc  string
}

// Kind is a kind of entity a vendor's scenarios can declare.
type Kind struct {
	Name  string
	Doc   string
	Attrs []Field
	// Readable are the attributes ${entity.attr} can read (secrets such as
	// tokens are not among them).
	Readable []string
}

// EventSpec is what a step emitting one event may say.
type EventSpec struct {
	// About is the kind of entity the event is about; "" when the event is
	// generated fresh, not tied to the run's entities.
	About string
	// With are the event's options.
	With []Field
	// Update are the fields an update event changes; the event needs at
	// least one when NeedsUpdate.
	Update      []Field
	NeedsUpdate bool
}

// Vocabulary is everything a vendor's scenarios can name: entity kinds and
// what each event step may say.
type Vocabulary struct {
	Kinds  []Kind
	Events map[string]EventSpec // by the vendor's event name
}

// Kind returns the kind named name.
func (v Vocabulary) Kind(name string) (Kind, bool) {
	for _, k := range v.Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindNames lists the kinds' names.
func (v Vocabulary) KindNames() []string {
	var out []string
	for _, k := range v.Kinds {
		out = append(out, k.Name)
	}
	return out
}

func find(fs []Field, name string) (Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

func names(fs []Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func str(name, doc string) Field { return Field{name, Type{Base: "string"}, doc} }
func ref(name, kind, doc string) Field {
	return Field{name, Type{Base: "ref", Kind: kind}, doc}
}
func enum(name, doc string, values ...string) Field {
	return Field{name, Type{Base: "enum", Enum: values}, doc}
}
func integer(name string, lo, hi int64, doc string) Field {
	return Field{name, Type{Base: "int", Min: lo, Max: hi}, doc}
}
func boolean(name, doc string) Field { return Field{name, Type{Base: "bool"}, doc} }
func date(name, doc string) Field    { return Field{name, Type{Base: "date"}, doc} }
func duration(name, doc string) Field {
	return Field{name, Type{Base: "duration"}, doc}
}
func url(name, doc string) Field { return Field{name, Type{Base: "url"}, doc} }

// Vocabularies returns every vendor's vocabulary, keyed by vendor id.
func Vocabularies() map[string]Vocabulary { return vocabularies }

var cutoverStages = []string{"not_startable", "startable", "in_progress", "complete"}

var rocketlaneTaskStatus = []string{"To do", "In progress", "Completed"}

var vocabularies = map[string]Vocabulary{
	"cutover": {
		Kinds: []Kind{
			{"runbook", "the runbook being run", []Field{
				str("name", "runbook name (default: drawn)"),
				str("id", "runbook id, a string of digits (default: drawn)"),
				enum("run_type", "the run's type (default: live)", "rehearsal", "live"),
			}, []string{"id", "name", "run_type", "frontend_url"}},
			{"task", "a task of the runbook", []Field{
				str("name", "task name (default: drawn)"),
				str("id", "task id (default: the next one)"),
				boolean("integration", "the task runs an integration action (needed by integrations.* events; implied by url)"),
				enum("stage", "initial stage (default: not_startable)", cutoverStages...),
				url("url", "the integration action's endpoint: fire: calls it (without it, integration events are simulated)"),
				enum("method", "the action's HTTP method (default: POST)", "POST", "PUT", "PATCH", "DELETE", "GET"),
				enum("auth", "No Auth, Token Auth or OAuth 2 client credentials (default: token when token is set, else none)", "none", "token", "oauth2"),
				str("token", "Token Auth: sent as Authorization: <token_type> <token>"),
				str("token_type", "Token Auth's type (default: Bearer)"),
				url("token_url", "OAuth 2: the client credentials token endpoint"),
				str("client_id", "OAuth 2 client id"),
				str("client_secret", "OAuth 2 client secret"),
				str("scope", "OAuth 2 scope"),
				boolean("include_context", "Include context in Request: the body carries the runbook and the task (default: true)"),
				boolean("finish_on_success", "Finish task on success: a 2xx answer finishes the task (default: true)"),
				boolean("execute_in_rehearsal", "Execute in Rehearsal: call the endpoint in rehearsal runs too (default: false; the task finishes without a call)"),
				boolean("cancelable", "Cancelable: cancel: may stop the task during its execution"),
				boolean("notify_on_cancel", "Notify Webhook on Cancel: cancel: sends a cancel request"),
				url("cancel_url", "where the cancel request goes (default: url)"),
				duration("timeout", "how long a call may take (default: 30s)"),
			}, []string{"id", "name", "stage", "integration", "url"}},
			{"user", "a person acting in the run (actor:)", []Field{
				str("email", "e-mail address (default: drawn at the customer's domain)"),
				str("id", "user id (default: drawn)"),
			}, []string{"id", "email", "name"}},
		},
		Events: map[string]EventSpec{
			"runbook.updated": {About: "runbook", Update: []Field{str("name", "the runbook's new name")}},
			"run.started": {About: "runbook", With: []Field{
				enum("run_type", "rehearsal or live (default: the runbook's run_type)", "rehearsal", "live"),
			}},
			"task.created": {About: "task"},
			"task.started": {About: "task"},
			"task.updated": {About: "task", NeedsUpdate: true, Update: []Field{
				str("name", "new task name"),
				enum("stage", "new stage", cutoverStages...),
				str("description", "new description"),
				integer("duration", 0, 365*24*3600, "new planned duration in seconds"),
			}},
			"integrations.connect":   {About: "task"},
			"integrations.success":   {About: "task"},
			"integrations.cancelled": {About: "task"},
			"integrations.failed": {About: "task", With: []Field{
				integer("status", 100, 599, "the endpoint's HTTP status (default: drawn from realistic failures)"),
				str("title", "the error title in the endpoint's answer"),
				str("detail", "the error detail in the endpoint's answer"),
			}},
		},
	},
	"rocketlane": {
		Kinds: []Kind{
			{"user", "a person of the services firm (owner, assignee, actor)", []Field{
				str("first_name", "first name (default: drawn)"),
				str("last_name", "last name (default: drawn)"),
				str("email", "e-mail address (default: first.last at the firm's domain)"),
			}, []string{"id", "name", "email", "first_name", "last_name"}},
			{"project", "a customer project", []Field{
				str("name", "project name (default: customer – project kind)"),
				str("customer", "customer company name (default: drawn)"),
				ref("owner", "user", "the project's owner (default: drawn from the team)"),
			}, []string{"id", "name", "customer", "owner"}},
			{"phase", "a phase of a project", []Field{
				str("name", "phase name (default: the next of Kickoff, Discovery, …)"),
				ref("project", "project", "its project (default: the only project)"),
			}, []string{"id", "name", "project"}},
			{"task", "a task in a phase", []Field{
				str("name", "task name (default: one that fits the phase)"),
				ref("phase", "phase", "its phase (default: the only phase)"),
				ref("assignee", "user", "assigned at creation (default: none; assign later with update: assignee:)"),
				boolean("milestone", "a milestone rather than a task"),
			}, []string{"id", "name", "phase"}},
		},
		Events: map[string]EventSpec{
			"PROJECT_CREATED":  {About: "project"},
			"PROJECT_ARCHIVED": {About: "project"},
			"PROJECT_DELETED":  {About: "project"},
			"PROJECT_UPDATED": {About: "project", NeedsUpdate: true, Update: []Field{
				str("name", "new project name"),
				enum("status", "new status", "Not started", "In progress", "Completed"),
				date("due_date", "new due date"),
				integer("progress", 0, 100, "progress percentage"),
				ref("owner", "user", "new owner"),
			}},
			"PHASE_CREATED": {About: "phase"},
			"PHASE_DELETED": {About: "phase"},
			"PHASE_UPDATED": {About: "phase", NeedsUpdate: true, Update: []Field{
				str("name", "new phase name"),
				enum("status", "new status", rocketlaneTaskStatus...),
				date("due_date", "new due date"),
			}},
			"TASK_CREATED": {About: "task"},
			"TASK_DELETED": {About: "task"},
			"TASK_UPDATED": {About: "task", NeedsUpdate: true, Update: []Field{
				str("name", "new task name"),
				enum("status", "new status (moves progress and actual dates with it)", rocketlaneTaskStatus...),
				ref("assignee", "user", "a user added to the assignees"),
				integer("progress", 0, 100, "progress percentage"),
				date("due_date", "new due date"),
				boolean("at_risk", "flag the task at risk"),
				enum("priority", "new priority", "high", "medium", "low"),
			}},
		},
	},
	"flexdeploy": {
		Kinds: []Kind{
			{"release", "a release and its pipeline", []Field{
				str("name", "release name (default: drawn, such as 2026.03 Payroll)"),
				str("description", "release description"),
			}, []string{"id", "name", "description", "pipeline"}},
			{"environment", "a pipeline stage's environment", []Field{
				str("code", "environment code such as DEV, QA, TEST, PROD (default: the entity's name in capitals)"),
				str("name", "environment name (default: from the code, such as Production)"),
			}, []string{"id", "name", "code"}},
			{"user", "a FlexDeploy user (actor:)", []Field{
				str("name", "login name (default: drawn)"),
			}, []string{"name"}},
		},
		Events: map[string]EventSpec{
			"Release Started":    {About: "release"},
			"Release Ended":      {About: "release"},
			"Snapshot Completed": {About: "release"},
			"Workflow Completed": {About: "environment", With: []Field{
				enum("type", "the workflow type (default: deploy)", "deploy", "test"),
				enum("status", "how the workflow ended (default: SUCCESS)", "SUCCESS", "FAILED"),
				ref("release", "release", "the release (default: the only release)"),
			}},
			"Pipeline Stage Completed": {About: "environment", With: []Field{
				enum("status", "how the stage ended (default: SUCCESS, FAILED after a failed workflow or a rejected gate)", "SUCCESS", "FAILED"),
				ref("release", "release", "the release (default: the only release)"),
			}},
			"Task Created": {About: "environment", With: []Field{
				ref("release", "release", "the release (default: the only release)"),
			}},
			"Task Approved": {About: "environment", With: []Field{
				str("notes", "the approver's notes"),
				ref("release", "release", "the release (default: the only release)"),
			}},
			"Task Rejected": {About: "environment", With: []Field{
				str("notes", "the approver's notes"),
				ref("release", "release", "the release (default: the only release)"),
			}},
			// Events no built-in story needs: generated fresh at the
			// run's virtual time, not tied to its entities.
			"Comment Added": {}, "Comment Updated": {}, "Comment Deleted": {},
			"Package Created": {}, "Package Status Updated": {},
			"Tag Assigned": {}, "Tag Unassigned": {}, "User Created": {},
			"Work Item Created": {}, "Work Item Updated": {},
		},
	},
}

// eventNames lists a vocabulary's events, sorted.
func (v Vocabulary) eventNames() []string {
	var out []string
	for k := range v.Events {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
