package rocketlane

import (
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/schemas"
)

// id is Rocketlane's vendor id.
const id = "rocketlane"

// Vendor is Rocketlane: its events, delivery profile, scenario vocabulary,
// generator and scenario world.
var Vendor catalog.Vendor = vendor{}

type vendor struct{}

func (vendor) ID() string   { return id }
func (vendor) Name() string { return "Rocketlane" }

func (vendor) Events() []catalog.Event { return append([]catalog.Event(nil), eventList...) }

func (vendor) EventPath() []string { return []string{"eventType"} }

func (vendor) Schemas() *schemas.Set { return schemas.Vendor(id) }

func (vendor) Profile() catalog.Profile {
	return catalog.Profile{
		Method:      "POST",
		Methods:     []string{"POST"},
		Headers:     map[string]string{"Content-Type": "application/json"},
		Timeout:     10 * time.Second,
		Success:     func(status int) bool { return status == 200 || status == 204 },
		SuccessRule: "Rocketlane counts only 200 and 204 as delivered",
		// Rocketlane documents no headers; extra ones let users mimic
		// what their proxies add.
		Configurable: []string{catalog.FieldHeaders},
		Notes: "Documented by Rocketlane: HTTP POST, only 200 and 204 count as delivered (201 is a failure), " +
			"no response within 10 seconds is a failure, delivery order is not guaranteed, each event is delivered once. " +
			"Not documented, chosen by standin: Content-Type application/json, the User-Agent and X-Standin-Delivery" +
			" headers, no signing, redirects not followed, no retries unless the subscription asks; extra headers are configurable.",
	}
}

func (vendor) Vocabulary() catalog.Vocabulary { return vocabulary }

func (vendor) Generate(src *fake.Source, e catalog.Event, opts catalog.Options) ([]byte, error) {
	ev, err := generate(src, e, opts)
	if err != nil {
		return nil, err
	}
	return ev.JSON()
}

func (vendor) NewWorld(src *fake.Source) catalog.World { return newWorld(src) }

func catalogEvent(name string, variants ...string) catalog.Event {
	return catalog.Event{Vendor: id, Name: name, Slug: catalog.Slug(name), Variants: variants}
}

// eventList are Rocketlane's events in catalog order.
var eventList = []catalog.Event{
	catalogEvent(taskCreated),
	catalogEvent(taskUpdated, variantName, variantAssignee),
	catalogEvent(taskDeleted),
	catalogEvent(projectCreated),
	catalogEvent(projectUpdated),
	catalogEvent(projectArchived),
	catalogEvent(projectDeleted),
	catalogEvent(phaseCreated),
	catalogEvent(phaseUpdated),
	catalogEvent(phaseDeleted),
}

var taskStatusNames = []string{"To do", "In progress", "Completed"}

// vocabulary is what Rocketlane scenarios can name.
var vocabulary = catalog.Vocabulary{
	Kinds: []catalog.Kind{
		{Name: "user", Doc: "a person of the services firm (owner, assignee, actor)", Attrs: []catalog.Field{
			catalog.Str("first_name", "first name (default: drawn)"),
			catalog.Str("last_name", "last name (default: drawn)"),
			catalog.Str("email", "e-mail address (default: first.last at the firm's domain)"),
		}, Readable: []string{"id", "name", "email", "first_name", "last_name"}},
		{Name: "project", Doc: "a customer project (it starts on the day of its first event; its progressPercentage is computed from its tasks)", Attrs: []catalog.Field{
			catalog.Str("name", "project name (default: customer – project kind)"),
			catalog.Str("customer", "customer company name (default: drawn)"),
			catalog.Ref("owner", "user", "the project's owner (default: drawn from the team)"),
		}, Readable: []string{"id", "name", "customer", "owner", "start_date", "due_date"}},
		{Name: "phase", Doc: "a phase of a project (planned after the project's earlier phases)", Attrs: []catalog.Field{
			catalog.Str("name", "phase name (default: the next of Kickoff, Discovery, …)"),
			catalog.Ref("project", "project", "its project (default: the only project)"),
		}, Readable: []string{"id", "name", "project", "start_date", "due_date"}},
		{Name: "task", Doc: "a task in a phase", Attrs: []catalog.Field{
			catalog.Str("name", "task name (default: one that fits the phase)"),
			catalog.Ref("phase", "phase", "its phase (default: the only phase)"),
			catalog.Ref("assignee", "user", "assigned at creation (default: none; assign later with update: assignee:)"),
			catalog.Bool("milestone", "a milestone rather than a task"),
		}, Readable: []string{"id", "name", "phase"}},
	},
	Events: map[string]catalog.EventSpec{
		projectCreated:  {About: "project"},
		projectArchived: {About: "project"},
		projectDeleted:  {About: "project"},
		projectUpdated: {About: "project", NeedsUpdate: true, Update: []catalog.Field{
			catalog.Str("name", "new project name"),
			catalog.Enum("status", "new status", "Not started", "In progress", "Completed"),
			catalog.Date("due_date", "new due date"),
			catalog.Ref("owner", "user", "new owner"),
		}},
		phaseCreated: {About: "phase"},
		phaseDeleted: {About: "phase"},
		phaseUpdated: {About: "phase", NeedsUpdate: true, Update: []catalog.Field{
			catalog.Str("name", "new phase name"),
			catalog.Enum("status", "new status", taskStatusNames...),
			catalog.Date("due_date", "new due date"),
		}},
		taskCreated: {About: "task"},
		taskDeleted: {About: "task"},
		taskUpdated: {About: "task", NeedsUpdate: true, Update: []catalog.Field{
			catalog.Str("name", "new task name"),
			catalog.Enum("status", "new status (moves progress and actual dates with it)", taskStatusNames...),
			catalog.Ref("assignee", "user", "a user added to the assignees"),
			catalog.Int("progress", 0, 100, "progress percentage"),
			catalog.Date("due_date", "new due date"),
			catalog.Bool("at_risk", "flag the task at risk"),
			catalog.Enum("priority", "new priority", "high", "medium", "low"),
		}},
	},
}
