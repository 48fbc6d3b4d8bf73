package testkit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/schemas"
)

// Receiver is a webhook receiver for tests: an httptest server on a
// loopback port that records every request, answers as it was told
// (FailTimes, Respond, Delay) and checks every body against standin's
// schemas. Make one with NewReceiver; its methods are safe for concurrent
// use.
type Receiver struct {
	// URL is the receiver's base URL (http://127.0.0.1:port); any path
	// under it is accepted.
	URL string

	cfg receiverConfig
	srv *httptest.Server

	mu     sync.Mutex
	reqs   []Request
	served int           // requests answered, for FailTimes
	notify chan struct{} // closed and replaced on every request
}

// Request is one request a Receiver got.
type Request struct {
	Method string
	// Path is the URL path, with the query if any.
	Path       string
	Header     http.Header
	Body       []byte
	ReceivedAt time.Time
	// Status is what the receiver answered.
	Status int
	// Delivery is the X-Standin-Delivery header: the delivery's id.
	Delivery string
	// Vendor and Event are the event the body is (found from the body:
	// Cutover's attributes.type, the others' eventType); empty when it is
	// no vendor's event or when validation is off.
	Vendor, Event string
	// Invalid says why the body is not a valid vendor payload; nil when it
	// is, when there is no body (GET) or when validation is off.
	Invalid error
}

// String describes the request on one line.
func (r Request) String() string {
	s := fmt.Sprintf("%s %s -> %d", r.Method, r.Path, r.Status)
	if r.Vendor != "" {
		s += fmt.Sprintf(" %s %s", r.Vendor, r.Event)
	}
	if r.Delivery != "" {
		s += " [" + r.Delivery + "]"
	}
	if r.Invalid != nil {
		s += " INVALID: " + strings.ReplaceAll(r.Invalid.Error(), "\n", "\n      ")
	}
	return s
}

type receiverConfig struct {
	failTimes  int
	failStatus int
	status     int
	delay      time.Duration
	noValidate bool
}

// ReceiverOption configures a Receiver.
type ReceiverOption func(*receiverConfig)

// FailTimes makes the receiver answer 500 to its first n requests (status
// to choose another answer), then answer normally.
func FailTimes(n int, status ...int) ReceiverOption {
	return func(c *receiverConfig) {
		c.failTimes = n
		if len(status) > 0 {
			c.failStatus = status[0]
		}
	}
}

// Respond makes the receiver answer status (default 200) once any
// FailTimes failures are spent.
func Respond(status int) ReceiverOption { return func(c *receiverConfig) { c.status = status } }

// Delay makes the receiver wait d before answering each request.
func Delay(d time.Duration) ReceiverOption { return func(c *receiverConfig) { c.delay = d } }

// NoValidation turns off the schema check of bodies (for a subscription
// whose body template sends something else than the vendor's payload).
func NoValidation() ReceiverOption { return func(c *receiverConfig) { c.noValidate = true } }

// NewReceiver starts a receiver for the test. It closes when the test ends
// and then fails the test if any body it got was not a valid vendor
// payload (unless NoValidation).
func NewReceiver(t testing.TB, opts ...ReceiverOption) *Receiver {
	t.Helper()
	r := &Receiver{cfg: receiverConfig{failStatus: http.StatusInternalServerError, status: http.StatusOK}, notify: make(chan struct{})}
	for _, o := range opts {
		o(&r.cfg)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = r.srv.URL
	t.Cleanup(func() {
		t.Helper()
		r.Close()
		r.AssertValid(t)
	})
	return r
}

// Close shuts the receiver down; requests after it fail to connect.
func (r *Receiver) Close() { r.srv.Close() }

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	got := Request{
		Method: req.Method, Path: req.URL.RequestURI(), Header: req.Header.Clone(), Body: body,
		ReceivedAt: time.Now(), Delivery: req.Header.Get(DeliveryHeader),
	}
	if !r.cfg.noValidate {
		got.Vendor, got.Event, got.Invalid = Validate(body)
	}
	r.mu.Lock()
	got.Status = r.cfg.status
	if r.served < r.cfg.failTimes {
		got.Status = r.cfg.failStatus
	}
	r.served++
	r.reqs = append(r.reqs, got)
	close(r.notify)
	r.notify = make(chan struct{})
	r.mu.Unlock()

	if r.cfg.delay > 0 {
		select {
		case <-time.After(r.cfg.delay):
		case <-req.Context().Done():
		}
	}

	if got.Status == http.StatusNoContent || got.Status == http.StatusNotModified {
		w.WriteHeader(got.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(got.Status)
	fmt.Fprintf(w, "{\"status\":%d}\n", got.Status)
}

// Requests returns the requests received so far, in order of arrival (a
// request is recorded when it arrives, before any Delay).
func (r *Receiver) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Len returns how many requests were received.
func (r *Receiver) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

// Reset forgets the requests received (FailTimes failures already spent
// stay spent).
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = nil
}

// Wait blocks until at least n requests were received and returns them;
// it waits until ctx's deadline, or DefaultWaitTimeout when ctx has none.
func (r *Receiver) Wait(ctx context.Context, n int) ([]Request, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultWaitTimeout)
		defer cancel()
	}
	for {
		r.mu.Lock()
		if len(r.reqs) >= n {
			out := append([]Request(nil), r.reqs...)
			r.mu.Unlock()
			return out, nil
		}
		ch := r.notify
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			reqs := r.Requests()
			return reqs, fmt.Errorf("waited for %d requests, the receiver got %d:\n%s", n, len(reqs), listRequests(reqs))
		}
	}
}

