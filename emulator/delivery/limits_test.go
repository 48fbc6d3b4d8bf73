package delivery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hangingReceiver answers nothing until the test ends; it counts the
// requests it holds at once and at most.
type hangingReceiver struct {
	*receiver
	release   chan struct{}
	now, most atomic.Int64
	arrived   chan struct{}
}

// newHangingReceiver starts a receiver that holds every request until the
// test's cleanup, which runs before the engine's shutdown when the engine
// was made first.
func newHangingReceiver(t *testing.T) *hangingReceiver {
	h := &hangingReceiver{release: make(chan struct{}), arrived: make(chan struct{}, 1000)}
	h.receiver = newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		n := h.now.Add(1)
		defer h.now.Add(-1)
		for {
			m := h.most.Load()
			if n <= m || h.most.CompareAndSwap(m, n) {
				break
			}
		}
		h.arrived <- struct{}{}
		select {
		case <-h.release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(h.release) })
	return h
}

// TestHangingReceiverDelaysOnlyItsOwnSubscription: 50 deliveries hang on
// one subscription's receiver; another subscription's deliveries are all
// delivered within a second, and the hanging one holds no more workers
// than its in-flight limit.
func TestHangingReceiverDelaysOnlyItsOwnSubscription(t *testing.T) {
	e := newEngine(t, Config{})
	hung := newHangingReceiver(t)
	healthy := newReceiver(t, nil)
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: hung.URL})
	ok := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: healthy.URL})
	for range 50 {
		mustEmit(t, e, event("cutover", "task.created"))
	}
	for range DefaultInFlight {
		recv(t, hung.arrived, "a request to the hanging receiver")
	}

	const n = 20
	start := time.Now()
	var ids []string
	for range n {
		for _, d := range mustEmit(t, e, event("rocketlane", "TASK_CREATED")) {
			ids = append(ids, d.ID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := e.AwaitFinal(ctx, ids); err != nil {
		t.Fatalf("the healthy subscription's %d deliveries were not final within a second of their emit while 50 hang: %v", n, err)
	}
	took := time.Since(start)
	if got := e.Deliveries(Filter{Subscription: ok.ID, Status: string(Delivered)}); len(got) != n {
		t.Fatalf("%d of %d healthy deliveries delivered", len(got), n)
	}
	if most := hung.most.Load(); most > DefaultInFlight {
		t.Fatalf("the hanging receiver held %d requests at once, over the in-flight limit %d", most, DefaultInFlight)
	}
	if p := e.Stats().Pending; p != 50 {
		t.Fatalf("%d pending, want the 50 hanging ones", p)
	}
	t.Logf("%d healthy deliveries final in %s while 50 hang", n, took)
}

// TestHangingTargetSharedBySubscriptions: five subscriptions to one
// hanging host (a run's targets, say) hold at most the target's in-flight
// limit of workers between them, and another receiver is served at once.
func TestHangingTargetSharedBySubscriptions(t *testing.T) {
	e := newEngine(t, Config{Workers: 8, InFlight: 2, TargetInFlight: 4})
	hung := newHangingReceiver(t)
	healthy := newReceiver(t, nil)
	for i := range 5 {
		mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: fmt.Sprintf("%s/run%d", hung.URL, i)})
	}
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: healthy.URL})
	for range 10 {
		mustEmit(t, e, event("cutover", "task.created"))
	}
	for range 4 {
		recv(t, hung.arrived, "a request to the hanging host")
	}
	var ids []string
	for range 20 {
		for _, d := range mustEmit(t, e, event("rocketlane", "TASK_CREATED")) {
			ids = append(ids, d.ID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := e.AwaitFinal(ctx, ids); err != nil {
		t.Fatalf("the healthy deliveries were not final within a second while 50 hang on one host: %v", err)
	}
	if most := hung.most.Load(); most != 4 {
		t.Fatalf("the hanging host held %d requests at once; want its limit, 4", most)
	}
}

// TestLanesTakeTurns: with one worker, two subscriptions with queued work
// alternate rather than one draining first.
func TestLanesTakeTurns(t *testing.T) {
	var mu sync.Mutex
	var order []string
	gate := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			<-gate // hold the one worker while both lanes fill
		}
		mu.Lock()
		order = append(order, r.URL.Path)
		mu.Unlock()
	})
	e := newEngine(t, Config{Workers: 1})
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL + "/a"})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL + "/b"})
	mustEmit(t, e, event("cutover", "task.created"))
	for len(rc.got()) < 1 {
		time.Sleep(time.Millisecond)
	}
	for range 3 {
		mustEmit(t, e, event("cutover", "task.created"))
	}
	for range 3 {
		mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	}
	close(gate)
	waitFinal(t, e, Filter{}, 7)
	mu.Lock()
	defer mu.Unlock()
	want := "/a /b /a /b /a /b /a"
	if got := strings.Join(order, " "); got != want {
		t.Fatalf("order %q, want %q (the lanes in turn)", got, want)
	}
}

