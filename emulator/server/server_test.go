package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
)

// start runs a standin server on a loopback port for the test.
func start(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.SelfCheck = true // the suite validates every payload
	srv := server.New(cfg)
	ts := httptest.NewServer(srv.Handler())
	srv.SetBaseURL(ts.URL)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return srv, ts.URL
}

// call makes one request and decodes a JSON answer into out (if not nil).
func call(t *testing.T, method, url, body string, out any, header ...string) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, url, err, b)
		}
	}
	return resp.StatusCode
}

type errResp struct {
	Error struct {
		Code    string          `json:"code"`
		Message string          `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// receiver is a test webhook receiver that answers statuses in turn (the
// last one repeats) and records bodies.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	bodies   []string
	headers  []http.Header
	calls    atomic.Int64
}

func newReceiver(t *testing.T, statuses ...int) (*receiver, string) {
	r := &receiver{statuses: statuses}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		n := int(r.calls.Add(1)) - 1
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		r.headers = append(r.headers, req.Header.Clone())
		st := http.StatusOK
		if len(r.statuses) > 0 {
			st = r.statuses[min(n, len(r.statuses)-1)]
		}
		r.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(ts.Close)
	return r, ts.URL
}

func TestBadInputsGetJSON4xx(t *testing.T) {
	_, base := start(t, server.Config{BodyLimit: 4096})
	big := `{"x":"` + strings.Repeat("a", 5000) + `"}`
	tests := []struct {
		name, method, path, body string
		want                     int
		wantMsg                  string
	}{
		{"unknown route", "GET", "/__admin/nope", "", 404, "no route"},
		{"unknown top route", "GET", "/favicon.ico", "", 404, "no route"},
		{"wrong method", "DELETE", "/__admin/health", "", 405, "not allowed"},
		{"subscription: bad JSON", "POST", "/__admin/subscriptions", `{"vendor":`, 400, "invalid JSON"},
		{"subscription: empty body", "POST", "/__admin/subscriptions", ``, 400, "JSON body"},
		{"subscription: not an object", "POST", "/__admin/subscriptions", `[]`, 400, "expected"},
		{"subscription: unknown field", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"http://x","colour":"red"}`, 400, "colour"},
		{"subscription: wrong type", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"http://x","events":"task.created"}`, 400, "events"},
		{"subscription: unknown vendor", "POST", "/__admin/subscriptions", `{"vendor":"jira","url":"http://x"}`, 400, "jira"},
		{"subscription: bad url", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"ftp://x"}`, 400, "url"},
		{"subscription: unknown event", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"http://x","events":["task.crated"]}`, 400, "task.created"},
		{"subscription: bad duration", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"http://x","retry":{"max_attempts":3,"initial_interval":"soon"}}`, 400, "duration"},
		{"subscription: id given", "POST", "/__admin/subscriptions", `{"id":"mine","vendor":"cutover","url":"http://x"}`, 400, "set by standin"},
		{"subscription: unknown", "GET", "/__admin/subscriptions/sub_nope", "", 404, "sub_nope"},
		{"unsubscribe: unknown", "DELETE", "/__admin/subscriptions/sub_nope", "", 404, "sub_nope"},
		{"emit: unknown vendor", "POST", "/__admin/events/jira/issue-created", "", 404, "jira"},
		{"emit: unknown event", "POST", "/__admin/events/cutover/task.crated", "", 404, `did you mean "task.created"`},
		{"emit: override not an object", "POST", "/__admin/events/cutover/task.created", `[1]`, 400, "must be a JSON object"},
		{"emit: override not JSON", "POST", "/__admin/events/cutover/task.created", `{"meta":`, 400, "invalid JSON"},
		{"emit: override breaks the schema", "POST", "/__admin/events/cutover/task.created", `{"meta":{"task":{"id":4}}}`, 422, "/meta/task/id"},
		{"emit: unreadable number", "POST", "/__admin/events/rocketlane/task-created", `{"data":{"task":{"taskId":1e10000000}}}`, 422, "/data/task/taskId"},
		{"emit: bad seed", "POST", "/__admin/events/cutover/task.created?seed=abc", "", 400, "seed"},
		{"emit: bad variant", "POST", "/__admin/events/flexdeploy/workflow-completed?variant=build", "", 400, "deploy, test"},
		{"emit: too large", "POST", "/__admin/events/cutover/task.created", big, 413, "limit"},
		{"schema: unknown", "GET", "/__admin/schemas/cutover/nope", "", 404, "nope"},
		{"deliveries: bad status", "GET", "/__admin/deliveries?status=done", "", 400, "status"},
		{"deliveries: unknown vendor", "GET", "/__admin/deliveries?vendor=jira", "", 400, "jira"},
		{"deliveries: unknown event", "GET", "/__admin/deliveries?event=nope", "", 400, "nope"},
		{"deliveries: attempts not a bool", "GET", "/__admin/deliveries?attempts=all", "", 400, "want true or false"},
		{"wait: attempts not a bool", "GET", "/__admin/deliveries/wait?attempts=2", "", 400, "attempts"},
		{"wait: bad count", "GET", "/__admin/deliveries/wait?count=0", "", 400, "count"},
		{"wait: bad timeout", "GET", "/__admin/deliveries/wait?timeout=forever", "", 400, "timeout"},
		{"delivery: unknown", "GET", "/__admin/deliveries/dlv_nope", "", 404, "dlv_nope"},
		{"redeliver: unknown", "POST", "/__admin/deliveries/dlv_nope/redeliver", "", 404, "dlv_nope"},
		{"events: unknown vendor", "GET", "/__admin/events?vendor=jira", "", 400, "jira"},
		{"sink: bad status", "POST", "/__sink/x?status=999", "", 400, "status"},
		{"run: neither scenario nor script", "POST", "/__admin/runs", `{"seed":1}`, 400, "scenario"},
		{"run: both", "POST", "/__admin/runs", `{"scenario":"x","script":"y"}`, 400, "not both"},
		{"run: unknown built-in", "POST", "/__admin/runs", `{"scenario":"cutover-runbook"}`, 404, "cutover-runbook-integration-failure"},
		{"run: broken script", "POST", "/__admin/runs", `{"script":"name: x\nvendor: cutover\nsteps:\n  - event: task.crated\n"}`, 422, "script:4:12"},
		{"run: unknown var", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","vars":{"outcom":"rejected"}}`, 400, "did you mean outcome"},
		{"run: bad var type", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","vars":{"outcome":{"a":1}}}`, 400, "vars.outcome"},
		{"run: bad target", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","targets":["ftp://x"]}`, 400, "target ftp://x"},
		{"run: bad time scale", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","time_scale":-1}`, 400, "time scale"},
		{"run: subscription without targets", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","subscription":{"retry":{"max_attempts":2}}}`, 400, "targets"},
		{"run: unknown field", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","speed":2}`, 400, "speed"},
		{"run: unknown", "GET", "/__admin/runs/run_nope", "", 404, "run_nope"},
		{"run: bad wait", "GET", "/__admin/runs/run_nope?wait=soon", "", 404, "run_nope"},
		{"runs: bad status", "GET", "/__admin/runs?status=done", "", 400, "status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e errResp
			got := call(t, tt.method, base+tt.path, tt.body, &e)
			if got != tt.want {
				t.Fatalf("status %d, want %d (%+v)", got, tt.want, e)
			}
			if e.Error.Code == "" || !strings.Contains(e.Error.Message, tt.wantMsg) {
				t.Fatalf("error %+v does not mention %q", e.Error, tt.wantMsg)
			}
		})
	}
}

func TestHealthAndCatalog(t *testing.T) {
	_, base := start(t, server.Config{Version: "v9"})
	var h map[string]string
	if call(t, "GET", base+"/__admin/health", "", &h) != 200 || h["status"] != "ok" || h["version"] != "v9" {
		t.Fatalf("health %v", h)
	}
	var evs []map[string]any
	if call(t, "GET", base+"/__admin/events", "", &evs) != 200 || len(evs) != 50 {
		t.Fatalf("%d events", len(evs))
	}
	inferred := 0
	for _, e := range evs {
		if e["inferred"] == true && e["note"] != "" {
			inferred++
		}
	}
	if inferred != 6 {
		t.Errorf("%d events marked inferred, want FlexDeploy's 6", inferred)
	}
	var schema map[string]any
	if call(t, "GET", base+"/__admin/schemas/flexdeploy/Release%20Started", "", &schema) != 200 || schema["$id"] != "https://standin.dev/schemas/flexdeploy/release-started.schema.json" {
		t.Fatalf("schema %v", schema["$id"])
	}
}

type emitted struct {
	EventID    string          `json:"event_id"`
	Payload    json.RawMessage `json:"payload"`
	Deliveries []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"deliveries"`
}

type deliveryDoc struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Event        string `json:"event"`
	Subscription string `json:"subscription"`
	Error        string `json:"error"`
	AttemptCount int    `json:"attempt_count"`
	Attempts     []struct {
		Request struct {
			Method string `json:"method"`
			Body   string `json:"body"`
		} `json:"request"`
		Response *struct {
			Status int `json:"status"`
		} `json:"response"`
		Error string `json:"error"`
	} `json:"attempts"`
}

func subscribe(t *testing.T, base, body string) string {
	t.Helper()
	var sub struct{ ID string }
	var e errResp
	if got := call(t, "POST", base+"/__admin/subscriptions", body, &sub); got != 201 {
		call(t, "POST", base+"/__admin/subscriptions", body, &e)
		t.Fatalf("subscribe: status %d: %+v", got, e)
	}
	return sub.ID
}

func wait(t *testing.T, base, query string) []deliveryDoc {
	t.Helper()
	var ds []deliveryDoc
	if got := call(t, "GET", base+"/__admin/deliveries/wait?"+query, "", &ds); got != 200 {
		t.Fatalf("wait %s: status %d", query, got)
	}
	return ds
}

// TestListingWithAttempts: ?attempts=true lists (and waits for) each
// delivery with the attempts its own GET shows; without it the listing
// leaves them out.
func TestListingWithAttempts(t *testing.T) {
	_, base := start(t, server.Config{})
	_, url := newReceiver(t, 500, 200)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q,"events":["task.created","task.started"],"retry":{"max_attempts":2,"initial_interval":"1ms"}}`, url))
	call(t, "POST", base+"/__admin/events/cutover/task.created", "", nil)
	call(t, "POST", base+"/__admin/events/cutover/task.started", "", nil)
	waited := wait(t, base, "count=2&timeout=10s&attempts=true")

	var plain, listed []json.RawMessage
	call(t, "GET", base+"/__admin/deliveries", "", &plain)
	call(t, "GET", base+"/__admin/deliveries?attempts=true", "", &listed)
	if len(plain) != 2 || len(listed) != 2 || len(waited) != 2 {
		t.Fatalf("%d, %d and %d deliveries, want 2 each", len(plain), len(listed), len(waited))
	}
	for i := range listed {
		var d struct {
			ID       string            `json:"id"`
			Attempts []json.RawMessage `json:"attempts"`
		}
		var bare map[string]json.RawMessage
		if err := json.Unmarshal(listed[i], &d); err != nil || json.Unmarshal(plain[i], &bare) != nil {
			t.Fatal(err)
		}
		if _, ok := bare["attempts"]; ok {
			t.Errorf("the plain listing has attempts: %s", plain[i])
		}
		var detail struct {
			Attempts []json.RawMessage `json:"attempts"`
		}
		call(t, "GET", base+"/__admin/deliveries/"+d.ID, "", &detail)
		same := len(d.Attempts) > 0 && len(d.Attempts) == len(detail.Attempts)
		for k := 0; same && k < len(d.Attempts); k++ {
			same = bytes.Equal(d.Attempts[k], detail.Attempts[k])
		}
		if !same {
			t.Errorf("delivery %s: listed attempts\n%s\nits own GET\n%s", d.ID, d.Attempts, detail.Attempts)
		}
		if len(waited[i].Attempts) != len(detail.Attempts) {
			t.Errorf("delivery %s: wait gave %d attempts, its own GET %d", d.ID, len(waited[i].Attempts), len(detail.Attempts))
		}
	}
}

func TestOverrideIsMergedAndDelivered(t *testing.T) {
	_, base := start(t, server.Config{})
	rcv, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q,"events":["task.updated"]}`, url))
	var em emitted
	// <, > and & would be escaped if the answer encoded the payload again.
	override := `{"meta":{"task":{"name":"Switch DNS <approved> & go"}}}`
	if got := call(t, "POST", base+"/__admin/events/cutover/task-updated", override, &em); got != 202 {
		t.Fatalf("emit status %d", got)
	}
	if !bytes.Contains(em.Payload, []byte(`"name":"Switch DNS <approved> & go"`)) || len(em.Deliveries) != 1 {
		t.Fatalf("emit answer: %s", em.Payload)
	}
	ds := wait(t, base, "count=1&timeout=5s&subscription=&event=task.updated")
	if ds[0].Status != "delivered" {
		t.Fatalf("delivery %+v", ds[0])
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bodies) != 1 || rcv.bodies[0] != string(em.Payload) {
		t.Fatalf("receiver got %q, want the emitted payload %s", rcv.bodies, em.Payload)
	}
	if ct := rcv.headers[0].Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestRetriesUntilDelivered(t *testing.T) {
	_, base := start(t, server.Config{})
	rcv, url := newReceiver(t, 500, 503, 200)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"flexdeploy","url":%q,"retry":{"max_attempts":5,"initial_interval":"5ms","max_interval":"20ms","multiplier":2}}`, url))
	var em emitted
	call(t, "POST", base+"/__admin/events/flexdeploy/release-started", "", &em)
	wait(t, base, "count=1&timeout=5s")
	var d deliveryDoc
	if call(t, "GET", base+"/__admin/deliveries/"+em.Deliveries[0].ID, "", &d) != 200 {
		t.Fatal("get delivery")
	}
	if d.Status != "delivered" || len(d.Attempts) != 3 || rcv.calls.Load() != 3 {
		t.Fatalf("status %s, %d attempts, %d calls; want delivered after 3", d.Status, len(d.Attempts), rcv.calls.Load())
	}
	for i, want := range []int{500, 503, 200} {
		if d.Attempts[i].Response == nil || d.Attempts[i].Response.Status != want {
			t.Errorf("attempt %d: %+v, want status %d", i+1, d.Attempts[i], want)
		}
	}
}

