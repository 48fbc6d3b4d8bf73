// Package delivery sends emitted events to subscribers the way each vendor
// does: one delivery per (event, subscription), attempts made by a bounded
// pool of workers with the vendor's method, headers, auth, timeout and
// success rule, optional retries with backoff, optional faults, and every
// attempt logged.
package delivery

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
)

// Status is where a delivery stands.
type Status string

// Delivery statuses. Delivered and Failed are final.
const (
	Pending   Status = "pending"  // queued, no attempt finished yet
	Retrying  Status = "retrying" // an attempt failed and another is scheduled
	Delivered Status = "delivered"
	Failed    Status = "failed"
)

// Final reports whether no more attempts will be made.
func (s Status) Final() bool { return s == Delivered || s == Failed }

// Duration is a time.Duration written in JSON as a Go duration string
// ("10ms", "1s").
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a Go duration string such as "250ms".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"250ms\" or \"2s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as \"250ms\" or \"2s\", got %q", s)
	}
	if v < 0 {
		return fmt.Errorf("duration %q is negative", s)
	}
	*d = Duration(v)
	return nil
}

// Profile is how a vendor delivers (see catalog.Profile).
type Profile = catalog.Profile

// Auth is how requests authenticate to the receiver.
type Auth struct {
	// Type is "none" (default), "token" or "oauth2".
	Type string `json:"type"`
	// TokenType and Token make "Authorization: <TokenType> <Token>"
	// (Cutover Token Auth; TokenType defaults to Bearer).
	TokenType string `json:"token_type,omitempty"`
	Token     string `json:"token,omitempty"`
	// TokenURL, ClientID, ClientSecret and Scope drive an OAuth 2 client
	// credentials grant (golang.org/x/oauth2/clientcredentials); the access
	// token is cached until shortly before it expires.
	TokenURL     string `json:"token_url,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	Scope        string `json:"scope,omitempty"`
	// AuthStyle is how the client id and secret reach the token endpoint:
	// "header" (HTTP Basic auth, each form-encoded first, as RFC 6749
	// says), "params" (client_id and client_secret in the form body) or
	// "auto" (the default: header first, then params, keeping the one that
	// worked).
	AuthStyle string `json:"auth_style,omitempty"`
}

// Retry turns on retries with exponential backoff and full jitter. The zero
// value (and MaxAttempts 1) means one attempt, as no vendor documents
// retries.
type Retry struct {
	MaxAttempts     int      `json:"max_attempts"`
	InitialInterval Duration `json:"initial_interval"`
	MaxInterval     Duration `json:"max_interval"`
	Multiplier      float64  `json:"multiplier"`
}

// Faults make delivery misbehave on purpose, to test receivers. They are
// the one fault model of standin: a subscription's faults apply to all its
// deliveries, a scenario step's to its event's (Event.Faults).
type Faults struct {
	// Duplicate sends every successfully delivered event once more (the
	// second request is logged as an attempt marked duplicate).
	Duplicate bool `json:"duplicate,omitempty"`
	// Delay holds every delivery back this long before its first attempt.
	Delay Duration `json:"delay,omitempty"`
	// Reorder delivers an event after the next event to the same
	// subscription: of a subscription's events, each pair arrives swapped.
	// An event held for a next one waits at most ReorderWindow (for a
	// subscription, default 50ms; for a scenario step's event, until the
	// run's next event). The admin API writes them "shuffle" and
	// "shuffle_window", a scenario out_of_order.
	Reorder       bool     `json:"shuffle,omitempty"`
	ReorderWindow Duration `json:"shuffle_window,omitempty"`
}

// Subscription is a receiver of one vendor's events.
type Subscription struct {
	ID     string `json:"id"`
	Vendor string `json:"vendor"`
	URL    string `json:"url"`
	// Events are the vendor's event names it receives; empty means all.
	Events []string `json:"events"`
	// Method is the HTTP method; the vendor's default when empty.
	Method string `json:"method"`
	// Headers are added to (or replace) the vendor's default headers; an
	// empty value removes a default header.
	Headers map[string]string `json:"headers"`
	// SecretHeaders names headers whose values standin shows masked (see
	// package redact), on top of those named like credentials
	// (Authorization, X-Api-Key, …).
	SecretHeaders []string `json:"secret_headers,omitempty"`
	Auth          Auth     `json:"auth"`
	Retry         Retry    `json:"retry"`
	Faults        Faults   `json:"faults"`
	// BodyTemplate, when set, is a Go text/template rendering the request
	// body from the event (FlexDeploy's webhook scripts choose their body);
	// see RenderBody.
	BodyTemplate string `json:"body_template,omitempty"`
	// Run, when set, limits the subscription to the events of one run
	// (a run's targets are subscribed this way); a run with subscriptions
	// of its own delivers to them only.
	Run string `json:"run,omitempty"`
	// ExecuteInPlanning and ExecuteInRehearsal, when false, keep from the
	// subscription the events raised in catalog.ModePlanning or
	// catalog.ModeRehearsal (Cutover's Execute in Planning and Execute in
	// Rehearsal). Unset means true; only vendors whose profile makes them
	// configurable accept them.
	ExecuteInPlanning  *bool `json:"execute_in_planning,omitempty"`
	ExecuteInRehearsal *bool `json:"execute_in_rehearsal,omitempty"`
	// Fallback marks a catch-all subscription (the server's embedded sink):
	// it receives an event only when no other subscription does.
	Fallback  bool      `json:"fallback,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Event is one emitted vendor event, validated, ready to deliver.
type Event struct {
	ID     string `json:"id"`
	Run    string `json:"run,omitempty"`
	Vendor string `json:"vendor"`
	Name   string `json:"event"`
	// Body is the payload as the vendor sends it.
	Body json.RawMessage `json:"body"`
	// Time is when it was emitted (wall clock, for the log only).
	Time time.Time `json:"time"`
	// Mode is the vendor's mode the event was raised in (Cutover's planning
	// or rehearsal); subscriptions may refuse those of some modes.
	Mode catalog.Mode `json:"mode,omitempty"`
	// Faults apply to this event's deliveries on top of each
	// subscription's own: Duplicate or Reorder if either asks, Delay added
	// (a scenario step's fault).
	Faults Faults `json:"faults,omitzero"`
}

// NewEventID names an emitted event in the delivery log: "evt_" and 16
// random hex digits. It is not part of any payload, so it is random rather
// than seeded.
func NewEventID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64()) // not a secret: math/rand's generator will do
	return "evt_" + hex.EncodeToString(b[:])
}

