package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/emulator/server"
)

// The admin API's subscription and delivery types, shared with the server
// so the JSON is always the same.
type (
	// Subscription is a receiver of one vendor's events. Vendor and URL are
	// required; the rest default to the vendor's profile.
	Subscription = delivery.Subscription
	// Retry turns on retries with exponential backoff and jitter (the
	// vendors document none, so one attempt is the default).
	Retry = delivery.Retry
	// Auth is how requests authenticate to the receiver (Cutover).
	Auth = delivery.Auth
	// Faults make deliveries misbehave on purpose: duplicate, delay,
	// shuffle.
	Faults = delivery.Faults
	// Duration is a time.Duration written in JSON as "250ms".
	Duration = delivery.Duration
	// Attempt is one HTTP exchange of a delivery: request, response or
	// error.
	Attempt = delivery.Attempt
	// Status is where a delivery stands.
	Status = delivery.Status
	// Filter selects deliveries; an empty field matches anything. Event
	// takes the vendor's name or the slug.
	Filter = delivery.Filter
)

// Delivery statuses; Delivered and Failed are final.
const (
	Pending   = delivery.Pending
	Retrying  = delivery.Retrying
	Delivered = delivery.Delivered
	Failed    = delivery.Failed
)

// DeliveryHeader is the request header carrying the delivery id on every
// request standin sends.
const DeliveryHeader = delivery.DeliveryHeader

// Delivery is one event delivered (or being delivered) to one subscription,
// with its attempts.
type Delivery struct {
	delivery.Delivery

	// viaBridge is set on deliveries a Client read from a standin in a
	// container on a network of its own, where 127.0.0.1 is the container.
	viaBridge bool
}

// Body returns the body the first attempt sent (the event payload, or
// what the subscription's body template made of it); nil before the first
// attempt or when the method sends no body.
func (d Delivery) Body() []byte {
	if r := d.sent(); r != nil && r.Body != "" {
		return []byte(r.Body)
	}
	return nil
}

// sent is the request of the first attempt that sent one (an attempt that
// failed before sending, such as at an OAuth 2 token step, has none).
func (d Delivery) sent() *delivery.Request {
	for _, a := range d.Attempts {
		if a.Request != nil {
			return a.Request
		}
	}
	return nil
}

// Field returns the value at path in the delivered body, decoded from JSON
// (objects as map[string]any, numbers as float64). path is a JSON pointer
// ("/meta/task/id") or a dotted path ("meta.task.id", "data.stages[0]").
func (d Delivery) Field(path string) (any, error) { return d.field(path, false) }

// field is Field, with numbers as json.Number when exact is set.
func (d Delivery) field(path string, exact bool) (any, error) {
	b := d.Body()
	if b == nil {
		r := d.sent()
		switch {
		case len(d.Attempts) == 0:
			return nil, fmt.Errorf("delivery %s has no attempt yet, so no body", d.ID)
		case r == nil:
			return nil, fmt.Errorf("delivery %s sent no request: its attempts failed before sending (%s)", d.ID, d.Attempts[len(d.Attempts)-1].Error)
		}
		return nil, fmt.Errorf("delivery %s sent no body (%s)", d.ID, r.Method)
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(b))
	if exact {
		dec.UseNumber()
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("delivery %s: the body is not JSON: %w", d.ID, err)
	}
	return lookup(doc, path)
}

// ResponseStatus returns the status of the last attempt that got a
// response, or 0 when none did.
func (d Delivery) ResponseStatus() int {
	for i := len(d.Attempts) - 1; i >= 0; i-- {
		if r := d.Attempts[i].Response; r != nil {
			return r.Status
		}
	}
	return 0
}

// String describes the delivery on one line: vendor, event, status,
// attempts, last response, URL and id.
func (d Delivery) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %s", d.Vendor, d.Event, d.Status)
	n := max(d.AttemptCount, len(d.Attempts))
	fmt.Fprintf(&b, ", %d attempt%s", n, plural(n))
	if st := d.ResponseStatus(); st != 0 {
		fmt.Fprintf(&b, ", last response %d", st)
	}
	fmt.Fprintf(&b, ", %s", d.URL)
	if d.Error != "" {
		fmt.Fprintf(&b, ", error %q", d.Error)
	}
	fmt.Fprintf(&b, " [%s]", d.ID)
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Deliveries is a list of deliveries, oldest first, with assertions (see
// assert.go).
type Deliveries []Delivery

// Events returns the deliveries' event names, in order.
func (ds Deliveries) Events() []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Event
	}
	return out
}

