package delivery

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkDeliver compares deliveries per second through the engine (Emit
// N events, Wait for N final) with a plain net/http client posting the same
// bytes from Workers goroutines, both to the same local receiver answering
// 200 with a tiny body. The two run in alternating rounds of 1,000 in one
// benchmark, so both see the same machine load, and it reports each rate
// and their ratio (engine / plain; the target is at least 0.7).
//
// The engine runs with its default retention, as users run it. Beyond the
// retention the oldest final deliveries are evicted, so each round waits for
// its own run's deliveries to be final; non-final ones are never evicted.
func BenchmarkDeliver(b *testing.B) {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	defer rc.Close()
	// One subscription gets DefaultInFlight attempts at once; the plain
	// client posts from as many goroutines.
	const workers = DefaultInFlight
	e := New(Config{Logger: discard})
	defer func() { _ = e.Shutdown(context.Background()) }()
	if _, err := e.Subscribe(Subscription{Vendor: "rocketlane", URL: rc.URL}); err != nil {
		b.Fatal(err)
	}
	client := defaultClient(workers)
	defer client.CloseIdleConnections()
	ev := event("rocketlane", "TASK_CREATED")

	const round = 1000
	var engineTime, plainTime time.Duration
	b.ResetTimer()
	for done, r := 0, 0; done < b.N; r++ {
		n := min(round, b.N-done)
		engineTime += engineRound(b, e, ev, fmt.Sprintf("bench_%d", r), n)
		plainTime += plainRound(b, client, rc.URL, ev.Body, workers, n)
		done += n
	}
	b.StopTimer()
	engineRate := float64(b.N) / engineTime.Seconds()
	plainRate := float64(b.N) / plainTime.Seconds()
	b.ReportMetric(engineRate, "engine-deliveries/s")
	b.ReportMetric(plainRate, "plain-deliveries/s")
	b.ReportMetric(engineRate/plainRate, "ratio")
}

// engineRound emits n events in run and waits until all are delivered.
func engineRound(b *testing.B, e *Engine, ev Event, run string, n int) time.Duration {
	ev.Run = run
	ctx := context.Background()
	start := time.Now()
	for range n {
		if _, err := e.Emit(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	ds, err := e.Wait(ctx, Filter{Run: run}, n)
	if err != nil {
		b.Fatal(err)
	}
	elapsed := time.Since(start)
	for _, d := range ds {
		if d.Status != Delivered {
			b.Fatalf("delivery %s: %s %s", d.ID, d.Status, d.Error)
		}
	}
	return elapsed
}

// plainRound posts body n times from workers goroutines.
func plainRound(b *testing.B, client *http.Client, url string, body []byte, workers, n int) time.Duration {
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				if err != nil {
					failed.Add(1)
					continue
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if k := failed.Load(); k > 0 {
		b.Fatalf("%d plain requests failed", k)
	}
	return elapsed
}

// cannedTransport answers every request 200 "ok" without a network.
type cannedTransport struct{}

func (cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/plain"}},
		Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
}

// BenchmarkEngineOverhead measures the engine's own cost per delivery:
// Emit, queue, attempt bookkeeping, store and Wait, with a transport that
// answers in memory.
func BenchmarkEngineOverhead(b *testing.B) {
	e := New(Config{Logger: discard, Client: &http.Client{Transport: cannedTransport{}}})
	defer func() { _ = e.Shutdown(context.Background()) }()
	if _, err := e.Subscribe(Subscription{Vendor: "rocketlane", URL: "http://receiver.invalid/"}); err != nil {
		b.Fatal(err)
	}
	ev := event("rocketlane", "TASK_CREATED")
	ev.Run = "overhead"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := e.Emit(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := e.Wait(ctx, Filter{Run: ev.Run}, min(b.N, DefaultRetention)); err != nil {
		b.Fatal(err)
	}
}