func TestRocketlaneTreats201AsFailure(t *testing.T) {
	_, base := start(t, server.Config{})
	_, url := newReceiver(t, 201)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, url))
	call(t, "POST", base+"/__admin/events/rocketlane/TASK_CREATED", "", nil)
	ds := wait(t, base, "count=1&timeout=5s&vendor=rocketlane")
	if ds[0].Status != "failed" || !strings.Contains(ds[0].Error, "201") {
		t.Fatalf("delivery %+v, want failed over the 201", ds[0])
	}
	var failed []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries?status=failed", "", &failed)
	if len(failed) != 1 {
		t.Fatalf("%d failed deliveries listed", len(failed))
	}
}

func TestWithoutSubscriptionsEventsGoToTheSink(t *testing.T) {
	_, base := start(t, server.Config{})
	var em emitted
	call(t, "POST", base+"/__admin/events/cutover/run.started", "", &em)
	wait(t, base, "count=1&timeout=5s")
	var got []struct {
		Method, Body string
	}
	call(t, "GET", base+"/__admin/sink/cutover", "", &got)
	if len(got) != 1 || got[0].Method != "POST" || got[0].Body != string(em.Payload) {
		t.Fatalf("sink holds %+v", got)
	}
	// Once the user subscribes, the sink no longer gets the vendor's events.
	_, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, url))
	call(t, "POST", base+"/__admin/events/cutover/run.started", "", &em)
	if len(em.Deliveries) != 1 {
		t.Fatalf("%d deliveries, want only the user's subscription", len(em.Deliveries))
	}
	wait(t, base, "count=2&timeout=5s")
	call(t, "GET", base+"/__admin/sink/cutover", "", &got)
	if len(got) != 1 {
		t.Fatalf("sink got %d requests after a subscription was added", len(got))
	}
}

