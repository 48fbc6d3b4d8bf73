package testkit_test

import (
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/testkit"
)

// deliveries builds a listing by hand: a delivered Cutover task.created
// after two attempts, and a failed Rocketlane TASK_CREATED.
func deliveries() testkit.Deliveries {
	resp := func(code int) *delivery.Response { return &delivery.Response{Status: code} }
	body := `{"attributes":{"type":"task.created"},"meta":{"task":{"id":"7087","tags":["a","b/c"],"n":12}}}`
	return testkit.Deliveries{
		{Delivery: delivery.Delivery{ID: "dlv_1", Vendor: "cutover", Event: "task.created", Status: delivery.Delivered, URL: "http://127.0.0.1:1/hook", AttemptCount: 2,
			Attempts: []delivery.Attempt{
				{N: 1, Request: &delivery.Request{Method: "POST", Body: body}, Response: resp(500)},
				{N: 2, Request: &delivery.Request{Method: "POST", Body: body}, Response: resp(200), Success: true},
			}}},
		{Delivery: delivery.Delivery{ID: "dlv_2", Vendor: "rocketlane", Event: "TASK_CREATED", Status: delivery.Failed, URL: "http://127.0.0.1:2/rl", AttemptCount: 1,
			Error: "connection refused",
			Attempts: []delivery.Attempt{
				{N: 1, Request: &delivery.Request{Method: "POST", Body: `{"eventType":"TASK_CREATED","data":{"taskId":5}}`}, Error: "connection refused"},
			}}},
	}
}

func TestAssertions(t *testing.T) {
	ds := deliveries()
	tests := []struct {
		name   string
		assert func(tb testing.TB)
		want   string // "" when it passes; else part of the message
	}{
		{"count", func(tb testing.TB) { ds.AssertCount(tb, 2) }, ""},
		{"count fails", func(tb testing.TB) { ds.AssertCount(tb, 3) }, "want 3 deliveries, got 2"},
		{"order by name and slug", func(tb testing.TB) { ds.AssertOrder(tb, "task-created", "task_created") }, ""},
		{"order fails", func(tb testing.TB) { ds.AssertOrder(tb, "task.started", "TASK_CREATED") }, `want events ["task.started", "TASK_CREATED"], got ["task.created", "TASK_CREATED"]`},
		{"order fails on length", func(tb testing.TB) { ds.AssertOrder(tb, "task.created") }, "want events"},
		{"status", func(tb testing.TB) { ds[:1].AssertStatus(tb, testkit.Delivered) }, ""},
		{"status fails", func(tb testing.TB) { ds.AssertStatus(tb, testkit.Delivered) }, "[1] is failed"},
		{"status of nothing", func(tb testing.TB) { testkit.Deliveries{}.AssertStatus(tb, testkit.Delivered) }, "got none"},
		{"attempts", func(tb testing.TB) { ds.AssertAttempts(tb, 0, 2) }, ""},
		{"attempts fail", func(tb testing.TB) { ds.AssertAttempts(tb, 1, 3) }, "want delivery [1] to take 3 attempts, it took 1"},
		{"no such delivery", func(tb testing.TB) { ds.AssertAttempts(tb, 5, 1) }, "no delivery [5]: there are 2"},
		{"response status", func(tb testing.TB) { ds.AssertResponseStatus(tb, 0, 200) }, ""},
		{"response status fails", func(tb testing.TB) { ds.AssertResponseStatus(tb, 0, 204) }, "want delivery [0]'s last response to be 204, got 200"},
		{"no response", func(tb testing.TB) { ds.AssertResponseStatus(tb, 1, 200) }, "it got no response"},
		{"field by pointer", func(tb testing.TB) { ds.AssertField(tb, 0, "/meta/task/id", "7087") }, ""},
		{"field by dotted path", func(tb testing.TB) { ds.AssertField(tb, 0, "meta.task.tags[1]", "b/c") }, ""},
		{"field by $ path", func(tb testing.TB) { ds.AssertField(tb, 0, "$.meta.task.tags.0", "a") }, ""},
		{"number field", func(tb testing.TB) { ds.AssertField(tb, 1, "data.taskId", 5) }, ""},
		{"number field as float", func(tb testing.TB) { ds.AssertField(tb, 0, "/meta/task/n", 12.0) }, ""},
		{"object field", func(tb testing.TB) {
			ds.AssertField(tb, 1, "/data", map[string]int{"taskId": 5})
		}, ""},
		{"field differs", func(tb testing.TB) { ds.AssertField(tb, 0, "/meta/task/id", 7087) }, `delivery [0] /meta/task/id: want 7087, got "7087"`},
		{"field missing", func(tb testing.TB) { ds.AssertField(tb, 0, "/meta/task/idd", "x") }, `no field "idd" at /meta/task (it has id, n, tags)`},
		{"index out of range", func(tb testing.TB) { ds.AssertField(tb, 0, "meta.task.tags[2]", "x") }, `no element "2" at /meta/task/tags (an array of 2)`},
		{"into a string", func(tb testing.TB) { ds.AssertField(tb, 0, "meta.task.id.x", "x") }, `it is "7087", not an object or array`},
		{"bad path", func(tb testing.TB) { ds.AssertField(tb, 0, "meta..task", "x") }, "empty field name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rtb := newRecordingTB(t)
			capture(rtb, tc.assert)
			rep := rtb.report()
			if tc.want == "" {
				if rep != "" {
					t.Fatalf("failed: %s", rep)
				}
				return
			}
			if !strings.Contains(rep, tc.want) {
				t.Fatalf("the message lacks %q:\n%s", tc.want, rep)
			}
			// Every failure lists what was delivered.
			for _, line := range []string{
				"[0] cutover task.created: delivered, 2 attempts, last response 200, http://127.0.0.1:1/hook [dlv_1]",
				`[1] rocketlane TASK_CREATED: failed, 1 attempt, http://127.0.0.1:2/rl, error "connection refused" [dlv_2]`,
			} {
				if tc.name != "status of nothing" && !strings.Contains(rep, line) {
					t.Errorf("the message does not list %q:\n%s", line, rep)
				}
			}
		})
	}
}

func TestDeliveryHelpers(t *testing.T) {
	ds := deliveries()
	if got := ds.Events(); len(got) != 2 || got[0] != "task.created" || got[1] != "TASK_CREATED" {
		t.Errorf("Events() = %q", got)
	}
	v, err := ds[0].Field("meta.task.n")
	if err != nil || v != 12.0 {
		t.Errorf("Field = %v (%T), %v", v, v, err)
	}
	if _, err := (testkit.Delivery{}).Field("/x"); err == nil || !strings.Contains(err.Error(), "no attempt yet") {
		t.Errorf("Field of an unattempted delivery: %v", err)
	}
	get := testkit.Delivery{Delivery: delivery.Delivery{ID: "dlv_g", Attempts: []delivery.Attempt{{Request: &delivery.Request{Method: "GET"}}}}}
	if _, err := get.Field("/x"); err == nil || !strings.Contains(err.Error(), "sent no body (GET)") {
		t.Errorf("Field of a GET delivery: %v", err)
	}
	if s := (testkit.Deliveries{}).String(); !strings.Contains(s, "no deliveries") {
		t.Errorf("String() of none = %q", s)
	}
}
