package delivery

import "github.com/standin-dev/standin/emulator/feed"

// ChangeKind says what a Change reports.
type ChangeKind string

// Change kinds.
const (
	// Created is a new delivery (pending).
	Created ChangeKind = "created"
	// StatusChanged is a delivery whose status changed: retrying after a
	// failed attempt, final, or pending again for a redelivery.
	StatusChanged ChangeKind = "status"
	// AttemptFinished is an attempt that got a response or an error.
	AttemptFinished ChangeKind = "attempt"
)

// Change is one change to the delivery log, as the engine's change feed
// (Listen) reports it.
type Change struct {
	Kind ChangeKind
	// Delivery is the delivery right after the change, without its
	// attempts (AttemptCount says how many), as Deliveries lists it.
	Delivery Delivery
	// Attempt is the attempt that finished (AttemptFinished only), as
	// Delivery(id) has it.
	Attempt *Attempt
	slug    string // the event's slug, for filters
}

// Listen subscribes to the engine's changes that match f: deliveries
// created, their status changes and their attempts, in the order they
// happened. f.Status applies to Created and StatusChanged only; an attempt
// matches on the other fields. The listener holds up to buffer changes;
// when its reader falls behind, the changes that do not fit are dropped
// and counted (TakeDropped): the engine never waits for a listener. Close
// the listener when done.
func (e *Engine) Listen(f Filter, buffer int) *feed.Listener[Change] {
	all := e.compileFilter(f)
	f.Status = ""
	anyStatus := e.compileFilter(f)
	return e.changes.Listen(buffer, func(c Change) bool {
		if c.Kind == AttemptFinished {
			return anyStatus.matches(&c.Delivery, c.slug)
		}
		return all.matches(&c.Delivery, c.slug)
	})
}

// Listening returns how many listeners the change feed has.
func (e *Engine) Listening() int { return e.changes.Listening() }

// note records a change of r for the listeners, to be published by
// publish once e.mu is released; at is the index of the attempt that
// finished (AttemptFinished). Call with e.mu held.
func (e *Engine) note(kind ChangeKind, r *record, at int) {
	if e.changes.Listening() == 0 {
		return
	}
	c := Change{Kind: kind, Delivery: r.copy(false), slug: r.slug}
	if kind == AttemptFinished {
		a := r.attemptCopy(at)
		shownAttempt(&a, r.st.sub.SecretHeaders)
		c.Attempt = &a
	}
	e.outbox = append(e.outbox, c)
}

// publish sends the noted changes to the listeners, in the order they were
// noted, without e.mu held: publishers take turns on pubMu, each sending
// everything noted before it.
func (e *Engine) publish() {
	if e.changes.Listening() == 0 {
		e.mu.Lock()
		e.outbox = nil // noted while someone listened; no one is left to tell
		e.mu.Unlock()
		return
	}
	e.pubMu.Lock()
	defer e.pubMu.Unlock()
	e.mu.Lock()
	out := e.outbox
	e.outbox = nil
	e.mu.Unlock()
	e.changes.Publish(out...)
}
