package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultWaitTimeout bounds Wait, WaitRun and MustWait when the context
// has no deadline, unless Client.WaitTimeout says otherwise.
const DefaultWaitTimeout = 10 * time.Second

// maxServerWait is the longest timeout the wait endpoint accepts.
const maxServerWait = 5 * time.Minute

// Client drives a running standin through its admin API. Its methods are
// safe for concurrent use. Server and Container embed one.
type Client struct {
	// WaitTimeout bounds MustWait, and Wait and WaitRun when their
	// context has no deadline; zero means DefaultWaitTimeout.
	// Set it before using the client.
	WaitTimeout time.Duration

	base  string
	token string
	http  *http.Client
	// viaBridge says the standin is a container on a network of its own
	// (see Delivery.viaBridge).
	viaBridge bool
}

// mark records on ds where they were read from, for the failure hints.
func (c *Client) mark(ds Deliveries) Deliveries {
	for i := range ds {
		ds[i].viaBridge = c.viaBridge
	}
	return ds
}

func (c *Client) waitTimeout() time.Duration {
	if c.WaitTimeout > 0 {
		return c.WaitTimeout
	}
	return DefaultWaitTimeout
}

// NewClient returns a client for the standin at baseURL
// (http://host:port). token, when not empty, is sent as the admin token
// (standin serve --admin-token).
func NewClient(baseURL, token string) *Client {
	return &Client{base: strings.TrimSuffix(baseURL, "/"), token: token, http: &http.Client{}}
}

// URL returns the base URL of the standin, as the test process reaches it.
func (c *Client) URL() string { return c.base }

// APIError is an error answer of the admin API.
type APIError struct {
	// StatusCode is the HTTP status (4xx).
	StatusCode int
	// Code and Message are the error's "code" and "message".
	Code, Message string
	// Details is the error's "details" as sent (JSON pointers of an
	// invalid override, the valid names of an unknown event, ...).
	Details json.RawMessage
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("standin answered %d %s: %s", e.StatusCode, e.Code, e.Message)
	if len(e.Details) > 0 && string(e.Details) != "null" {
		s += " (details: " + string(e.Details) + ")"
	}
	return s
}

// do sends one request to the admin API and decodes a 2xx answer into out.
// body is sent as JSON unless it is already []byte.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) error {
	var rd io.Reader
	isJSON := false
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, isJSON = bytes.NewReader(b), true
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode the request: %w", err)
		}
		rd, isJSON = bytes.NewReader(j), true
	}
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if isJSON {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		ae := &APIError{StatusCode: resp.StatusCode}
		var eb struct {
			Error struct {
				Code    string          `json:"code"`
				Message string          `json:"message"`
				Details json.RawMessage `json:"details"`
			} `json:"error"`
		}
		if json.Unmarshal(b, &eb) == nil && eb.Error.Code != "" {
			ae.Code, ae.Message, ae.Details = eb.Error.Code, eb.Error.Message, eb.Error.Details
		} else {
			ae.Code, ae.Message = "http_"+strconv.Itoa(resp.StatusCode), strings.TrimSpace(string(b))
		}
		return ae
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], b...)
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not what testkit expects: %w", method, path, err)
	}
	return nil
}

// Health checks the server: GET /__admin/health.
func (c *Client) Health(ctx context.Context) (Health, error) {
	var h Health
	err := c.do(ctx, http.MethodGet, "/__admin/health", nil, nil, &h)
	return h, err
}

// Subscribe adds a subscription and returns it as stored, with its ID and
// the vendor's defaults filled in.
func (c *Client) Subscribe(ctx context.Context, s Subscription) (Subscription, error) {
	var out Subscription
	err := c.do(ctx, http.MethodPost, "/__admin/subscriptions", nil, s, &out)
	return out, err
}

// Unsubscribe removes a subscription.
func (c *Client) Unsubscribe(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "/__admin/subscriptions/"+url.PathEscape(id), nil, nil, nil)
}

