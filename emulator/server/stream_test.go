package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/server"
)

// sse is one server-sent event, or a comment (Comment set).
type sse struct {
	ID      uint64
	Event   string
	Data    string
	Comment string
}

// stream is an open GET /__admin/stream, read in the background.
type stream struct {
	resp   *http.Response
	events chan sse
	cancel context.CancelFunc
}

// openStream opens the stream at base with query (filters) and the
// header pairs, and fails unless it answers 200 with the SSE headers.
func openStream(t *testing.T, base, query string, header ...string) *stream {
	t.Helper()
	s := openPaused(t, base, query, header...)
	s.read()
	return s
}

// openPaused opens the stream but reads nothing until read is called.
func openPaused(t *testing.T, base, query string, header ...string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/__admin/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("stream answered %s, %v", resp.Status, resp.Header)
	}
	s := &stream{resp: resp, events: make(chan sse, 10000), cancel: cancel}
	t.Cleanup(s.close)
	return s
}

// read starts reading the stream's events.
func (s *stream) read() {
	resp := s.resp
	go func() {
		defer close(s.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev != (sse{}) {
					s.events <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, ":"):
				ev.Comment = strings.TrimSpace(line[1:])
			default:
				k, v, _ := strings.Cut(line, ": ")
				switch k {
				case "id":
					ev.ID, _ = strconv.ParseUint(v, 10, 64)
				case "event":
					ev.Event = v
				case "data":
					ev.Data = v
				}
			}
		}
	}()
}

func (s *stream) close() { s.cancel(); s.resp.Body.Close() }

// next returns the next event that is not a heartbeat.
func (s *stream) next(t *testing.T) sse {
	t.Helper()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if ev.Comment == "" {
				return ev
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no stream event in 10s")
		}
	}
}

// streamed is what the tests compare: each event as kind and the fields
// that tell it apart.
func describe(t *testing.T, ev sse) string {
	t.Helper()
	var v struct {
		ID, Status, Event, Vendor, Delivery string
		Events                              int
		Attempt                             *struct{ N int }
		Dropped                             int
	}
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		t.Fatalf("event %s data is not JSON: %v\n%s", ev.Event, err, ev.Data)
	}
	switch ev.Event {
	case "run":
		return fmt.Sprintf("run:%s/%d", v.Status, v.Events)
	case "delivery":
		return fmt.Sprintf("delivery:%s:%s", v.Event, v.Status)
	case "attempt":
		return fmt.Sprintf("attempt:%s#%d", v.Event, v.Attempt.N)
	}
	return ev.Event
}

func TestStreamShowsARunAsItPlays(t *testing.T) {
	gate := make(chan struct{})
	url := gatedReceiver(t, 2, gate) // holds the second request
	srv, base := start(t, server.Config{})
	st := openStream(t, base, "")
	script := "name: s\nvendor: cutover\nsteps:\n  - event: task.created\n  - event: task.started\n"
	body, _ := json.Marshal(map[string]any{"script": script, "targets": []string{url}})
	var started struct{ ID string }
	if code := call(t, "POST", base+"/__admin/runs", string(body), &started); code != 202 {
		t.Fatalf("start run: %d", code)
	}
	var runs, deliveries []string
	var last uint64
	// read reads events until until says stop.
	read := func(until func() bool) {
		for !until() {
			ev := st.next(t)
			if ev.ID <= last {
				t.Fatalf("event id %d after %d", ev.ID, last)
			}
			last = ev.ID
			if d := describe(t, ev); strings.HasPrefix(d, "run:") {
				runs = append(runs, d)
			} else {
				deliveries = append(deliveries, d)
			}
		}
	}
	// The second delivery's attempt is held by the receiver: all this
	// arrives while the run plays. The deliveries and the runs are two
	// feeds: each keeps its order, and they interleave as they happen.
	read(func() bool { return len(deliveries) == 4 })
	want := "delivery:task.created:pending attempt:task.created#1 delivery:task.created:delivered delivery:task.started:pending"
	if got := strings.Join(deliveries, " "); got != want {
		t.Fatalf("deliveries before the second attempt:\n %s\nwant\n %s", got, want)
	}
	if len(runs) == 0 || runs[0] != "run:running/0" {
		t.Fatalf("runs before the second attempt: %v, want running/0 first", runs)
	}
	if r, ok := srv.Runs().Get(started.ID); !ok || r.Summary().Status != "running" {
		t.Fatal("the run is not running any more")
	}
	close(gate)
	deliveries = nil
	read(func() bool { return len(runs) > 0 && strings.HasPrefix(runs[len(runs)-1], "run:succeeded") })
	want = "attempt:task.started#1 delivery:task.started:delivered"
	if got := strings.Join(deliveries, " "); got != want {
		t.Fatalf("deliveries after:\n %s\nwant\n %s", got, want)
	}
	if runs[len(runs)-1] != "run:succeeded/2" {
		t.Fatalf("last run event %s, want run:succeeded/2", runs[len(runs)-1])
	}
}