func TestWaitTimesOutWith408AndWhatWasSeen(t *testing.T) {
	_, base := start(t, server.Config{})
	var e errResp
	if got := call(t, "GET", base+"/__admin/deliveries/wait?count=2&timeout=50ms", "", &e); got != 408 {
		t.Fatalf("status %d", got)
	}
	if e.Error.Code != "timeout" || !strings.Contains(e.Error.Message, "0 of 2") || !bytes.Contains(e.Error.Details, []byte(`"seen"`)) {
		t.Fatalf("error %+v", e.Error)
	}
}

func TestConcurrentEmitsAreEachDeliveredOnce(t *testing.T) {
	_, base := start(t, server.Config{})
	rcv, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, url))
	const n = 300
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(base+"/__admin/events/rocketlane/task-created", "application/json", nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 202 {
				t.Errorf("emit status %d", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	ds := wait(t, base, fmt.Sprintf("count=%d&timeout=20s", n))
	if len(ds) != n {
		t.Fatalf("%d deliveries, want %d", len(ds), n)
	}
	ids := map[string]int{}
	rcv.mu.Lock()
	for _, h := range rcv.headers {
		ids[h.Get("X-Standin-Delivery")]++
	}
	rcv.mu.Unlock()
	for _, d := range ds {
		if d.Status != "delivered" || ids[d.ID] != 1 {
			t.Fatalf("delivery %s: status %s, received %d times", d.ID, d.Status, ids[d.ID])
		}
	}
}

func TestAdminToken(t *testing.T) {
	_, base := start(t, server.Config{AdminToken: "s3cret"})
	if got := call(t, "GET", base+"/__admin/health", "", nil); got != 200 {
		t.Errorf("health needs no token, got %d", got)
	}
	var e errResp
	if got := call(t, "GET", base+"/__admin/events", "", &e); got != 401 || e.Error.Code != "unauthorized" {
		t.Errorf("no token: %d %+v", got, e)
	}
	if got := call(t, "GET", base+"/__admin/events", "", nil, "Authorization", "Bearer wrong"); got != 401 {
		t.Errorf("wrong token: %d", got)
	}
	if got := call(t, "GET", base+"/__admin/events", "", nil, "Authorization", "Bearer s3cret"); got != 200 {
		t.Errorf("right token: %d", got)
	}
}

func TestSecretsAreNotListed(t *testing.T) {
	_, base := start(t, server.Config{})
	subscribe(t, base, `{"vendor":"cutover","url":"http://127.0.0.1:1/x","auth":{"type":"token","token_type":"Bearer","token":"abc123"}}`)
	var subs []map[string]any
	call(t, "GET", base+"/__admin/subscriptions", "", &subs)
	b, _ := json.Marshal(subs)
	if len(subs) != 1 || bytes.Contains(b, []byte("abc123")) {
		t.Fatalf("subscriptions listing: %s", b)
	}
}

func TestRedeliverAndReset(t *testing.T) {
	_, base := start(t, server.Config{})
	rcv, url := newReceiver(t, 500, 200)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, url))
	var em emitted
	call(t, "POST", base+"/__admin/events/cutover/task.started", "", &em)
	ds := wait(t, base, "count=1&timeout=5s")
	if ds[0].Status != "failed" {
		t.Fatalf("first delivery %+v", ds[0])
	}
	if got := call(t, "POST", base+"/__admin/deliveries/"+ds[0].ID+"/redeliver", "", nil); got != 202 {
		t.Fatalf("redeliver status %d", got)
	}
	ds = wait(t, base, "count=1&timeout=5s&status=delivered")
	if ds[0].AttemptCount != 2 || rcv.calls.Load() != 2 {
		t.Fatalf("after redelivery: %+v, %d calls", ds[0], rcv.calls.Load())
	}
	call(t, "POST", base+"/__admin/reset", "", nil)
	var all []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries", "", &all)
	if len(all) != 0 {
		t.Fatalf("%d deliveries after reset", len(all))
	}
}

