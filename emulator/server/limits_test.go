package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
)

// hangingReceiver holds every request until the test ends. Make it after
// start, so that it lets go before the server shuts down.
func hangingReceiver(t *testing.T) string {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	return ts.URL
}

// emitTimed emits one event with an empty override and returns its
// deliveries and how long the answer took.
func emitTimed(t *testing.T, base, path string) ([]deliveryDoc, time.Duration) {
	t.Helper()
	var out struct{ Deliveries []deliveryDoc }
	start := time.Now()
	if code := call(t, "POST", base+"/__admin/events/"+path, "{}", &out); code != http.StatusAccepted {
		t.Fatalf("emit %s: %d", path, code)
	}
	return out.Deliveries, time.Since(start)
}

// metricValue returns the value of one sample line of /metrics ("name" or
// "name{labels}"), or -1 when it is missing.
func metricValue(t *testing.T, base, sample string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %q", sample, v)
			}
			return f
		}
	}
	return -1
}

func healthy(t *testing.T, base string) {
	t.Helper()
	if code := call(t, "GET", base+"/__admin/health", "", nil); code != http.StatusOK {
		t.Fatalf("health: %d", code)
	}
}

// TestHangingReceiverDelaysNoOtherSubscription: while 50 deliveries hang
// on a Cutover receiver, emits still answer at once and a Rocketlane
// subscription's deliveries are all final within a second.
func TestHangingReceiverDelaysNoOtherSubscription(t *testing.T) {
	_, base := start(t, server.Config{})
	hung := hangingReceiver(t)
	rc, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, hung))
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, url))
	var slowest time.Duration
	for range 50 {
		_, took := emitTimed(t, base, "cutover/task-created")
		slowest = max(slowest, took)
	}
	const n = 10
	for range n {
		_, took := emitTimed(t, base, "rocketlane/task-created")
		slowest = max(slowest, took)
	}
	var ds []deliveryDoc
	if code := call(t, "GET", fmt.Sprintf("%s/__admin/deliveries/wait?vendor=rocketlane&count=%d&timeout=1s", base, n), "", &ds); code != http.StatusOK {
		t.Fatalf("the healthy subscription's %d deliveries were not final within a second while 50 hang (%d)", n, code)
	}
	if got := rc.calls.Load(); got != n {
		t.Fatalf("the healthy receiver got %d requests, want %d", got, n)
	}
	if slowest > time.Second {
		t.Errorf("an emit took %s while a receiver hangs", slowest)
	}
	if p := metricValue(t, base, "standin_deliveries_pending"); p != 50 {
		t.Errorf("standin_deliveries_pending %v, want the 50 hanging", p)
	}
	healthy(t, base)
}

// TestFullBacklogFailsAtOnce: beyond a subscription's backlog the emit
// answers at once with the delivery failed and why; a redelivery into the
// full backlog answers 429; /metrics counts both.
func TestFullBacklogFailsAtOnce(t *testing.T) {
	_, base := start(t, server.Config{Backlog: 3, InFlight: 1})
	hung := hangingReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, hung))
	want := fmt.Sprintf("backlog full: 3 deliveries waiting for %s", hung)
	var refused string
	for i := range 5 {
		ds, took := emitTimed(t, base, "rocketlane/task-created")
		if len(ds) != 1 {
			t.Fatalf("emit %d: %d deliveries", i, len(ds))
		}
		d := ds[0]
		switch {
		case i < 3 && d.Status != "pending":
			t.Fatalf("emit %d: %s %q, want pending", i, d.Status, d.Error)
		case i >= 3 && (d.Status != "failed" || d.Error != want):
			t.Fatalf("emit %d: %s %q, want failed with %q", i, d.Status, d.Error, want)
		}
		if took > time.Second {
			t.Errorf("emit %d took %s", i, took)
		}
		refused = d.ID
	}
	var e errResp
	if code := call(t, "POST", base+"/__admin/deliveries/"+refused+"/redeliver", "", &e); code != http.StatusTooManyRequests || e.Error.Code != "backlog_full" || !strings.Contains(e.Error.Message, want) {
		t.Fatalf("redeliver into a full backlog: %d %+v", code, e.Error)
	}

	// A run delivering to the same subscription plays on: each of its
	// steps' deliveries fails at once.
	var started struct{ ID string }
	if code := call(t, "POST", base+"/__admin/runs", `{"scenario":"rocketlane-project-onboarding"}`, &started); code != http.StatusAccepted {
		t.Fatalf("start a run: %d", code)
	}
	var rep struct {
		Status     string
		Events     []json.RawMessage
		Deliveries struct{ Total, Failed int }
	}
	call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=10s", "", &rep)
	if rep.Status == "running" || rep.Deliveries.Total != len(rep.Events) || rep.Deliveries.Failed != rep.Deliveries.Total {
		t.Fatalf("run into a full backlog: %s, %+v for %d events; want it ended, every delivery failed", rep.Status, rep.Deliveries, len(rep.Events))
	}
	var ds []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries?run="+started.ID, "", &ds)
	if len(ds) == 0 || len(ds) != rep.Deliveries.Total {
		t.Fatalf("%d deliveries listed for the run, its report says %d", len(ds), rep.Deliveries.Total)
	}
	for _, d := range ds {
		if d.Error != want {
			t.Fatalf("run delivery %s: %s %q, want %q", d.ID, d.Status, d.Error, want)
		}
	}
	if v := metricValue(t, base, `standin_deliveries_dropped_total{reason="backlog_full"}`); v != float64(3+len(ds)) {
		t.Errorf("backlog_full counted %v, want %d (2 emits, 1 redelivery, the run's)", v, 3+len(ds))
	}
	healthy(t, base)
}