// Subscriptions lists the subscriptions, oldest first (secrets masked),
// including the embedded sink's fallback ones.
func (c *Client) Subscriptions(ctx context.Context) ([]Subscription, error) {
	var out []Subscription
	err := c.do(ctx, http.MethodGet, "/__admin/subscriptions", nil, nil, &out)
	return out, err
}

// Emit emits one event of vendor (name or slug) with override laid over
// the generated payload (see Event.Override); the server's next seed
// chooses the rest.
func (c *Client) Emit(ctx context.Context, vendor, event string, override any) (Emitted, error) {
	return c.EmitEvent(ctx, Event{Vendor: vendor, Event: event, Override: override})
}

// EmitEvent emits one event as e describes.
func (c *Client) EmitEvent(ctx context.Context, e Event) (Emitted, error) {
	var body any
	switch o := e.Override.(type) {
	case nil:
	case string:
		body = []byte(o)
	case []byte:
		body = o
	case json.RawMessage:
		body = []byte(o)
	default:
		body = o
	}
	q := url.Values{}
	if e.Seed != nil {
		q.Set("seed", strconv.FormatUint(*e.Seed, 10))
	}
	if e.Variant != "" {
		q.Set("variant", e.Variant)
	}
	if e.Quirks {
		q.Set("quirks", "true")
	}
	var out Emitted
	err := c.do(ctx, http.MethodPost, "/__admin/events/"+url.PathEscape(e.Vendor)+"/"+url.PathEscape(e.Event), q, body, &out)
	return out, err
}

func filterQuery(f Filter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"run": f.Run, "vendor": f.Vendor, "event": f.Event, "status": f.Status, "subscription": f.Subscription} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// describeFilter writes f as "vendor=cutover event=task.created", or "any".
func describeFilter(f Filter) string {
	var parts []string
	for _, kv := range [][2]string{{"run", f.Run}, {"vendor", f.Vendor}, {"event", f.Event}, {"status", f.Status}, {"subscription", f.Subscription}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	if len(parts) == 0 {
		return "any delivery"
	}
	return strings.Join(parts, " ")
}

// Deliveries lists the deliveries matching f, oldest first, each with its
// attempts.
func (c *Client) Deliveries(ctx context.Context, f Filter) (Deliveries, error) {
	var ds Deliveries
	if err := c.do(ctx, http.MethodGet, "/__admin/deliveries", withAttempts(filterQuery(f)), nil, &ds); err != nil {
		return nil, err
	}
	return c.fillAttempts(ctx, c.mark(ds))
}

// withAttempts asks a listing (GET /__admin/deliveries, its wait) for each
// delivery's attempts, which it otherwise leaves out.
func withAttempts(q url.Values) url.Values {
	q.Set("attempts", "true")
	return q
}

// fillAttempts fetches, one by one, the attempts a listing left out of a
// delivery that has some: a standin older than this package ignores
// attempts=true. A delivery gone meanwhile (reset, evicted) keeps its
// listing.
func (c *Client) fillAttempts(ctx context.Context, ds Deliveries) (Deliveries, error) {
	for i, d := range ds {
		if d.AttemptCount == 0 || len(d.Attempts) > 0 {
			continue
		}
		full, err := c.Delivery(ctx, d.ID)
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusNotFound {
			continue
		}
		if err != nil {
			return ds, err
		}
		ds[i] = full
	}
	return ds, nil
}

// Delivery returns one delivery with its attempts.
func (c *Client) Delivery(ctx context.Context, id string) (Delivery, error) {
	var d Delivery
	err := c.do(ctx, http.MethodGet, "/__admin/deliveries/"+url.PathEscape(id), nil, nil, &d)
	d.viaBridge = c.viaBridge
	return d, err
}

// Redeliver sends a final delivery again; its new attempts are appended.
func (c *Client) Redeliver(ctx context.Context, id string) (Delivery, error) {
	var d Delivery
	err := c.do(ctx, http.MethodPost, "/__admin/deliveries/"+url.PathEscape(id)+"/redeliver", nil, nil, &d)
	d.viaBridge = c.viaBridge
	return d, err
}

// Reset forgets every run, event, delivery and sink request; subscriptions
// stay.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/__admin/reset", nil, nil, nil)
}