// Events returns the event names of the requests, in order of arrival
// ("" for a request that is no vendor's event).
func (r *Receiver) Events() []string {
	reqs := r.Requests()
	out := make([]string, len(reqs))
	for i, q := range reqs {
		out[i] = q.Event
	}
	return out
}

// Invalid returns the requests whose body failed validation.
func (r *Receiver) Invalid() []Request {
	var out []Request
	for _, q := range r.Requests() {
		if q.Invalid != nil {
			out = append(out, q)
		}
	}
	return out
}

// AssertValid fails t if any body received was not a valid vendor
// payload, listing each with its problems.
func (r *Receiver) AssertValid(t testing.TB) {
	t.Helper()
	if bad := r.Invalid(); len(bad) > 0 {
		t.Errorf("testkit: the receiver at %s got %d invalid bod%s:\n%s", r.URL, len(bad), map[bool]string{true: "y", false: "ies"}[len(bad) == 1], listRequests(bad))
	}
}

func listRequests(reqs []Request) string {
	if len(reqs) == 0 {
		return "  (no requests)"
	}
	var b strings.Builder
	for i, q := range reqs {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "  [%d] %s", i, q)
	}
	return b.String()
}

// Validate checks a webhook body against standin's schemas, finding its
// vendor and event from the body itself. It returns the vendor and event
// (when the body names one) and nil, or why the body is not a valid
// payload. An empty body (a GET delivery) is valid.
func Validate(body []byte) (vendor, event string, err error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return "", "", nil
	}
	type candidate struct {
		e     catalog.Event
		exact bool
	}
	var cands []candidate
	reg := emulator.Vendors()
	var names, paths []string
	for _, v := range reg.Vendors() {
		names = append(names, v.Name())
		if p := "/" + strings.Join(v.EventPath(), "/"); !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	for _, v := range reg.IDs() {
		e, err := reg.EventOf(v, body)
		if err != nil {
			continue
		}
		cands = append(cands, candidate{e, bytes.Contains(body, []byte(`"`+e.Name+`"`))})
	}
	if len(cands) == 0 {
		if _, derr := schemas.Decode(body); derr != nil {
			return "", "", fmt.Errorf("the body is not JSON: %w", derr)
		}
		return "", "", fmt.Errorf("the body names no %s event (no known event at %s)", orList(names), orList(paths))
	}
	// Try the vendors whose event name the body spells exactly first.
	var first error
	var firstCand candidate
	for _, exact := range []bool{true, false} {
		for _, c := range cands {
			if c.exact != exact {
				continue
			}
			err := reg.Validate(c.e, body)
			if err == nil {
				return c.e.Vendor, c.e.Name, nil
			}
			err = fmt.Errorf("not a valid %s %s payload: %w", c.e.Vendor, c.e.Name, err)
			if first == nil {
				first, firstCand = err, c
			}
		}
	}
	return firstCand.e.Vendor, firstCand.e.Name, first
}

// orList writes "a, b or c".
func orList(xs []string) string {
	if len(xs) < 2 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}
