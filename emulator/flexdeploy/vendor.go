package flexdeploy

import (
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/schemas"
)

// id is FlexDeploy's vendor id.
const id = "flexdeploy"

// Vendor is FlexDeploy: its events, delivery profile, scenario vocabulary,
// generator and scenario world.
var Vendor catalog.Vendor = vendor{}

type vendor struct{}

func (vendor) ID() string   { return id }
func (vendor) Name() string { return "FlexDeploy" }

func (vendor) Events() []catalog.Event { return append([]catalog.Event(nil), eventList...) }

func (vendor) EventPath() []string { return []string{"eventType"} }

func (vendor) Schemas() *schemas.Set { return schemas.Vendor(id) }

// configurableMethods are the methods a FlexDeploy script may use; standin
// offers the same set as Cutover's.
var configurableMethods = []string{"POST", "PUT", "PATCH", "DELETE", "GET"}

func (vendor) Profile() catalog.Profile {
	return catalog.Profile{
		Method:       "POST",
		Methods:      append([]string(nil), configurableMethods...),
		Headers:      map[string]string{"Content-Type": "application/json"},
		Timeout:      30 * time.Second,
		Success:      catalog.Is2xx,
		SuccessRule:  "standin counts only 2xx statuses as delivered for FlexDeploy (the customer's webhook script decides)",
		Configurable: []string{catalog.FieldMethod, catalog.FieldHeaders, catalog.FieldBodyTemplate},
		Notes: "FlexDeploy runs a customer Groovy script per webhook listener, so method, headers and body are the customer's choice. " +
			"standin's default, not FlexDeploy's: a POST of the event JSON with Content-Type application/json, success on 2xx, " +
			"a 30 s timeout, the User-Agent and X-Standin-Delivery headers, GET sends no body, redirects not followed, " +
			"no retries unless the subscription asks; body_template stands in for the script's body.",
	}
}

func (vendor) Vocabulary() catalog.Vocabulary { return vocabulary }

func (vendor) Generate(src *fake.Source, e catalog.Event, opts catalog.Options) ([]byte, error) {
	return generate(src, e, opts)
}

func (vendor) NewWorld(src *fake.Source) catalog.World { return newWorld(src) }

func catalogEvent(name string, variants ...string) catalog.Event {
	return catalog.Event{Vendor: id, Name: name, Slug: catalog.Slug(name), Variants: variants}
}

// inferredEvent is an event FlexDeploy 9.0 lists whose sample could not be
// recovered: its shape follows the documented event like.
func inferredEvent(name, like string) catalog.Event {
	e := catalogEvent(name)
	e.Inferred = true
	e.Note = "no sample recovered; shaped like " + like
	return e
}

// partialEvent is an event whose recovered sample is cut short: note says
// where and what standin supplies.
func partialEvent(name, note string) catalog.Event {
	e := catalogEvent(name)
	e.Note = note
	return e
}

// eventList are FlexDeploy's events in catalog order.
var eventList = []catalog.Event{
	catalogEvent(branchActivated),
	catalogEvent(branchCreated),
	inferredEvent(branchDeleted, branchActivated),
	inferredEvent(branchInactivated, branchActivated),
	catalogEvent(commentAdded),
	catalogEvent(commentUpdated),
	catalogEvent(commentDeleted),
	inferredEvent(errorOccurred, commentAdded+" (audit fields, objectId, objectType)"),
	catalogEvent(packageCreated),
	catalogEvent(packageStatusUpdated),
	catalogEvent(pipelineStageCompleted),
	catalogEvent(pipelineVersionActivated),
	catalogEvent(projectCreated),
	inferredEvent(projectActivated, projectCreated),
	inferredEvent(projectInactivated, projectCreated),
	catalogEvent(projectDeleted),
	partialEvent(releaseContentChanged, "sample cut inside addedWorkItems; the rest is standin's"),
	catalogEvent(releaseStarted, variantClassic, variant90),
	catalogEvent(releaseEnded, variantClassic, variant90),
	partialEvent(releaseUpdated, "sample cut inside projects; the rest follows the 9.0 Release Ended sample"),
	catalogEvent(snapshotCompleted),
	catalogEvent(tagAssigned),
	catalogEvent(tagUnassigned),
	catalogEvent(taskCreated),
	catalogEvent(taskApproved),
	catalogEvent(taskRejected),
	catalogEvent(userCreated),
	catalogEvent(workflowCompleted, "deploy", "test"),
	inferredEvent(workflowVersionActivated, pipelineVersionActivated),
	catalogEvent(workItemCreated),
	catalogEvent(workItemUpdated),
}

