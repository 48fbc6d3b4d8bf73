package cutover_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// The facts below are Cutover's, from vendor-docs/cutover-*.txt (whose
// samples are schemas/testdata/samples/cutover/) and vendor-notes.md;
// the tests hold standin's payloads to them, not to standin's own output.

// documentedEvents are the event integration's event types.
var documentedEvents = []string{
	"runbook.updated", "run.started", "task.created", "task.started", "task.updated",
	"integrations.connect", "integrations.failed", "integrations.success", "integrations.cancelled",
}

// Documented enums.
var (
	runTypes     = []string{"rehearsal", "live"}
	taskStages   = []string{"not_startable", "startable", "in_progress", "complete"}
	authTypes    = []string{"No Auth", "Token Auth", "OAuth 2", "AWS STS SigV4"}
	requestTypes = []string{"POST", "PUT", "PATCH", "DELETE", "GET"}
	cutoverTime  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$`)
	numericID    = regexp.MustCompile(`^[1-9][0-9]*$`)
	eventUUID    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// entityType is what each event's relationships.entity is, as the docs say
// ("Entity: The runbook itself", "The run object", "the integration task").
var entityType = map[string]string{
	"runbook.updated": "core.runbook", "run.started": "core.run",
	"task.created": "core.task", "task.started": "core.task", "task.updated": "core.task",
	"integrations.connect": "core.task", "integrations.failed": "core.task",
	"integrations.success": "core.task", "integrations.cancelled": "core.task",
}

// docSample reads the docs' sample of event name.
func docSample(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "schemas", "testdata", "samples", "cutover", catalog.Slug(name)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// shape writes a JSON value's structure: object keys and value kinds,
// recursively; "start_actual" may be null (standin's planning runbook).
func shape(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			shape(e, path+"/"+k, out)
		}
	case []any:
		out[path] = "array"
	case string:
		out[path] = "string"
	case float64, json.Number:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	case nil:
		out[path] = "null"
	}
}

// checkShape fails unless payload has the structure of the docs' sample
// of its event: the same members, each of the same kind (meta.changes'
// members are the fields that changed).
func checkShape(t *testing.T, where string, name string, payload map[string]any, sample map[string]any) {
	t.Helper()
	want, got := map[string]string{}, map[string]string{}
	shape(sample, "", want)
	shape(payload, "", got)
	for p, k := range got {
		if strings.HasPrefix(p, "/meta/changes/") {
			continue
		}
		if w, ok := want[p]; !ok {
			t.Errorf("%s %s: %s is not in Cutover's sample", where, name, p)
		} else if w != k && !(p == "/meta/runbook/start_actual" && k == "null") {
			t.Errorf("%s %s: %s is a %s, Cutover's sample has a %s", where, name, p, k, w)
		}
	}
	for p := range want {
		if _, ok := got[p]; !ok && !strings.HasPrefix(p, "/meta/changes/") {
			t.Errorf("%s %s: %s is missing (Cutover's sample has it)", where, name, p)
		}
	}
}

// payloadDoc is what the checks read of a Cutover payload.
type payloadDoc struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		CreatedAt string `json:"created_at"`
		Type      string `json:"type"`
	} `json:"attributes"`
	Meta struct {
		CurrentUser struct{ ID, Email string } `json:"current_user"`
		Runbook     *struct {
			ID          string  `json:"id"`
			Name        string  `json:"name"`
			FrontendURL string  `json:"frontend_url"`
			StartActual *string `json:"start_actual"`
		} `json:"runbook"`
		Task       *struct{ ID, Name string } `json:"task"`
		Changes    map[string][2]any          `json:"changes"`
		CurrentRun *struct {
			RunType string `json:"run_type"`
		} `json:"current_run"`
		DebugData *map[string]json.RawMessage `json:"debug_data"`
	} `json:"meta"`
	Relationships map[string]struct {
		Data struct{ ID, Type string } `json:"data"`
	} `json:"relationships"`
}

// checkEnums holds one payload to the documented envelope and enum values.
func checkEnums(t *testing.T, where string, b []byte) payloadDoc {
	t.Helper()
	var d payloadDoc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	name := d.Attributes.Type
	if !slices.Contains(documentedEvents, name) || d.Type != "core.event" || !eventUUID.MatchString(d.ID) || !cutoverTime.MatchString(d.Attributes.CreatedAt) {
		t.Errorf("%s: envelope type %q, event %q, id %q, created_at %q", where, d.Type, name, d.ID, d.Attributes.CreatedAt)
	}
	want := map[string]string{"current_user": "core.user", "entity": entityType[name]}
	if name != "runbook.updated" {
		want["runbook"] = "core.runbook"
	}
	if strings.HasPrefix(name, "integrations.") {
		want["integration_setting"] = "core.integration_action_item"
	}
	for rel, typ := range want {
		r, ok := d.Relationships[rel]
		if !ok || r.Data.Type != typ || !numericID.MatchString(r.Data.ID) {
			t.Errorf("%s %s: relationships.%s %+v, want a %s", where, name, rel, r, typ)
		}
	}
	if len(d.Relationships) != len(want) {
		t.Errorf("%s %s: relationships %v", where, name, d.Relationships)
	}
	if rb := d.Meta.Runbook; rb != nil && rb.StartActual != nil && !cutoverTime.MatchString(*rb.StartActual) {
		t.Errorf("%s %s: start_actual %q", where, name, *rb.StartActual)
	}
	if r := d.Meta.CurrentRun; r != nil && !slices.Contains(runTypes, r.RunType) {
		t.Errorf("%s %s: run_type %q", where, name, r.RunType)
	}
	if pair, ok := d.Meta.Changes["stage"]; ok {
		for _, v := range pair {
			if s, _ := v.(string); !slices.Contains(taskStages, s) {
				t.Errorf("%s %s: changes.stage %v", where, name, pair)
			}
		}
	}
	if dd := d.Meta.DebugData; dd != nil {
		var auth, method, status string
		_ = json.Unmarshal((*dd)["auth_type"], &auth)
		_ = json.Unmarshal((*dd)["request_type"], &method)
		_ = json.Unmarshal((*dd)["response_status"], &status)
		if !slices.Contains(authTypes, auth) || !slices.Contains(requestTypes, method) || !regexp.MustCompile(`^([1-5][0-9]{2})?$`).MatchString(status) {
			t.Errorf("%s %s: auth_type %q, request_type %q, response_status %q", where, name, auth, method, status)
		}
		for k, v := range *dd {
			if len(v) == 0 || v[0] != '"' {
				t.Errorf("%s %s: debug_data.%s is not a string: %s", where, name, k, v)
			}
		}
	}
	return d
}

// TestSamplesHaveTheDocumentedShapeAndEnums: over 200 seeds, every
// event's sample has the members of Cutover's sample, of the same kinds,
// and the documented enum values.
func TestSamplesHaveTheDocumentedShapeAndEnums(t *testing.T) {
	for _, name := range documentedEvents {
		t.Run(name, func(t *testing.T) {
			e, err := catalog.LookupIn(cutover.Vendor, name)
			if err != nil {
				t.Fatal(err)
			}
			sample := docSample(t, name)
			for seed := range uint64(catalogtest.Seeds(200)) {
				b, err := cutover.Vendor.Generate(fake.New(seed, time.Time{}), e, catalog.Options{})
				if err != nil {
					t.Fatal(err)
				}
				where := fmt.Sprintf("seed %d", seed)
				d := checkEnums(t, where, b)
				if d.Attributes.Type != name {
					t.Fatalf("%s: sample of %s says %s", where, name, d.Attributes.Type)
				}
				var v map[string]any
				_ = json.Unmarshal(b, &v)
				checkShape(t, where, name, v, sample)
			}
		})
	}
}

// playBuiltin plays the built-in story with seed and vars, delivering
// nowhere, every payload validated.
func playBuiltin(t *testing.T, e *delivery.Engine, seed uint64, vars map[string]string) runs.Report {
	t.Helper()
	sc, err := scenarios.Builtin("cutover-runbook-integration-failure")
	if err != nil {
		t.Fatal(err)
	}
	r, err := runs.New(sc, e, runs.Options{Seed: &seed, Vars: vars, SelfCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	if rep.Status != runs.Succeeded {
		t.Fatalf("seed %d %v: %s: %s", seed, vars, rep.Status, rep.Error)
	}
	return rep
}

// TestStoryKeepsCutoversFacts plays the built-in story over 200 seeds, live
// and rehearsal, and holds the whole run to the facts: one id per runbook,
// task and user; start_actual null before run.started and the run's start
// after; dates in order; tasks worked one after another, none before the
// run; the integration's URL, task and system agreeing; no integration
// executed in a rehearsal (the task lacks Execute in Rehearsal).
func TestStoryKeepsCutoversFacts(t *testing.T) {
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	samples := map[string]map[string]any{}
	for _, n := range documentedEvents {
		samples[n] = docSample(t, n)
	}
	for _, runType := range runTypes {
		for seed := range uint64(catalogtest.Seeds(200)) {
			rep := playBuiltin(t, e, seed, map[string]string{"run_type": runType})
			checkStory(t, fmt.Sprintf("%s seed %d", runType, seed), runType, rep, samples, true)
		}
	}
	// With a real endpoint that fails the first call and accepts the
	// refire (the URL is then the user's, not ServiceNow's).
	var calls atomic.Int64
	ep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if calls.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer ep.Close()
	for seed := range uint64(20) {
		rep := playBuiltin(t, e, seed, map[string]string{"integration_url": ep.URL + "/change"})
		checkStory(t, fmt.Sprintf("real endpoint seed %d", seed), "live", rep, samples, false)
	}
}

func checkStory(t *testing.T, where, runType string, rep runs.Report, samples map[string]map[string]any, simulated bool) {
	t.Helper()
	var runbookID, runbookName, frontend, runStart, last string
	taskIDs := map[string]string{}   // name -> id
	taskNames := map[string]string{} // id -> name
	userIDs := map[string]string{}   // email -> id
	stage := map[string]string{}     // task id -> stage
	var order []string               // task ids in the order they started
	integrationTask, integrationSetting := "", ""
	connected := false
	for i, ev := range rep.Events {
		at := fmt.Sprintf("%s event %d", where, i+1)
		d := checkEnums(t, at, ev.Payload)
		var v map[string]any
		_ = json.Unmarshal(ev.Payload, &v)
		checkShape(t, at, ev.Event, v, samples[ev.Event])
		name := d.Attributes.Type
		if d.Attributes.CreatedAt < last {
			t.Errorf("%s %s: created_at %s before the previous event's %s", at, name, d.Attributes.CreatedAt, last)
		}
		last = d.Attributes.CreatedAt
		if id, ok := userIDs[d.Meta.CurrentUser.Email]; ok && id != d.Meta.CurrentUser.ID {
			t.Errorf("%s: user %s has ids %s and %s", at, d.Meta.CurrentUser.Email, id, d.Meta.CurrentUser.ID)
		}
		userIDs[d.Meta.CurrentUser.Email] = d.Meta.CurrentUser.ID
		rbRel := d.Relationships["runbook"].Data.ID
		if name == "runbook.updated" {
			rbRel = d.Relationships["entity"].Data.ID
		}
		if runbookID == "" {
			runbookID = rbRel
		}
		if rbRel != runbookID {
			t.Errorf("%s %s: runbook %s, the story's is %s", at, name, rbRel, runbookID)
		}
		if rb := d.Meta.Runbook; rb != nil {
			if runbookName == "" {
				runbookName, frontend = rb.Name, rb.FrontendURL
			}
			if rb.ID != runbookID || rb.Name != runbookName || rb.FrontendURL != frontend {
				t.Errorf("%s %s: meta.runbook %+v, the story's is %s %q %s", at, name, rb, runbookID, runbookName, frontend)
			}
			switch {
			case name == "run.started":
				if rb.StartActual == nil || *rb.StartActual != d.Attributes.CreatedAt {
					t.Errorf("%s: run.started start_actual %v, want the run's start %s", at, rb.StartActual, d.Attributes.CreatedAt)
				}
				runStart = d.Attributes.CreatedAt
			case runStart == "" && rb.StartActual != nil:
				t.Errorf("%s %s: start_actual %s during planning, before any run", at, name, *rb.StartActual)
			case runStart != "" && (rb.StartActual == nil || *rb.StartActual != runStart):
				t.Errorf("%s %s: start_actual %v, the run started %s", at, name, rb.StartActual, runStart)
			}
		}
		if name == "run.started" {
			if d.Meta.CurrentRun.RunType != runType {
				t.Errorf("%s: run_type %s, the story's is %s", at, d.Meta.CurrentRun.RunType, runType)
			}
			continue
		}
		if d.Meta.Task == nil {
			continue
		}
		tk := d.Meta.Task
		if tk.ID != d.Relationships["entity"].Data.ID {
			t.Errorf("%s %s: meta.task %s, entity %s", at, name, tk.ID, d.Relationships["entity"].Data.ID)
		}
		if id, ok := taskIDs[tk.Name]; ok && id != tk.ID {
			t.Errorf("%s: task %q has ids %s and %s", at, tk.Name, id, tk.ID)
		}
		if n, ok := taskNames[tk.ID]; ok && n != tk.Name {
			t.Errorf("%s: task %s is named %q and %q", at, tk.ID, n, tk.Name)
		}
		taskIDs[tk.Name], taskNames[tk.ID] = tk.ID, tk.Name
		if name != "task.created" && runStart == "" {
			t.Errorf("%s %s: task %s is worked before run.started", at, name, tk.Name)
		}
		if name == "task.created" && runStart != "" {
			t.Errorf("%s: the story creates task %s during the run", at, tk.Name)
		}
		switch name {
		case "task.created":
			stage[tk.ID] = "not_startable"
		case "task.started":
			for _, prev := range order {
				if stage[prev] != "complete" {
					t.Errorf("%s: task %s starts while %s is %s (tasks run one after another)", at, tk.Name, taskNames[prev], stage[prev])
				}
			}
			order = append(order, tk.ID)
			stage[tk.ID] = "in_progress"
		case "task.updated":
			if pair, ok := d.Meta.Changes["stage"]; ok {
				if pair[0] != stage[tk.ID] {
					t.Errorf("%s: changes.stage %v, but task %s was %s", at, pair, tk.Name, stage[tk.ID])
				}
				stage[tk.ID], _ = pair[1].(string)
			}
		default: // integrations.*
			if runType == "rehearsal" {
				t.Errorf("%s: %s in a rehearsal, for a task without Execute in Rehearsal", at, name)
			}
			setting := d.Relationships["integration_setting"].Data.ID
			if integrationTask == "" {
				integrationTask, integrationSetting = tk.ID, setting
			}
			if tk.ID != integrationTask || setting != integrationSetting {
				t.Errorf("%s %s: integration of task %s (setting %s), the story's is %s (%s)", at, name, tk.ID, setting, integrationTask, integrationSetting)
			}
			if stage[tk.ID] != "in_progress" {
				t.Errorf("%s %s: task %s is %s", at, name, tk.Name, stage[tk.ID])
			}
			switch name {
			case "integrations.connect":
				connected = true
			case "integrations.failed", "integrations.success":
				if !connected {
					t.Errorf("%s: %s without integrations.connect before it", at, name)
				}
				connected = false
			}
			if name == "integrations.failed" && simulated {
				checkServiceNowFailure(t, at, d, frontend)
			}
		}
	}
	if runStart == "" {
		t.Errorf("%s: no run.started", where)
	}
	for id, s := range stage {
		if s != "complete" {
			t.Errorf("%s: task %s ends the story %s", where, taskNames[id], s)
		}
	}
	if runType == "live" && integrationTask == "" {
		t.Errorf("%s: the live story fires no integration", where)
	}
}

// checkServiceNowFailure holds the story's failed call to what ServiceNow
// is: the task "Create ServiceNow change request" calls the customer's
// ServiceNow instance's Table API, which answers in its own error format.
func checkServiceNowFailure(t *testing.T, at string, d payloadDoc, frontend string) {
	t.Helper()
	var dd struct {
		URL             string `json:"url"`
		ResponseBody    string `json:"response_body"`
		ResponseHeaders string `json:"response_headers"`
		ResponseStatus  string `json:"response_status"`
	}
	b, _ := json.Marshal(d.Meta.DebugData)
	_ = json.Unmarshal(b, &dd)
	if !strings.Contains(d.Meta.Task.Name, "ServiceNow") {
		t.Fatalf("%s: the story's integration task is %q", at, d.Meta.Task.Name)
	}
	fu, _ := url.Parse(frontend)
	customer := strings.TrimSuffix(fu.Host, ".cutover.com")
	u, err := url.Parse(dd.URL)
	if err != nil || u.Scheme != "https" || u.Host != customer+".service-now.com" || u.Path != "/api/now/table/change_request" || strings.ContainsAny(dd.URL, "{}") {
		t.Errorf("%s: a ServiceNow change request calls %s (the customer is %s)", at, dd.URL, customer)
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
		Status string `json:"status"`
	}
	dec := json.NewDecoder(strings.NewReader(dd.ResponseBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Status != "failure" || body.Error.Message == "" {
		t.Errorf("%s: ServiceNow's answer is not its error document: %s", at, dd.ResponseBody)
	}
	if dd.ResponseStatus != "503" { // the story's failure_status
		t.Errorf("%s: response_status %s, the story's failure_status is 503", at, dd.ResponseStatus)
	}
	var headers map[string]string
	_ = json.Unmarshal([]byte(dd.ResponseHeaders), &headers)
	date, err := http.ParseTime(headers["date"])
	created, _ := time.Parse(time.RFC3339, d.Attributes.CreatedAt)
	if err != nil || date.After(created) || created.Sub(date) > time.Minute || headers["content-length"] != fmt.Sprint(len(dd.ResponseBody)) ||
		!strings.HasPrefix(headers["content-type"], "application/json") {
		t.Errorf("%s: response headers %v for a %d-byte JSON body answered before %s", at, headers, len(dd.ResponseBody), d.Attributes.CreatedAt)
	}
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != strings.ToLower(k) {
			t.Errorf("%s: response header %s is not lower case, as Cutover's debug data writes them", at, k)
		}
	}
}