// Sink returns what the embedded sink /__sink/{name} received, oldest
// first. Events no subscription takes go to /__sink/{vendor}.
func (c *Client) Sink(ctx context.Context, name string) ([]SinkRequest, error) {
	var out []SinkRequest
	err := c.do(ctx, http.MethodGet, "/__admin/sink/"+url.PathEscape(name), nil, nil, &out)
	return out, err
}

// WaitError is the error of a wait that ended before enough deliveries were
// final. Its message lists what was seen.
type WaitError struct {
	Filter Filter
	// Want is how many final deliveries were waited for.
	Want int
	// Seen is every matching delivery when the wait ended, final or not.
	Seen Deliveries
	// Waited is how long the wait lasted.
	Waited time.Duration
	// Run, when set, is the run that ended with fewer matching deliveries
	// than wanted, which ended the wait before its deadline: no more could
	// come.
	Run *ScenarioRun
}

func (e *WaitError) Error() string {
	final := 0
	for _, d := range e.Seen {
		if d.Status.Final() {
			final++
		}
	}
	if e.Run != nil {
		outcome := string(e.Run.Status)
		if e.Run.Error != "" {
			outcome += ": " + e.Run.Error
		}
		return fmt.Sprintf("stopped waiting for %d final deliveries matching %s after %s: run %s has ended (%s), so no more will come; %d of %d matching are final:\n%s",
			e.Want, describeFilter(e.Filter), e.Waited.Round(time.Millisecond), e.Run.ID, outcome, final, len(e.Seen), e.Seen)
	}
	return fmt.Sprintf("waited %s for %d final deliveries matching %s; %d of %d matching are final:\n%s",
		e.Waited.Round(time.Millisecond), e.Want, describeFilter(e.Filter), final, len(e.Seen), e.Seen)
}

// afterRunSlice is how long the server waits at a time once the watched
// run has ended but deliveries it made are still pending (a run stopped by
// a failed step does not wait for them).
const afterRunSlice = 100 * time.Millisecond

// Wait blocks until at least n deliveries matching f are final (delivered
// or failed), then returns every matching delivery, final or not, with
// attempts. The server does the waiting (GET /__admin/deliveries/wait).
// It waits until ctx's deadline, or WaitTimeout when ctx has none; when
// that passes first, the error is a *WaitError listing what was seen.
//
// When f names a run (or a subscription of a run's own, made for its
// targets), Wait also watches the run: once it has ended with too few
// matching deliveries, none can come, and Wait returns at once with a
// *WaitError whose Run is the run.
func (c *Client) Wait(ctx context.Context, f Filter, n int) (Deliveries, error) {
	if n < 1 {
		return nil, fmt.Errorf("wait for %d deliveries: want at least 1", n)
	}
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.waitTimeout())
		defer cancel()
	}
	deadline, _ := ctx.Deadline()

	// live ends when the watched run does, cutting the server's wait short.
	live, runEnded := context.WithCancel(ctx)
	defer runEnded()
	ended := make(chan ScenarioRun, 1)
	if id := c.runOf(ctx, f); id != "" {
		go func() {
			if r, err := c.awaitRun(live, id); err == nil {
				ended <- r
				runEnded()
			}
		}()
	}
	var run *ScenarioRun

	q := withAttempts(filterQuery(f))
	q.Set("count", strconv.Itoa(n))
	for {
		if run == nil {
			select {
			case r := <-ended:
				run = &r
			default:
			}
		}
		wctx := live
		if run != nil {
			ds, reachable, err := c.afterRun(ctx, f, n)
			if err != nil {
				if ctx.Err() != nil {
					return nil, c.waitError(f, n, start, nil)
				}
				return nil, err
			}
			if ds != nil {
				return ds, nil
			}
			if !reachable {
				seen, _ := c.Deliveries(ctx, f)
				return nil, &WaitError{Filter: f, Want: n, Seen: seen, Waited: time.Since(start), Run: run}
			}
			wctx = ctx
		}
		// Ask the server to give up a little before ctx does, so the
		// answer (and what it saw) arrives in time.
		timeout := min(serverWait(time.Until(deadline)), maxServerWait)
		sliced := timeout == maxServerWait
		if run != nil && timeout > afterRunSlice {
			timeout, sliced = afterRunSlice, true
		}
		if timeout < time.Millisecond {
			timeout = time.Millisecond
		}
		q.Set("timeout", timeout.String())
		var ds Deliveries
		err := c.do(wctx, http.MethodGet, "/__admin/deliveries/wait", q, nil, &ds)
		if err == nil {
			return c.fillAttempts(ctx, c.mark(ds))
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.StatusCode != http.StatusRequestTimeout {
			if ctx.Err() != nil {
				// The deadline passed while the request was on its way:
				// still say what was there.
				return nil, c.waitError(f, n, start, nil)
			}
			if wctx.Err() != nil {
				continue // the run ended: see what it left
			}
			return nil, err
		}
		if time.Until(deadline) > 50*time.Millisecond && sliced {
			continue // a long deadline, or pending deliveries of an ended run: wait again
		}
		var seen struct {
			Seen Deliveries `json:"seen"`
		}
		_ = json.Unmarshal(ae.Details, &seen)
		return nil, c.waitError(f, n, start, seen.Seen)
	}
}

