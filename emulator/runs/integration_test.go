package runs_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// endpoint is an integration endpoint that answers the statuses given in
// turn (the last repeats) and records each call.
type endpoint struct {
	*httptest.Server
	mu    sync.Mutex
	calls []call
}

type call struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

func newEndpoint(t *testing.T, delay time.Duration, statuses ...int) *endpoint {
	ep := &endpoint{}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ep.mu.Lock()
		ep.calls = append(ep.calls, call{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		n := len(ep.calls)
		ep.mu.Unlock()
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		st := statuses[min(n, len(statuses))-1]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", fmt.Sprintf("req-%d", n))
		w.WriteHeader(st)
		fmt.Fprintf(w, `{"call":%d,"status":%d}`, n, st)
	}))
	t.Cleanup(ep.Close)
	return ep
}

func (ep *endpoint) got() []call {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	return append([]call(nil), ep.calls...)
}

// integrationScenario is a runbook whose task change runs an integration
// action with attrs, and steps.
func integrationScenario(t *testing.T, attrs, steps string) *scenarios.Scenario {
	t.Helper()
	src := `
name: integration
vendor: cutover
entities:
  runbook: {kind: runbook, name: Payments Gateway Migration}
  lead: {kind: user}
  engineer: {kind: user}
  change:
    kind: task
    name: Create ServiceNow change request
` + attrs + `
steps:
` + steps
	sc, err := scenarios.Parse("integration.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func debugOf(t *testing.T, body []byte, key string) string {
	t.Helper()
	v, _ := field(t, body, "/meta/debug_data/"+key).(string)
	return v
}

func TestFireFailsOnceThenSucceedsOnRefire(t *testing.T) {
	ep := newEndpoint(t, 0, http.StatusServiceUnavailable, http.StatusCreated)
	sc := integrationScenario(t, "    url: "+ep.URL+"/api/now/table/change_request\n    token: s3cret\n", `
  - event: run.started
  - fire: change
    actor: lead
    refire: {times: 2, after: 6m, actor: engineer}
`)
	rep, bodies := play(t, sc, runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatalf("%s: %s", rep.Status, rep.Error)
	}
	got := names(t, bodies, "/attributes/type")
	want := "run.started, task.started, integrations.connect, integrations.failed, integrations.connect, integrations.success, task.updated"
	if got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	calls := ep.got()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want 2", len(calls))
	}
	for i, c := range calls {
		if c.Method != "POST" || c.Path != "/api/now/table/change_request" || c.Header.Get("Authorization") != "Bearer s3cret" {
			t.Errorf("call %d: %s %s, Authorization %q", i, c.Method, c.Path, c.Header.Get("Authorization"))
		}
		var ctx map[string]string
		if err := json.Unmarshal([]byte(c.Body), &ctx); err != nil || ctx["runbook_name"] != "Payments Gateway Migration" ||
			ctx["task_name"] != "Create ServiceNow change request" || ctx["task_id"] == "" || ctx["runbook_id"] == "" {
			t.Errorf("call %d body %s lacks the runbook and task context", i, c.Body)
		}
	}
	failed := bodies[3]
	for key, want := range map[string]string{
		"url":             ep.URL + "/api/now/table/change_request",
		"auth_type":       "Token Auth",
		"request_type":    "POST",
		"response_status": "503",
		"response_body":   `{"call":1,"status":503}`,
		"request_body":    calls[0].Body,
	} {
		if got := debugOf(t, failed, key); got != want {
			t.Errorf("debug_data.%s = %q, want %q", key, got, want)
		}
	}
	var reqHeaders, respHeaders map[string]string
	_ = json.Unmarshal([]byte(debugOf(t, failed, "request_headers")), &reqHeaders)
	_ = json.Unmarshal([]byte(debugOf(t, failed, "response_headers")), &respHeaders)
	if reqHeaders["Authorization"] != "Bearer [REDACTED]" || reqHeaders["Content-Type"] != "application/json" {
		t.Errorf("request headers %v: want the token redacted", reqHeaders)
	}
	if respHeaders["x-request-id"] != "req-1" || respHeaders["content-type"] != "application/json" {
		t.Errorf("response headers %v", respHeaders)
	}
	if strings.Contains(string(failed), "s3cret") {
		t.Error("the token leaked into the payload")
	}
	if lead, eng := field(t, bodies[2], "/meta/current_user/id"), field(t, bodies[4], "/meta/current_user/id"); lead == eng {
		t.Error("the refire should be by the engineer")
	}
	if got := field(t, bodies[6], "/meta/changes/stage"); fmtJSON(got) != `["in_progress","complete"]` {
		t.Errorf("finish on success: changes %v", got)
	}
	if !strings.Contains(rep.Events[3].Note, "→ 503") || !strings.Contains(rep.Events[5].Note, "→ 201") {
		t.Errorf("notes %q %q", rep.Events[3].Note, rep.Events[5].Note)
	}
}

