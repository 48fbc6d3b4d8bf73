package delivery

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// collect reads changes until the listener has given n, or fails.
func collect(t *testing.T, l interface{ C() <-chan Change }, n int) []Change {
	t.Helper()
	var out []Change
	for len(out) < n {
		out = append(out, recv(t, l.C(), fmt.Sprintf("change %d of %d (have %s)", len(out)+1, n, kinds(out))))
	}
	return out
}

// kinds writes changes as kind:status[:attempt n] for comparison.
func kinds(cs []Change) string {
	var parts []string
	for _, c := range cs {
		s := string(c.Kind) + ":" + string(c.Delivery.Status)
		if c.Attempt != nil {
			s += fmt.Sprintf(":%d", c.Attempt.N)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestChangeFeedReportsEachStepInOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		failures int
		retry    Retry
		dup      bool
		want     string
	}{
		{"delivered at once", 0, Retry{}, false,
			"created:pending attempt:pending:1 status:delivered"},
		{"failed without retry", 5, Retry{}, false,
			"created:pending attempt:pending:1 status:failed"},
		{"retried then delivered", 2, Retry{MaxAttempts: 3, InitialInterval: Duration(time.Millisecond)}, false,
			"created:pending attempt:pending:1 status:retrying attempt:retrying:2 status:retrying attempt:retrying:3 status:delivered"},
		{"duplicate adds an attempt", 0, Retry{}, true,
			"created:pending attempt:pending:1 attempt:pending:2 status:delivered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n < tc.failures {
					w.WriteHeader(http.StatusBadGateway)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			e := newEngine(t, Config{})
			mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Retry: tc.retry, Faults: Faults{Duplicate: tc.dup}})
			l := e.Listen(Filter{}, 64)
			defer l.Close()
			d := oneDelivery(t, e, event("cutover", "task.created"))
			n := strings.Count(tc.want, " ") + 1
			got := collect(t, l, n)
			if kinds(got) != tc.want {
				t.Fatalf("changes\n %s\nwant\n %s", kinds(got), tc.want)
			}
			for i, c := range got {
				if c.Delivery.ID != d.ID || c.Delivery.Attempts != nil {
					t.Errorf("change %d: delivery %s with %d attempts inline", i, c.Delivery.ID, len(c.Delivery.Attempts))
				}
				if c.Attempt != nil {
					// The attempt is the one the log keeps, headers and all.
					want := d.Attempts[c.Attempt.N-1]
					if c.Attempt.StartedAt != want.StartedAt || c.Attempt.Request.Headers.Get(DeliveryHeader) != d.ID ||
						c.Attempt.Response == nil || c.Attempt.Response.Status != want.Response.Status {
						t.Errorf("attempt %d differs from the log's: %+v vs %+v", c.Attempt.N, c.Attempt, want)
					}
					if c.Delivery.AttemptCount < c.Attempt.N {
						t.Errorf("attempt %d reported with attempt_count %d", c.Attempt.N, c.Delivery.AttemptCount)
					}
				}
			}
			// Redelivering reports the delivery pending again.
			if _, err := e.Redeliver(context.Background(), d.ID); err != nil {
				t.Fatal(err)
			}
			if c := collect(t, l, 1)[0]; c.Kind != StatusChanged || c.Delivery.Status != Pending {
				t.Fatalf("after redeliver: %s", kinds([]Change{c}))
			}
		})
	}
}

func TestChangeFeedFilters(t *testing.T) {
	ok := newReceiver(t, nil)
	bad := newReceiver(t, status(http.StatusInternalServerError))
	e := newEngine(t, Config{})
	cut := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: ok.URL})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: bad.URL})
	for _, tc := range []struct {
		name string
		f    Filter
		want string // vendor/event/kind:status, space-separated
	}{
		{"everything", Filter{},
			"cutover/task.created/created:pending cutover/task.created/attempt:pending cutover/task.created/status:delivered " +
				"rocketlane/TASK_CREATED/created:pending rocketlane/TASK_CREATED/attempt:pending rocketlane/TASK_CREATED/status:failed"},
		{"by vendor", Filter{Vendor: "Rocketlane"},
			"rocketlane/TASK_CREATED/created:pending rocketlane/TASK_CREATED/attempt:pending rocketlane/TASK_CREATED/status:failed"},
		{"by slug matches both vendors", Filter{Event: "task-created", Run: "r2"},
			"cutover/task.created/created:pending cutover/task.created/attempt:pending cutover/task.created/status:delivered " +
				"rocketlane/TASK_CREATED/created:pending rocketlane/TASK_CREATED/attempt:pending rocketlane/TASK_CREATED/status:failed"},
		{"by name matches one vendor", Filter{Event: "TASK_CREATED"},
			"rocketlane/TASK_CREATED/created:pending rocketlane/TASK_CREATED/attempt:pending rocketlane/TASK_CREATED/status:failed"},
		{"status keeps every attempt", Filter{Status: "failed"},
			"cutover/task.created/attempt:pending rocketlane/TASK_CREATED/attempt:pending rocketlane/TASK_CREATED/status:failed"},
		{"by subscription", Filter{Subscription: cut.ID},
			"cutover/task.created/created:pending cutover/task.created/attempt:pending cutover/task.created/status:delivered"},
		{"by another run", Filter{Run: "nobody"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run := fmt.Sprintf("r%d", runs.Add(1))
			if tc.f.Run == "r2" {
				tc.f.Run = run
			}
			l := e.Listen(tc.f, 64)
			defer l.Close()
			// One Publish reaches every listener: once the unfiltered
			// one has the last change, l has every change before it.
			all := e.Listen(Filter{Run: run}, 64)
			defer all.Close()
			for _, ev := range []Event{event("cutover", "task.created"), event("rocketlane", "TASK_CREATED")} {
				ev.Run = run
				mustEmit(t, e, ev)
				for c := recv(t, all.C(), "a change"); !c.Delivery.Status.Final(); c = recv(t, all.C(), "a change") {
				}
			}
			l.Close()
			var got []string
			for c := range l.C() {
				if c.Delivery.Run != run {
					continue // an earlier case's, published late
				}
				got = append(got, c.Delivery.Vendor+"/"+c.Delivery.Event+"/"+string(c.Kind)+":"+string(c.Delivery.Status))
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got\n %s\nwant\n %s", strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestSlowListenerLosesChangesCountedAndNeverStallsTheEngine(t *testing.T) {
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{})
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL})
	slow := e.Listen(Filter{}, 2) // never read until the end
	defer slow.Close()
	const n = 20
	for range n {
		mustEmit(t, e, event("cutover", "task.created"))
	}
	waitFinal(t, e, Filter{}, n)
	// Once the workers have stopped, every change has been published.
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Every delivery makes 3 changes: created, attempt, final.
	if kept, dropped := len(slow.C()), slow.TakeDropped(); kept != 2 || dropped != 3*n-2 {
		t.Fatalf("buffer holds %d and dropped %d, want 2 and %d", kept, dropped, 3*n-2)
	}
	if e.Listening() != 1 {
		t.Fatalf("Listening %d, want 1", e.Listening())
	}
	slow.Close()
	if e.Listening() != 0 {
		t.Fatalf("Listening %d after Close, want 0", e.Listening())
	}
}