// runOf returns the run whose deliveries f is limited to: the one it
// names, or the one its subscription was made for (a run's targets); ""
// when there is none.
func (c *Client) runOf(ctx context.Context, f Filter) string {
	if f.Run != "" {
		return f.Run
	}
	if f.Subscription == "" {
		return ""
	}
	var s Subscription
	err := c.do(ctx, http.MethodGet, "/__admin/subscriptions/"+url.PathEscape(f.Subscription), nil, nil, &s)
	if err == nil {
		return s.Run
	}
	// A run's subscriptions go when it ends: its deliveries remember it.
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
		return ""
	}
	var ds Deliveries
	if err := c.do(ctx, http.MethodGet, "/__admin/deliveries", url.Values{"subscription": {f.Subscription}}, nil, &ds); err != nil || len(ds) == 0 {
		return ""
	}
	return ds[0].Run
}

// afterRun looks at the deliveries matching f once the run they belong to
// has ended, so that no more will be made: it returns them when n are
// final, and otherwise whether n can still be (some still pending).
func (c *Client) afterRun(ctx context.Context, f Filter, n int) (Deliveries, bool, error) {
	var ds Deliveries
	if err := c.do(ctx, http.MethodGet, "/__admin/deliveries", withAttempts(filterQuery(f)), nil, &ds); err != nil {
		return nil, false, err
	}
	final := 0
	for _, d := range ds {
		if d.Status.Final() {
			final++
		}
	}
	if final >= n {
		ds, err := c.fillAttempts(ctx, c.mark(ds))
		return ds, true, err
	}
	// Those still pending may yet be final and match; with a status in f,
	// they are not in ds, so count them apart.
	could := len(ds)
	if f.Status != "" {
		could = final
		if Status(f.Status).Final() {
			all := f
			all.Status = ""
			var rest Deliveries
			if err := c.do(ctx, http.MethodGet, "/__admin/deliveries", filterQuery(all), nil, &rest); err != nil {
				return nil, false, err
			}
			for _, d := range rest {
				if !d.Status.Final() {
					could++
				}
			}
		}
	}
	return nil, could >= n, nil
}

// waitError builds a *WaitError with what was seen, or when seen is nil
// the listing, with attempts, fetched with a short context of its own.
func (c *Client) waitError(f Filter, n int, start time.Time, seen Deliveries) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if seen == nil {
		seen, _ = c.Deliveries(ctx, f)
	} else {
		seen, _ = c.fillAttempts(ctx, c.mark(seen))
	}
	return &WaitError{Filter: f, Want: n, Seen: seen, Waited: time.Since(start)}
}