// releaseOption is the release option of the events about an environment.
var releaseOption = catalog.Ref("release", "release", "the release (default: the only release)")

// variantOption picks the shape of a release event in scenarios, as
// --variant does for one event.
var variantOption = catalog.Enum("variant", "the payload's shape: classic (the older Events page, the default) or 9.0 (startDate in epoch ms, projects with packageName)", variantClassic, variant90)

// vocabulary is what FlexDeploy scenarios can name.
var vocabulary = catalog.Vocabulary{
	Kinds: []catalog.Kind{
		{Name: "release", Doc: "a release and its pipeline", Attrs: []catalog.Field{
			catalog.Str("name", "release name (default: drawn, such as 2026.03 Payroll)"),
			catalog.Str("description", "release description"),
			catalog.Int("projects", 1, 6, "how many projects take part in the release, each with a package (default: 2)"),
		}, Readable: []string{"id", "name", "description", "pipeline"}},
		{Name: "environment", Doc: "a pipeline stage's environment", Attrs: []catalog.Field{
			catalog.Str("code", "environment code such as DEV, QA, TEST, PROD (default: the entity's name in capitals)"),
			catalog.Str("name", "environment name (default: from the code, such as Production)"),
			catalog.Bool("quality_gate", "the stage has a quality gate on the snapshot's test results: after a failed test result in an earlier stage the stage ends GATES_FAILED and runs no workflow (default: false)"),
		}, Readable: []string{"id", "name", "code"}},
		{Name: "user", Doc: "a FlexDeploy user (actor:)", Attrs: []catalog.Field{
			catalog.Str("name", "login name (default: drawn)"),
		}, Readable: []string{"name"}},
	},
	Events: map[string]catalog.EventSpec{
		releaseContentChanged: {About: "release"},
		releaseStarted:        {About: "release", With: []catalog.Field{variantOption}},
		releaseEnded:          {About: "release", With: []catalog.Field{variantOption}},
		releaseUpdated:        {About: "release"},
		snapshotCompleted: {About: "release", With: []catalog.Field{
			catalog.Enum("status", "the snapshot's status (default: INITIATED, as the docs show a completed one; FAILED after a failed build)", snapshotInitiated, snapshotFailed),
		}},
		workflowCompleted: {About: "environment", With: []catalog.Field{
			catalog.Enum("type", "the workflow type (default: deploy); build builds a project version for the release's snapshot", "deploy", "test", "build"),
			catalog.Enum("status", "how the workflow ended (default: SUCCESS)", "SUCCESS", "FAILED"),
			catalog.Enum("tests", "a TEST workflow's test results (default: passed when it succeeds, else failed); a workflow can succeed with failed tests, which a later quality gate refuses", "passed", "failed"),
			catalog.Int("project", 1, 6, "which of the release's projects, 1 for the first (default: the next one this stage, or the snapshot's build, has not run the type for)"),
			releaseOption,
		}},
		pipelineStageCompleted: {About: "environment", With: []catalog.Field{
			catalog.Enum("status", "how the stage ended (default: SUCCESS; REJECTED after a rejected gate, GATES_FAILED after a failed quality gate, FAILED after a failed workflow)", stageStatuses...),
			releaseOption,
		}},
		taskCreated: {About: "environment", With: []catalog.Field{
			releaseOption,
		}},
		taskApproved: {About: "environment", With: []catalog.Field{
			catalog.Str("notes", "the approver's notes"),
			releaseOption,
		}},
		taskRejected: {About: "environment", With: []catalog.Field{
			catalog.Str("notes", "the approver's notes"),
			releaseOption,
		}},
		// Events no built-in story needs: generated fresh at the run's
		// virtual time, not tied to its entities.
		commentAdded: {}, commentUpdated: {}, commentDeleted: {},
		packageCreated: {}, packageStatusUpdated: {},
		tagAssigned: {}, tagUnassigned: {}, userCreated: {},
		workItemCreated: {}, workItemUpdated: {},
		branchActivated: {}, branchCreated: {}, branchDeleted: {}, branchInactivated: {},
		errorOccurred: {}, pipelineVersionActivated: {}, workflowVersionActivated: {},
		projectCreated: {}, projectActivated: {}, projectInactivated: {}, projectDeleted: {},
	},
}
