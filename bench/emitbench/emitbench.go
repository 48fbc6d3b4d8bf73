// Package emitbench is the apparatus of the emit → delivered benchmarks:
// a webhook receiver that counts, the bare relay standin is measured
// against, and the load generator that drives either. The in-process
// benchmark (emulator/server's BenchmarkEmitToDelivered) and the
// from-outside one (bench/outside) share it, so both measure the same
// thing.
//
// The receiver and the load generator carry profiler labels
// (part=receiver|load, round=standin|relay), so a CPU profile can be split
// by the kind of round.
package emitbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Clients is the load generator's concurrent clients; RelayWorkers the
// relay's delivery workers, as issue 14 sets them.
const (
	Clients      = 16
	RelayWorkers = 16
)

// events are the events each vendor's rounds cycle through, as
// vendor/slug paths under /__admin/events/.
var events = map[string][]string{
	"rocketlane": {"rocketlane/task-created", "rocketlane/task-updated", "rocketlane/project-created", "rocketlane/phase-updated"},
	"cutover":    {"cutover/task-created", "cutover/task-updated", "cutover/run-started", "cutover/runbook-updated"},
	"flexdeploy": {"flexdeploy/comment-added", "flexdeploy/package-created", "flexdeploy/release-started", "flexdeploy/workflow-completed", "flexdeploy/task-created"},
}

// Mixes are the names Paths knows: each vendor's id, and mixed.
var Mixes = []string{"rocketlane", "cutover", "flexdeploy", "mixed"}

// Paths returns the events a benchmark of mix (one of Mixes) cycles
// through, as vendor/slug paths under /__admin/events/: a few of one
// vendor's, or for mixed the first four of each vendor's in turn; nil for
// an unknown mix.
func Paths(mix string) []string {
	if mix != "mixed" {
		return events[mix]
	}
	var ps []string
	for i := range 4 {
		for _, v := range Mixes[:3] {
			ps = append(ps, events[v][i])
		}
	}
	return ps
}

// Vendors returns the vendors of paths, each once, in order of first
// appearance.
func Vendors(paths []string) []string {
	var vs []string
	for _, p := range paths {
		v, _, _ := strings.Cut(p, "/")
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	return vs
}

// Receiver is the webhook receiver: it answers 204 and counts requests.
type Receiver struct {
	// URL is where to deliver, ending in /hook.
	URL string

	srv    *http.Server
	count  atomic.Int64
	base   atomic.Int64
	target atomic.Int64
	done   atomic.Pointer[chan struct{}]
}

// NewReceiver serves a receiver on a loopback port.
func NewReceiver() (*Receiver, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	rc := &Receiver{URL: "http://" + l.Addr().String() + "/hook"}
	rc.target.Store(-1)
	rc.srv = &http.Server{Handler: http.HandlerFunc(rc.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rc.srv.Serve(l) }()
	return rc, nil
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request) {
	round := "relay"
	if r.Header.Get("X-Standin-Delivery") != "" {
		round = "standin"
	}
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels("part", "receiver", "round", round)))
	_, _ = io.Copy(io.Discard, r.Body)
	w.WriteHeader(http.StatusNoContent)
	if rc.count.Add(1) == rc.target.Load() {
		close(*rc.done.Load())
	}
}

// Count is the number of requests received so far.
func (rc *Receiver) Count() int64 { return rc.count.Load() }

// arm returns a channel closed once the receiver has counted n more
// requests. Call it between rounds, when none is in flight.
func (rc *Receiver) arm(n int64) <-chan struct{} {
	ch := make(chan struct{})
	rc.target.Store(-1) // a late request of an earlier round closes nothing
	rc.done.Store(&ch)
	rc.base.Store(rc.count.Load())
	rc.target.Store(rc.base.Load() + n)
	return ch
}