func TestLimitsHoldAndAreCounted(t *testing.T) {
	bigHeaders := func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := range 64 {
			w.Header().Set(fmt.Sprintf("X-Big-%02d", i), strings.Repeat("v", 1024))
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusOK)
	}
	bigBody := func(w http.ResponseWriter, _ *http.Request, _ int) {
		_, _ = w.Write([]byte(strings.Repeat("b", 8<<10)))
	}
	failing := status(http.StatusInternalServerError)
	tests := []struct {
		name   string
		cfg    Config
		handle func(http.ResponseWriter, *http.Request, int)
		// redeliver is how many times the delivery is sent again once final.
		redeliver, emits int
		check            func(t *testing.T, e *Engine, last Delivery, st Stats)
	}{
		{name: "response headers", cfg: Config{HeaderLimit: 16 << 10}, handle: bigHeaders, emits: 1,
			check: func(t *testing.T, e *Engine, d Delivery, st Stats) {
				resp := d.Attempts[0].Response
				if !resp.HeadersTruncated || headerSize(resp.Headers) > 16<<10 || len(resp.Headers) < 10 {
					t.Fatalf("headers kept: %d bytes in %d, truncated %v; want at most 16 KiB, marked", headerSize(resp.Headers), len(resp.Headers), resp.HeadersTruncated)
				}
				if resp.Headers.Get("Retry-After") != "1" {
					t.Errorf("a small header was left out: %v", resp.Headers)
				}
				if st.HeadersTruncated != 1 {
					t.Errorf("stats count %d truncated headers, want 1", st.HeadersTruncated)
				}
			}},
		{name: "attempts after many redeliveries", cfg: Config{AttemptsKept: 3}, handle: failing, emits: 1, redeliver: 30,
			check: func(t *testing.T, e *Engine, d Delivery, st Stats) {
				var ns []int
				for _, a := range d.Attempts {
					ns = append(ns, a.N)
				}
				if fmt.Sprint(ns) != "[1 29 30 31]" || d.AttemptsDropped != 27 || d.AttemptCount != 31 {
					t.Fatalf("attempts %v, dropped %d, count %d; want the first and the latest 3 of 31, 27 dropped", ns, d.AttemptsDropped, d.AttemptCount)
				}
				if st.AttemptsDropped != 27 {
					t.Errorf("stats count %d attempts dropped, want 27", st.AttemptsDropped)
				}
			}},
		{name: "log bytes", cfg: Config{RetentionBytes: 64 << 10}, handle: bigBody, emits: 40,
			check: func(t *testing.T, e *Engine, d Delivery, st Stats) {
				if st.RetainedBytes > 64<<10 || st.Retained >= 40 || st.Retained < 4 {
					t.Fatalf("kept %d deliveries in %d bytes; want under 64 KiB, some evicted", st.Retained, st.RetainedBytes)
				}
				if st.EvictedForBytes != 40-st.Retained || st.Evicted != st.EvictedForBytes {
					t.Errorf("stats: %+v; want every eviction counted, for bytes", st)
				}
				if _, ok := e.Delivery(d.ID); !ok {
					t.Errorf("the newest delivery was evicted")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, tt.handle)
			e := newEngine(t, tt.cfg)
			mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL})
			var last Delivery
			for range tt.emits {
				last = oneDelivery(t, e, event("cutover", "task.created"))
			}
			for range tt.redeliver {
				if _, err := e.Redeliver(context.Background(), last.ID); err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				err := e.AwaitFinal(ctx, []string{last.ID})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
			}
			last, _ = e.Delivery(last.ID)
			tt.check(t, e, last, e.Stats())
		})
	}
}