func TestFireTransportFailures(t *testing.T) {
	slow := newEndpoint(t, 2*time.Second, 200)
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + closed.Addr().String() + "/hook"
	closed.Close()
	tests := []struct {
		name, attrs, wantBody string
	}{
		{"timeout", "    url: " + slow.URL + "\n    timeout: 150ms\n", "timeout after 150ms"},
		{"refused", "    url: " + refused + "\n", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, bodies := play(t, integrationScenario(t, tt.attrs, "  - fire: change\n"), runs.Options{})
			if rep.Status != runs.Failed || !strings.Contains(rep.Error, "still failed after 1 call(s)") || !strings.Contains(rep.Error, "the runbook cannot go on") {
				t.Fatalf("a fire whose last call fails stops the run: %s: %s", rep.Status, rep.Error)
			}
			if got := names(t, bodies, "/attributes/type"); got != "task.started, integrations.connect, integrations.failed" {
				t.Fatalf("events %s", got)
			}
			last := bodies[2]
			if debugOf(t, last, "response_status") != "" || !strings.Contains(debugOf(t, last, "response_body"), tt.wantBody) || debugOf(t, last, "response_headers") != "{}" {
				t.Errorf("debug_data %s", field(t, last, "/meta/debug_data"))
			}
		})
	}
}

func TestFireSucceedsWithoutFinishing(t *testing.T) {
	ep := newEndpoint(t, 0, 200)
	rep, bodies := play(t, integrationScenario(t, "    url: "+ep.URL+"\n    finish_on_success: false\n    include_context: false\n", "  - fire: change\n"), runs.Options{})
	if got := names(t, bodies, "/attributes/type"); got != "task.started, integrations.connect, integrations.success" || rep.Status != runs.Succeeded {
		t.Fatalf("events %s (%s)", got, rep.Error)
	}
	if c := ep.got(); len(c) != 1 || c[0].Body != "{}" {
		t.Errorf("without context the body is {}: %+v", c)
	}
}

func TestFireWithOAuth2AndGET(t *testing.T) {
	var tokenCalls int
	var mu sync.Mutex
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tokenCalls++
		mu.Unlock()
		if id, secret, _ := r.BasicAuth(); id != "standin" || secret != "pw" || r.FormValue("grant_type") != "client_credentials" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json") // RFC 6749 5.1; without it the answer reads as a form
		fmt.Fprint(w, `{"access_token":"tok123","token_type":"bearer","expires_in":300}`)
	}))
	defer idp.Close()
	ep := newEndpoint(t, 0, 200)
	attrs := fmt.Sprintf("    url: %s/status\n    method: GET\n    auth: oauth2\n    token_url: %s\n    client_id: standin\n    client_secret: pw\n", ep.URL, idp.URL)
	rep, _ := play(t, integrationScenario(t, attrs, "  - fire: change\n"), runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatal(rep.Error)
	}
	c := ep.got()
	if len(c) != 1 || c[0].Method != "GET" || c[0].Header.Get("Authorization") != "Bearer tok123" || c[0].Body != "" || !strings.Contains(c[0].Query, "task_name=") {
		t.Fatalf("call %+v", c)
	}
	if tokenCalls != 1 {
		t.Errorf("%d token requests", tokenCalls)
	}
}

