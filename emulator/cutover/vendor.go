package cutover

import (
	"net/http"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/schemas"
)

// id is Cutover's vendor id.
const id = "cutover"

// Vendor is Cutover: its events, delivery profile, scenario vocabulary
// (with the integration action steps fire, cancel and await), generator,
// scenario world and its public API that receivers call back.
var Vendor catalog.API = vendor{}

type vendor struct{}

func (vendor) ID() string   { return id }
func (vendor) Name() string { return "Cutover" }

func (vendor) Events() []catalog.Event {
	names := []string{
		"runbook.updated", "run.started", "task.created", "task.started", "task.updated",
		"integrations.connect", "integrations.failed", "integrations.success", "integrations.cancelled",
	}
	out := make([]catalog.Event, len(names))
	for i, n := range names {
		out[i] = catalog.Event{Vendor: id, Name: n, Slug: catalog.Slug(n)}
	}
	return out
}

func (vendor) EventPath() []string { return []string{"attributes", "type"} }

func (vendor) Schemas() *schemas.Set { return schemas.Vendor(id) }

func (vendor) Profile() catalog.Profile {
	return catalog.Profile{
		Method:      "POST",
		Methods:     []string{"POST", "PUT", "PATCH", "DELETE", "GET"},
		Headers:     map[string]string{"Content-Type": "application/json"},
		Timeout:     30 * time.Second,
		Success:     catalog.Is2xx,
		SuccessRule: "Cutover counts only 2xx statuses as delivered",
		Configurable: []string{catalog.FieldMethod, catalog.FieldHeaders, catalog.FieldAuth,
			catalog.FieldExecuteInPlanning, catalog.FieldExecuteInRehearsal},
		Notes: "Documented by Cutover: the method is the user's choice (POST, PUT, PATCH, DELETE, GET), user-defined headers, " +
			"No Auth, Token Auth (Authorization: <type> <token>) and OAuth 2 client credentials, fire and forget: any 2xx is success, " +
			"the event integration's Execute in Planning and Execute in Rehearsal (execute_in_planning, execute_in_rehearsal: false keeps " +
			"the events raised while the runbook is in planning, or during a rehearsal run, from the subscription). " +
			"Not documented, chosen by standin: both settings default to true, the 30 s timeout, Content-Type application/json, the User-Agent and X-Standin-Delivery" +
			" headers, GET sends no body, redirects not followed, no retries unless the subscription asks. " +
			"Not emulated: OAuth 2 authorization code, AWS STS SigV4, GET parameters, URL variables.",
	}
}

func (vendor) Vocabulary() catalog.Vocabulary { return vocabulary }

func (vendor) Generate(src *fake.Source, e catalog.Event, opts catalog.Options) ([]byte, error) {
	return generate(src, e, opts)
}

func (vendor) NewWorld(src *fake.Source) catalog.World { return newWorld(src) }

func (vendor) Handler(runs catalog.Runs, token string) http.Handler { return newAPI(runs, token) }

// stages are a task's stages, in order.
var stages = []string{stageNotStartable, stageStartable, stageInProgress, stageComplete}