func TestMetrics(t *testing.T) {
	_, base := start(t, server.Config{})
	call(t, "POST", base+"/__admin/events/cutover/task.created", "", nil)
	wait(t, base, "count=1&timeout=5s")
	want := []string{
		`standin_events_emitted_total{event="task.created",vendor="cutover"} 1`,
		`standin_deliveries_total{status="delivered",vendor="cutover"} 1`,
		`standin_attempt_duration_seconds_count{outcome="success",vendor="cutover"} 1`,
	}
	// Metrics are counted just after a delivery turns final, so a scrape
	// right after the wait may come a moment early.
	var b []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		resp, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := 0
		for _, w := range want {
			if !bytes.Contains(b, []byte(w)) {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
	}
	for _, w := range want {
		if !bytes.Contains(b, []byte(w)) {
			t.Errorf("metrics lack %s", w)
		}
	}
}

func TestShutdownRecordsInFlightAttempts(t *testing.T) {
	srv, base := start(t, server.Config{})
	release := make(chan struct{})
	blocking := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer blocking.Close()
	defer close(release)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, blocking.URL))
	var em emitted
	call(t, "POST", base+"/__admin/events/cutover/task.created", "", &em)
	time.Sleep(50 * time.Millisecond) // let the attempt start
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); err == nil {
		t.Fatal("Shutdown with an attempt stuck in flight returned no error")
	}
	d, ok := srv.Engine().Delivery(em.Deliveries[0].ID)
	if !ok || d.Status != "failed" || !strings.Contains(d.Error, "shutdown") {
		t.Fatalf("in-flight delivery after shutdown: %+v", d)
	}
}