// BenchmarkHungSubscription measures deliveries per second to a healthy
// subscription while another subscription's receiver hangs on every
// request it gets.
func BenchmarkHungSubscription(b *testing.B) {
	release := make(chan struct{})
	hung := newReceiver(b, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	healthy := newReceiver(b, nil)
	e := New(Config{Logger: discard})
	defer func() { _ = e.Shutdown(context.Background()) }()
	defer close(release)
	if _, err := e.Subscribe(Subscription{Vendor: "cutover", URL: hung.URL}); err != nil {
		b.Fatal(err)
	}
	if _, err := e.Subscribe(Subscription{Vendor: "rocketlane", URL: healthy.URL}); err != nil {
		b.Fatal(err)
	}
	for range 50 {
		if _, err := e.Emit(context.Background(), event("cutover", "task.created")); err != nil {
			b.Fatal(err)
		}
	}
	ev := event("rocketlane", "TASK_CREATED")
	b.ResetTimer()
	for done, r := 0, 0; done < b.N; r++ {
		n := min(1000, b.N-done)
		engineRound(b, e, ev, fmt.Sprintf("hung_%d", r), n)
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "healthy-deliveries/s")
}

func TestFifoKeepsOrder(t *testing.T) {
	tests := []struct {
		name string
		// ops are pushes (n > 0 pushes n values) and pops (n < 0 pops -n).
		ops []int
	}{
		{"empty", nil},
		{"push then pop", []int{10, -10}},
		{"drain and refill", []int{3, -3, 5, -2, 4, -7}},
		{"compaction", []int{100, -80, 50, -60, 200, -210}},
		{"long interleaving", []int{70, -65, 70, -65, 70, -65, 70, -65}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q fifo[int]
			next, want := 0, 0
			for _, op := range tt.ops {
				for ; op > 0; op-- {
					q.push(next)
					next++
				}
				for ; op < 0; op++ {
					if got := q.pop(); got != want {
						t.Fatalf("popped %d, want %d", got, want)
					}
					want++
				}
			}
			if q.len() != next-want {
				t.Fatalf("len %d, want %d", q.len(), next-want)
			}
		})
	}
}

// TestLaneAccountingUnderChurn emits to subscriptions with every fault and
// retries while others reset, redeliver and unsubscribe; once everything
// drains, no lane counts a delivery in its backlog or in flight and no
// target is left behind.
func TestLaneAccountingUnderChurn(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n%3 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	e := New(Config{Workers: 4, InFlight: 2, TargetInFlight: 3, Backlog: 20, Logger: discard})
	retry := Retry{MaxAttempts: 2, InitialInterval: Duration(time.Millisecond), MaxInterval: Duration(time.Millisecond)}
	var states []*subState
	for i, f := range []Faults{{}, {Duplicate: true}, {Delay: Duration(time.Millisecond)}, {Reorder: true, ReorderWindow: Duration(5 * time.Millisecond)}} {
		s := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: fmt.Sprintf("%s/%d", rc.URL, i), Faults: f, Retry: retry})
		e.mu.Lock()
		states = append(states, e.subByID[s.ID])
		e.mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 60 {
				ds, err := e.Emit(context.Background(), event("rocketlane", "TASK_CREATED"))
				if err != nil {
					t.Error(err)
					return
				}
				switch {
				case g == 0 && i%20 == 19:
					e.Reset()
				case g == 1 && len(ds) > 0:
					_, _ = e.Redeliver(context.Background(), ds[0].ID) // refused unless final
				}
			}
		}()
	}
	wg.Wait()
	e.Unsubscribe(states[0].sub.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown did not drain: %v", err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.pending != 0 {
		t.Errorf("%d pending after shutdown", e.pending)
	}
	for i, st := range states {
		if l := &st.lane; l.backlog != 0 || l.inflight != 0 || l.ready.len() != 0 || l.parked {
			t.Errorf("subscription %d: backlog %d, in flight %d, ready %d, parked %v", i, l.backlog, l.inflight, l.ready.len(), l.parked)
		}
		if st.tgt.inflight != 0 || st.tgt.waiting.len() != 0 {
			t.Errorf("subscription %d's target: in flight %d, waiting %d", i, st.tgt.inflight, st.tgt.waiting.len())
		}
	}
	if len(e.targetsBy) != 1 {
		t.Errorf("%d targets, want the receiver's one", len(e.targetsBy))
	}
}

