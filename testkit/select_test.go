package testkit_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/testkit"
	"github.com/testcontainers/testcontainers-go"
)

// story is deliveries() and two Cutover task.updated of tasks 41 and 42,
// the second after two attempts.
func story() testkit.Deliveries {
	updated := func(id, task string, attempts int) testkit.Delivery {
		body := `{"attributes":{"type":"task.updated"},"meta":{"task":{"id":"` + task + `"}}}`
		d := delivery.Delivery{ID: id, Vendor: "cutover", Event: "task.updated", Status: delivery.Delivered, URL: "http://127.0.0.1:1/hook", AttemptCount: attempts}
		for n := 1; n <= attempts; n++ {
			d.Attempts = append(d.Attempts, delivery.Attempt{N: n, Request: &delivery.Request{Method: "POST", Body: body}, Response: &delivery.Response{Status: 200}})
		}
		return testkit.Delivery{Delivery: d}
	}
	return append(deliveries(), updated("dlv_3", "41", 1), updated("dlv_4", "42", 2))
}

func TestSelections(t *testing.T) {
	ds := story()
	updates := ds.Select(testkit.OfEvent("task-updated"))
	tests := []struct {
		name   string
		assert func(tb testing.TB)
		want   []string // empty when it passes; else parts of the message
	}{
		{"count of an event", func(tb testing.TB) { updates.AssertCount(tb, 2) }, nil},
		{"count fails", func(tb testing.TB) { updates.AssertCount(tb, 3) }, []string{"want 3 deliveries of task-updated, got 2", "> [2] cutover task.updated", "> [3] cutover task.updated", "  [0] cutover task.created"}},
		{"by field, last", func(tb testing.TB) {
			ds.Select(testkit.OfEvent("task.updated"), testkit.Where("meta.task.id", "42")).Last().AssertAttempts(tb, 2)
		}, nil},
		{"first and nth", func(tb testing.TB) {
			updates.First().AssertField(tb, "/meta/task/id", "41")
			updates.Nth(1).AssertField(tb, "meta.task.id", "42")
		}, nil},
		{"by status", func(tb testing.TB) {
			ds.Select(testkit.InStatus(testkit.Failed)).First().AssertField(tb, "data.taskId", 5)
		}, nil},
		{"by a number field", func(tb testing.TB) {
			ds.Select(testkit.Where("/data/taskId", 5.0)).AssertOrder(tb, "TASK_CREATED")
		}, nil},
		{"by vendor", func(tb testing.TB) {
			ds.Select(testkit.OfEvent("task-created"), testkit.OfVendor("rocketlane")).AssertOrder(tb, "TASK_CREATED")
		}, nil},
		{"everything", func(tb testing.TB) { ds.Select().Last().AssertStatus(tb, testkit.Delivered) }, nil},
		{"a pick fails", func(tb testing.TB) { updates.Last().AssertAttempts(tb, 1) },
			[]string{"want delivery [3] (the last task-updated) to take 1 attempt, it took 2", "> [3] cutover task.updated", "  [2] cutover task.updated"}},
		{"a pick's field", func(tb testing.TB) { updates.First().AssertField(tb, "meta.task.id", "42") },
			[]string{`delivery [2] (the first task-updated) meta.task.id: want "42", got "41"`, "> [2]"}},
		{"a pick's status", func(tb testing.TB) {
			ds.Select(testkit.OfEvent("TASK_CREATED")).Last().AssertStatus(tb, testkit.Delivered)
		},
			[]string{"want delivery [1] (the last TASK_CREATED) to be delivered, it is failed", "> [1] rocketlane TASK_CREATED"}},
		{"a pick's response", func(tb testing.TB) { updates.Nth(1).AssertResponseStatus(tb, 204) },
			[]string{"want delivery [3] (number 1 (from 0) of task-updated)'s last response to be 204, got 200"}},
		{"nothing selected", func(tb testing.TB) {
			ds.Select(testkit.OfEvent("run.started")).Last().AssertStatus(tb, testkit.Delivered)
		},
			[]string{"no delivery is the last run.started: 0 of 4 match"}},
		{"no such nth", func(tb testing.TB) { updates.Nth(2).AssertAttempts(tb, 1) },
			[]string{"no delivery is number 2 (from 0) of task-updated: 2 of 4 match", "> [2]", "> [3]"}},
		{"a field no delivery has", func(tb testing.TB) { ds.Select(testkit.Where("meta.task.id", 41)).AssertCount(tb, 1) },
			[]string{"want 1 deliveries of where meta.task.id=41, got 0"}},
		{"status of a selection", func(tb testing.TB) { ds.Select(testkit.OfEvent("task-created")).AssertStatus(tb, testkit.Delivered) },
			[]string{"want every delivery of task-created delivered: [1] is failed", "> [1] rocketlane", "  [0] cutover"}},
		{"order of a selection", func(tb testing.TB) { updates.AssertOrder(tb, "task.updated", "task.created") },
			[]string{`want events of task-updated ["task.updated", "task.created"], got ["task.updated", "task.updated"]`, "> [3]", "  [2]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rtb := newRecordingTB(t)
			capture(rtb, tc.assert)
			rep := rtb.report()
			if len(tc.want) == 0 {
				if rep != "" {
					t.Fatalf("failed: %s", rep)
				}
				return
			}
			for _, w := range tc.want {
				if !strings.Contains(rep, w) {
					t.Errorf("the message lacks %q:\n%s", w, rep)
				}
			}
		})
	}

	if d, ok := updates.Last().Delivery(); !ok || d.ID != "dlv_4" {
		t.Errorf("Last().Delivery() = %s, %v", d.ID, ok)
	}
	if _, ok := updates.Nth(5).Delivery(); ok {
		t.Error("Nth(5) of 2 found a delivery")
	}
	if got := updates.Deliveries(); updates.Len() != 2 || len(got) != 2 || got[0].ID != "dlv_3" || got[1].ID != "dlv_4" {
		t.Errorf("Deliveries() = %v", got)
	}
	rtb := newRecordingTB(t)
	capture(rtb, func(tb testing.TB) { updates.Nth(3).Must(tb); tb.Errorf("went on") })
	if !rtb.fatal || strings.Contains(rtb.report(), "went on") {
		t.Errorf("Must of nothing did not end the test: %s", rtb.report())
	}
}