var vocabulary = catalog.Vocabulary{
	Kinds: []catalog.Kind{
		{Name: "runbook", Doc: "the runbook being run", Max: 1, Attrs: []catalog.Field{
			catalog.Str("name", "runbook name (default: drawn)"),
			catalog.Str("id", "runbook id, a string of digits (default: drawn)"),
			catalog.Enum("run_type", "the run's type (default: live)", "rehearsal", "live"),
		}, Readable: []string{"id", "name", "run_type", "frontend_url"}},
		{Name: "task", Doc: "a task of the runbook", Attrs: []catalog.Field{
			catalog.Str("name", "task name (default: drawn)"),
			catalog.Str("id", "task id (default: the next one)"),
			catalog.Bool("integration", "the task runs an integration action (needed by integrations.* events; implied by url)"),
			catalog.Enum("stage", "initial stage (default: not_startable)", stages...),
			catalog.URL("url", "the integration action's endpoint: fire: calls it (without it, integration events are simulated)"),
			catalog.Enum("method", "the action's HTTP method (default: POST)", "POST", "PUT", "PATCH", "DELETE", "GET"),
			catalog.Enum("auth", "No Auth, Token Auth or OAuth 2 client credentials (default: token when token is set, else none)", "none", "token", "oauth2"),
			catalog.Str("token", "Token Auth: sent as Authorization: <token_type> <token>"),
			catalog.Str("token_type", "Token Auth's type (default: Bearer)"),
			catalog.URL("token_url", "OAuth 2: the client credentials token endpoint"),
			catalog.Str("client_id", "OAuth 2 client id"),
			catalog.Str("client_secret", "OAuth 2 client secret"),
			catalog.Str("scope", "OAuth 2 scope"),
			catalog.Bool("include_context", "Include context in Request: the body carries the runbook and the task (default: true)"),
			catalog.Bool("finish_on_success", "Finish task on success: a 2xx answer finishes the task (default: true)"),
			catalog.Bool("execute_in_rehearsal", "Execute in Rehearsal: call the endpoint in rehearsal runs too (default: false; the task finishes without a call)"),
			catalog.Bool("cancelable", "Cancelable: cancel: may stop the task during its execution"),
			catalog.Bool("notify_on_cancel", "Notify Webhook on Cancel: cancel: sends a cancel request"),
			catalog.URL("cancel_url", "where the cancel request goes (default: url)"),
			catalog.Duration("timeout", 0, "how long a call may take (default: 30s)"),
		}, Readable: []string{"id", "name", "stage", "integration", "url"}},
		{Name: "user", Doc: "a person acting in the run (actor:)", Attrs: []catalog.Field{
			catalog.Str("email", "e-mail address (default: drawn at the customer's domain)"),
			catalog.Str("id", "user id (default: drawn)"),
		}, Readable: []string{"id", "email", "name"}},
	},
	Events: map[string]catalog.EventSpec{
		"runbook.updated": {About: "runbook", Update: []catalog.Field{catalog.Str("name", "the runbook's new name")}},
		"run.started": {About: "runbook", With: []catalog.Field{
			catalog.Enum("run_type", "rehearsal or live (default: the runbook's run_type)", "rehearsal", "live"),
		}},
		"task.created": {About: "task"},
		"task.started": {About: "task"},
		"task.updated": {About: "task", NeedsUpdate: true, Update: []catalog.Field{
			catalog.Str("name", "new task name"),
			catalog.Enum("stage", "new stage", stages...),
			catalog.Str("description", "new description"),
			catalog.Int("duration", 0, 365*24*3600, "new planned duration in seconds"),
		}},
		"integrations.connect":   {About: "task"},
		"integrations.success":   {About: "task"},
		"integrations.cancelled": {About: "task"},
		"integrations.failed": {About: "task", With: []catalog.Field{
			catalog.Int("status", 100, 599, "the endpoint's HTTP status (default: drawn from realistic failures)"),
			catalog.Str("title", "the error title in the endpoint's answer"),
			catalog.Str("detail", "the error detail in the endpoint's answer"),
		}},
	},
	Steps: []catalog.StepKind{
		{
			Name: "fire", Label: "integration action", Emits: "the events Cutover would",
			Doc:   "what Cutover does when an integration task starts: task.started, integrations.connect, the real call, then integrations.success or integrations.failed",
			Value: catalog.Type{Base: "ref", Kind: "task"},
			Keys: []catalog.Field{
				catalog.Ref("actor", "user", "the user who acts"),
				{Name: "refire", Doc: "after a failure, wait after (virtual; default 2m) and fire again, at most times more (default 1)", Type: catalog.Type{Base: "map", Fields: []catalog.Field{
					catalog.Int("times", 1, 20, "how many more calls"),
					catalog.Duration("after", 30*24*time.Hour, "the virtual wait before each"),
					catalog.Ref("actor", "user", "who refires (default: the fire's actor)"),
				}}},
			},
		},
		{
			Name: "cancel", Label: "integration action", Emits: "the events Cutover would",
			Doc:   "stop a cancelable task in progress: with notify_on_cancel, the cancel request; then integrations.cancelled",
			Value: catalog.Type{Base: "ref", Kind: "task"},
			Keys:  []catalog.Field{catalog.Ref("actor", "user", "the user who acts")},
		},
		{
			Name: "await", Label: "integration action", Emits: "the events Cutover would",
			Doc: "wait, in real time, until the task reaches the stage, moved by the emulated Cutover API; after the timeout the step fails",
			Value: catalog.Type{Base: "map", Fields: []catalog.Field{
				{Name: "task", Type: catalog.Type{Base: "ref", Kind: "task"}, Doc: "the task to wait for", Required: true},
				catalog.Enum("stage", "the stage to wait for (default complete)", stages...),
				catalog.Duration("timeout", time.Hour, "how long to wait, in real time (default 30s)"),
			}},
		},
	},
}