func TestCancel(t *testing.T) {
	ep := newEndpoint(t, 0, 200)
	cancelEP := newEndpoint(t, 0, 202)
	attrs := fmt.Sprintf("    url: %s\n    finish_on_success: false\n    cancelable: true\n    notify_on_cancel: true\n    cancel_url: %s/abort\n", ep.URL, cancelEP.URL)
	rep, bodies := play(t, integrationScenario(t, attrs, "  - fire: change\n  - cancel: change\n    actor: engineer\n"), runs.Options{})
	if rep.Status != runs.Succeeded {
		t.Fatal(rep.Error)
	}
	if got := names(t, bodies, "/attributes/type"); got != "task.started, integrations.connect, integrations.success, integrations.cancelled" {
		t.Fatalf("events %s", got)
	}
	c := cancelEP.got()
	if len(c) != 1 || c[0].Path != "/abort" || !strings.Contains(c[0].Body, `"action":"cancel"`) || !strings.Contains(c[0].Body, `"task_name"`) {
		t.Fatalf("cancel request %+v", c)
	}
	if !strings.Contains(rep.Events[3].Note, "cancel request POST") {
		t.Errorf("note %q", rep.Events[3].Note)
	}

	rep, _ = play(t, integrationScenario(t, "    url: "+ep.URL+"\n    finish_on_success: false\n", "  - fire: change\n  - cancel: change\n"), runs.Options{})
	if rep.Status != runs.Failed || !strings.Contains(rep.Error, "not cancelable") || !strings.Contains(rep.Error, "integration.yaml:16:5") {
		t.Errorf("cancel of a task that is not cancelable: %s", rep.Error)
	}
}

func TestRehearsal(t *testing.T) {
	ep := newEndpoint(t, 0, 200)
	steps := "  - event: run.started\n    with: {run_type: rehearsal}\n  - fire: change\n"
	rep, bodies := play(t, integrationScenario(t, "    url: "+ep.URL+"\n", steps), runs.Options{})
	if got := names(t, bodies, "/attributes/type"); got != "run.started, task.started, task.updated" || rep.Status != runs.Succeeded {
		t.Fatalf("events %s (%s)", got, rep.Error)
	}
	if len(ep.got()) != 0 {
		t.Fatal("a rehearsal called an action without execute_in_rehearsal")
	}
	_, bodies = play(t, integrationScenario(t, "    url: "+ep.URL+"\n    execute_in_rehearsal: true\n", steps), runs.Options{})
	if got := names(t, bodies, "/attributes/type"); !strings.Contains(got, "integrations.success") || len(ep.got()) != 1 {
		t.Fatalf("execute_in_rehearsal: events %s, %d calls", got, len(ep.got()))
	}
}

func TestFireNeedsAURL(t *testing.T) {
	rep, _ := play(t, integrationScenario(t, "    integration: true\n", "  - fire: change\n"), runs.Options{})
	if rep.Status != runs.Failed || !strings.Contains(rep.Error, "has no url") {
		t.Fatalf("%s", rep.Error)
	}
}

func TestBuiltinWithARealEndpoint(t *testing.T) {
	ep := newEndpoint(t, 0, http.StatusInternalServerError, http.StatusOK)
	rep, bodies := play(t, builtin(t, "cutover-runbook-integration-failure"), runs.Options{Vars: map[string]string{
		"integration_url": ep.URL + "/hook", "integration_token": "tkn",
	}})
	if rep.Status != runs.Succeeded {
		t.Fatal(rep.Error)
	}
	var integ []string
	for _, b := range bodies {
		if ev := field(t, b, "/attributes/type").(string); strings.HasPrefix(ev, "integrations.") {
			integ = append(integ, ev)
		}
	}
	if strings.Join(integ, ", ") != "integrations.connect, integrations.failed, integrations.connect, integrations.success" {
		t.Fatalf("integration events %v", integ)
	}
	if c := ep.got(); len(c) != 2 || c[1].Header.Get("Authorization") != "Bearer tkn" {
		t.Fatalf("calls %+v", c)
	}
}

// TestBuiltinStopsWhenTheEndpointKeepsFailing: the runbook does not go on
// past an integration task that never succeeds.
func TestBuiltinStopsWhenTheEndpointKeepsFailing(t *testing.T) {
	ep := newEndpoint(t, 0, http.StatusInternalServerError)
	r, err := runs.New(builtin(t, "cutover-runbook-integration-failure"), newEngine(t), runs.Options{
		Targets: []string{newReceiver(t, 200).URL}, Vars: map[string]string{"integration_url": ep.URL},
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := r.Play(t.Context())
	var serr *runs.StepError
	if rep.Status != runs.Failed || !errors.As(r.Err(), &serr) || !serr.Receiver || !strings.Contains(rep.Error, "still failed after 4 call(s)") {
		t.Fatalf("%s: %s (%v)", rep.Status, rep.Error, r.Err())
	}
	if len(ep.got()) != 4 {
		t.Errorf("%d calls, want the first and 3 refires", len(ep.got()))
	}
	for _, ev := range rep.Events {
		if ev.Entity == "smoke" && ev.Event == "task.started" {
			t.Fatal("the smoke test started although the integration task never finished")
		}
	}
}