// MustWait is Wait for tests: it waits up to WaitTimeout (less if the
// test's deadline is nearer) and fails t with what was seen when too few
// deliveries are final.
func (c *Client) MustWait(t testing.TB, f Filter, n int) Deliveries {
	t.Helper()
	ctx, cancel := testContext(t, c.waitTimeout())
	defer cancel()
	ds, err := c.Wait(ctx, f, n)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return ds
}

// testContext returns a context ending after d, or a little before t's
// deadline when that is sooner.
func testContext(t testing.TB, d time.Duration) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(d)
	if td, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := td.Deadline(); ok {
			dl = dl.Add(-time.Until(dl) / 20)
			if dl.Before(deadline) {
				deadline = dl
			}
		}
	}
	return context.WithDeadline(context.Background(), deadline)
}

// RunScenario starts a built-in scenario by name (POST /__admin/runs) and
// returns the run as accepted; WaitRun waits for it to finish.
func (c *Client) RunScenario(ctx context.Context, name string, o RunOptions) (ScenarioRun, error) {
	return c.startRun(ctx, "scenario", name, o)
}

// RunScript starts a scenario given as YAML.
func (c *Client) RunScript(ctx context.Context, yaml string, o RunOptions) (ScenarioRun, error) {
	return c.startRun(ctx, "script", yaml, o)
}

// RunFile starts the scenario in the YAML file at path. The file is read
// here and sent inline, so it need not exist where standin runs (in a
// container, say).
func (c *Client) RunFile(ctx context.Context, path string, o RunOptions) (ScenarioRun, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ScenarioRun{}, fmt.Errorf("read the scenario: %w", err)
	}
	return c.startRun(ctx, "script", string(b), o)
}

func (c *Client) startRun(ctx context.Context, key, value string, o RunOptions) (ScenarioRun, error) {
	body := map[string]any{key: value, "time_scale": o.TimeScale}
	if o.Seed != nil {
		body["seed"] = *o.Seed
	}
	if len(o.Vars) > 0 {
		body["vars"] = o.Vars
	}
	if len(o.Targets) > 0 {
		body["targets"] = o.Targets
	}
	if o.Subscription != nil {
		body["subscription"] = o.Subscription
	}
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodPost, "/__admin/runs", nil, body, &raw); err != nil {
		return ScenarioRun{}, err
	}
	return decodeRun(raw)
}

func decodeRun(raw json.RawMessage) (ScenarioRun, error) {
	var r ScenarioRun
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, fmt.Errorf("the run answer is not what testkit expects: %w", err)
	}
	r.Raw = raw
	return r, nil
}

// GetRun returns a run's current state.
func (c *Client) GetRun(ctx context.Context, id string) (ScenarioRun, error) {
	var raw json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/__admin/runs/"+url.PathEscape(id), nil, nil, &raw); err != nil {
		return ScenarioRun{}, err
	}
	return decodeRun(raw)
}

// WaitRun waits until a run has finished and returns it; a run that
// failed is returned without error (check Status and Error). The server
// does the waiting (GET /__admin/runs/{id}?wait=). It waits until ctx's
// deadline, or WaitTimeout when ctx has none.
func (c *Client) WaitRun(ctx context.Context, id string) (ScenarioRun, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.waitTimeout())
		defer cancel()
	}
	// stillRunning reports the run as it is when the deadline passed.
	stillRunning := func(err error) (ScenarioRun, error) {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r, gerr := c.GetRun(sctx, id)
		if gerr != nil {
			return r, fmt.Errorf("run %s: %w (and reading it: %v)", id, err, gerr)
		}
		return r, fmt.Errorf("run %s still %s: %w", id, r.Status, err)
	}
	r, err := c.awaitRun(ctx, id)
	if errors.Is(err, context.DeadlineExceeded) || (err != nil && ctx.Err() != nil) {
		return stillRunning(err)
	}
	return r, err
}

