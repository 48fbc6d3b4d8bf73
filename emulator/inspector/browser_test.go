package inspector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/standin-dev/standin/emulator/server"
)

// The tests here drive the inspector in headless Chromium against a real
// server on 127.0.0.1 and a receiver that records what reaches it. They
// skip when no Chromium is installed, unless STANDIN_REQUIRE_BROWSER=1.

// browserTimeout bounds each test's work in the browser.
const browserTimeout = 45 * time.Second

// chromiumPath finds a Chromium (or Chrome) binary.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("STANDIN_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("STANDIN_REQUIRE_BROWSER") == "1" {
		t.Fatal("no chromium binary on PATH (install Debian's chromium package) and STANDIN_REQUIRE_BROWSER=1")
	}
	t.Skip("no chromium binary on PATH (set STANDIN_REQUIRE_BROWSER=1 to fail instead)")
	return ""
}

// newBrowser starts headless Chromium for the test and returns its context;
// tabs opened from it share the browser.
func newBrowser(t *testing.T, width, height int) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // root in a container
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(width, height),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The first action starts the browser; it lives as long as ctx, so no
	// timeout here (chromedp bounds the start itself).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// newTab opens a tab of browser, bounded by browserTimeout.
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	ctx, stop := context.WithTimeout(tab, browserTimeout)
	t.Cleanup(stop)
	return ctx
}

// receiver records the requests that reach it and answers each with 200
// and a body naming its number.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, Path string
	Body         []byte
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.URL.Path, b})
		n := len(r.reqs)
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		fmt.Fprintf(w, `{"receiver":"recorded","n":%d}`, n)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// standin is a real server listening on 127.0.0.1.
type standin struct {
	*server.Server
	URL   string
	token string
}

func startServer(t *testing.T, cfg server.Config) *standin {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := server.New(cfg)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return &standin{Server: s, URL: "http://" + l.Addr().String(), token: cfg.AdminToken}
}

// admin calls the admin API and decodes its answer into out.
func (s *standin) admin(t *testing.T, method, path string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, res.StatusCode, b, err)
		}
	}
	return res.StatusCode
}

type delivery struct {
	ID, Run, Event, Status string
}

// js runs a browser action, failing the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it holds.
func waitFor(t *testing.T, ctx context.Context, what, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, predicate, err)
	}
}

