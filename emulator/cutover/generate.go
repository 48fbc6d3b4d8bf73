package cutover

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// scene is one customer's Cutover instance in a generated story: the
// runbook being run, its tasks and the people acting on them.
type scene struct {
	Domain  string // the customer's mail domain
	Runbook runbookInfo
	Run     runInfo
	Users   []userRef
	Tasks   []taskRef
	// IntegrationTask is the task whose integration fires, and
	// IntegrationID its integration action item.
	IntegrationTask taskRef
	IntegrationID   string
	// Endpoint is the integration's target URL.
	Endpoint string
}

// newScene draws a customer, a runbook started a little before src's clock,
// a few users and tasks, and one integration task.
func newScene(src *fake.Source) scene {
	company := src.Company()
	domain := strings.ReplaceAll(strings.ToLower(companyDomain.Replace(company)), " ", "-") + ".com"
	slug := strings.TrimSuffix(domain, ".com")
	w := scene{Domain: domain}
	w.Runbook = runbookInfo{
		ID:          strconv.Itoa(src.ID(1000, 99999)),
		Name:        fake.Pick(src, runbookNames),
		Instance:    slug + ".cutover.com",
		Workspace:   slug,
		StartActual: src.Before(src.Now(), 2*time.Minute, 90*time.Minute),
	}
	w.Run = runInfo{ID: strconv.Itoa(src.ID(100, 9999)), Type: fake.Pick(src, []string{runRehearsal, runLive})}
	for range 4 {
		p := src.Person(domain)
		w.Users = append(w.Users, userRef{ID: strconv.Itoa(src.ID(1, 5000)), Email: p.Email})
	}
	first := src.ID(1, 300)
	for i, name := range fake.PickN(src, taskNames, 4) {
		w.Tasks = append(w.Tasks, taskRef{ID: strconv.Itoa(first + i), Name: name})
	}
	in := fake.Pick(src, integrations)
	w.IntegrationTask = taskRef{ID: strconv.Itoa(first + len(w.Tasks)), Name: in.task}
	w.IntegrationID = strconv.Itoa(src.ID(1, 400))
	w.Endpoint = "https://" + strings.ReplaceAll(in.host, "{customer}", slug) + in.path
	return w
}

// companyDomain is the first step from a company name to its mail domain.
var companyDomain = strings.NewReplacer("'", "", "&", "and")

// generate returns the payload of event e as compact JSON, built from src.
func generate(src *fake.Source, e catalog.Event, opts catalog.Options) ([]byte, error) {
	if _, err := catalog.Variant(src, e, opts.Variant); err != nil {
		return nil, err
	}
	w := newScene(src)
	s := eventSubject{Actor: fake.Pick(src, w.Users), Runbook: w.Runbook, Run: w.Run}
	switch e.Name {
	case "task.created", "task.started", "task.updated":
		s.Task = fake.Pick(src, w.Tasks)
	default:
		s.Task = w.IntegrationTask
		s.IntegrationID = w.IntegrationID
	}
	switch e.Name {
	case "task.updated":
		old := s.Task.Name
		s.Task.Name = renamed(src, old)
		s.Changes = changeList{{Field: "name", Old: old, New: s.Task.Name}}
	case "integrations.failed":
		s.Debug = failedExchange(src, w, s.Task)
	}
	at := src.Tick(time.Second, 3*time.Minute)
	ev, err := buildEvent(e.Name, src.UUID(), at, s)
	if err != nil {
		return nil, err
	}
	return payload.Marshal(ev)
}

// renamed returns a new name for a task, the kind of edit people make
// during a run.
func renamed(src *fake.Source, name string) string {
	return name + fake.Pick(src, []string{" (re-run)", " - extended window", " - approved by CAB", " v2", " (manual fallback)"})
}