// gatedReceiver answers 200, but its nth request (from 1) waits for gate
// to close.
func gatedReceiver(t *testing.T, n int64, gate chan struct{}) string {
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == n {
			select {
			case <-gate:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() {
		select {
		case <-gate:
		default:
			close(gate) // a failed test leaves it shut
		}
		ts.Close()
	})
	return ts.URL
}

func TestStreamFilters(t *testing.T) {
	_, okURL := newReceiver(t)
	_, badURL := newReceiver(t, 500)
	_, base := start(t, server.Config{})
	for _, sub := range []string{
		fmt.Sprintf(`{"vendor":"cutover","url":%q}`, okURL),
		fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, badURL),
	} {
		if code := call(t, "POST", base+"/__admin/subscriptions", sub, nil); code != 201 {
			t.Fatalf("subscribe: %d", code)
		}
	}
	for _, tc := range []struct {
		name, query string
		want        string
	}{
		{"everything", "",
			"delivery:task.created:pending attempt:task.created#1 delivery:task.created:delivered " +
				"delivery:TASK_CREATED:pending attempt:TASK_CREATED#1 delivery:TASK_CREATED:failed"},
		{"vendor", "?vendor=rocketlane",
			"delivery:TASK_CREATED:pending attempt:TASK_CREATED#1 delivery:TASK_CREATED:failed"},
		{"event name", "?event=task.created",
			"delivery:task.created:pending attempt:task.created#1 delivery:task.created:delivered"},
		{"status applies to deliveries only", "?status=failed",
			"attempt:task.created#1 attempt:TASK_CREATED#1 delivery:TASK_CREATED:failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStream(t, base, tc.query)
			// The cutover event first, then (once it is final) Rocketlane's,
			// so that the expected order is fixed.
			for _, path := range []string{"/__admin/events/cutover/task.created", "/__admin/events/rocketlane/TASK_CREATED"} {
				if code := call(t, "POST", base+path, "", nil); code != 202 {
					t.Fatalf("emit: %d", code)
				}
				call(t, "GET", base+"/__admin/deliveries/wait?status=&count=1&vendor="+strings.Split(path, "/")[3]+"&timeout=5s", "", nil)
			}
			want := strings.Split(tc.want, " ")
			var got []string
			for range want {
				got = append(got, describe(t, st.next(t)))
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("got\n %s\nwant\n %s", strings.Join(got, " "), tc.want)
			}
			call(t, "POST", base+"/__admin/reset", "", nil)
		})
	}
	// A run filter also filters runs: another run's events never show.
	st := openStream(t, base, "?run=run_nobody")
	var started struct{ ID string }
	call(t, "POST", base+"/__admin/runs", `{"scenario":"rocketlane-project-onboarding"}`, &started)
	call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=10s", "", nil)
	select {
	case ev := <-st.events:
		if ev.Comment == "" {
			t.Fatalf("a stream for another run got %s %s", ev.Event, ev.Data)
		}
	default:
	}
	// Bad filters are refused like the deliveries list's.
	var e errResp
	if code := call(t, "GET", base+"/__admin/stream?status=done", "", &e); code != 400 || e.Error.Code != "bad_query" {
		t.Fatalf("bad status: %d %+v", code, e)
	}
}

func TestStreamHeartbeatAuthAndDisconnect(t *testing.T) {
	srv, base := start(t, server.Config{AdminToken: "s3cret", StreamHeartbeat: 5 * time.Millisecond})
	if code := call(t, "GET", base+"/__admin/stream", "", nil); code != 401 {
		t.Fatalf("without the token: %d", code)
	}
	st := openStream(t, base, "", "Authorization", "Bearer s3cret")
	select {
	case ev := <-st.events:
		if ev.Comment != "ping" {
			t.Fatalf("first event %+v, want the heartbeat", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no heartbeat")
	}
	if srv.Engine().Listening() != 1 || srv.Runs().Listening() != 1 {
		t.Fatalf("listening %d/%d while the stream is open", srv.Engine().Listening(), srv.Runs().Listening())
	}
	st.close()
	waitFor(t, "the listeners to go", func() bool { return srv.Engine().Listening() == 0 && srv.Runs().Listening() == 0 })
}

func TestStreamCountsWhatASlowReaderLost(t *testing.T) {
	srv, base := start(t, server.Config{StreamBuffer: 1, StreamHeartbeat: 5 * time.Millisecond})
	// Every attempt event carries the receiver's 64 KiB answer: a reader
	// that reads nothing fills the connection's buffers after some
	// megabytes, and the stream's buffer of one overflows.
	big := strings.Repeat("x", 64<<10)
	const subs, emits = 3, 100
	for range subs {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(big)) }))
		t.Cleanup(ts.Close)
		if code := call(t, "POST", base+"/__admin/subscriptions", fmt.Sprintf(`{"vendor":"cutover","url":%q}`, ts.URL), nil); code != 201 {
			t.Fatalf("subscribe: %d", code)
		}
	}
	st := openPaused(t, base, "")
	for range emits {
		call(t, "POST", base+"/__admin/events/cutover/task.created", "", nil)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := srv.Engine().Wait(ctx, delivery.Filter{}, subs*emits); err != nil {
		t.Fatal(err)
	}
	st.read()
	// Every delivery makes 3 events (created, attempt, delivered); each
	// one arrives or is counted lost.
	const total = 3 * subs * emits
	seen, lost, drops := 0, 0, 0
	for seen+lost < total {
		ev := st.next(t)
		if ev.Event != "dropped" {
			seen++
			continue
		}
		var d struct{ Dropped int }
		if err := json.Unmarshal([]byte(ev.Data), &d); err != nil || d.Dropped < 1 {
			t.Fatalf("dropped event %q", ev.Data)
		}
		lost += d.Dropped
		drops++
	}
	if seen+lost != total || drops == 0 {
		t.Fatalf("seen %d, lost %d in %d drop events; want %d in all, some lost", seen, lost, drops, total)
	}
}

func TestShutdownEndsStreams(t *testing.T) {
	srv, base := start(t, server.Config{})
	st := openStream(t, base, "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with a stream open: %v", err)
	}
	ended := make(chan struct{})
	go func() {
		for range st.events {
		}
		close(ended)
	}()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream did not end within 5 s of the shutdown")
	}
}

// waitFor polls cond until it holds, for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