func TestRunsCapAnswers429(t *testing.T) {
	_, base := start(t, server.Config{Runs: 1})
	hung := hangingReceiver(t)
	body := fmt.Sprintf(`{"scenario":"rocketlane-project-onboarding","targets":[%q]}`, hung)
	if code := call(t, "POST", base+"/__admin/runs", body, nil); code != http.StatusAccepted {
		t.Fatalf("first run: %d", code)
	}
	var e errResp
	if code := call(t, "POST", base+"/__admin/runs", body, &e); code != http.StatusTooManyRequests || e.Error.Code != "too_many_runs" || !strings.Contains(e.Error.Message, "1 of at most 1") {
		t.Fatalf("second run while the first plays: %d %+v", code, e.Error)
	}
	if v := metricValue(t, base, "standin_runs_refused_total"); v != 1 {
		t.Errorf("standin_runs_refused_total %v, want 1", v)
	}
	if v := metricValue(t, base, "standin_runs_running"); v != 1 {
		t.Errorf("standin_runs_running %v, want 1", v)
	}
	healthy(t, base)
}

func TestRunsKeptForgetsTheOldest(t *testing.T) {
	_, base := start(t, server.Config{RunsKept: 2})
	_, url := newReceiver(t)
	var ids []string
	for range 3 {
		var started struct{ ID string }
		body := fmt.Sprintf(`{"scenario":"rocketlane-project-onboarding","targets":[%q]}`, url)
		if code := call(t, "POST", base+"/__admin/runs", body, &started); code != http.StatusAccepted {
			t.Fatalf("start: %d", code)
		}
		var rep struct{ Status string }
		call(t, "GET", base+"/__admin/runs/"+started.ID+"?wait=30s", "", &rep)
		if rep.Status != "succeeded" {
			t.Fatalf("run %s: %s", started.ID, rep.Status)
		}
		ids = append(ids, started.ID)
	}
	var list []struct{ ID string }
	call(t, "GET", base+"/__admin/runs", "", &list)
	if len(list) != 2 || list[0].ID != ids[1] || list[1].ID != ids[2] {
		t.Fatalf("runs listed %+v; want the latest 2 of %v", list, ids)
	}
	if v := metricValue(t, base, "standin_runs_forgotten_total"); v != 1 {
		t.Errorf("standin_runs_forgotten_total %v, want 1", v)
	}
}