// failedExchange draws a realistic failed call of w's integration for task:
// the request Cutover sent with the runbook and task as context, and an
// error answer from the endpoint, recorded at src's clock.
func failedExchange(src *fake.Source, w scene, task taskRef) *debugData {
	body, _ := json.Marshal(map[string]any{
		"runbook_id": w.Runbook.ID, "runbook_name": w.Runbook.Name,
		"task_id": task.ID, "task_name": task.Name,
	})
	f := fake.Pick(src, failures)
	type apiError struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	respBody, _ := json.Marshal(map[string][]apiError{"errors": {{f.title, f.detail}}})
	respHeaders := orderedHeaderJSON(http.Header{
		"Date":           {src.Now().UTC().Format(http.TimeFormat)},
		"Content-Type":   {"application/json"},
		"Content-Length": {strconv.Itoa(len(respBody))},
		"Connection":     {"keep-alive"},
		"Vary":           {"Origin"},
	}, "date", "content-type", "content-length", "connection", "vary")
	return &debugData{
		URL:               w.Endpoint,
		AuthType:          fake.Pick(src, []string{"No Auth", "Token Auth", "OAuth 2"}),
		RequestType:       "POST",
		RequestHeaders:    `{"Content-Type":"application/json"}`,
		RequestParameters: "{}",
		RequestBody:       string(body),
		ResponseHeaders:   respHeaders,
		ResponseBody:      string(respBody),
		ResponseStatus:    strconv.Itoa(f.status),
	}
}

// orderedHeaderJSON encodes headers as Cutover's debug data shows them: one JSON
// object, lower-case names, in the order given (names not in h are skipped;
// multiple values joined with ", ").
func orderedHeaderJSON(h http.Header, order ...string) string {
	var o payload.Object
	for _, name := range order {
		if vs := h.Values(name); len(vs) > 0 {
			v, _ := json.Marshal(strings.Join(vs, ", "))
			o.Set(strings.ToLower(name), v)
		}
	}
	b, _ := json.Marshal(o)
	return string(b)
}

var runbookNames = []string{
	"Core Banking Platform Cutover", "Data Centre Exit - Wave 3", "SAP S/4HANA Go-Live",
	"Payments Gateway Migration", "Quarterly DR Failover Test", "Salesforce Org Merge",
	"Mainframe Batch Decommission", "Integration task with ServiceNow", "AWS Landing Zone Migration",
	"Trading Platform Release 24.3", "Oracle EBS R12 Upgrade", "Customer Portal Blue/Green Switch",
}

var taskNames = []string{
	"Confirm change freeze", "Take final database backup", "Stop batch scheduler",
	"Drain traffic from primary site", "Run data reconciliation", "Switch DNS to new load balancer",
	"Smoke test customer login", "Business sign-off", "Re-enable monitoring alerts",
	"Notify service desk", "Scale down legacy cluster", "Validate payment flows",
}

var integrations = []struct{ task, host, path string }{
	{"Create ServiceNow change request", "{customer}.service-now.com", "/api/now/table/change_request"},
	{"Trigger Jenkins deployment job", "jenkins.{customer}.com", "/job/release-deploy/buildWithParameters"},
	{"Post go-live update to Slack", "hooks.slack.com", "/services/T024BE7LD/B08F3KJ2N/Xy7Q2mK9pL4vR8sT"},
	{"Start Ansible Tower job template", "tower.{customer}.com", "/api/v2/job_templates/42/launch/"},
	{"Open Jira release ticket", "{customer}.atlassian.net", "/rest/api/3/issue"},
	{"Run Azure DevOps pipeline", "dev.azure.com", "/{customer}/platform/_apis/pipelines/17/runs"},
}

var failures = []struct {
	status        int
	title, detail string
}{
	{500, "Not Allowed", "This endpoint has not been implemented."},
	{401, "Unauthorized", "The access token is missing, invalid or expired."},
	{403, "Forbidden", "The integration user is not allowed to perform this operation."},
	{404, "Not Found", "The requested resource does not exist."},
	{422, "Unprocessable Entity", "A required field is missing: summary."},
	{502, "Bad Gateway", "The upstream service did not respond."},
	{503, "Service Unavailable", "The instance is in maintenance mode."},
}
