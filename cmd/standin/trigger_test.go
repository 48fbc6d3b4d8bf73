package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// receiver records the requests it gets and answers status.
type receiver struct {
	mu     sync.Mutex
	bodies [][]byte
	auth   []string
	srv    *httptest.Server
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.auth = append(r.auth, req.Header.Get("Authorization"))
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func TestTrigger(t *testing.T) {
	tests := []struct {
		name     string
		status   int // the receiver's answer
		args     []string
		wantCode int
		wantOut  []string
		check    func(t *testing.T, r *receiver)
	}{
		{
			name: "rocketlane counts 201 as a failure", status: http.StatusCreated,
			args: []string{"rocketlane", "TASK_CREATED"}, wantCode: 1,
			wantOut: []string{"attempt 1: POST", "201 Created", "failed"},
			check:   func(t *testing.T, r *receiver) { wantRequests(t, r, 1) },
		},
		{
			name: "set lands in the payload, typed", status: http.StatusOK,
			args: []string{"cutover", "task.updated", "--set", "meta.task.name=Switch DNS", "--set", "meta.task.id=\"77\"", "--token", "s3cret"}, wantCode: 0,
			wantOut: []string{"200 OK", "delivered"},
			check: func(t *testing.T, r *receiver) {
				wantRequests(t, r, 1)
				var p struct {
					Meta struct{ Task struct{ ID, Name string } }
				}
				if err := json.Unmarshal(r.bodies[0], &p); err != nil {
					t.Fatal(err)
				}
				if p.Meta.Task.Name != "Switch DNS" || p.Meta.Task.ID != "77" {
					t.Errorf("meta.task = %+v, want the --set values", p.Meta.Task)
				}
				if r.auth[0] != "Bearer s3cret" {
					t.Errorf("Authorization %q, want Bearer s3cret", r.auth[0])
				}
			},
		},
		{
			name: "a set the schema refuses sends nothing", status: http.StatusOK,
			args: []string{"cutover", "task.updated", "--set", "meta.task.name=42"}, wantCode: 2,
			check: func(t *testing.T, r *receiver) { wantRequests(t, r, 0) },
		},
		{
			name: "a path that is not there sends nothing", status: http.StatusOK,
			args: []string{"flexdeploy", "release-started", "--set", "payload.nope.x=1"}, wantCode: 2,
			check: func(t *testing.T, r *receiver) { wantRequests(t, r, 0) },
		},
		{
			name: "unknown event", status: http.StatusOK,
			args: []string{"rocketlane", "TASK_CRATED"}, wantCode: 2,
			check: func(t *testing.T, r *receiver) { wantRequests(t, r, 0) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := newReceiver(t, tc.status)
			code, out, errOut := cli(t, "", append(append([]string{"trigger"}, tc.args...), "--target", r.srv.URL)...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.wantCode, out, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			tc.check(t, r)
		})
	}
}

func TestTriggerWithoutTargetGoesToTheSink(t *testing.T) {
	code, out, errOut := cli(t, "", "trigger", "flexdeploy", "Release Started", "--seed", "7", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var res triggerResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	_, sample, _ := cli(t, "", "sample", "flexdeploy", "Release Started", "--seed", "7")
	var a, b any
	_ = json.Unmarshal(res.Payload, &a)
	_ = json.Unmarshal([]byte(sample), &b)
	if len(res.Deliveries) != 1 || !strings.Contains(res.Deliveries[0].URL, "/__sink/flexdeploy") ||
		len(res.Deliveries[0].Attempts) != 1 || res.Deliveries[0].Status != "delivered" {
		t.Fatalf("deliveries %+v, want one to the sink, delivered, with its attempt", res.Deliveries)
	}
	if ja, _ := json.Marshal(a); string(ja) != func() string { jb, _ := json.Marshal(b); return string(jb) }() {
		t.Errorf("trigger's payload differs from sample's for the same seed")
	}
}

func wantRequests(t *testing.T, r *receiver, n int) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bodies) != n {
		t.Fatalf("receiver got %d requests, want %d", len(r.bodies), n)
	}
}

// TestTriggerFlagsApplyToTheSink: without --target the subscription flags
// still apply, and are checked, as for a target.
func TestTriggerFlagsApplyToTheSink(t *testing.T) {
	code, _, errOut := cli(t, "", "trigger", "rocketlane", "TASK_CREATED", "--body-template", "x")
	if code != 2 || !strings.Contains(errOut, "body_template") || !strings.Contains(errOut, "embedded sink") {
		t.Fatalf("exit %d, want 2 refusing the body template for the sink:\n%s", code, errOut)
	}
	code, out, errOut := cli(t, "", "trigger", "flexdeploy", "Release Started", "--header", "X-Env:ci", "--json")
	if code != 0 || !strings.Contains(out, `"X-Env"`) {
		t.Fatalf("exit %d; the sink's attempt should carry the --header:\n%s%s", code, out, errOut)
	}
}
