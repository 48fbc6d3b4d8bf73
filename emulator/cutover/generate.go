package cutover

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
	// System is what the integration calls, and Endpoint its URL.
	System   *system
	Endpoint string
}

// newScene draws a customer, a runbook started a little before src's clock,
// a few users and tasks, and one integration task.
func newScene(src *fake.Source) scene {
	domain := domainOf(src.Company())
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
	w.Users = make([]userRef, 0, 4)
	for range 4 {
		p := src.Person(domain)
		w.Users = append(w.Users, userRef{ID: strconv.Itoa(src.ID(1, 5000)), Email: p.Email})
	}
	first := src.ID(1, 300)
	w.Tasks = make([]taskRef, 0, 4)
	for i, name := range fake.PickN(src, taskNames, 4) {
		w.Tasks = append(w.Tasks, taskRef{ID: strconv.Itoa(first + i), Name: name})
	}
	w.System = fake.Pick(src, systems)
	w.IntegrationTask = taskRef{ID: strconv.Itoa(first + len(w.Tasks)), Name: w.System.task}
	w.IntegrationID = strconv.Itoa(src.ID(1, 400))
	w.Endpoint = w.System.endpoint(slug)
	return w
}

// companyDomain is the first step from a company name to its mail domain.
var companyDomain = strings.NewReplacer("'", "", "&", "and")

// domainOf returns the mail domain of a company: "Margie's Travel" →
// margies-travel.com.
func domainOf(company string) string {
	return strings.ReplaceAll(strings.ToLower(companyDomain.Replace(company)), " ", "-") + ".com"
}

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
		s.Debug = failedExchange(src, w.System, w.Endpoint, w.Runbook, s.Task)
	}
	at := src.Tick(time.Second, 3*time.Minute)
	ev, err := buildEvent(e.Name, src.UUID(), at, s)
	if err != nil {
		return nil, err
	}
	return payload.Marshal(&ev)
}

// renamed returns a new name for a task, the kind of edit people make
// during a run.
func renamed(src *fake.Source, name string) string {
	return name + fake.Pick(src, []string{" (re-run)", " - extended window", " - approved by CAB", " v2", " (manual fallback)"})
}

// failedExchange draws a realistic failed call of an integration of sys at
// endpoint for task: the request Cutover sent with the runbook and task as
// context, and an error answer in sys's own format, recorded at src's
// clock.
func failedExchange(src *fake.Source, sys *system, endpoint string, rb runbookInfo, task taskRef) *debugData {
	body, _ := json.Marshal(requestContext{RunbookID: rb.ID, RunbookName: rb.Name, TaskID: task.ID, TaskName: task.Name})
	f := fake.Pick(src, sys.failures)
	d := &debugData{
		URL:               endpoint,
		AuthType:          fake.Pick(src, []string{authNone, authToken, authOAuth2}),
		RequestType:       http.MethodPost,
		RequestParameters: "{}",
		RequestBody:       string(body),
	}
	d.RequestHeaders = generatedRequestHeaders().plain
	if d.AuthType != authNone {
		d.RequestHeaders = generatedRequestHeaders().bearer
	}
	answerFailure(d, sys, f, src.Now())
	return d
}

// requestContext is the body of a generated request with context: the
// keys in sorted order, as encoding/json writes a map's.
type requestContext struct {
	RunbookID   string `json:"runbook_id"`
	RunbookName string `json:"runbook_name"`
	TaskID      string `json:"task_id"`
	TaskName    string `json:"task_name"`
}

// generatedRequestHeaders are the request headers of a generated failed
// call, without and with a bearer token.
var generatedRequestHeaders = sync.OnceValue(func() struct{ plain, bearer string } {
	h := http.Header{"Content-Type": {"application/json"}}
	plain := requestHeaderJSON(h)
	h.Set("Authorization", "Bearer "+redacted)
	return struct{ plain, bearer string }{plain, requestHeaderJSON(h)}
})

// answerFailure records f, answered by sys at at, as d's response.
func answerFailure(d *debugData, sys *system, f failure, at time.Time) {
	respBody := sys.body(f)
	d.ResponseBody = respBody
	d.ResponseStatus = strconv.Itoa(f.status)
	d.ResponseHeaders = orderedHeaderJSON(http.Header{
		"Date":           {at.UTC().Format(http.TimeFormat)},
		"Content-Type":   {sys.contentType},
		"Content-Length": {strconv.Itoa(len(respBody))},
		"Connection":     {"keep-alive"},
	}, "date", "content-type", "content-length", "connection")
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