func TestSinkLimits(t *testing.T) {
	_, base := start(t, server.Config{SinkLimit: 3, SinkNames: 2, SinkBytes: 4096})
	post := func(name string, size int) {
		t.Helper()
		if code := call(t, "POST", base+"/__sink/"+name, strings.Repeat("x", size), nil); code != http.StatusOK {
			t.Fatalf("sink %s: %d", name, code)
		}
	}
	list := func(name string) (int, string) {
		t.Helper()
		resp, err := http.Get(base + "/__admin/sink/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var reqs []server.SinkRequest
		b, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(b, &reqs); err != nil {
			t.Fatal(err)
		}
		return len(reqs), resp.Header.Get(server.SinkDroppedHeader)
	}
	// Per name: the oldest go beyond SinkLimit.
	for range 5 {
		post("a", 10)
	}
	if n, dropped := list("a"); n != 3 || dropped != "2" {
		t.Fatalf("a: %d kept, %s dropped; want 3 and 2", n, dropped)
	}
	// Bytes: three requests of 1500 bytes do not fit in 4096 with a.
	for range 3 {
		post("b", 1500)
	}
	if n, dropped := list("b"); n != 2 || dropped != "1" {
		t.Fatalf("b: %d kept, %s dropped; want 2 and 1", n, dropped)
	}
	// Names: a third name drops the least recently written (a).
	post("c", 10)
	if n, _ := list("a"); n != 0 {
		t.Fatalf("a still has %d requests with 3 names over a limit of 2", n)
	}
	if n, _ := list("c"); n != 1 {
		t.Fatalf("c: %d requests", n)
	}
	if v := metricValue(t, base, `standin_sink_dropped_total{what="names"}`); v != 1 {
		t.Errorf("names dropped %v, want 1", v)
	}
	if v := metricValue(t, base, `standin_sink_dropped_total{what="requests"}`); v != 2+1+3 {
		t.Errorf("requests dropped %v, want 6 (2 of a's limit, 1 of b for bytes, 3 with a)", v)
	}
	if v := metricValue(t, base, "standin_sink_bytes"); v <= 0 || v > 4096 {
		t.Errorf("standin_sink_bytes %v, want within 4096", v)
	}
	healthy(t, base)
}

// TestServerTimeoutsSpareLongPolls: with read and write timeouts far
// shorter than a wait, the long-poll wait still answers (408 with what it
// saw, then 200), and a client that never finishes its headers is cut off
// while the server goes on serving.
func TestServerTimeoutsSpareLongPolls(t *testing.T) {
	srv := server.New(server.Config{
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 200 * time.Millisecond,
		WriteTimeout: 200 * time.Millisecond, IdleTimeout: time.Second,
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	base := "http://" + l.Addr().String()

	var e errResp
	if code := call(t, "GET", base+"/__admin/deliveries/wait?vendor=cutover&timeout=600ms", "", &e); code != http.StatusRequestTimeout || e.Error.Code != "timeout" {
		t.Fatalf("a wait longer than the write timeout: %d %+v", code, e.Error)
	}
	go func() {
		time.Sleep(400 * time.Millisecond)
		if resp, err := http.Post(base+"/__admin/events/cutover/task-created", "application/json", strings.NewReader("{}")); err == nil {
			_ = resp.Body.Close()
		}
	}()
	if ds := wait(t, base, "vendor=cutover&timeout=3s"); len(ds) != 1 {
		t.Fatalf("wait: %+v", ds)
	}

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /__admin/health HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("a half-sent request was not cut off: %v", err)
	}
	healthy(t, base)
}

// TestAttemptAndHeaderLimitsOverHTTP: many redeliveries keep the first
// and the latest attempts, big response headers are cut, and the delivery
// JSON and /metrics say so.
func TestAttemptAndHeaderLimitsOverHTTP(t *testing.T) {
	_, base := start(t, server.Config{AttemptsKept: 2, HeaderLimit: 1024})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 8 {
			w.Header().Set(fmt.Sprintf("X-Big-%d", i), strings.Repeat("h", 512))
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(ts.Close)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, ts.URL))
	ds, _ := emitTimed(t, base, "cutover/task-created")
	id := ds[0].ID
	wait(t, base, "vendor=cutover")
	for range 5 {
		if code := call(t, "POST", base+"/__admin/deliveries/"+id+"/redeliver", "", nil); code != http.StatusAccepted {
			t.Fatalf("redeliver: %d", code)
		}
		wait(t, base, "vendor=cutover") // final again
	}
	var d struct {
		AttemptCount    int `json:"attempt_count"`
		AttemptsDropped int `json:"attempts_dropped"`
		Attempts        []struct {
			N        int `json:"n"`
			Response struct {
				Headers          http.Header `json:"headers"`
				HeadersTruncated bool        `json:"headers_truncated"`
			} `json:"response"`
		} `json:"attempts"`
	}
	call(t, "GET", base+"/__admin/deliveries/"+id, "", &d)
	var ns []int
	for _, a := range d.Attempts {
		ns = append(ns, a.N)
		if !a.Response.HeadersTruncated || len(a.Response.Headers) >= 8 {
			t.Errorf("attempt %d kept %d headers, truncated %v", a.N, len(a.Response.Headers), a.Response.HeadersTruncated)
		}
	}
	if fmt.Sprint(ns) != "[1 5 6]" || d.AttemptsDropped != 3 || d.AttemptCount != 6 {
		t.Fatalf("attempts %v, dropped %d, count %d; want [1 5 6], 3, 6", ns, d.AttemptsDropped, d.AttemptCount)
	}
	if v := metricValue(t, base, "standin_attempts_dropped_total"); v != 3 {
		t.Errorf("standin_attempts_dropped_total %v, want 3", v)
	}
	if v := metricValue(t, base, `standin_responses_truncated_total{part="headers"}`); v != 6 {
		t.Errorf("headers truncated %v, want 6", v)
	}
	healthy(t, base)
}