// setField sets a form field's value as a person would, firing input and
// change.
func setField(id, value string) chromedp.Action[chromedp.Void] {
	v, _ := json.Marshal(value)
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %s;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); })()`, id, v))
}

// open loads the page and waits until it shows what the server has.
func open(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	do(t, ctx, "opening the inspector", chromedp.Navigate(url+"/"))
	waitFor(t, ctx, "the page to load", `document.body.dataset.ready === 'true'`)
}

func rowCount(t *testing.T, ctx context.Context) int {
	return eval[int](t, ctx, `document.querySelectorAll('#deliveries tbody tr[data-id]').length`)
}

func TestInspector(t *testing.T) {
	browser := newBrowser(t, 1280, 900)

	t.Run("a played scenario's deliveries appear live, with their attempts, and redeliver adds one", func(t *testing.T) {
		recv := newReceiver(t)
		s := startServer(t, server.Config{})
		ctx := newTab(t, browser)
		open(t, ctx, s.URL)
		if n := rowCount(t, ctx); n != 0 {
			t.Fatalf("a fresh server shows %d deliveries", n)
		}
		do(t, ctx, "marking the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))

		// Play a built-in scenario from the page, to the receiver.
		do(t, ctx, "playing a scenario",
			chromedp.Click(chromedp.CSS("#btn-play")),
			chromedp.WaitVisible(chromedp.CSS("#play-dialog[open]")),
			setField("play-scenario", "rocketlane-project-onboarding"),
			setField("play-targets", recv.URL+"/hooks"),
			chromedp.Click(chromedp.CSS("#play-submit")),
			chromedp.WaitNotVisible(chromedp.CSS("#play-dialog")),
		)
		var runs []struct{ ID, Status string }
		s.admin(t, "GET", "/__admin/runs", nil, &runs)
		if len(runs) != 1 {
			t.Fatalf("the page started %d runs, want 1", len(runs))
		}
		var run struct{ Status string }
		s.admin(t, "GET", "/__admin/runs/"+runs[0].ID+"?wait=20s", nil, &run)
		if run.Status != "succeeded" {
			t.Fatalf("run %s: status %q", runs[0].ID, run.Status)
		}
		var ds []delivery
		s.admin(t, "GET", "/__admin/deliveries?run="+runs[0].ID, nil, &ds)
		if len(ds) == 0 || recv.count() != len(ds) {
			t.Fatalf("the run made %d deliveries and the receiver got %d requests", len(ds), recv.count())
		}
		waitFor(t, ctx, "every delivery listed", fmt.Sprintf(`document.querySelectorAll('#deliveries tbody tr[data-id]').length === %d`, len(ds)))
		for _, d := range ds {
			if !eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('#deliveries tr[data-id=%q][data-status="delivered"]')`, d.ID)) {
				t.Errorf("delivery %s (%s) is not listed as delivered", d.ID, d.Event)
			}
		}
		if !eval[bool](t, ctx, `window.notReloaded === true`) {
			t.Fatal("the page was reloaded")
		}
		// The run's story, in order, with its virtual times.
		waitFor(t, ctx, "the run's story", fmt.Sprintf(`document.querySelectorAll('#run-detail .timeline li').length === %d`, len(ds)))
		first := eval[string](t, ctx, `document.querySelector('#run-detail .timeline li .ev').textContent`)
		if first != ds[0].Event {
			t.Errorf("the story starts with %q, want %q", first, ds[0].Event)
		}
		var story struct {
			Events []struct{ At string }
		}
		s.admin(t, "GET", "/__admin/runs/"+runs[0].ID, nil, &story)
		if got, want := eval[string](t, ctx, `document.querySelector('#run-detail .timeline li .vt').textContent`), regexp.MustCompile(`\.\d+`).ReplaceAllString(strings.Replace(story.Events[0].At, "T", " ", 1), ""); got != want {
			t.Errorf("the story's first virtual time reads %q, want %q", got, want)
		}

		// Search by a payload field: the run's payloads are loaded for it.
		created := 0
		for _, d := range ds {
			if d.Event == "PROJECT_CREATED" {
				created++
			}
		}
		if created == 0 || created == len(ds) {
			t.Fatalf("%d of %d deliveries are PROJECT_CREATED: the search would prove nothing", created, len(ds))
		}
		do(t, ctx, "searching by a payload field", setField("f-q", "eventType=PROJECT_CREATED"))
		waitFor(t, ctx, "the matching deliveries", fmt.Sprintf(`document.querySelectorAll('#deliveries tbody tr[data-id]').length === %d`, created))
		do(t, ctx, "searching for a value no payload has", setField("f-q", "eventType=NO_SUCH_EVENT"))
		waitFor(t, ctx, "no delivery", `document.querySelectorAll('#deliveries tbody tr[data-id]').length === 0`)
		do(t, ctx, "clearing the search", setField("f-q", ""))
		waitFor(t, ctx, "every delivery again", fmt.Sprintf(`document.querySelectorAll('#deliveries tbody tr[data-id]').length === %d`, len(ds)))

		// One delivery's attempt shows what the receiver answered.
		d := ds[0]
		do(t, ctx, "opening a delivery", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#deliveries tr[data-id=%q]`, d.ID))))
		waitFor(t, ctx, "the first attempt", `!!document.querySelector('.attempt[data-n="1"] .response .status')`)
		if got := eval[string](t, ctx, `document.querySelector('.attempt[data-n="1"] .response .status').textContent`); got != "200" {
			t.Errorf("attempt 1 shows status %q, want the receiver's 200", got)
		}
		body := eval[string](t, ctx, `document.querySelector('.attempt[data-n="1"] .response .body').textContent`)
		if !strings.Contains(body, `"receiver": "recorded"`) {
			t.Errorf("attempt 1 shows the response body %q, want the receiver's, pretty-printed", body)
		}
		if got := eval[string](t, ctx, `document.querySelector('.attempt[data-n="1"] .request .method').textContent`); got != "POST" {
			t.Errorf("attempt 1 shows method %q", got)
		}
		if !eval[bool](t, ctx, `!!document.querySelector('#detail .schema.valid')`) {
			t.Error("the delivery does not say its payload is valid against its schema")
		}

		// Redeliver from the page: a second attempt, and a second request.
		before := recv.count()
		do(t, ctx, "redelivering", chromedp.Click(chromedp.CSS("#redeliver")))
		waitFor(t, ctx, "the second attempt", `!!document.querySelector('.attempt[data-n="2"] .response .status')`)
		if got := eval[string](t, ctx, `document.querySelector('.attempt[data-n="2"] .response .status').textContent`); got != "200" {
			t.Errorf("attempt 2 shows status %q", got)
		}
		if recv.count() != before+1 {
			t.Errorf("the receiver got %d requests after redeliver, want %d", recv.count(), before+1)
		}
	})

	t.Run("an attempt that failed before sending shows no request and why", func(t *testing.T) {
		recv := newReceiver(t)
		refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
		}))
		defer refuse.Close()
		s := startServer(t, server.Config{})
		sub := map[string]any{"vendor": "cutover", "url": recv.URL + "/cutover",
			"auth": map[string]any{"type": "oauth2", "token_url": refuse.URL, "client_id": "c", "client_secret": "s"}}
		if code := s.admin(t, "POST", "/__admin/subscriptions", sub, nil); code != http.StatusCreated {
			t.Fatalf("subscribing: %d", code)
		}
		var emitted struct{ Deliveries []delivery }
		if code := s.admin(t, "POST", "/__admin/events/cutover/task.created", nil, &emitted); code != http.StatusAccepted || len(emitted.Deliveries) != 1 {
			t.Fatalf("emitting: %d %+v", code, emitted)
		}
		ctx := newTab(t, browser)
		open(t, ctx, s.URL)
		row := fmt.Sprintf(`#deliveries tr[data-id=%q]`, emitted.Deliveries[0].ID)
		waitFor(t, ctx, "the failed delivery", fmt.Sprintf(`!!document.querySelector(%q)`, row))
		do(t, ctx, "opening it", chromedp.Click(chromedp.CSS(row)))
		waitFor(t, ctx, "its attempt", `!!document.querySelector('.attempt[data-n="1"] .attempt-error')`)
		if got := eval[string](t, ctx, `document.querySelector('.attempt[data-n="1"] .request').textContent`); !strings.Contains(got, "nothing sent") {
			t.Errorf("the request side reads %q, want that nothing was sent", got)
		}
		if got := eval[string](t, ctx, `document.querySelector('.attempt[data-n="1"] .attempt-error').textContent`); !strings.Contains(got, "answered status 401") {
			t.Errorf("the attempt's error reads %q, want the token endpoint's 401", got)
		}
		if recv.count() != 0 {
			t.Errorf("the receiver got %d requests, want none", recv.count())
		}
	})

	t.Run("an emit whose override breaks the schema shows why and sends nothing", func(t *testing.T) {
		recv := newReceiver(t)
		s := startServer(t, server.Config{})
		if code := s.admin(t, "POST", "/__admin/subscriptions", map[string]any{"vendor": "cutover", "url": recv.URL + "/cutover"}, nil); code != http.StatusCreated {
			t.Fatalf("subscribing: %d", code)
		}
		ctx := newTab(t, browser)
		open(t, ctx, s.URL)
		do(t, ctx, "writing a bad override",
			chromedp.Click(chromedp.CSS("#btn-emit")),
			chromedp.WaitVisible(chromedp.CSS("#emit-dialog[open]")),
			setField("emit-vendor", "cutover"),
			setField("emit-event", "task-created"),
			setField("emit-override", `{"type": 5}`),
			chromedp.Click(chromedp.CSS("#emit-send")),
		)
		waitFor(t, ctx, "the schema's complaint", `[...document.querySelectorAll('#emit-errors li')].some(li => li.textContent.includes('/type'))`)
		if !eval[bool](t, ctx, `document.getElementById('emit-dialog').open`) {
			t.Error("the emit dialog closed on an invalid override")
		}
		var ds []delivery
		s.admin(t, "GET", "/__admin/deliveries", nil, &ds)
		if len(ds) != 0 || recv.count() != 0 {
			t.Fatalf("an invalid override made %d deliveries and %d requests", len(ds), recv.count())
		}

		// Not JSON at all is caught in the page.
		do(t, ctx, "writing a broken override", setField("emit-override", `{"type": `), chromedp.Click(chromedp.CSS("#emit-send")))
		waitFor(t, ctx, "the JSON complaint", `document.getElementById('emit-check').textContent.includes('not JSON')`)

		// Fixed, it is sent once.
		do(t, ctx, "fixing the override", setField("emit-override", `{"attributes": {"type": "task.created"}}`), chromedp.Click(chromedp.CSS("#emit-send")))
		waitFor(t, ctx, "the emitted delivery", `!!document.querySelector('.attempt[data-n="1"] .response .status')`)
		if recv.count() != 1 {
			t.Errorf("a valid emit reached the receiver %d times, want 1", recv.count())
		}
	})

	t.Run("a pasted scenario's errors are shown at their line", func(t *testing.T) {
		s := startServer(t, server.Config{})
		ctx := newTab(t, browser)
		open(t, ctx, s.URL)
		script := "name: broken\nvendor: cutover\nsteps:\n  - emit: task.created\n"
		do(t, ctx, "playing a broken script",
			chromedp.Click(chromedp.CSS("#btn-play")),
			chromedp.Click(chromedp.CSS("#play-mode-yaml")),
			setField("play-script", script),
			chromedp.Click(chromedp.CSS("#play-submit")),
		)
		waitFor(t, ctx, "the problem at line 4", `!!document.querySelector('#play-gutter [data-line="4"].bad')`)
		if got := eval[string](t, ctx, `document.querySelector('#play-errors li').textContent`); !strings.HasPrefix(got, "line 4:5 ") || !strings.Contains(got, `unknown key "emit"`) {
			t.Errorf("the first problem reads %q", got)
		}
		var runs []any
		s.admin(t, "GET", "/__admin/runs", nil, &runs)
		if len(runs) != 0 {
			t.Errorf("a broken script started %d runs", len(runs))
		}
	})

	t.Run("with a live stream the page follows it", func(t *testing.T) {
		// A stand-in for GET /__admin/stream as the admin API has it
		// (server-sent events: id, event, one line of JSON data, a blank
		// line; ": ping" heartbeats): the page applies what it says, and
		// does not poll while it is open.
		s := server.New(server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		events := make(chan string)
		connected := make(chan struct{}, 1)
		mux := http.NewServeMux()
		var lists atomic.Int32 // GET /__admin/deliveries: snapshots, never polls
		mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/__admin/deliveries" {
				lists.Add(1)
			}
			s.Handler().ServeHTTP(w, r)
		}))
		mux.HandleFunc("GET /__admin/stream", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case connected <- struct{}{}:
			default:
			}
			for {
				select {
				case ev := <-events:
					fmt.Fprint(w, ev)
					w.(http.Flusher).Flush()
				case <-r.Context().Done():
					return
				}
			}
		})
		ts := httptest.NewServer(mux)
		t.Cleanup(ts.Close)
		ctx := newTab(t, browser)
		do(t, ctx, "opening the inspector", chromedp.Navigate(ts.URL+"/"))
		waitFor(t, ctx, "the page to follow the stream", `document.getElementById('live').dataset.state === 'live'`)
		select {
		case <-connected:
		case <-ctx.Done():
			t.Fatal("the page never opened the stream")
		}
		send := func(ev string) {
			t.Helper()
			select {
			case events <- ev:
			case <-ctx.Done():
				t.Fatal("the page stopped reading the stream")
			}
		}
		send(": ping\n\n")
		send("id: 1\nevent: run\ndata: {\"id\":\"run_1\",\"scenario\":\"streamed <b>story</b>\",\"vendor\":\"cutover\",\"seed\":7,\"status\":\"running\",\"started_at\":\"2026-01-01T00:00:00Z\",\"deliveries\":{\"total\":1,\"pending\":1},\"events\":1}\n\n")
		send("id: 2\nevent: delivery\ndata: {\"id\":\"dlv_1\",\"run\":\"run_1\",\"event_id\":\"evt_1\",\"vendor\":\"cutover\",\"event\":\"task.created\",\"subscription\":\"sub_1\",\"url\":\"http://receiver/<img src=x onerror=alert(1)>\",\"status\":\"pending\",\"created_at\":\"2026-01-01T00:00:01Z\",\"updated_at\":\"2026-01-01T00:00:01Z\",\"attempt_count\":0}\n\n")
		waitFor(t, ctx, "the streamed delivery", `!!document.querySelector('#deliveries tr[data-id="dlv_1"][data-status="pending"]')`)
		waitFor(t, ctx, "the streamed run", `!!document.querySelector('#runs li[data-run="run_1"]')`)
		// Split across writes, as a stream may be read.
		send("id: 3\nevent: delivery\ndata: {\"id\":\"dlv_1\",\"run\":\"run_1\",\"event_id\":\"evt_1\",\"vendor\":\"cutover\",\"event\":\"task.created\",")
		send("\"subscription\":\"sub_1\",\"url\":\"http://receiver/<img src=x onerror=alert(1)>\",\"status\":\"delivered\",\"created_at\":\"2026-01-01T00:00:01Z\",\"updated_at\":\"2026-01-01T00:00:02Z\",\"attempt_count\":1}\n\n")
		waitFor(t, ctx, "the delivery's new status", `!!document.querySelector('#deliveries tr[data-id="dlv_1"][data-status="delivered"]')`)
		// Payload text is shown as text, never as markup.
		if eval[bool](t, ctx, `!!document.querySelector('#deliveries img, #runs b')`) {
			t.Error("streamed text became markup")
		}
		if got := eval[string](t, ctx, `document.querySelector('#runs li[data-run="run_1"] .scenario').textContent`); got != "streamed <b>story</b>" {
			t.Errorf("the run's scenario reads %q", got)
		}
		if n := lists.Load(); n != 2 {
			t.Errorf("the page listed the deliveries %d times, want twice (on load, and once the stream opened)", n)
		}
	})

	t.Run("behind an admin token the page asks for it once and keeps it", func(t *testing.T) {
		recv := newReceiver(t)
		s := startServer(t, server.Config{AdminToken: "s3cret"})
		ctx := newTab(t, browser)
		do(t, ctx, "opening the inspector", chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#token-dialog[open]")))
		do(t, ctx, "giving a wrong token", setField("token-input", "wrong"), chromedp.Click(chromedp.CSS("#token-submit")))
		waitFor(t, ctx, "the refusal", `!document.getElementById('token-error').hidden && document.getElementById('token-dialog').open`)
		do(t, ctx, "giving the token", setField("token-input", "s3cret"), chromedp.Click(chromedp.CSS("#token-submit")))
		waitFor(t, ctx, "the page to load", `!document.getElementById('token-dialog').open && document.body.dataset.ready === 'true'`)
		if got := eval[string](t, ctx, `sessionStorage.getItem('standin.adminToken')`); got != "s3cret" {
			t.Errorf("sessionStorage holds %q", got)
		}
		var started struct{ ID string }
		if code := s.admin(t, "POST", "/__admin/runs", map[string]any{"scenario": "flexdeploy-release-pipeline", "targets": []string{recv.URL}}, &started); code != http.StatusAccepted {
			t.Fatalf("starting a run: %d", code)
		}
		var run struct{ Deliveries struct{ Total int } }
		s.admin(t, "GET", "/__admin/runs/"+started.ID+"?wait=20s", nil, &run)
		waitFor(t, ctx, "the run's deliveries", fmt.Sprintf(`document.querySelectorAll('#deliveries tbody tr[data-id]').length === %d`, run.Deliveries.Total))

		// A reload keeps the token: no second prompt.
		do(t, ctx, "reloading", chromedp.Reload())
		waitFor(t, ctx, "the listed deliveries after a reload", fmt.Sprintf(`document.querySelectorAll('#deliveries tbody tr[data-id]').length === %d`, run.Deliveries.Total))
		if eval[bool](t, ctx, `document.getElementById('token-dialog').open`) {
			t.Error("the page asked for the token again")
		}

		// Reset, confirmed by a second click, clears the page and the server.
		do(t, ctx, "resetting", chromedp.Click(chromedp.CSS("#btn-reset")), chromedp.Click(chromedp.CSS("#btn-reset")))
		waitFor(t, ctx, "an empty list", `document.querySelectorAll('#deliveries tbody tr[data-id]').length === 0 && document.querySelectorAll('#runs li').length === 0`)
		var ds []delivery
		s.admin(t, "GET", "/__admin/deliveries", nil, &ds)
		if len(ds) != 0 {
			t.Errorf("after reset the server has %d deliveries", len(ds))
		}
	})
}