// String lists the deliveries, one a line, numbered from 0; "no
// deliveries" when empty.
func (ds Deliveries) String() string { return ds.listing(nil, true) }

// Health is what GET /__admin/health answers.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// Event asks standin to emit one event (see Client.EmitEvent).
type Event struct {
	// Vendor and Event name the event; Event takes the vendor's name
	// ("task.created", "Release Started") or the slug.
	Vendor, Event string
	// Override is laid over the generated payload: nil, a JSON string,
	// []byte, json.RawMessage or any value encoding/json turns into an
	// object. The result must still validate (else *APIError with status
	// 422 and the JSON pointers of the problems).
	Override any
	// Seed chooses the generated payload; nil takes the server's next seed.
	Seed *uint64
	// Variant chooses a documented variant ("test" for FlexDeploy Workflow
	// Completed); empty lets the seed choose.
	Variant string
	// Quirks reproduces what the vendor really sends where it differs from
	// its documentation.
	Quirks bool
}

// Emitted is the answer to an emit: the event and the deliveries it made
// (pending, one per matching subscription).
type Emitted struct {
	EventID    string          `json:"event_id"`
	Vendor     string          `json:"vendor"`
	Event      string          `json:"event"`
	Seed       uint64          `json:"seed"`
	Payload    json.RawMessage `json:"payload"`
	Deliveries []Delivery      `json:"deliveries"`
}

// RunOptions configure a scenario run (POST /__admin/runs).
type RunOptions struct {
	// Seed chooses the payloads; nil uses the scenario's seed.
	Seed *uint64
	// TimeScale is how fast the scenario's waits pass: 0 instantly (the
	// payload times still advance on the virtual clock), 1 in real time.
	TimeScale float64
	// Vars set the scenario's variables: strings, numbers, booleans or
	// lists of them.
	Vars map[string]any
	// Targets are receiver URLs subscribed for this run only; without them
	// the run's events go to the server's subscriptions (or its sink).
	Targets []string
	// Subscription sets how the targets are delivered to (method,
	// headers, auth, retry, faults, body template); leave its ID, Vendor
	// and URL empty.
	Subscription *Subscription
}

// Run statuses.
const (
	RunRunning   = runs.Running
	RunSucceeded = runs.Succeeded // every event emitted and delivered
	RunFailed    = runs.Failed    // a step or a delivery failed
)

// ScenarioRun is a scenario run as GET /__admin/runs/{id} reports it:
// status, delivery counts and every event emitted, with its payload and
// its deliveries' ids.
type ScenarioRun struct {
	runs.Report
	// Raw is the whole answer, for fields this type does not name.
	Raw json.RawMessage `json:"-"`
}

// Done reports whether the run has finished, successfully or not.
func (r ScenarioRun) Done() bool { return r.Status == RunSucceeded || r.Status == RunFailed }

// AssertStatus checks the run ended with status want (RunSucceeded,
// RunFailed), failing t with the run's error and events when not.
func (r ScenarioRun) AssertStatus(t testing.TB, want runs.Status) {
	t.Helper()
	if r.Status != want {
		msg := fmt.Sprintf("testkit: want run %s (%s) %s, it is %s", r.ID, r.Scenario, want, r.Status)
		if r.Error != "" {
			msg += ": " + r.Error
		}
		t.Errorf("%s\nevents: %s", msg, quoteList(r.EventNames()))
	}
}

// EventNames returns the names of the events the run emitted, in order.
func (r ScenarioRun) EventNames() []string {
	out := make([]string, len(r.Events))
	for i, e := range r.Events {
		out[i] = e.Event
	}
	return out
}

// SinkRequest is one request standin's embedded sink (/__sink/{name})
// received.
type SinkRequest = server.SinkRequest
