// Package feed fans values out to listeners without ever blocking the
// sender: the change feeds of the delivery engine and of the runs, which
// the server's live stream reads.
package feed

import (
	"sync"
	"sync/atomic"
)

// Feed fans published values out to its listeners. Publish never blocks:
// each listener has a bounded buffer of its own, and a value that does not
// fit is dropped for that listener and counted (TakeDropped). The zero
// value is ready to use; its methods are safe for concurrent use.
type Feed[T any] struct {
	mu        sync.Mutex
	listeners map[*Listener[T]]struct{}
	n         atomic.Int64 // len(listeners), read without the lock
}

// Listener receives a feed's values on C, in the order they were
// published. Close it when done.
type Listener[T any] struct {
	feed    *Feed[T]
	keep    func(T) bool
	c       chan T
	dropped atomic.Int64
	closed  bool // guarded by feed.mu
}

// Listen adds a listener with room for buffer values (at least 1) that
// receives the values keep accepts (every value when keep is nil). keep is
// called by Publish, with the feed's lock held: it must be quick and must
// not call the feed.
func (f *Feed[T]) Listen(buffer int, keep func(T) bool) *Listener[T] {
	l := &Listener[T]{feed: f, keep: keep, c: make(chan T, max(buffer, 1))}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listeners == nil {
		f.listeners = map[*Listener[T]]struct{}{}
	}
	f.listeners[l] = struct{}{}
	f.n.Store(int64(len(f.listeners)))
	return l
}

// Listening returns how many listeners the feed has: a sender may skip
// building values nobody reads.
func (f *Feed[T]) Listening() int { return int(f.n.Load()) }

// Publish offers vs, in order, to every listener that keeps them; a
// listener whose buffer is full loses the value, counted.
func (f *Feed[T]) Publish(vs ...T) {
	if f.n.Load() == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for l := range f.listeners {
		for _, v := range vs {
			if l.keep != nil && !l.keep(v) {
				continue
			}
			select {
			case l.c <- v:
			default:
				l.dropped.Add(1)
			}
		}
	}
}

// C returns the channel the listener's values arrive on; it is closed by
// Close.
func (l *Listener[T]) C() <-chan T { return l.c }

// TakeDropped returns how many values the listener lost since the last
// call, its buffer being full.
func (l *Listener[T]) TakeDropped() int { return int(l.dropped.Swap(0)) }

// Close removes the listener from its feed and closes C. It may be called
// more than once.
func (l *Listener[T]) Close() {
	f := l.feed
	f.mu.Lock()
	defer f.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	delete(f.listeners, l)
	f.n.Store(int64(len(f.listeners)))
	close(l.c)
}