// WaitFor waits up to timeout until the receiver has counted n requests
// in all.
func (rc *Receiver) WaitFor(n int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for rc.count.Load() < n {
		if time.Now().After(deadline) {
			return fmt.Errorf("the receiver counted %d of %d requests after %s", rc.count.Load(), n, timeout)
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// Close stops the receiver.
func (rc *Receiver) Close() { _ = rc.srv.Close() }

// Prepare makes the standin at base ready for a benchmark of paths (see
// Paths): one subscription per vendor to rc, then one emit of each event,
// whose payloads it returns by path ("/vendor/slug"), for a relay to send,
// once rc has received them.
func Prepare(ctx context.Context, base string, rc *Receiver, paths []string) (map[string][]byte, error) {
	for _, v := range Vendors(paths) {
		sub := fmt.Sprintf(`{"vendor":%q,"url":%q}`, v, rc.URL)
		if _, err := call(ctx, base+"/__admin/subscriptions", sub, http.StatusCreated); err != nil {
			return nil, fmt.Errorf("subscribe %s: %w", v, err)
		}
	}
	payloads := map[string][]byte{}
	start := rc.Count()
	for _, p := range paths {
		body, err := call(ctx, base+"/__admin/events/"+p, "{}", http.StatusAccepted)
		if err != nil {
			return nil, fmt.Errorf("emit %s: %w", p, err)
		}
		var answer struct{ Payload json.RawMessage }
		if err := json.Unmarshal(body, &answer); err != nil || len(answer.Payload) == 0 {
			return nil, fmt.Errorf("emit %s: no payload in the answer (%v)", p, err)
		}
		payloads["/"+p] = answer.Payload
	}
	return payloads, rc.WaitFor(start+int64(len(paths)), 10*time.Second)
}

// call POSTs body to url and returns the answer; an error unless its status
// is want.
func call(ctx context.Context, url, body string, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// NewClient is the load generator's client: one keep-alive connection per
// concurrent client.
func NewClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: Clients, MaxIdleConnsPerHost: Clients, IdleConnTimeout: 90 * time.Second,
	}}
}

// Load posts n {} bodies from Clients goroutines, cycling through urls,
// each answer expected to be 202 and read to its end, and returns the time
// until rc has counted n requests. round (standin or relay) labels the
// goroutines for the profiler.
func Load(ctx context.Context, client *http.Client, rc *Receiver, round string, urls []string, n int) (time.Duration, error) {
	done := rc.arm(int64(n))
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range Clients {
		wg.Go(func() {
			pprof.SetGoroutineLabels(pprof.WithLabels(ctx, pprof.Labels("part", "load", "round", round)))
			for {
				k := next.Add(1) - 1
				if k >= int64(n) {
					return
				}
				if err := post(ctx, client, urls[k%int64(len(urls))]); err != nil {
					once.Do(func() { firstErr = err })
					next.Store(int64(n)) // stop the others
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	select {
	case <-done:
		return time.Since(start), nil
	case <-time.After(30 * time.Second):
		return 0, fmt.Errorf("the receiver counted %d of %d requests after 30s", rc.count.Load()-rc.base.Load(), n)
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// post sends {} to url and reads the answer to its end; an error unless
// it is 202.
func post(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte("{}")))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(b))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// Generator makes the payload of the event at path (/vendor/slug) from
// seed.
type Generator func(path string, seed uint64) ([]byte, error)

// Relay is the physical limit of standin's two hops: a bare net/http
// server that reads a POST, answers 202 and queues a payload, and workers
// that POST the queued payloads to one receiver. GET /health answers 200
// with the count of failed deliveries.
type Relay struct {
	// URL is the relay's base URL; POST URL + "/vendor/slug".
	URL string

	srv      *http.Server
	queue    chan []byte
	stop     chan struct{}
	wg       sync.WaitGroup
	failed   atomic.Int64
	seed     atomic.Uint64
	client   *http.Client
	payloads map[string][]byte
	generate Generator
}

// NewRelay serves a relay on l delivering to target with workers workers.
// For a path in payloads it queues those pre-made bytes and answers 202
// with no body. With generate, it instead makes each payload afresh (seeds
// 1, 2, ...) and answers 202 with {"payload": ...}: the least an emit must
// do by the contract, without standin's own machinery.
func NewRelay(l net.Listener, payloads map[string][]byte, target string, workers int, generate Generator) *Relay {
	rl := &Relay{URL: "http://" + l.Addr().String(), queue: make(chan []byte, 10000), stop: make(chan struct{}), payloads: payloads, generate: generate}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, 2*workers)
	t.MaxIdleConnsPerHost = workers
	rl.client = &http.Client{Transport: t, Timeout: 10 * time.Second} // so that Close cannot wait on a hung receiver forever
	for range workers {
		rl.wg.Go(func() { rl.deliver(target) })
	}
	rl.srv = &http.Server{Handler: http.HandlerFunc(rl.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rl.srv.Serve(l) }()
	return rl
}

func (rl *Relay) serve(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	if r.Method == http.MethodGet && r.URL.Path == "/health" {
		fmt.Fprintln(w, rl.failed.Load())
		return
	}
	body, ok := rl.payloads[r.URL.Path]
	if r.Method != http.MethodPost || !ok {
		http.NotFound(w, r)
		return
	}
	if rl.generate == nil {
		rl.enqueue(body)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	b, err := rl.generate(r.URL.Path, rl.seed.Add(1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	answer := make([]byte, 0, len(b)+len(`{"payload":}`))
	answer = append(append(append(answer, `{"payload":`...), b...), '}')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write(answer)
	rl.enqueue(b)
}

func (rl *Relay) enqueue(b []byte) {
	select {
	case rl.queue <- b:
	case <-rl.stop:
	}
}

func (rl *Relay) deliver(target string) {
	for {
		var body []byte
		select {
		case body = <-rl.queue:
		case <-rl.stop:
			return
		}
		req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			rl.failed.Add(1)
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := rl.client.Do(req)
		if err != nil {
			rl.failed.Add(1)
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			rl.failed.Add(1)
		}
	}
}

// Failed is the number of deliveries that did not get a 2xx.
func (rl *Relay) Failed() int64 { return rl.failed.Load() }

// Close stops the server once its requests are answered (10s at most),
// then the workers, and closes their connections. What is still queued is
// not delivered.
func (rl *Relay) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if rl.srv.Shutdown(ctx) != nil {
		_ = rl.srv.Close()
	}
	close(rl.stop)
	rl.wg.Wait()
	rl.client.CloseIdleConnections()
}