// A test that fails several assertions about the same deliveries sees
// them listed once; the later failures show the offending rows only.
func TestFailuresListTheDeliveriesOnce(t *testing.T) {
	ds := story()
	rtb := newRecordingTB(t)
	capture(rtb, func(tb testing.TB) {
		ds.AssertCount(tb, 5)
		ds.AssertAttempts(tb, 3, 1)
		ds.AssertField(tb, 1, "data.taskId", 6)
		ds.AssertStatus(tb, testkit.Delivered)
	})
	if len(rtb.errs) != 4 {
		t.Fatalf("%d failures, want 4:\n%s", len(rtb.errs), rtb.report())
	}
	row0 := "[0] cutover task.created: delivered, 2 attempts, last response 200, http://127.0.0.1:1/hook [dlv_1]"
	if !strings.Contains(rtb.errs[0], row0) || !strings.Contains(rtb.errs[0], "[3] cutover task.updated") {
		t.Errorf("the first failure does not list the deliveries:\n%s", rtb.errs[0])
	}
	for i, want := range []string{"> [3] cutover task.updated", "> [1] rocketlane TASK_CREATED", "> [1] rocketlane TASK_CREATED"} {
		e := rtb.errs[i+1]
		if strings.Contains(e, row0) || !strings.Contains(e, want) || !strings.Contains(e, "listed above") {
			t.Errorf("failure %d should show only %q:\n%s", i+1, want, e)
		}
	}
	if strings.Count(rtb.report(), "[0] cutover task.created") != 1 {
		t.Errorf("the deliveries are listed more than once:\n%s", rtb.report())
	}

	// Other deliveries (here, the same ones after a change) are listed
	// again, and so is everything for another test.
	changed := story()
	changed[0].Status = testkit.Failed
	capture(rtb, func(tb testing.TB) { changed.AssertCount(tb, 1) })
	if last := rtb.errs[len(rtb.errs)-1]; !strings.Contains(last, "[0] cutover task.created: failed") || !strings.Contains(last, "[3] cutover") {
		t.Errorf("a changed list is not listed:\n%s", last)
	}
	other := newRecordingTB(t)
	capture(other, func(tb testing.TB) { ds.AssertCount(tb, 5) })
	if !strings.Contains(other.report(), row0) {
		t.Errorf("another test does not see the list:\n%s", other.report())
	}
}