func TestRunsPlayScenariosOnTheServer(t *testing.T) {
	_, base := start(t, server.Config{})
	rc, url := newReceiver(t)
	var started struct{ ID, Status string }
	body := fmt.Sprintf(`{"scenario":"flexdeploy-release-pipeline","seed":3,"vars":{"outcome":"rejected"},"targets":[%q]}`, url)
	if code := call(t, "POST", base+"/__admin/runs", body, &started); code != 202 || started.ID == "" {
		t.Fatalf("start: %d %+v", code, started)
	}
	var rep struct {
		ID, Scenario, Status, Error string
		Events                      []struct {
			Event   string          `json:"event"`
			Payload json.RawMessage `json:"payload"`
		}
		Deliveries struct{ Total, Delivered, Failed int }
	}
	if code := call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=20s", "", &rep); code != 200 {
		t.Fatalf("get: %d", code)
	}
	if rep.Status != "succeeded" || rep.Deliveries.Delivered != len(rep.Events) || len(rep.Events) == 0 {
		t.Fatalf("run %+v", rep)
	}
	if last := rep.Events[len(rep.Events)-1]; last.Event != "Pipeline Stage Completed" || !strings.Contains(string(last.Payload), `"executionStatus":"REJECTED"`) {
		t.Errorf("a rejected gate should end with the PROD stage rejected, got %s %s", last.Event, last.Payload)
	}
	rc.mu.Lock()
	n := len(rc.bodies)
	rc.mu.Unlock()
	if n != len(rep.Events) {
		t.Errorf("the receiver got %d bodies for %d events", n, len(rep.Events))
	}
	var ds []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries?run="+started.ID, "", &ds)
	if len(ds) != n {
		t.Errorf("%d deliveries listed for the run, want %d", len(ds), n)
	}
	var subs []map[string]any
	call(t, "GET", base+"/__admin/subscriptions", "", &subs)
	for _, s := range subs {
		if s["run"] == started.ID {
			t.Errorf("the run's target subscription outlived the run: %v", s)
		}
	}
	var list []map[string]any
	if call(t, "GET", base+"/__admin/runs?status=succeeded", "", &list) != 200 || len(list) != 1 || list[0]["id"] != started.ID {
		t.Errorf("runs list %v", list)
	}
}

