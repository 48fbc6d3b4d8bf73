package catalog

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/suggest"
	"github.com/standin-dev/standin/schemas"

	"github.com/standin-dev/standin/emulator/fake"
)

// Registry is a list of vendors and their events, resolving the names
// users type. Make one with NewRegistry; it never changes after, so it is
// safe for concurrent use.
type Registry struct {
	vendors []Vendor
	byID    map[string]Vendor
	events  []Event
	bySlug  map[string]map[string]Event // vendor id → slug → event
}

// NewRegistry lists vs, in order. Their ids and, per vendor, their
// event slugs must be distinct.
func NewRegistry(vs ...Vendor) (*Registry, error) {
	r := &Registry{byID: map[string]Vendor{}, bySlug: map[string]map[string]Event{}}
	for _, v := range vs {
		id := v.ID()
		if id == "" || id != strings.ToLower(id) {
			return nil, fmt.Errorf("vendor id %q: want lower case", id)
		}
		if _, dup := r.byID[id]; dup {
			return nil, fmt.Errorf("vendor %q is listed twice", id)
		}
		slugs := map[string]Event{}
		for _, e := range v.Events() {
			if _, dup := slugs[e.Slug]; dup || e.Vendor != id || e.Slug != Slug(e.Name) {
				return nil, fmt.Errorf("vendor %s: event %+v: want Vendor %q, the slug of its name, once", id, e, id)
			}
			slugs[e.Slug] = e
			r.events = append(r.events, e)
		}
		r.bySlug[id] = slugs
		r.byID[id] = v
		r.vendors = append(r.vendors, v)
	}
	return r, nil
}

// Vendors returns the vendors in order.
func (r *Registry) Vendors() []Vendor { return append([]Vendor(nil), r.vendors...) }

// IDs returns the vendor ids in order.
func (r *Registry) IDs() []string {
	out := make([]string, len(r.vendors))
	for i, v := range r.vendors {
		out[i] = v.ID()
	}
	return out
}

// Vendor resolves a vendor id, ignoring case and surrounding space; the
// error of an unknown one (*UnknownError) lists the valid ids.
func (r *Registry) Vendor(id string) (Vendor, error) {
	want := strings.ToLower(strings.TrimSpace(id))
	if v, ok := r.byID[want]; ok {
		return v, nil
	}
	return nil, &UnknownError{Kind: "vendor", Input: id, Valid: r.IDs(), Nearest: suggest.Nearest(want, r.IDs())}
}

// Events returns every event of every vendor, grouped by vendor in order.
func (r *Registry) Events() []Event { return append([]Event(nil), r.events...) }

// EventsOf returns the events of one vendor.
func (r *Registry) EventsOf(vendor string) ([]Event, error) {
	v, err := r.Vendor(vendor)
	if err != nil {
		return nil, err
	}
	return v.Events(), nil
}

// Lookup resolves an event of vendor by its own name (TASK_CREATED,
// "Release Started") or slug (task-created, release-started), ignoring
// case. The error of an unknown name lists the valid ones and the nearest.
func (r *Registry) Lookup(vendor, event string) (Event, error) {
	v, err := r.Vendor(vendor)
	if err != nil {
		return Event{}, err
	}
	if e, ok := r.bySlug[v.ID()][Slug(event)]; ok {
		return e, nil
	}
	return LookupIn(v, event) // its error names the valid events
}

// LookupIn resolves an event of v by its own name or slug; see
// Registry.Lookup.
func LookupIn(v Vendor, event string) (Event, error) {
	evs := v.Events()
	want := Slug(event)
	names := make([]string, len(evs))
	slugs := make([]string, len(evs))
	for i, e := range evs {
		if e.Slug == want {
			return e, nil
		}
		names[i], slugs[i] = e.Name, e.Slug
	}
	near := ""
	if n := suggest.Nearest(want, slugs); n != "" {
		for i, s := range slugs {
			if s == n {
				near = names[i]
			}
		}
	}
	return Event{}, &UnknownError{Kind: v.ID() + " event", Input: event, Valid: names, Nearest: near}
}

// KnownEvent reports whether some vendor (vendor, when not empty) has an
// event with the slug of name.
func (r *Registry) KnownEvent(vendor, name string) bool {
	slug := Slug(name)
	for _, e := range r.events {
		if (vendor == "" || strings.EqualFold(e.Vendor, vendor)) && e.Slug == slug {
			return true
		}
	}
	return false
}

// IsEventName reports whether name is some vendor's own name of an event
// (in any case) rather than only a slug.
func (r *Registry) IsEventName(name string) bool {
	for _, e := range r.events {
		if strings.EqualFold(e.Name, name) && e.Name != e.Slug {
			return true
		}
	}
	return false
}

// EventOf reads the event a vendor's payload says it is (at the vendor's
// EventPath) and resolves it.
func (r *Registry) EventOf(vendor string, doc []byte) (Event, error) {
	v, err := r.Vendor(vendor)
	if err != nil {
		return Event{}, err
	}
	cur, err := schemas.Decode(doc)
	if err != nil {
		var se *schemas.SyntaxError
		errors.As(err, &se)
		return Event{}, &schemas.Error{Vendor: v.ID(), Syntax: se}
	}
	path := v.EventPath()
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = m[k]
	}
	name, ok := cur.(string)
	if !ok || name == "" {
		return Event{}, fmt.Errorf("the payload has no %s event name at /%s; give the event explicitly", v.ID(), strings.Join(path, "/"))
	}
	return LookupIn(v, name)
}

// Generate builds the payload of e with its vendor's generator.
func (r *Registry) Generate(src *fake.Source, e Event, opts Options) ([]byte, error) {
	v, err := r.Vendor(e.Vendor)
	if err != nil {
		return nil, err
	}
	b, err := v.Generate(src, e, opts)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", e, err)
	}
	return b, nil
}

// Sample resolves vendor and event (name or slug) and generates one
// payload from seed, its clock starting at start (zero: a seeded default).
func (r *Registry) Sample(vendor, event string, seed uint64, start time.Time, opts Options) ([]byte, Event, error) {
	e, err := r.Lookup(vendor, event)
	if err != nil {
		return nil, Event{}, err
	}
	b, err := r.Generate(fake.New(seed, start), e, opts)
	return b, e, err
}

// Profiles returns every vendor's delivery profile, by id, with defaults
// filled in.
func (r *Registry) Profiles() map[string]Profile {
	out := make(map[string]Profile, len(r.vendors))
	for _, v := range r.vendors {
		p := v.Profile()
		p.Vendor = v.ID()
		out[v.ID()] = p.WithDefaults()
	}
	return out
}

// Validate checks b against the schema of e.
func (r *Registry) Validate(e Event, b []byte) error {
	v, err := r.Vendor(e.Vendor)
	if err != nil {
		return err
	}
	return v.Schemas().Validate(e.Slug, b)
}

// Schema returns the JSON text of e's schema.
func (r *Registry) Schema(e Event) ([]byte, error) {
	v, err := r.Vendor(e.Vendor)
	if err != nil {
		return nil, err
	}
	return v.Schemas().Raw(e.Slug)
}

// SelfCheck validates b, a payload standin built itself, against e's
// schema: a failure is a standin bug, and says so.
func (r *Registry) SelfCheck(e Event, b []byte) error {
	if err := r.Validate(e, b); err != nil {
		return fmt.Errorf("generated %s payload fails its schema (a standin bug): %w", e, err)
	}
	return nil
}
