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
// 200 with a tiny body.
//
// The engine runs with its default retention, as users run it. Beyond the
// retention the oldest final deliveries are evicted, so the benchmark waits
// for min(N, Retention) final ones: since every delivery exists before the
// wait and non-final ones are never evicted, that many final deliveries in
// the store means all N are final.
func BenchmarkDeliver(b *testing.B) {
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, "ok")
	}))
	defer rc.Close()
	ev := event("rocketlane", "TASK_CREATED")
	const workers = DefaultWorkers
	var runs atomic.Int64

	b.Run("engine", func(b *testing.B) {
		e := New(Config{Workers: workers, Logger: discard})
		defer func() { _ = e.Shutdown(context.Background()) }()
		if _, err := e.Subscribe(Subscription{Vendor: "rocketlane", URL: rc.URL}); err != nil {
			b.Fatal(err)
		}
		ev := ev
		ev.Run = fmt.Sprintf("bench_%d", runs.Add(1))
		ctx := context.Background()
		b.ResetTimer()
		start := time.Now()
		for range b.N {
			if _, err := e.Emit(ctx, ev); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := e.Wait(ctx, Filter{Run: ev.Run}, min(b.N, DefaultRetention)); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		if n, dropped := len(e.Deliveries(Filter{Run: ev.Run, Status: string(Delivered)})), e.Dropped(); n+dropped != b.N {
			b.Fatalf("%d delivered and %d evicted of %d", n, dropped, b.N)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	})

	b.Run("plain", func(b *testing.B) {
		client := defaultClient(workers)
		defer client.CloseIdleConnections()
		var next, failed atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		start := time.Now()
		for range workers {
			wg.Go(func() {
				for next.Add(1) <= int64(b.N) {
					req, err := http.NewRequest(http.MethodPost, rc.URL, bytes.NewReader(ev.Body))
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
		b.StopTimer()
		if n := failed.Load(); n > 0 {
			b.Fatalf("%d requests failed", n)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
	})
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
