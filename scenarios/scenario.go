// Package scenarios reads scenario scripts, the YAML files that tell a
// vendor's story one event at a time, and holds the built-in ones.
//
// A scenario names its vendor, optional seed and virtual start time, vars
// (with defaults a run may override), named entities (a runbook, a task, a
// release, a project) and steps. A step emits one event about an entity,
// may wait first on the virtual clock (after: 30s), may change the
// entity's fields (update:, so update events carry the real previous
// values), may override payload fields (set: with dot paths), may carry
// event options (with:), may run only when a var has a value (when:), may
// repeat a block over a list (each:) and may inject a delivery fault.
//
// Parse checks all of it against the vendor's Vocabulary and the event
// catalog, and every error names the file, line and column.
package scenarios

import (
	"fmt"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
)

// Scenario is a parsed scenario script.
type Scenario struct {
	// File is the name errors use (a path, or builtin/<name>.yaml).
	File        string
	Name        string
	Description string
	// Vendor is the vendor's id, and Def the vendor as the registry the
	// scenario was parsed with has it.
	Vendor string
	Def    catalog.Vendor
	// Seed is the script's seed, nil when it leaves the choice to the run.
	Seed *uint64
	// Start is the virtual start time; zero lets the seed choose.
	Start time.Time
	// Vars are the declared vars with their defaults, in file order.
	Vars     []Var
	Entities []Entity
	Steps    []Step
	// Source is the script's YAML.
	Source []byte
	// Builtin marks one of standin's built-in scenarios, whose payloads the
	// test suite proves valid for every seed.
	Builtin bool
}

// Var is a declared var and its default value.
type Var struct {
	Name    string
	Default Value
	// Values, when set, are the only values the var may take.
	Values      []string
	Description string
	// Secret marks a var whose value standin shows masked (see package
	// redact); vars named like credentials (integration_token) are
	// masked anyway.
	Secret bool
	Pos    Pos
}

// Value is a value written in the script, with its place. V is a string
// (which may hold ${...} references), int64, float64, bool, nil, []Value or
// []Assign (a mapping, in file order).
type Value struct {
	V   any
	Pos Pos
}

// Assign is one key and its value: an entity attribute, a with option, an
// update field or a set path.
type Assign struct {
	Key   string
	Pos   Pos
	Value Value
}

// Entity is a named thing the run's events are about.
type Entity struct {
	Name  string
	Kind  string
	Attrs []Assign
	Pos   Pos
}

// Attr returns the attribute named key.
func (e Entity) Attr(key string) (Value, bool) {
	for _, a := range e.Attrs {
		if a.Key == key {
			return a.Value, true
		}
	}
	return Value{}, false
}

// Step is one step: an event to emit, or a block of steps (with each:,
// repeated over a list).
type Step struct {
	Pos Pos
	// Event is the catalog name of the event to emit; "" for a block.
	Event string
	// Entity names the entity the event is about (may be ${...}); nil
	// lets the run choose the only entity of the kind.
	Entity *Value
	// Actor names the user entity who acts; nil for the run's default.
	Actor *Value
	// After is the virtual time to wait before the step (AfterSet says
	// whether the script gave one; otherwise the run draws a short gap).
	After    time.Duration
	AfterSet bool
	When     *Cond
	// Each is the list a block or step repeats over: a []Value, or a
	// string naming a list var ("${stages}").
	Each *Value
	// Var names the loop variable (default "item"); ${index} counts from 0.
	Var    string
	Steps  []Step
	With   []Assign
	Update []Assign
	// Set are payload overrides: dot paths into the payload and values.
	Set   []Assign
	Fault Fault

	// Action names a step of one of the vendor's own kinds (Cutover's
	// fire, cancel, await; see catalog.StepKind); ActionValue is the value
	// under its key and ActionKeys the kind's other keys the step gives.
	Action      string
	ActionValue *Value
	ActionKeys  []Assign
}

// Label describes the step for messages: its event, action or "block".
func (s Step) Label() string {
	switch {
	case s.Event != "":
		return s.Event
	case s.Action != "":
		return s.Action
	}
	return "block"
}

// Fault is a delivery fault a step injects.
type Fault struct {
	// Duplicate delivers the event twice.
	Duplicate bool
	// Delay holds the event's delivery back this long (real time), while
	// the run goes on, so later events overtake it.
	Delay time.Duration
	// Reorder delivers the event after the next event to the same
	// receiver (written out_of_order: true).
	Reorder bool
}

// Cond is a step's when: condition on a var.
type Cond struct {
	Var string
	// Op is "==", "!=" or "in".
	Op     string
	Values []string
	Text   string
	Pos    Pos
}

// Holds reports whether the condition holds for the var's value.
func (c Cond) Holds(value string) bool {
	in := false
	for _, v := range c.Values {
		if v == value {
			in = true
		}
	}
	if c.Op == "!=" {
		return !in
	}
	return in
}

// SecretVars names the vars marked secret.
func (sc *Scenario) SecretVars() []string {
	var out []string
	for _, v := range sc.Vars {
		if v.Secret {
			out = append(out, v.Name)
		}
	}
	return out
}

// Error is a problem at a place in a scenario file.
type Error struct {
	File string `json:"file"`
	Pos  Pos    `json:"pos"`
	Msg  string `json:"message"`
	// kind is what errors.Is matches the problem with (ErrTooDeep), if
	// anything.
	kind error
}

// Unwrap returns the kind of problem, such as ErrTooDeep, or nil.
func (e *Error) Unwrap() error { return e.kind }

// Error writes file:line:col: message.
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Pos.Line, e.Pos.Col, e.Msg)
}

// Errors are all the problems found in one file, in file order.
type Errors []*Error

// Unwrap returns the problems, for errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Error writes one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}
