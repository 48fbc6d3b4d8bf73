package runs

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/scenarios"
)

// A Run is the catalog.Host of its world: the vendor's own step kinds and
// its API act on the world through it.
var _ catalog.Host = (*Run)(nil)

// World returns the run's world.
func (r *Run) World() catalog.World { return r.world }

// Locked calls f with the run's world locked.
func (r *Run) Locked(f func()) {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	f()
}

// Client returns the client of the world's own calls.
func (r *Run) Client() *http.Client { return r.client }

// UserAgent returns the User-Agent of the world's own calls.
func (r *Run) UserAgent() string { return r.opts.UserAgent }

// Advance moves the virtual clock on by a gap drawn in [lo, hi] and waits
// the real time it takes at the run's time scale.
func (r *Run) Advance(ctx context.Context, lo, hi time.Duration) error {
	r.wmu.Lock()
	gap := r.src.Duration(lo, hi)
	r.src.Advance(gap)
	r.wmu.Unlock()
	return r.sleep(ctx, gap)
}

// Emit builds e with the world locked, validates it where the run
// validates, records it and delivers it (see catalog.Emission).
func (r *Run) Emit(ctx context.Context, e catalog.Emission) error {
	ev, err := catalog.LookupIn(r.vendor, e.Event)
	if err != nil {
		return err
	}
	if e.Outside {
		// Held until the event is handed to the engine, so the run's end
		// (which waits for every delivery) cannot miss it.
		r.outside.RLock()
		defer r.outside.RUnlock()
	}
	// The event is built, checked and recorded with the world locked, so
	// that whatever its change wakes (an await step) finds it recorded.
	r.wmu.Lock()
	de, err := r.emitLocked(ev, e)
	r.wmu.Unlock()
	if err != nil {
		return err
	}
	if e.Outside {
		return r.send(context.WithoutCancel(ctx), de, false)
	}
	return r.send(ctx, de, true)
}

// emitLocked builds, validates and records e. Call with r.wmu held.
func (r *Run) emitLocked(ev catalog.Event, e catalog.Emission) (delivery.Event, error) {
	src := r.src
	if e.Outside {
		src = r.apiSrc
	}
	if e.Prepare != nil {
		e.Prepare(src)
	}
	at := r.src.Now()
	if e.Outside {
		at = r.src.Advance(r.apiSrc.Duration(minGap, maxGap))
	}
	b, entity, err := e.Build(at, src)
	if err != nil {
		return delivery.Event{}, err
	}
	if r.check {
		if err := r.validate(ev, b, false); err != nil {
			return delivery.Event{}, err
		}
	}
	de := delivery.Event{ID: delivery.NewEventID(), Run: r.opts.ID, Vendor: r.sc.Vendor, Name: ev.Name, Body: b, Time: time.Now().UTC()}
	var st *scenarios.Step
	if !e.Outside {
		st = r.current
	}
	return de, r.record(st, de, entity, at, "", e.Note)
}

// act plays a step of one of the vendor's own kinds through its world.
func (r *Run) act(ctx context.Context, p planned) error {
	a, err := r.action(p)
	if err != nil {
		return err
	}
	return r.world.(catalog.Actor).Act(ctx, r, a)
}

// action is the step p of one of the vendor's own kinds, its values
// expanded and checked, ready to play.
func (r *Run) action(p planned) (catalog.Action, error) {
	st := p.st
	_, ok := r.world.(catalog.Actor)
	kind, known := r.vocab.Step(st.Action)
	if !ok || !known {
		return catalog.Action{}, fmt.Errorf("%s: %s scenarios have no such step", st.Action, r.sc.Vendor)
	}
	resolve := r.resolver(p.loop)
	a := catalog.Action{Kind: st.Action, Options: map[string]any{}}
	var err error
	r.wmu.Lock()
	a.Value, err = r.expand(*st.ActionValue, kind.Value, resolve, st.Action)
	for _, k := range st.ActionKeys {
		if err != nil {
			break
		}
		f, _ := catalog.FindField(kind.Keys, k.Key)
		a.Options[k.Key], err = r.expand(k.Value, f.Type, resolve, k.Key)
	}
	r.wmu.Unlock()
	return a, err
}

// expand turns a step kind's script value into plain values: references
// expanded, entity names checked, mappings as map[string]any.
func (r *Run) expand(v scenarios.Value, t catalog.Type, resolve scenarios.Resolver, what string) (any, error) {
	switch t.Base {
	case "map":
		items, _ := v.V.([]scenarios.Assign)
		out := make(map[string]any, len(items))
		for _, a := range items {
			f, _ := catalog.FindField(t.Fields, a.Key)
			x, err := r.expand(a.Value, f.Type, resolve, what+"."+a.Key)
			if err != nil {
				return nil, err
			}
			out[a.Key] = x
		}
		return out, nil
	case "ref":
		return r.name(&v, resolve, what)
	}
	if s, ok := v.V.(string); ok && scenarios.HasRefs(s) {
		x, err := scenarios.Expand(s, resolve)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		v.V = x
		if err := scenarios.CheckValue(&v, t, r.kindOf); err != nil {
			return nil, fmt.Errorf("%s: %v", what, err)
		}
	}
	return v.V, nil
}

// Hosts returns the remembered runs of vendor, oldest first: what the
// vendor's API sees of them.
func (m *Manager) Hosts(vendor string) []catalog.Host {
	var out []catalog.Host
	for _, r := range m.List() {
		if r.sc.Vendor == vendor {
			out = append(out, r)
		}
	}
	return out
}

// A Manager is the catalog.Runs of the server's vendor APIs.
var _ catalog.Runs = (*Manager)(nil)