func TestRunsWithoutTargetsGoToSubscriptions(t *testing.T) {
	_, base := start(t, server.Config{})
	rc, url := newReceiver(t, 201)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, url))
	script := "name: two\nvendor: rocketlane\nsteps:\n  - event: PROJECT_CREATED\n  - event: PROJECT_ARCHIVED\n"
	var started struct {
		ID    string
		Error any
	}
	req, _ := json.Marshal(map[string]string{"script": script})
	if code := call(t, "POST", base+"/__admin/runs", string(req), &started); code != 202 {
		t.Fatalf("start: %d %v", code, started.Error)
	}
	var rep struct{ Status, Error string }
	call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=20s", "", &rep)
	if rep.Status != "failed" || !strings.Contains(rep.Error, "2 of 2 deliveries failed") || !strings.Contains(rep.Error, "status 201") {
		t.Fatalf("a Rocketlane receiver answering 201 should fail the run: %+v", rep)
	}
	if int(rc.calls.Load()) != 2 {
		t.Errorf("receiver called %d times", rc.calls.Load())
	}
}

func TestManyRunsAtOnce(t *testing.T) {
	_, base := start(t, server.Config{})
	rc, url := newReceiver(t)
	names := []string{"cutover-runbook-integration-failure", "flexdeploy-release-pipeline", "rocketlane-project-onboarding"}
	const n = 12
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var started struct{ ID string }
			body := fmt.Sprintf(`{"scenario":%q,"seed":%d,"targets":[%q]}`, names[i%3], i, url)
			if code := call(t, "POST", base+"/__admin/runs", body, &started); code != 202 {
				t.Errorf("start %d: %d", i, code)
			}
			ids[i] = started.ID
		}()
	}
	wg.Wait()
	total := 0
	for i, id := range ids {
		var rep struct {
			Status, Error string
			Events        []json.RawMessage
			Deliveries    struct{ Delivered int }
		}
		call(t, "GET", base+"/__admin/runs/"+id+"?wait=30s", "", &rep)
		if rep.Status != "succeeded" || rep.Deliveries.Delivered != len(rep.Events) {
			t.Errorf("run %d (%s): %s %s, %d of %d delivered", i, names[i%3], rep.Status, rep.Error, rep.Deliveries.Delivered, len(rep.Events))
		}
		var ds []deliveryDoc
		call(t, "GET", base+"/__admin/deliveries?run="+id, "", &ds)
		if len(ds) != len(rep.Events) {
			t.Errorf("run %d: %d deliveries listed for %d events", i, len(ds), len(rep.Events))
		}
		total += len(rep.Events)
	}
	if got := int(rc.calls.Load()); got != total {
		t.Errorf("the receiver got %d requests for %d events", got, total)
	}
}

