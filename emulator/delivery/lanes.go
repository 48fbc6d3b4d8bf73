package delivery

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// fifo is a first-in first-out queue on a slice.
type fifo[T any] struct {
	items []T
	head  int
}

func (q *fifo[T]) len() int { return len(q.items) - q.head }

func (q *fifo[T]) push(v T) {
	if q.head > 0 && q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0 // pop zeroed them
	} else if q.head >= 64 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, v)
}

func (q *fifo[T]) pop() T {
	var zero T
	v := q.items[q.head]
	q.items[q.head] = zero
	q.head++
	return v
}

// lane is one subscription's share of the workers: its deliveries ready
// for an attempt, in order, how many of its attempts are in flight, and
// its backlog (every delivery of it not final yet: ready, in flight,
// waiting for a retry or a fault, held for a reorder). Guarded by
// Engine.mu.
type lane struct {
	ready    fifo[*record]
	inflight int
	backlog  int
	listed   bool // in Engine.turns
	parked   bool // in its target's waiting line
}

// target is a receiver (scheme and host) that lanes share: how many
// attempts to it are in flight, and the lanes waiting for one of them to
// end. refs counts the subscriptions to it; it leaves Engine.targetsBy when
// nothing refers to it. Guarded by Engine.mu.
type target struct {
	key      string
	inflight int
	waiting  fifo[*subState]
	refs     int
}

// The workers serve the lanes round-robin: Engine.turns lists the lanes
// with a ready delivery and room for one more attempt in flight; a worker
// takes the first, makes one attempt of its first delivery, and the lane
// goes to the back of the line if it still has work and room. A lane at its
// in-flight limit waits off the line, and so does one whose target (the
// receiver's host, which several subscriptions may share, such as a run's
// targets) is at the target's limit, in the target's waiting line. So
// receivers that hang hold at most that many workers each, and the others
// go on.

// push makes r ready for a worker. Call with e.mu held.
func (e *Engine) push(r *record) {
	r.queued = true
	r.st.lane.ready.push(r)
	e.enlist(r.st)
}

// enlist puts st's lane in line if it has ready work and room and is in no
// line yet. Call with e.mu held.
func (e *Engine) enlist(st *subState) {
	l := &st.lane
	if l.listed || l.parked || l.ready.len() == 0 || l.inflight >= e.inflight {
		return
	}
	l.listed = true
	e.turns.push(st)
	if e.idle > 0 {
		e.cond.Signal()
	}
}

// take returns the next delivery a worker should attempt, counted in
// flight on its lane and target, or nil when no lane has one. Call with
// e.mu held.
func (e *Engine) take() *record {
	for e.turns.len() > 0 {
		st := e.turns.pop()
		l := &st.lane
		l.listed = false
		if l.ready.len() == 0 || l.inflight >= e.inflight {
			continue
		}
		t := st.tgt
		if t.inflight >= e.targetInflight {
			l.parked = true
			t.waiting.push(st)
			continue
		}
		r := l.ready.pop()
		r.queued = false
		l.inflight++
		t.inflight++
		e.enlist(st)
		if e.turns.len() > 0 && e.idle > 0 {
			e.cond.Signal() // a worker for the next lane in line
		}
		return r
	}
	return nil
}

// untake ends an attempt of st's lane: it frees its in-flight slots, lets
// the lanes waiting for the target back in line (those that find it full
// again wait again), and puts st's lane back in line if it has ready work.
// So a lane waits for a target only while an attempt to it is in flight,
// whose end lets it go. Call with e.mu held.
func (e *Engine) untake(st *subState) {
	st.lane.inflight--
	t := st.tgt
	t.inflight--
	for t.waiting.len() > 0 {
		w := t.waiting.pop()
		w.lane.parked = false
		e.enlist(w)
	}
	e.enlist(st)
	e.dropTarget(t)
}

// targetOf returns the target of a subscription to rawURL, counting the
// reference. Call with e.mu held.
func (e *Engine) targetOf(rawURL string) *target {
	key := rawURL
	if u, err := url.Parse(rawURL); err == nil {
		key = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	t, ok := e.targetsBy[key]
	if !ok {
		t = &target{key: key}
		e.targetsBy[key] = t
	}
	t.refs++
	return t
}

// dropTarget forgets t once no subscription refers to it and no attempt
// to it is in flight or waiting. Call with e.mu held.
func (e *Engine) dropTarget(t *target) {
	if t.refs == 0 && t.inflight == 0 && t.waiting.len() == 0 && e.targetsBy[t.key] == t {
		delete(e.targetsBy, t.key)
	}
}

// purgeReady drops the deliveries that Reset forgot from the ready queues
// of lanes, so they no longer count in a backlog. Call with e.mu held.
func (e *Engine) purgeReady(lanes map[*subState]struct{}) {
	for st := range lanes {
		l := &st.lane
		var keep fifo[*record]
		for l.ready.len() > 0 {
			r := l.ready.pop()
			if r.gone {
				r.queued = false
				e.drop(r)
				continue
			}
			keep.push(r)
		}
		l.ready = keep
	}
}

// backlogFull is the error of a delivery refused because its
// subscription's backlog was full. It names the receiver without the
// URL's password.
func backlogFull(st *subState) string {
	target := st.sub.URL
	if u, err := url.Parse(target); err == nil {
		target = u.Redacted()
	}
	return fmt.Sprintf("backlog full: %d deliveries waiting for %s", st.lane.backlog, target)
}

// Sizes the retained log is measured in: what a record and an attempt hold
// besides their strings, about.
const (
	recordOverhead  = 512
	attemptOverhead = 256
)

// recordSize is about how many bytes a new delivery of body holds.
func recordSize(body string) int { return recordOverhead + len(body) }

// attemptSize is about how many bytes a stored attempt holds. Its request
// body is the delivery's payload unless a body template rendered its own.
func attemptSize(a *Attempt, templated bool) int {
	n := attemptOverhead + len(a.Error)
	if templated && a.Request != nil {
		n += len(a.Request.Body)
	}
	if resp := a.Response; resp != nil {
		n += len(resp.Body) + headerSize(resp.Headers)
	}
	return n
}

// headerSize is the bytes of h's names and values, as HeaderLimit counts
// them: each value with its name and ": " and CRLF.
func headerSize(h http.Header) int {
	n := 0
	for k, vv := range h {
		for _, v := range vv {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