// Request is what an attempt sent.
type Request struct {
	Method  string      `json:"method"`
	URL     string      `json:"url"`
	Headers http.Header `json:"headers"`
	Body    string      `json:"body"`
}

// Response is what an attempt got back. Body is cut to the log's limit;
// Truncated says when. Headers are cut to their own limit (whole headers
// left out, in name order); HeadersTruncated says when.
type Response struct {
	Status           int         `json:"status"`
	Headers          http.Header `json:"headers"`
	HeadersTruncated bool        `json:"headers_truncated,omitempty"`
	Body             string      `json:"body"`
	Truncated        bool        `json:"truncated,omitempty"`
}

// Attempt is one HTTP exchange of a delivery.
type Attempt struct {
	N         int       `json:"n"`
	StartedAt time.Time `json:"started_at"`
	// Duration is from the request's start to the response's last byte
	// (or the error).
	Duration Duration `json:"duration"`
	// Request is what was sent; nil when the attempt failed before
	// sending (an OAuth 2 token it could not get, a body template that
	// failed).
	Request  *Request  `json:"request,omitempty"`
	Response *Response `json:"response,omitempty"`
	// Error says why the attempt failed: a transport error, a timeout, or a
	// status the vendor does not count as success.
	Error string `json:"error,omitempty"`
	// Success is whether the vendor would count this attempt delivered.
	Success bool `json:"success"`
	// Duplicate marks the extra request of the duplicate fault.
	Duplicate bool `json:"duplicate,omitempty"`
}

// Delivery is one event to one subscription, with every attempt.
type Delivery struct {
	ID           string    `json:"id"`
	Run          string    `json:"run,omitempty"`
	EventID      string    `json:"event_id"`
	Vendor       string    `json:"vendor"`
	Event        string    `json:"event"`
	Subscription string    `json:"subscription"`
	URL          string    `json:"url"`
	Status       Status    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Error is the last attempt's error once the delivery failed, or why
	// it was never attempted ("backlog full: …").
	Error string `json:"error,omitempty"`
	// Attempts are the first attempt and the latest ones, as many as the
	// engine keeps (Config.AttemptsKept); AttemptsDropped counts those
	// dropped between them.
	Attempts        []Attempt `json:"attempts,omitempty"`
	AttemptsDropped int       `json:"attempts_dropped,omitempty"`
	// AttemptCount is how many attempts were made (kept or dropped), also
	// when a listing leaves the attempts out.
	AttemptCount int `json:"attempt_count"`
}