// awaitRun asks the server (GET /__admin/runs/{id}?wait=) until the run
// has finished or ctx, which has a deadline, ends.
func (c *Client) awaitRun(ctx context.Context, id string) (ScenarioRun, error) {
	deadline, _ := ctx.Deadline()
	for {
		wait := min(serverWait(time.Until(deadline)), maxServerWait)
		if wait < 10*time.Millisecond {
			return ScenarioRun{}, context.DeadlineExceeded
		}
		var raw json.RawMessage
		err := c.do(ctx, http.MethodGet, "/__admin/runs/"+url.PathEscape(id), url.Values{"wait": {wait.String()}}, nil, &raw)
		if err != nil {
			if ctx.Err() != nil {
				return ScenarioRun{}, ctx.Err()
			}
			return ScenarioRun{}, err
		}
		r, err := decodeRun(raw)
		if err != nil {
			return r, err
		}
		if r.Done() {
			return r, nil
		}
	}
}

// Scenario is a scenario to play: Builtin, File or Script makes one.
type Scenario struct {
	builtin, file, yaml string
}

// Builtin is the built-in scenario name ("flexdeploy-release-pipeline";
// GET /__admin/scenarios lists them).
func Builtin(name string) Scenario { return Scenario{builtin: name} }

// File is the scenario in the YAML file at path, read by Play and sent
// inline (as RunFile does).
func File(path string) Scenario { return Scenario{file: path} }

// Script is a scenario given as YAML text.
func Script(yaml string) Scenario { return Scenario{yaml: yaml} }

// String names the scenario for messages.
func (s Scenario) String() string {
	switch {
	case s.builtin != "":
		return "built-in scenario " + strconv.Quote(s.builtin)
	case s.file != "":
		return "scenario file " + s.file
	}
	return "inline scenario"
}

// Play starts the scenario, waits until its run has finished and returns
// the run with its deliveries, oldest first, with attempts. A run that
// failed is returned without error, as WaitRun returns it: check its
// Status (or AssertStatus). The error is one of starting the run (an
// *APIError for a bad scenario) or of the wait, when ctx's deadline (or
// WaitTimeout) passes first.
func (c *Client) Play(ctx context.Context, sc Scenario, o RunOptions) (ScenarioRun, Deliveries, error) {
	var run ScenarioRun
	var err error
	switch {
	case sc.builtin != "":
		run, err = c.RunScenario(ctx, sc.builtin, o)
	case sc.file != "":
		run, err = c.RunFile(ctx, sc.file, o)
	default:
		run, err = c.RunScript(ctx, sc.yaml, o)
	}
	if err != nil {
		return run, nil, fmt.Errorf("play the %s: %w", sc, err)
	}
	if run, err = c.WaitRun(ctx, run.ID); err != nil {
		return run, nil, fmt.Errorf("play the %s: %w", sc, err)
	}
	ds, err := c.Deliveries(ctx, Filter{Run: run.ID})
	if err != nil {
		return run, ds, fmt.Errorf("play the %s: list run %s's deliveries: %w", sc, run.ID, err)
	}
	return run, ds, nil
}

// MustPlay is Play for tests: it waits up to WaitTimeout (less if the
// test's deadline is nearer) and fails t, ending the test, when the run
// cannot start or does not finish in time. A run that failed is returned
// as Play returns it.
func (c *Client) MustPlay(t testing.TB, sc Scenario, o RunOptions) (ScenarioRun, Deliveries) {
	t.Helper()
	ctx, cancel := testContext(t, c.waitTimeout())
	defer cancel()
	run, ds, err := c.Play(ctx, sc, o)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return run, ds
}

// serverWait is how long to ask the server to wait when the caller's
// deadline is left away: a margin short of it, so the answer arrives in
// time even on a busy machine.
func serverWait(left time.Duration) time.Duration {
	return left - min(max(left/5, 50*time.Millisecond), 500*time.Millisecond)
}
