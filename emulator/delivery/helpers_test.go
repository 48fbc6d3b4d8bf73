package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var runs atomic.Int64

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// hit is one request a test receiver got.
type hit struct {
	Method string
	Header http.Header
	Body   string
	At     time.Time
}

// receiver is an httptest server recording every request; handle answers
// the nth (0-based) request, 200 when nil.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newReceiver(t testing.TB, handle func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		n := len(rc.hits)
		rc.hits = append(rc.hits, hit{Method: r.Method, Header: r.Header.Clone(), Body: string(b), At: time.Now()})
		rc.mu.Unlock()
		if handle != nil {
			handle(w, r, n)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() []hit {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hit(nil), rc.hits...)
}

// status answers every request with code.
func status(code int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(code) }
}

// newEngine starts an engine that is shut down when the test ends.
func newEngine(t testing.TB, cfg Config) *Engine {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	e := New(cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return e
}

func mustSubscribe(t testing.TB, e *Engine, s Subscription) Subscription {
	t.Helper()
	got, err := e.Subscribe(s)
	if err != nil {
		t.Fatalf("subscribe %+v: %v", s, err)
	}
	return got
}

func event(vendor, name string) Event {
	body, _ := json.Marshal(map[string]any{"eventType": name, "n": 1, "nested": map[string]any{"id": "x1"}})
	return Event{ID: "evt_test", Vendor: vendor, Name: name, Body: body, Time: time.Now()}
}

func mustEmit(t testing.TB, e *Engine, ev Event) []Delivery {
	t.Helper()
	ds, err := e.Emit(context.Background(), ev)
	if err != nil {
		t.Fatalf("emit: %v", err)
	}
	return ds
}

// waitFinal waits (up to 5 s) for n final deliveries matching f.
func waitFinal(t testing.TB, e *Engine, f Filter, n int) []Delivery {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ds, err := e.Wait(ctx, f, n)
	if err != nil {
		t.Fatalf("wait for %d final deliveries matching %+v: %v; have %+v", n, f, err, ds)
	}
	return ds
}

// oneDelivery emits ev, waits for its only delivery to be final and returns
// it with attempts.
func oneDelivery(t testing.TB, e *Engine, ev Event) Delivery {
	t.Helper()
	if ev.Run == "" {
		ev.Run = fmt.Sprintf("one_%d", runs.Add(1))
	}
	ds := mustEmit(t, e, ev)
	if len(ds) != 1 {
		t.Fatalf("emit made %d deliveries, want 1", len(ds))
	}
	waitFinal(t, e, Filter{Subscription: ds[0].Subscription, Run: ev.Run}, 1)
	d, ok := e.Delivery(ds[0].ID)
	if !ok {
		t.Fatalf("delivery %s gone", ds[0].ID)
	}
	return d
}

// observer records metrics and signals attempts.
type observer struct {
	mu        sync.Mutex
	attempts  int
	finished  map[Status]int
	attempted chan bool
	done      chan Status
}

func newObserver() *observer {
	return &observer{finished: map[Status]int{}, attempted: make(chan bool, 2000), done: make(chan Status, 2000)}
}

func (o *observer) Attempted(_ string, success bool, _ time.Duration) {
	o.mu.Lock()
	o.attempts++
	o.mu.Unlock()
	o.attempted <- success
}

func (o *observer) Finished(_ string, s Status) {
	o.mu.Lock()
	o.finished[s]++
	o.mu.Unlock()
	o.done <- s
}

func (o *observer) count(s Status) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.finished[s]
}

func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
