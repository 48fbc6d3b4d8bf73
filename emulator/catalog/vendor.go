package catalog

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/schemas"
)

// Vendor is one vendor standin emulates. Each vendor package exports one
// value implementing it; adding an event means adding its schema and its
// case in the vendor's generator, nothing outside the vendor's package.
type Vendor interface {
	// ID is the vendor's id in the CLI, the admin API and schema paths:
	// lower case letters (cutover).
	ID() string
	// Name is the vendor's name as people write it (Cutover).
	Name() string
	// Events lists the vendor's events in catalog order; each has this
	// vendor's ID as its Vendor.
	Events() []Event
	// EventPath is where a payload names its event: the object members
	// leading to a string (["attributes", "type"]).
	EventPath() []string
	// Schemas are the JSON Schemas of the vendor's events, by slug.
	Schemas() *schemas.Set
	// Profile is how the vendor delivers.
	Profile() Profile
	// Vocabulary is what the vendor's scenarios can name.
	Vocabulary() Vocabulary
	// Generate builds one payload of e, compact JSON, drawing every value
	// from src. It is correct by construction: the test suite holds every
	// event, variant and many seeds to the schema.
	Generate(src *fake.Source, e Event, opts Options) ([]byte, error)
	// NewWorld returns the state a scenario run keeps, drawing from src.
	NewWorld(src *fake.Source) World
}

// API is a Vendor that serves HTTP routes of its own under /<id>/, such as
// Cutover's public API that a receiver calls back.
type API interface {
	Vendor
	// Handler serves the routes; paths arrive with the /<id> prefix
	// removed. token, when not empty, is the API token callers must send.
	Handler(runs Runs, token string) http.Handler
}

// Runs are the scenario runs a server plays, as a vendor's API sees them.
type Runs interface {
	// Hosts returns the remembered runs of the vendor with id, oldest
	// first.
	Hosts(vendor string) []Host
}

// Options tune one generated payload.
type Options struct {
	// Variant picks one of the event's documented variants (Event
	// Variants); "" lets the seed choose.
	Variant string
	// Quirks reproduces the vendor's own documented output bugs, for
	// receivers that must cope with them (FlexDeploy: the minutes printed
	// where the month belongs in timestamps).
	Quirks bool
}

// VariantError is a variant the event does not have.
type VariantError struct {
	Event     Event
	Requested string
}

// Error lists the valid variants.
func (e *VariantError) Error() string {
	if len(e.Event.Variants) == 0 {
		return fmt.Sprintf("%s has no variants (asked for %q)", e.Event, e.Requested)
	}
	return fmt.Sprintf("%s has no variant %q; valid: %s", e.Event, e.Requested, strings.Join(e.Event.Variants, ", "))
}

// Variant resolves the requested variant of e: "" picks one with src (or
// returns "" when e has no variants, or src is nil: the choice is left to
// the generator); an unknown one is a *VariantError.
func Variant(src *fake.Source, e Event, requested string) (string, error) {
	if len(e.Variants) == 0 {
		if requested != "" {
			return "", &VariantError{Event: e, Requested: requested}
		}
		return "", nil
	}
	if requested == "" {
		if src == nil {
			return "", nil
		}
		return fake.Pick(src, e.Variants), nil
	}
	want := strings.ToLower(requested)
	if slices.Contains(e.Variants, want) {
		return want, nil
	}
	return "", &VariantError{Event: e, Requested: requested}
}

// World is the state of one scenario run of a vendor: the entities the
// script declared, as they are now, and how a step becomes the vendor's
// payload. The run calls it with the world locked (see Host.Locked).
type World interface {
	// Declare adds an entity, in declaration order, before any step;
	// attrs are the script's attribute values, expanded and typed.
	Declare(name, kind string, attrs map[string]any) error
	// Attr returns an entity's attribute, for ${entity.attr}.
	Attr(entity, name string) (any, error)
	// Build changes the world as the step says and returns the payload of
	// its event, compact JSON.
	Build(s *Step) ([]byte, error)
}

// Step is one event step ready to build: references expanded, values
// typed.
type Step struct {
	Event Event
	Spec  EventSpec
	// Entity is the entity the event is about ("" lets the world choose);
	// Actor the acting user entity ("" for the default).
	Entity, Actor string
	With          map[string]any
	Update        []Update
	// At is the event's time on the run's virtual clock; Src draws its
	// values.
	At  time.Time
	Src *fake.Source
}

// Update is one field an update step changes, in script order.
type Update struct {
	Name  string
	Value any
}

// WithString returns the string option key, or def.
func (s *Step) WithString(key, def string) string {
	if v, ok := s.With[key].(string); ok && v != "" {
		return v
	}
	return def
}

// WithInt returns the integer option key.
func (s *Step) WithInt(key string) (int, bool) {
	v, ok := s.With[key].(int64)
	return int(v), ok
}

// Actor is a World with step kinds of its own (Vocabulary.Steps), such as
// Cutover's fire, cancel and await.
type Actor interface {
	World
	// Act plays one step of a kind the vocabulary declares.
	Act(ctx context.Context, h Host, a Action) error
}

// Action is a step of a vendor's own kind, ready to play.
type Action struct {
	// Kind is the step kind's name (fire).
	Kind string
	// Value is the value under the kind's key (fire: TASK), expanded and
	// typed: an entity name for a ref, a map[string]any for a mapping.
	Value any
	// Options holds the step's other keys of the kind (actor, refire),
	// expanded and typed likewise.
	Options map[string]any
}

// Host is what a world sees of the run that holds it, when it plays its
// own step kinds or answers its vendor's API.
type Host interface {
	// ID is the run's id.
	ID() string
	// Done is closed when the run has finished.
	Done() <-chan struct{}
	// World is the run's world.
	World() World
	// Locked calls f with the world locked: the play loop and API calls
	// share it.
	Locked(f func())
	// Emit makes one event and delivers it, waiting for its deliveries
	// unless Outside is set.
	Emit(ctx context.Context, e Emission) error
	// Advance moves the virtual clock on by a gap drawn in [lo, hi] and
	// waits the real time it takes at the run's time scale.
	Advance(ctx context.Context, lo, hi time.Duration) error
	// Client makes the world's own HTTP calls (integration actions).
	Client() *http.Client
	// UserAgent is the User-Agent of those calls.
	UserAgent() string
}

// Emission is one event a world makes outside the run's event steps.
type Emission struct {
	// Event is the vendor's name of the event.
	Event string
	// Build is called with the world locked, at the event's virtual time,
	// with the source to draw from; it returns the payload and the entity
	// it is about.
	Build func(at time.Time, src *fake.Source) (body []byte, entity string, err error)
	// Prepare, when set, is called with the world locked and the source
	// Build will draw from, before the event's time is drawn: what the
	// event needs drawn first (an API's acting user).
	Prepare func(src *fake.Source)
	// Note says what happened, for the run's report.
	Note string
	// Outside marks an event made outside the run's steps (an API call):
	// its time is a gap drawn from the run's second source on from the
	// clock, and Emit does not wait for its deliveries.
	Outside bool
}

// ReceiverError is a step that failed because of the receiver, not the
// script: an integration that still fails, an awaited task the receiver
// did not finish. A run reports it like a failed delivery.
type ReceiverError struct{ Msg string }

// Error returns the message.
func (e *ReceiverError) Error() string { return e.Msg }

// ErrLimit is the error of an event past a run's limits (wrapped with
// the limit).
var ErrLimit = errors.New("limit reached")