func TestErrorsAreJSONEverywhere(t *testing.T) {
	_, base := start(t, server.Config{})
	for _, tt := range []struct {
		method, path string
		want         int
		body         string
	}{
		{"GET", "/__admin/subscriptions/", 404, `"code":"not_found"`},
		{"GET", "/metrics/", 404, `"code":"not_found"`},
		{"DELETE", "/cutover/core/runbooks/1", 405, `"code":"method_not_allowed"`},
		{"POST", "/__admin/events/jira/issue-created", 404, `"code":"unknown_vendor"`},
		{"POST", "/__admin/subscriptions", 400, `expected an array, got JSON string`},
	} {
		body := ""
		if tt.method == "POST" && tt.path == "/__admin/subscriptions" {
			body = `{"vendor":"cutover","url":"http://x","events":"task.created"}`
		}
		req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want || !strings.Contains(string(b), tt.body) || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d %s %s", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
}

func TestRunTargetsOnly(t *testing.T) {
	_, base := start(t, server.Config{})
	other, otherURL := newReceiver(t, 201)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, otherURL))
	_, target := newReceiver(t)
	var started struct{ ID string }
	call(t, "POST", base+"/__admin/runs", fmt.Sprintf(`{"scenario":"rocketlane-project-onboarding","targets":[%q]}`, target), &started)
	var rep struct {
		Status, Error string
		Deliveries    struct{ Total, Delivered int }
	}
	call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=20s", "", &rep)
	if rep.Status != "succeeded" || rep.Deliveries.Total != 20 || other.calls.Load() != 0 {
		t.Fatalf("a run with targets delivers to them only: %+v; the other subscription got %d", rep, other.calls.Load())
	}
}

// TestReadmeSubscriptionExample posts the README's full subscription.
func TestReadmeSubscriptionExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(readme)
	i := strings.Index(s, "A subscription:\n")
	from := strings.Index(s[i:], "```json\n") + i + len("```json\n")
	to := strings.Index(s[from:], "```") + from
	_, base := start(t, server.Config{})
	var sub map[string]any
	if code := call(t, "POST", base+"/__admin/subscriptions", s[from:to], &sub); code != 201 {
		t.Fatalf("%d %v", code, sub)
	}
	if secret, _ := sub["auth"].(map[string]any)["client_secret"].(string); !strings.HasPrefix(secret, "***sha256:") {
		t.Errorf("the secret is listed: %v", sub["auth"])
	}
	if h := sub["headers"].(map[string]any); h["X-Env"] != "ci" || !strings.HasPrefix(h["X-Tenant"].(string), "***sha256:") {
		t.Errorf("headers listed as %v: X-Tenant is in secret_headers", h)
	}
}
