package rocketlane

// The word lists values are drawn from: what a professional-services team
// running customer onboardings in Rocketlane would type.

// firms are the services firms that own the Rocketlane account.
var firms = []string{
	"Brightline Consulting", "Keystone Implementations", "Harbor Digital",
	"Meridian Onboarding", "Summit Cloud Partners", "Northbeam Solutions",
}

var webhookNames = []string{
	"Receive Rocketlane Notification", "Task sync to Jira", "PSA time sync",
	"Slack project alerts", "Salesforce project sync", "Data warehouse feed",
}

var projectKinds = []string{
	"Onboarding", "Implementation", "Go-live Readiness", "Data Migration",
	"Platform Rollout", "Phase 2 Expansion", "CRM Integration", "Payments Onboarding",
}

var partners = []string{"Relecloud", "Trey Research", "Fourth Coffee", "VanArsdel"}

var currencies = []string{"USD", "USD", "EUR", "GBP", "AUD", "CAD", "INR"}

var regions = options("North America", "EMEA", "APAC", "LATAM")

var packages = options("Standard", "Premium", "Enterprise")

var categories = []string{"Meeting", "Configuration", "Development", "Training", "Project Management", "Pre-sales"}

var descriptions = []string{
	"<p>See the implementation plan for scope and owners.</p>",
	"<p>Agreed in the kickoff call; the customer confirms by Friday.</p>",
	"<p>Blocked until the customer shares sandbox credentials.</p>",
	"<p>Checklist is in the shared drive. Update this task when done.</p>",
	"<p>Timebox to two sessions; escalate to the project owner if it slips.</p>",
}

// phaseNames are the phases of a typical onboarding project, in order.
var phaseNames = []string{"Kickoff", "Discovery", "Configuration", "Data Migration", "Integration", "UAT", "Training", "Go-live", "Hypercare"}

type taskName struct {
	name, renamed string
	milestone     bool
}

// phaseTasks are a phase's typical tasks and how long the phase is
// planned to last, from minDays to maxDays (standin's choice: Rocketlane
// plans whatever its users enter).
type phaseTasks struct {
	phase            string
	minDays, maxDays int
	tasks            []taskName
}

var tasksByPhase = []phaseTasks{
	{"Kickoff", 5, 10, []taskName{
		{name: "Schedule kickoff call", renamed: "Hold kickoff call with customer sponsors"},
		{name: "Share implementation plan", renamed: "Share revised implementation plan"},
		{name: "Confirm project stakeholders", renamed: "Confirm stakeholders and RACI"},
		{name: "Set up shared Slack channel", renamed: "Set up shared Slack channel and mailing list"},
	}},
	{"Discovery", 7, 14, []taskName{
		{name: "Run requirements workshop", renamed: "Run requirements workshop (finance)"},
		{name: "Collect current-state process docs", renamed: "Collect and review current-state process docs"},
		{name: "Document integration requirements", renamed: "Document ERP and CRM integration requirements"},
		{name: "Confirm data sources", renamed: "Confirm data sources and owners"},
	}},
	{"Configuration", 10, 21, []taskName{
		{name: "Configure SSO", renamed: "Configure SSO with Okta"},
		{name: "Set up user roles and permissions", renamed: "Set up admin and approver roles"},
		{name: "Configure approval workflows", renamed: "Configure two-step approval workflows"},
		{name: "Configure email notifications", renamed: "Configure email and Slack notifications"},
		{name: "Import product catalogue", renamed: "Import product catalogue and price lists"},
	}},
	{"Data Migration", 7, 14, []taskName{
		{name: "Map legacy data fields", renamed: "Map legacy CRM data fields"},
		{name: "Run data migration dry-run", renamed: "Run second data migration dry-run"},
		{name: "Validate migrated records", renamed: "Validate migrated records with customer"},
		{name: "Run final data migration", renamed: "Run final data migration (cutover weekend)"},
	}},
	{"Integration", 7, 14, []taskName{
		{name: "Connect Salesforce integration", renamed: "Connect Salesforce sandbox integration"},
		{name: "Set up webhook endpoints", renamed: "Set up and verify webhook endpoints"},
		{name: "Configure ERP sync", renamed: "Configure nightly ERP sync"},
		{name: "Test API credentials", renamed: "Rotate and test API credentials"},
	}},
	{"UAT", 7, 14, []taskName{
		{name: "Prepare UAT test scripts", renamed: "Finalise UAT test scripts"},
		{name: "Run UAT session with finance team", renamed: "Run UAT session with finance and ops teams"},
		{name: "Triage UAT defects", renamed: "Triage and fix UAT defects"},
		{name: "Collect UAT sign-off", renamed: "Collect written UAT sign-off", milestone: true},
	}},
	{"Training", 3, 7, []taskName{
		{name: "Run admin training", renamed: "Run admin training (EMEA)"},
		{name: "Record end-user training video", renamed: "Record and publish end-user training video"},
		{name: "Publish help-centre articles", renamed: "Publish help-centre articles and FAQ"},
	}},
	{"Go-live", 2, 5, []taskName{
		{name: "Go-live readiness review", renamed: "Go-live readiness review with sponsors"},
		{name: "Switch DNS to production", renamed: "Switch DNS and email routing to production"},
		{name: "Enable production integrations", renamed: "Enable and monitor production integrations"},
		{name: "Go-live sign-off", renamed: "Customer go-live sign-off", milestone: true},
	}},
	{"Hypercare", 14, 30, []taskName{
		{name: "Daily hypercare check-in", renamed: "Twice-weekly hypercare check-in"},
		{name: "Review first-week usage report", renamed: "Review first-month usage report"},
		{name: "Handover to customer success", renamed: "Handover to customer success manager", milestone: true},
	}},
}

// tasksFor returns the task names that fit a phase; for a phase name not in
// phaseNames, those of Configuration.
func tasksFor(phase string) []taskName { return phaseKind(phase).tasks }

// phaseKind returns what standin knows of a phase by its name; for a name
// not in phaseNames, Configuration's tasks and a length of 7 to 14 days.
func phaseKind(phase string) phaseTasks {
	for _, p := range tasksByPhase {
		if p.phase == phase {
			return p
		}
	}
	return phaseTasks{phase: phase, minDays: 7, maxDays: 14, tasks: tasksByPhase[2].tasks}
}

// phaseRenames are what phases get renamed to.
var phaseRenames = map[string]string{
	"Kickoff":        "Kickoff & Planning",
	"Discovery":      "Discovery & Design",
	"Configuration":  "Configuration – Wave 1",
	"Data Migration": "Data Migration & Validation",
	"Integration":    "Integrations",
	"UAT":            "UAT – Round 2",
	"Training":       "Training & Enablement",
	"Go-live":        "Go-live & Cutover",
	"Hypercare":      "Hypercare (30 days)",
}