// TestLaneWaitingForATargetIsNotForgotten: lanes waiting for a busy
// target whose queued work Reset forgot still get their next delivery
// through once the target is free.
func TestLaneWaitingForATargetIsNotForgotten(t *testing.T) {
	gate := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 0 {
			<-gate
		}
	})
	e := newEngine(t, Config{Workers: 4, InFlight: 1, TargetInFlight: 1})
	a := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL + "/a"})
	b := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL + "/b", Events: []string{"TASK_CREATED"}})
	c := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL + "/c", Events: []string{"TASK_UPDATED"}})
	mustEmit(t, e, event("cutover", "task.created"))
	for len(rc.got()) < 1 {
		time.Sleep(time.Millisecond)
	}
	mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	mustEmit(t, e, event("rocketlane", "TASK_UPDATED"))
	waiting := func() int {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.subByID[a.ID].tgt.waiting.len()
	}
	for waiting() < 2 {
		time.Sleep(time.Millisecond)
	}
	e.Reset()
	close(gate)
	for _, s := range []Subscription{c, b} { // c first: b went back in line first
		ev := event("rocketlane", s.Events[0])
		ev.Run = "after_reset_" + s.ID
		if d := oneDelivery(t, e, ev); d.Status != Delivered {
			t.Fatalf("%s after the reset: %+v", s.URL, d)
		}
	}
}

// TestHangingNeighboursOnTheSameHost: one receiver app serves several hook
// paths; up to three of its subscriptions hang (50 deliveries between
// them) and a healthy subscription on the same host:port is still
// delivered within a second, since the host's limit is above their
// in-flight limits.
func TestHangingNeighboursOnTheSameHost(t *testing.T) {
	for _, hanging := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("%d hanging", hanging), func(t *testing.T) {
			e := newEngine(t, Config{})
			release := make(chan struct{})
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
				if strings.HasPrefix(r.URL.Path, "/hang") {
					select {
					case <-release:
					case <-r.Context().Done():
					}
				}
			})
			t.Cleanup(func() { close(release) })
			for i := range hanging {
				mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: fmt.Sprintf("%s/hang-%d", rc.URL, i)})
			}
			mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL + "/ok"})
			for range 50 / hanging {
				mustEmit(t, e, event("cutover", "task.created"))
			}
			time.Sleep(50 * time.Millisecond) // the hanging attempts take their slots
			var ids []string
			for _, d := range mustEmit(t, e, event("rocketlane", "TASK_CREATED")) {
				ids = append(ids, d.ID)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if err := e.AwaitFinal(ctx, ids); err != nil {
				t.Fatalf("the healthy subscription's delivery was not final within a second while %d neighbours on its host hang: %v", hanging, err)
			}
		})
	}
}

// TestSubscriptionBounds: subscriptions beyond MaxSubscriptions are refused
// with ErrTooManySubscriptions, and a subscription's headers are bounded
// in bytes.
func TestSubscriptionBounds(t *testing.T) {
	e := newEngine(t, Config{MaxSubscriptions: 3})
	for i := range 3 {
		mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: fmt.Sprintf("http://127.0.0.1:1/%d", i)})
	}
	if _, err := e.Subscribe(Subscription{Vendor: "cutover", URL: "http://127.0.0.1:1/4"}); !errors.Is(err, ErrTooManySubscriptions) {
		t.Fatalf("the 4th subscription of at most 3: %v, want ErrTooManySubscriptions", err)
	}
	// A fallback (the server's sink) is not counted: emits must still find one.
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: "http://127.0.0.1:1/sink", Fallback: true})
	e.Unsubscribe(e.Subscriptions()[0].ID)
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: "http://127.0.0.1:1/4"})

	big := newEngine(t, Config{})
	tests := []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"small", map[string]string{"X-Env": "ci"}, true},
		{"one huge value", map[string]string{"X-Big": strings.Repeat("a", 70<<10)}, false},
		{"many headers", func() map[string]string {
			h := map[string]string{}
			for i := range 5000 {
				h[fmt.Sprintf("X-H-%d", i)] = "0123456789"
			}
			return h
		}(), false},
	}
	for _, tc := range tests {
		_, err := big.Subscribe(Subscription{Vendor: "cutover", URL: "http://127.0.0.1:1/", Headers: tc.headers})
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "bytes of headers")) {
			t.Errorf("%s: err %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