func TestTypedFields(t *testing.T) {
	body := `{"n":12,"neg":-3,"big":9007199254740993,"frac":1.5,"id":"7087","ok":true,"off":false,"nil":null,
		"at":"2025-06-27T10:27:00.000Z","fd":"2020-12-16 15:12:41 -0500","ms":1751020020000,"date":"2025-06-27",
		"quirk":"2020-23-14 14:23:39 -0500","list":[{"x":7}]}`
	d := testkit.Delivery{Delivery: delivery.Delivery{ID: "dlv_t", Attempts: []delivery.Attempt{{Request: &delivery.Request{Method: "POST", Body: body}}}}}
	get := map[string]func(string) (any, error){
		"Int":  func(p string) (any, error) { return d.Int(p) },
		"Text": func(p string) (any, error) { return d.Text(p) },
		"Bool": func(p string) (any, error) { return d.Bool(p) },
		"Time": func(p string) (any, error) { return d.Time(p) },
	}
	fd := time.Date(2020, 12, 16, 15, 12, 41, 0, time.FixedZone("", -5*3600))
	tests := []struct {
		kind, path string
		want       any
		err        string
	}{
		{"Int", "n", int64(12), ""},
		{"Int", "/neg", int64(-3), ""},
		{"Int", "big", int64(9007199254740993), ""}, // past float64's exact integers
		{"Int", "list[0].x", int64(7), ""},
		{"Int", "frac", nil, "delivery dlv_t frac: want an integer, got 1.5: not a whole number"},
		{"Int", "id", nil, `want an integer, got "7087"`},
		{"Int", "nope", nil, `delivery dlv_t nope: no field "nope" at the top of the body`},
		{"Text", "id", "7087", ""},
		{"Text", "n", nil, "want a string, got 12"},
		{"Text", "nil", nil, "want a string, got null"},
		{"Bool", "ok", true, ""},
		{"Bool", "off", false, ""},
		{"Bool", "id", nil, `want a boolean, got "7087"`},
		{"Time", "at", time.Date(2025, 6, 27, 10, 27, 0, 0, time.UTC), ""},
		{"Time", "fd", fd, ""},
		{"Time", "ms", time.Date(2025, 6, 27, 10, 27, 0, 0, time.UTC), ""},
		{"Time", "date", time.Date(2025, 6, 27, 0, 0, 0, 0, time.UTC), ""},
		{"Time", "quirk", nil, "month 23: FlexDeploy's yyyy-mm-dd quirk"},
		{"Time", "id", nil, `want a time (RFC 3339`},
		{"Time", "frac", nil, "epoch milliseconds are a whole number"},
		{"Time", "ok", nil, "got true"},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.path, func(t *testing.T) {
			got, err := get[tc.kind](tc.path)
			if tc.err != "" {
				var fe *testkit.FieldError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.err) || fe.Path != tc.path {
					t.Fatalf("%s(%q) = %v, %v; want a *FieldError with %q", tc.kind, tc.path, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w, ok := tc.want.(time.Time); ok {
				if !w.Equal(got.(time.Time)) {
					t.Errorf("Time(%q) = %v, want %v", tc.path, got, w)
				}
				return
			}
			if got != tc.want {
				t.Errorf("%s(%q) = %v (%T), want %v", tc.kind, tc.path, got, got, tc.want)
			}
		})
	}

	t.Run("Must", func(t *testing.T) {
		if d.MustInt(t, "n") != 12 || d.MustText(t, "id") != "7087" || !d.MustBool(t, "ok") || d.MustTime(t, "ms").UnixMilli() != 1751020020000 {
			t.Error("a Must variant returned another value")
		}
		for _, f := range []func(tb testing.TB){
			func(tb testing.TB) { d.MustInt(tb, "id") },
			func(tb testing.TB) { d.MustText(tb, "n") },
			func(tb testing.TB) { d.MustBool(tb, "n") },
			func(tb testing.TB) { d.MustTime(tb, "quirk") },
		} {
			rtb := newRecordingTB(t)
			capture(rtb, func(tb testing.TB) { f(tb); tb.Errorf("went on") })
			if !rtb.fatal || !strings.Contains(rtb.report(), "testkit: delivery dlv_t") || strings.Contains(rtb.report(), "went on") {
				t.Errorf("reported %q", rtb.report())
			}
		}
	})
}

// WithHostNetwork is for containers only: Start's Options cannot hold it,
// while Run's customizers can.
func TestContainerOptionsAreTyped(t *testing.T) {
	opt := reflect.TypeFor[testkit.Option]()
	customizer := reflect.TypeFor[testcontainers.ContainerCustomizer]()
	for _, tc := range []struct {
		name          string
		v             any
		start, runTwo bool
	}{
		{"WithHostNetwork", testkit.WithHostNetwork(), false, true},
		{"WithSeed", testkit.WithSeed(1), true, true},
		{"WithAdminToken", testkit.WithAdminToken("x"), true, true},
	} {
		typ := reflect.TypeOf(tc.v)
		if got := typ.AssignableTo(opt); got != tc.start {
			t.Errorf("%s (%s) is an Option for Start: %v, want %v", tc.name, typ, got, tc.start)
		}
		if got := typ.Implements(customizer); got != tc.runTwo {
			t.Errorf("%s (%s) is a ContainerCustomizer for Run: %v, want %v", tc.name, typ, got, tc.runTwo)
		}
	}
}
