package delivery

import (
	"context"
	"errors"
	"fmt"
	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/redact"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRetryUntilDelivered(t *testing.T) {
	tests := []struct {
		name     string
		failures int
		retry    Retry
		status   Status
		attempts int
	}{
		{"no retry fails after one attempt", 2, Retry{}, Failed, 1},
		{"max_attempts 1 fails after one attempt", 2, Retry{MaxAttempts: 1}, Failed, 1},
		{"two failures then 200", 2, Retry{MaxAttempts: 5, InitialInterval: Duration(20 * time.Millisecond), MaxInterval: Duration(40 * time.Millisecond)}, Delivered, 3},
		{"defaults fill the intervals", 1, Retry{MaxAttempts: 3}, Delivered, 2},
		{"attempts run out", 4, Retry{MaxAttempts: 3, InitialInterval: Duration(time.Millisecond)}, Failed, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n < tc.failures {
					w.WriteHeader(http.StatusInternalServerError)
					return
				}
				w.WriteHeader(http.StatusOK)
			})
			e := newEngine(t, Config{})
			sub := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Retry: tc.retry})
			d := oneDelivery(t, e, event("cutover", "task.created"))
			if d.Status != tc.status || len(d.Attempts) != tc.attempts || d.AttemptCount != tc.attempts {
				t.Fatalf("status %s with %d attempts, want %s with %d: %+v", d.Status, len(d.Attempts), tc.status, tc.attempts, d)
			}
			if got := len(rc.got()); got != tc.attempts {
				t.Fatalf("receiver got %d requests, want %d", got, tc.attempts)
			}
			for i, a := range d.Attempts {
				if a.N != i+1 {
					t.Errorf("attempt %d numbered %d", i+1, a.N)
				}
				wantOK := i >= tc.failures
				if a.Success != wantOK || (a.Error == "") != wantOK {
					t.Errorf("attempt %d: success %v error %q", a.N, a.Success, a.Error)
				}
				if !wantOK && a.Error != "status 500: Cutover counts only 2xx statuses as delivered" {
					t.Errorf("attempt %d error %q", a.N, a.Error)
				}
			}
			if tc.status == Failed && d.Error != d.Attempts[len(d.Attempts)-1].Error {
				t.Errorf("delivery error %q, want the last attempt's", d.Error)
			}
			// Backoff, roughly: a gap never exceeds its cap (plus slack for
			// the exchange itself).
			hits := rc.got()
			for i := 1; i < len(hits); i++ {
				limit := time.Duration(sub.Retry.InitialInterval)
				for range i - 1 {
					limit = time.Duration(float64(limit) * sub.Retry.Multiplier)
				}
				limit = min(limit, time.Duration(sub.Retry.MaxInterval))
				if gap := hits[i].At.Sub(hits[i-1].At); gap > limit+300*time.Millisecond {
					t.Errorf("gap before attempt %d is %s, cap %s", i+1, gap, limit)
				}
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	r := Retry{MaxAttempts: 10, InitialInterval: Duration(10 * time.Millisecond), MaxInterval: Duration(100 * time.Millisecond), Multiplier: 2}
	for n, ceil := range map[int]time.Duration{1: 10 * time.Millisecond, 2: 20 * time.Millisecond, 3: 40 * time.Millisecond, 4: 80 * time.Millisecond, 5: 100 * time.Millisecond, 9: 100 * time.Millisecond} {
		var hi time.Duration
		for range 500 {
			d := backoff(r, n)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %s, want within [0, %s]", n, d, ceil)
			}
			hi = max(hi, d)
		}
		if hi < ceil/2 {
			t.Errorf("backoff(%d) never above %s in 500 draws (ceiling %s): no jitter over the range?", n, hi, ceil)
		}
	}
	if d := backoff(Retry{MaxAttempts: 20, InitialInterval: Duration(time.Second), MaxInterval: Duration(time.Minute), Multiplier: 100}, 20); d > time.Minute {
		t.Errorf("huge exponent gives %s, want capped at 1m", d)
	}
}

func TestRocketlaneRules(t *testing.T) {
	profiles := emulator.Vendors().Profiles()
	rl := profiles["rocketlane"]
	rl.Timeout = 100 * time.Millisecond
	profiles["rocketlane"] = rl

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedURL := "http://" + closed.Addr().String() + "/hook"
	closed.Close()

	tests := []struct {
		name    string
		handle  func(http.ResponseWriter, *http.Request, int)
		url     string
		status  Status
		errPart string
	}{
		{"200 delivered", status(200), "", Delivered, ""},
		{"204 delivered", status(204), "", Delivered, ""},
		{"201 failed", status(201), "", Failed, "status 201: Rocketlane counts only 200 and 204 as delivered"},
		{"202 failed", status(202), "", Failed, "status 202: Rocketlane counts only 200 and 204 as delivered"},
		{"500 failed", status(500), "", Failed, "status 500: Rocketlane counts only 200 and 204 as delivered"},
		{"slow receiver times out", func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, "", Failed, "timeout after 100ms"},
		{"refused connection", nil, refusedURL, Failed, "dial tcp"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if url == "" {
				url = newReceiver(t, tc.handle).URL
			}
			e := newEngine(t, Config{Profiles: profiles})
			mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: url})
			start := time.Now()
			d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
			if d.Status != tc.status || len(d.Attempts) != 1 {
				t.Fatalf("status %s, %d attempts; want %s, 1: %+v", d.Status, len(d.Attempts), tc.status, d)
			}
			if !strings.Contains(d.Error, tc.errPart) || (tc.errPart == "") != (d.Error == "") {
				t.Fatalf("error %q, want it to contain %q", d.Error, tc.errPart)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("took %s", took)
			}
		})
	}
	t.Run("refused error is the dial error", func(t *testing.T) {
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: refusedURL})
		d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
		if !strings.Contains(d.Error, "connect") || d.Attempts[0].Response != nil {
			t.Fatalf("error %q response %+v", d.Error, d.Attempts[0].Response)
		}
	})
}

func TestRequestAsSent(t *testing.T) {
	e := newEngine(t, Config{BodyLimit: 10, UserAgent: "standin/1.2.3"})

	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("X-Answer", "42")
		w.WriteHeader(200)
		io.WriteString(w, strings.Repeat("a", 100))
	})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL + "/hook", Headers: map[string]string{"x-tenant": "acme"}})
	ev := event("rocketlane", "TASK_CREATED")
	d := oneDelivery(t, e, ev)
	h := rc.got()[0]
	if h.Method != "POST" || h.Body != string(ev.Body) {
		t.Fatalf("got %s %q", h.Method, h.Body)
	}
	for k, v := range map[string]string{"User-Agent": "standin/1.2.3", "Content-Type": "application/json", "X-Tenant": "acme", DeliveryHeader: d.ID} {
		if h.Header.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, h.Header.Get(k), v)
		}
	}
	a := d.Attempts[0]
	if a.Request.Method != "POST" || a.Request.URL != rc.URL+"/hook" || a.Request.Body != string(ev.Body) || a.Request.Headers.Get(DeliveryHeader) != d.ID {
		t.Errorf("logged request %+v", a.Request)
	}
	if a.Response == nil || a.Response.Status != 200 || a.Response.Body != "aaaaaaaaaa" || !a.Response.Truncated || a.Response.Headers.Get("X-Answer") != "42" {
		t.Errorf("logged response %+v", a.Response)
	}
	if a.Duration <= 0 || a.StartedAt.IsZero() {
		t.Errorf("attempt timing %+v", a)
	}

	// An empty header value removes a default.
	e2 := newEngine(t, Config{})
	rc2 := newReceiver(t, nil)
	mustSubscribe(t, e2, Subscription{Vendor: "cutover", URL: rc2.URL, Headers: map[string]string{"Content-Type": ""}})
	oneDelivery(t, e2, event("cutover", "task.created"))
	if ct := rc2.got()[0].Header.Get("Content-Type"); ct != "" {
		t.Errorf("Content-Type %q, want removed", ct)
	}
}

func TestCutoverAuthAndMethod(t *testing.T) {
	tests := []struct {
		name       string
		sub        Subscription
		wantMethod string
		wantAuth   string
		wantBody   bool
	}{
		{"token default Bearer", Subscription{Auth: Auth{Type: "token", Token: "s3cret"}}, "POST", "Bearer s3cret", true},
		{"token with type", Subscription{Auth: Auth{Type: "token", TokenType: "Token", Token: "abc"}}, "POST", "Token abc", true},
		{"no auth", Subscription{}, "POST", "", true},
		{"PUT", Subscription{Method: "put"}, "PUT", "", true},
		{"PATCH", Subscription{Method: "PATCH"}, "PATCH", "", true},
		{"DELETE", Subscription{Method: "DELETE"}, "DELETE", "", true},
		{"GET has no body", Subscription{Method: "GET"}, "GET", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			e := newEngine(t, Config{})
			tc.sub.Vendor, tc.sub.URL = "cutover", rc.URL
			mustSubscribe(t, e, tc.sub)
			ev := event("cutover", "task.created")
			d := oneDelivery(t, e, ev)
			if d.Status != Delivered {
				t.Fatalf("%+v", d)
			}
			h := rc.got()[0]
			if h.Method != tc.wantMethod || h.Header.Get("Authorization") != tc.wantAuth || (h.Body != "") != tc.wantBody {
				t.Fatalf("got %s auth %q body %q", h.Method, h.Header.Get("Authorization"), h.Body)
			}
			// The log shows the token's fingerprint, not the token.
			if got := d.Attempts[0].Request.Headers.Get("Authorization"); got != redact.Mask(tc.wantAuth) {
				t.Errorf("logged Authorization %q, want %q", got, redact.Mask(tc.wantAuth))
			}
		})
	}
}

// tokenServer is an OAuth 2 token endpoint handing out tok-1, tok-2, …
type tokenServer struct {
	*receiver
	mu     sync.Mutex
	calls  int
	status int
}

func newTokenServer(t *testing.T, expiresIn int) *tokenServer {
	ts := &tokenServer{status: 200}
	ts.receiver = newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		ts.mu.Lock()
		ts.calls++
		n, code := ts.calls, ts.status
		ts.mu.Unlock()
		id, secret, ok := r.BasicAuth()
		// RFC 6749 2.3.1: form-encoded before basic auth.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if r.Method != "POST" || !ok || id != "client" || secret != "p@ss word" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		if code != 200 {
			http.Error(w, `{"error":"invalid_client"}`, code)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"bearer","expires_in":%d}`, n, expiresIn)
	})
	return ts
}

func (ts *tokenServer) count() int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls
}

func TestOAuth2ClientCredentials(t *testing.T) {
	ts := newTokenServer(t, 3600)
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{})
	var mu sync.Mutex
	clock := time.Now()
	e.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	sub := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Auth: Auth{
		Type: "oauth2", TokenURL: ts.URL + "/oauth/token", ClientID: "client", ClientSecret: "p@ss word", Scope: "hooks",
	}})
	for range 5 {
		mustEmit(t, e, event("cutover", "task.created"))
	}
	waitFinal(t, e, Filter{Subscription: sub.ID, Status: "delivered"}, 5)
	if n := ts.count(); n != 1 {
		t.Fatalf("token endpoint called %d times for 5 deliveries, want 1", n)
	}
	th := ts.got()[0]
	if th.Body != "grant_type=client_credentials&scope=hooks" || th.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		t.Errorf("token request %q %v", th.Body, th.Header)
	}
	for _, h := range rc.got() {
		if got := h.Header.Get("Authorization"); got != "Bearer tok-1" {
			t.Fatalf("Authorization %q, want Bearer tok-1", got)
		}
	}

	// Past the expiry, the next attempt fetches a new token.
	mu.Lock()
	clock = clock.Add(time.Hour)
	mu.Unlock()
	d := oneDelivery(t, e, event("cutover", "task.started"))
	if ts.count() != 2 || d.Attempts[0].Request.Headers.Get("Authorization") != redact.Mask("Bearer tok-2") {
		t.Fatalf("after expiry: %d token calls, sent %q", ts.count(), d.Attempts[0].Request.Headers.Get("Authorization"))
	}

	// A failing token endpoint fails the attempt, naming the URL and status.
	ts.mu.Lock()
	ts.status = 401
	ts.mu.Unlock()
	mu.Lock()
	clock = clock.Add(2 * time.Hour)
	mu.Unlock()
	hitsBefore := len(rc.got())
	d = oneDelivery(t, e, event("cutover", "task.updated"))
	want := fmt.Sprintf("oauth2 token endpoint %s/oauth/token answered status 401", ts.URL)
	if d.Status != Failed || !strings.HasPrefix(d.Error, want) {
		t.Fatalf("status %s error %q, want failed with %q", d.Status, d.Error, want)
	}
	if len(rc.got()) != hitsBefore || d.Attempts[0].Response != nil {
		t.Errorf("the receiver was called without a token")
	}
	if d.Attempts[0].Request != nil {
		t.Errorf("the attempt records a request it never sent: %+v", d.Attempts[0].Request)
	}
}

func TestOAuth2ShortLivedToken(t *testing.T) {
	// expires_in 1: refreshed shortly before expiry (a tenth of the
	// lifetime early), here with the real clock.
	ts := newTokenServer(t, 1)
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{})
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Auth: Auth{Type: "oauth2", TokenURL: ts.URL, ClientID: "client", ClientSecret: "p@ss word"}})
	oneDelivery(t, e, event("cutover", "task.created"))
	oneDelivery(t, e, event("cutover", "task.created"))
	if ts.count() != 1 {
		t.Fatalf("%d token calls, want 1 while the token is fresh", ts.count())
	}
	e.now = func() time.Time { return time.Now().Add(950 * time.Millisecond) }
	d := oneDelivery(t, e, event("cutover", "task.created"))
	if ts.count() != 2 || d.Attempts[0].Request.Headers.Get("Authorization") != redact.Mask("Bearer tok-2") {
		t.Fatalf("%d token calls, sent %q", ts.count(), d.Attempts[0].Request.Headers.Get("Authorization"))
	}
}

func TestFlexDeployBodyTemplate(t *testing.T) {
	tests := []struct {
		name     string
		tmpl     string
		wantBody string
		wantErr  string
	}{
		{"fields and json", `{"type":{{json .eventType}},"n":{{.n}},"nested":{{json .nested}}}`, `{"type":"Release Started","n":1,"nested":{"id":"x1"}}`, ""},
		{"plain text", `release {{.nested.id}} <ok>`, `release x1 <ok>`, ""},
		{"render error fails the attempt", `{{.n.x}}`, "", "body_template: template: body_template:1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			e := newEngine(t, Config{})
			mustSubscribe(t, e, Subscription{Vendor: "flexdeploy", URL: rc.URL, BodyTemplate: tc.tmpl, Method: "PUT"})
			d := oneDelivery(t, e, event("flexdeploy", "Release Started"))
			if tc.wantErr != "" {
				if d.Status != Failed || !strings.HasPrefix(d.Error, tc.wantErr) || len(rc.got()) != 0 {
					t.Fatalf("status %s error %q, %d requests", d.Status, d.Error, len(rc.got()))
				}
				return
			}
			h := rc.got()[0]
			if d.Status != Delivered || h.Body != tc.wantBody || h.Method != "PUT" || d.Attempts[0].Request.Body != tc.wantBody {
				t.Fatalf("status %s, sent %s %q", d.Status, h.Method, h.Body)
			}
			if d.Event != "Release Started" {
				t.Errorf("event %q, want the vendor's name", d.Event)
			}
		})
	}
	if b, err := RenderBody(`{{json .a}}`, []byte(`{"a":[1,2.50,"x"]}`)); err != nil || string(b) != `[1,2.50,"x"]` {
		t.Errorf("RenderBody = %s, %v", b, err)
	}
	if _, err := RenderBody(`{{`, nil); err == nil {
		t.Error("RenderBody accepted a broken template")
	}
}

func TestRetryAfter(t *testing.T) {
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	for _, v := range []string{"0", past} {
		t.Run(v, func(t *testing.T) {
			rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
				if n == 0 {
					w.Header().Set("Retry-After", v)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(200)
			})
			e := newEngine(t, Config{})
			// Without Retry-After the backoff would be up to a minute.
			mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL,
				Retry: Retry{MaxAttempts: 2, InitialInterval: Duration(time.Minute), MaxInterval: Duration(time.Minute)}})
			start := time.Now()
			d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
			if d.Status != Delivered || len(d.Attempts) != 2 || time.Since(start) > 2*time.Second {
				t.Fatalf("status %s after %d attempts in %s", d.Status, len(d.Attempts), time.Since(start))
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 6, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"5", 5 * time.Second, true},
		{" 120 ", 2 * time.Minute, true},
		{"301", 5 * time.Minute, true},
		{"99999999999999999999", 5 * time.Minute, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(time.Hour).Format(http.TimeFormat), 5 * time.Minute, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Friday, 27-Jun-25 10:00:30 GMT", 30 * time.Second, true},
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFaults(t *testing.T) {
	t.Run("duplicate", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Duplicate: true}})
		d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
		hits := rc.got()
		if d.Status != Delivered || len(hits) != 2 || len(d.Attempts) != 2 {
			t.Fatalf("status %s, %d requests, %d attempts", d.Status, len(hits), len(d.Attempts))
		}
		if hits[0].Body != hits[1].Body || hits[0].Header.Get(DeliveryHeader) != d.ID || hits[1].Header.Get(DeliveryHeader) != d.ID {
			t.Errorf("the duplicate differs: %+v", hits)
		}
		if d.Attempts[0].Duplicate || !d.Attempts[1].Duplicate || d.Attempts[1].N != 2 {
			t.Errorf("attempts %+v", d.Attempts)
		}
	})
	t.Run("duplicate outcome does not change the status", func(t *testing.T) {
		rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) { w.WriteHeader(200 + 300*n) })
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Duplicate: true}})
		d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
		if d.Status != Delivered || d.Attempts[1].Success || d.Error != "" {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("no duplicate after a failure", func(t *testing.T) {
		rc := newReceiver(t, status(500))
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Duplicate: true}})
		if d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED")); len(rc.got()) != 1 || d.Status != Failed {
			t.Fatalf("%d requests, %+v", len(rc.got()), d)
		}
	})
	t.Run("delay", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Delay: Duration(150 * time.Millisecond)}})
		start := time.Now()
		ds := mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
		if got, _ := e.Delivery(ds[0].ID); got.Status != Pending {
			t.Fatalf("status %s while held", got.Status)
		}
		waitFinal(t, e, Filter{}, 1)
		if gap := rc.got()[0].At.Sub(start); gap < 150*time.Millisecond {
			t.Fatalf("delivered after %s, want at least 150ms", gap)
		}
	})
	t.Run("event faults apply to that event only", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := newEngine(t, Config{})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
		plain := event("rocketlane", "TASK_CREATED")
		plain.ID = "evt_plain"
		faulty := event("rocketlane", "TASK_UPDATED")
		faulty.ID = "evt_faulty"
		faulty.Faults = Faults{Duplicate: true, Delay: Duration(100 * time.Millisecond)}
		start := time.Now()
		mustEmit(t, e, faulty)
		mustEmit(t, e, plain)
		ds := waitFinal(t, e, Filter{}, 2)
		hits := rc.got()
		if len(hits) != 3 {
			t.Fatalf("%d requests, want 1 plain and 2 of the duplicated event", len(hits))
		}
		if !strings.Contains(hits[0].Body, "TASK_CREATED") || hits[1].At.Sub(start) < 100*time.Millisecond {
			t.Errorf("the delayed event did not arrive after the plain one: first %s, then after %s", hits[0].Body[:40], hits[1].At.Sub(start))
		}
		for _, d := range ds {
			full, _ := e.Delivery(d.ID)
			want := map[string]int{"evt_plain": 1, "evt_faulty": 2}[d.EventID]
			if len(full.Attempts) != want {
				t.Errorf("event %s: %d attempts, want %d", d.EventID, len(full.Attempts), want)
			}
		}
		if got := e.Deliveries(Filter{EventID: "evt_faulty"}); len(got) != 1 || got[0].EventID != "evt_faulty" {
			t.Errorf("filter by event id: %+v", got)
		}
	})
	t.Run("shuffle", func(t *testing.T) {
		rc := newReceiver(t, nil)
		e := newEngine(t, Config{Workers: 1})
		sub := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Reorder: true}})
		if sub.Faults.ReorderWindow != Duration(50*time.Millisecond) {
			t.Errorf("shuffle window %s, want the 50ms default", time.Duration(sub.Faults.ReorderWindow))
		}
		const n = 20
		var emitted []string
		for range n {
			emitted = append(emitted, mustEmit(t, e, event("rocketlane", "TASK_CREATED"))[0].ID)
		}
		ds := waitFinal(t, e, Filter{Status: "delivered"}, n)
		if len(ds) != n {
			t.Fatalf("%d delivered", len(ds))
		}
		var got []string
		for _, h := range rc.got() {
			got = append(got, h.Header.Get(DeliveryHeader))
		}
		if strings.Join(got, ",") == strings.Join(emitted, ",") {
			t.Fatalf("%d shuffled deliveries arrived in emit order", n)
		}
	})
}

func TestConcurrentEmits(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		mu.Lock()
		seen[r.Header.Get(DeliveryHeader)+" "+r.URL.Path]++
		mu.Unlock()
		w.WriteHeader(204)
	})
	obs := newObserver()
	e := newEngine(t, Config{Observer: obs})
	var subs []Subscription
	for i := range 3 {
		subs = append(subs, mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: fmt.Sprintf("%s/r%d", rc.URL, i)}))
	}
	const events = 500
	var wg sync.WaitGroup
	errs := make(chan error, events)
	for i := range events {
		wg.Go(func() {
			ev := event("rocketlane", "TASK_UPDATED")
			ev.ID = fmt.Sprintf("evt_%d", i)
			ds, err := e.Emit(context.Background(), ev)
			if err == nil && len(ds) != 3 {
				err = fmt.Errorf("event %d: %d deliveries", i, len(ds))
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ds := waitFinal(t, e, Filter{Event: "task-updated"}, 3*events)
	if len(ds) != 3*events || len(e.Deliveries(Filter{})) != 3*events {
		t.Fatalf("%d deliveries", len(ds))
	}
	pairs := map[string]bool{}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range ds {
		if d.Status != Delivered || d.AttemptCount != 1 || d.Attempts != nil {
			t.Fatalf("%+v", d)
		}
		key := d.EventID + " " + d.Subscription
		if pairs[key] {
			t.Fatalf("two deliveries of %s", key)
		}
		pairs[key] = true
		path := d.URL[len(rc.URL):]
		if n := seen[d.ID+" "+path]; n != 1 {
			t.Fatalf("delivery %s received %d times at %s", d.ID, n, path)
		}
	}
	if len(seen) != 3*events {
		t.Fatalf("receiver saw %d distinct deliveries", len(seen))
	}
	for _, s := range subs {
		if n := len(e.Deliveries(Filter{Subscription: s.ID})); n != events {
			t.Errorf("subscription %s: %d deliveries", s.ID, n)
		}
	}
	if obs.count(Delivered) != 3*events {
		t.Errorf("observer saw %d delivered", obs.count(Delivered))
	}
}

func TestMatching(t *testing.T) {
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{})
	all := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	some := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Events: []string{"task-created", "PHASE_UPDATED", "TASK_CREATED"}})
	run := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Run: "run_1"})
	fb := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Fallback: true})
	if strings.Join(some.Events, ",") != "TASK_CREATED,PHASE_UPDATED" {
		t.Errorf("events stored as %q", some.Events)
	}
	count := func(ev Event) int { return len(mustEmit(t, e, ev)) }
	ev := event("rocketlane", "TASK_CREATED")
	if n := count(ev); n != 2 {
		t.Errorf("TASK_CREATED: %d deliveries, want 2", n)
	}
	ev.Run = "run_1"
	if ds := mustEmit(t, e, ev); len(ds) != 1 || ds[0].Subscription != run.ID {
		t.Errorf("TASK_CREATED in run_1 goes to the run's own subscription only: %+v", ds)
	}
	if n := count(event("rocketlane", "task-deleted")); n != 1 {
		t.Errorf("TASK_DELETED: %d deliveries, want 1", n)
	}
	if n := count(event("flexdeploy", "Release Started")); n != 0 {
		t.Errorf("flexdeploy: %d deliveries, want 0", n)
	}
	// The fallback takes cutover events only while no other subscription does.
	if ds := mustEmit(t, e, event("cutover", "task.created")); len(ds) != 1 || ds[0].Subscription != fb.ID {
		t.Errorf("fallback: %+v", ds)
	}
	own := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL})
	if ds := mustEmit(t, e, event("cutover", "task.created")); len(ds) != 1 || ds[0].Subscription != own.ID {
		t.Errorf("with a subscription: %+v", ds)
	}
	if ds := mustEmit(t, e, event("flexdeploy", "Release Started")); len(ds) != 0 {
		t.Errorf("flexdeploy: %+v", ds)
	}
	release := mustSubscribe(t, e, Subscription{Vendor: "flexdeploy", URL: rc.URL})
	mustEmit(t, e, event("flexdeploy", "Release Started"))
	waitFinal(t, e, Filter{}, 7)
	for f, want := range map[Filter]int{
		{Event: "TASK_CREATED"}: 3, {Event: "task_created"}: 3, {Event: "task.created"}: 2, {Event: "task-created"}: 5,
		{Vendor: "Rocketlane"}: 4, {Run: "run_1"}: 1, {Subscription: all.ID}: 2, {Subscription: run.ID}: 1,
		{Status: "delivered"}: 7, {Status: "failed"}: 0, {Vendor: "cutover", Event: "task-created"}: 2,
		{Event: "RELEASE_STARTED"}: 1, {Event: "release started"}: 1, {Subscription: release.ID}: 1,
	} {
		if n := len(e.Deliveries(f)); n != want {
			t.Errorf("Deliveries(%+v) = %d, want %d", f, n, want)
		}
	}
	if _, err := e.Emit(context.Background(), event("nope", "x")); err == nil {
		t.Error("emit accepted an unknown vendor")
	}
}

func TestWait(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n >= 2 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(200)
	})
	e := newEngine(t, Config{Workers: 4})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	for range 3 {
		mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	}
	ds := waitFinal(t, e, Filter{}, 2)
	if len(ds) != 3 {
		t.Fatalf("wait returned %d, want all 3 matching", len(ds))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ds, err := e.Wait(ctx, Filter{}, 3)
	if !errors.Is(err, context.DeadlineExceeded) || len(ds) != 3 {
		t.Fatalf("timed-out wait: %v with %d", err, len(ds))
	}
	final := 0
	for _, d := range ds {
		if d.Status.Final() {
			final++
		}
	}
	if final != 2 {
		t.Fatalf("%d final, want 2", final)
	}

	// A waiter is woken by the third delivery finishing.
	done := make(chan []Delivery)
	go func() {
		ds, _ := e.Wait(context.Background(), Filter{Status: "delivered"}, 3)
		done <- ds
	}()
	close(release)
	if ds := recv(t, done, "wait"); len(ds) != 3 {
		t.Fatalf("woken wait returned %d", len(ds))
	}
	if ds, err := e.Wait(context.Background(), Filter{}, 0); err != nil || len(ds) != 3 {
		t.Fatalf("wait for 0: %d, %v", len(ds), err)
	}
}

func TestRedeliver(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 0 {
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(200)
	})
	e := newEngine(t, Config{})
	sub := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL})
	d := oneDelivery(t, e, event("cutover", "task.created"))
	if d.Status != Failed {
		t.Fatalf("%+v", d)
	}
	// Redelivery works after the subscription is gone.
	e.Unsubscribe(sub.ID)
	rd, err := e.Redeliver(context.Background(), d.ID)
	if err != nil || rd.Status != Pending || rd.ID != d.ID {
		t.Fatalf("redeliver: %+v, %v", rd, err)
	}
	waitFinal(t, e, Filter{}, 1)
	d, _ = e.Delivery(d.ID)
	if d.Status != Delivered || len(d.Attempts) != 2 || d.Attempts[1].N != 2 || d.Error != "" || d.Attempts[0].Success {
		t.Fatalf("after redelivery: %+v", d)
	}
	if _, err := e.Redeliver(context.Background(), "dlv_nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}

	// Not final: refused.
	block := make(chan struct{})
	rc2 := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc2.URL})
	ds := mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	if _, err := e.Redeliver(context.Background(), ds[0].ID); !errors.Is(err, ErrNotFinal) {
		t.Errorf("pending delivery: %v", err)
	}
	close(block)
}

func TestReset(t *testing.T) {
	arrived := make(chan struct{}, 10)
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		arrived <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	obs := newObserver()
	e := newEngine(t, Config{Workers: 1, Observer: obs})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	held := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Faults: Faults{Delay: Duration(time.Hour)}})
	first := mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	mustEmit(t, e, event("rocketlane", "TASK_CREATED")) // queued behind the first
	mustEmit(t, e, event("cutover", "task.created"))    // held by the delay
	recv(t, arrived, "first request")
	e.Reset()
	if n := len(e.Deliveries(Filter{})); n != 0 {
		t.Fatalf("%d deliveries after reset", n)
	}
	if _, ok := e.Delivery(first[0].ID); ok {
		t.Fatal("delivery still there after reset")
	}
	if _, ok := e.Subscription(held.ID); !ok {
		t.Fatal("reset removed a subscription")
	}
	close(release)
	recv(t, obs.attempted, "in-flight attempt")
	// The in-flight attempt finished but is not recorded; the queued one is
	// not attempted. A new delivery still works.
	ds := mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	waitFinal(t, e, Filter{}, 1)
	if all := e.Deliveries(Filter{}); len(all) != 1 || all[0].ID != ds[0].ID || all[0].Status != Delivered {
		t.Fatalf("after reset: %+v", all)
	}
	if n := len(rc.got()); n != 2 {
		t.Fatalf("receiver got %d requests, want 2 (the in-flight one and the new one)", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown after reset: %v", err)
	}
}

func TestRetention(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	var logs strings.Builder
	var logMu sync.Mutex
	obs := newObserver()
	e := newEngine(t, Config{Retention: 2, Workers: 8, Observer: obs,
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	var ids []string
	for range 4 {
		ids = append(ids, mustEmit(t, e, event("rocketlane", "TASK_CREATED"))[0].ID)
	}
	if n, dropped := len(e.Deliveries(Filter{})), e.Dropped(); n != 4 || dropped != 0 {
		t.Fatalf("%d stored, %d dropped while pending; want 4, 0", n, dropped)
	}
	close(release)
	for range 4 {
		recv(t, obs.attempted, "attempt")
	}
	for range 4 {
		recv(t, obs.done, "final status")
	}
	if n, dropped := len(e.Deliveries(Filter{})), e.Dropped(); n != 2 || dropped != 2 {
		t.Fatalf("%d stored, %d dropped; want 2, 2", n, dropped)
	}
	// Ten more, one at a time: always the oldest go.
	rc2 := newReceiver(t, nil)
	e.Reset()
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc2.URL})
	for range 10 {
		ids = append(ids, oneDelivery(t, e, event("cutover", "task.created")).ID)
	}
	got := e.Deliveries(Filter{})
	if len(got) != 2 || got[0].ID != ids[len(ids)-2] || got[1].ID != ids[len(ids)-1] || e.Dropped() != 10 {
		t.Fatalf("kept %+v, dropped %d", got, e.Dropped())
	}
	logMu.Lock()
	defer logMu.Unlock()
	if !strings.Contains(logs.String(), "deliveries evicted by retention") {
		t.Errorf("no eviction log: %s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestShutdownForced(t *testing.T) {
	arrived := make(chan struct{}, 10)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	failing := newReceiver(t, status(503))
	obs := newObserver()
	var logs strings.Builder
	var logMu sync.Mutex
	e := New(Config{Workers: 2, Observer: obs, Logger: slog.New(slog.NewTextHandler(lockedWriter{&logMu, &logs}, nil))})
	block := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Events: []string{"TASK_CREATED"}})
	retry := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: failing.URL, Events: []string{"TASK_UPDATED"},
		Retry: Retry{MaxAttempts: 3, InitialInterval: Duration(time.Hour), MaxInterval: Duration(time.Hour)}})
	held := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Events: []string{"TASK_DELETED"}, Faults: Faults{Delay: Duration(time.Hour)}})

	mustEmit(t, e, event("rocketlane", "TASK_UPDATED"))
	recv(t, obs.attempted, "the first attempt of the retrying delivery")
	mustEmit(t, e, event("rocketlane", "TASK_DELETED"))
	for range 4 {
		mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	}
	recv(t, arrived, "request 1")
	recv(t, arrived, "request 2")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := e.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("shutdown: %v, want the context's error", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("forced shutdown took %s", took)
	}
	if _, err := e.Emit(context.Background(), event("rocketlane", "TASK_CREATED")); !errors.Is(err, ErrShutdown) {
		t.Errorf("emit after shutdown: %v", err)
	}
	if _, err := e.Redeliver(context.Background(), "dlv_x"); !errors.Is(err, ErrShutdown) {
		t.Errorf("redeliver after shutdown: %v", err)
	}

	inFlight, queued := 0, 0
	for _, d := range e.Deliveries(Filter{Subscription: block.ID}) {
		d, _ := e.Delivery(d.ID)
		switch {
		case d.Status == Failed && d.Error == "shutdown before the attempt finished" && len(d.Attempts) == 1 && d.Attempts[0].Error == d.Error:
			inFlight++
		case d.Status == Failed && d.Error == "shutdown before the first attempt" && len(d.Attempts) == 0:
			queued++
		default:
			t.Errorf("unexpected %+v", d)
		}
	}
	if inFlight != 2 || queued != 2 {
		t.Errorf("%d in flight, %d queued; want 2, 2", inFlight, queued)
	}
	if ds := e.Deliveries(Filter{Subscription: retry.ID}); len(ds) != 1 || ds[0].Status != Failed || ds[0].Error != "shutdown before attempt 2 (a scheduled retry)" || ds[0].AttemptCount != 1 {
		t.Errorf("retrying: %+v", ds)
	}
	if ds := e.Deliveries(Filter{Subscription: held.ID}); len(ds) != 1 || ds[0].Status != Failed || ds[0].Error != "shutdown before the first attempt" {
		t.Errorf("held: %+v", ds)
	}
	if n := obs.count(Failed); n != 6 {
		t.Errorf("observer saw %d failed, want 6", n)
	}
	logMu.Lock()
	defer logMu.Unlock()
	if n := strings.Count(logs.String(), "level=WARN msg=\"delivery failed\""); n != 6 {
		t.Errorf("%d failure logs, want 6:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "target="+rc.URL) {
		t.Errorf("failure log without the target:\n%s", logs.String())
	}
}

func TestShutdownGraceful(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		time.Sleep(100 * time.Millisecond)
		w.WriteHeader(204)
	})
	flaky := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, n int) { w.WriteHeader(500 - 300*min(n, 1)) })
	e := New(Config{Workers: 2, Logger: discard})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Faults: Faults{Delay: Duration(50 * time.Millisecond)}})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: flaky.URL, Retry: Retry{MaxAttempts: 2, InitialInterval: Duration(50 * time.Millisecond)}})
	for range 3 {
		mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	for _, d := range e.Deliveries(Filter{}) {
		if d.Status != Delivered {
			t.Errorf("%+v", d)
		}
	}
	if n := len(e.Deliveries(Filter{Status: "delivered"})); n != 6 {
		t.Errorf("%d delivered, want 6", n)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
}

func TestBacklogFullFailsAtOnce(t *testing.T) {
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	obs := newObserver()
	e := newEngine(t, Config{Workers: 2, InFlight: 1, Backlog: 3, Observer: obs})
	sub := mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	defer close(release)
	var got []Delivery
	for range 5 {
		got = append(got, mustEmit(t, e, event("rocketlane", "TASK_CREATED"))...)
	}
	want := fmt.Sprintf("backlog full: 3 deliveries waiting for %s", sub.URL)
	for i, d := range got {
		if i < 3 && d.Status != Pending || i >= 3 && (d.Status != Failed || d.Error != want) {
			t.Fatalf("delivery %d as emitted: %s %q; want 3 pending, then failed with %q", i, d.Status, d.Error, want)
		}
	}
	if failed := e.Deliveries(Filter{Status: "failed"}); len(failed) != 2 || failed[0].AttemptCount != 0 {
		t.Fatalf("failed deliveries in the log: %+v", failed)
	}
	if st := e.Stats(); st.Refused != 2 || st.Pending != 3 {
		t.Fatalf("stats %+v, want 2 refused and 3 pending", st)
	}
	if n := obs.count(Failed); n != 2 {
		t.Fatalf("observer saw %d failed, want the 2 refused", n)
	}
	// A redelivery into the full backlog is refused; the delivery stays.
	_, err := e.Redeliver(context.Background(), got[3].ID)
	var be *BacklogError
	if !errors.As(err, &be) || be.Message != want {
		t.Fatalf("redeliver into a full backlog: %v", err)
	}
	if d, _ := e.Delivery(got[3].ID); d.Status != Failed || d.Error != want {
		t.Fatalf("refused redelivery changed the delivery: %+v", d)
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		rc := newReceiver(t, nil)
		defer rc.Close()
		e := New(Config{Workers: 8, Logger: discard})
		mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL, Retry: Retry{MaxAttempts: 2}, Faults: Faults{Reorder: true}})
		for range 20 {
			mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
		}
		waitFinal(t, e, Filter{}, 20)
		if err := e.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines after shutdown, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestRetentionKeepsPendingFront(t *testing.T) {
	release := make(chan struct{})
	slow := newReceiver(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	fast := newReceiver(t, nil)
	e := newEngine(t, Config{Retention: 2})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: slow.URL})
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: fast.URL})
	blocked := mustEmit(t, e, event("rocketlane", "TASK_CREATED"))[0]
	var last Delivery
	for range 3 {
		last = oneDelivery(t, e, event("cutover", "task.created"))
	}
	got := e.Deliveries(Filter{})
	if len(got) != 2 || got[0].ID != blocked.ID || got[1].ID != last.ID || e.Dropped() != 2 {
		t.Fatalf("kept %+v, dropped %d; want the pending one and the newest", got, e.Dropped())
	}
	close(release)
	waitFinal(t, e, Filter{Vendor: "rocketlane"}, 1)
	if got := e.Deliveries(Filter{}); len(got) != 2 || e.Dropped() != 2 {
		t.Fatalf("after the pending one finished: %+v, dropped %d", got, e.Dropped())
	}
}

func TestStoreOldestFinal(t *testing.T) {
	s := newStore()
	var rs []*record
	for i := range 8 {
		r := &record{d: Delivery{ID: fmt.Sprint(i), Status: Pending}}
		s.add(r)
		rs = append(rs, r)
	}
	for _, i := range []int{5, 2, 7, 0, 3} {
		rs[i].d.Status = Delivered
		s.finalized(rs[i])
	}
	// 0 is redelivered (stale entry), then final again later.
	s.unfinalized(rs[0])
	rs[0].d.Status = Pending
	var order []string
	take := func() {
		if r := s.oldestFinal(); r != nil {
			order = append(order, r.d.ID)
			s.remove(r)
		}
	}
	take()
	rs[0].d.Status = Failed
	s.finalized(rs[0])
	for range 6 {
		take()
	}
	if got := strings.Join(order, ","); got != "2,0,3,5,7" {
		t.Fatalf("evicted %s, want 2,0,3,5,7", got)
	}
	if s.live != 3 {
		t.Fatalf("live %d", s.live)
	}
	for i, r := range s.order {
		if r != nil && r.pos != i {
			t.Fatalf("record %s at %d thinks %d", r.d.ID, i, r.pos)
		}
	}

	// Enough removals compact the order.
	s = newStore()
	for i := range 300 {
		r := &record{d: Delivery{ID: fmt.Sprint(i), Status: Delivered}}
		s.add(r)
		s.finalized(r)
	}
	for range 200 {
		s.remove(s.oldestFinal())
	}
	if len(s.order) >= 300 || s.live != 100 {
		t.Fatalf("order %d long with %d live: not compacted", len(s.order), s.live)
	}
	for i, r := range s.order {
		if r != nil && (r.pos != i || s.byID[r.d.ID] != r) {
			t.Fatalf("record %s at %d thinks %d", r.d.ID, i, r.pos)
		}
	}
	if r := s.oldestFinal(); r == nil || r.d.ID != "200" {
		t.Fatalf("oldest after compaction: %+v", r)
	}
}

func TestAwaitFinalCountsEvictedAndReset(t *testing.T) {
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{Retention: 1})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	var ids []string
	for range 4 {
		for _, d := range mustEmit(t, e, event("rocketlane", "TASK_CREATED")) {
			ids = append(ids, d.ID)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.AwaitFinal(ctx, ids); err != nil {
		t.Fatalf("evicted deliveries should count as final: %v", err)
	}
	if e.Dropped() < 3 {
		t.Fatalf("dropped %d, want the 3 oldest evicted", e.Dropped())
	}

	held := newReceiver(t, nil)
	mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: held.URL, Faults: Faults{Delay: Duration(time.Hour)}})
	ds := mustEmit(t, e, event("cutover", "task.created"))
	done := make(chan error, 1)
	go func() { done <- e.AwaitFinal(ctx, []string{ds[0].ID}) }()
	select {
	case err := <-done:
		t.Fatalf("AwaitFinal returned %v while the delivery is held", err)
	case <-time.After(50 * time.Millisecond):
	}
	e.Reset()
	if err := <-done; err != nil {
		t.Fatalf("a reset delivery no longer exists: %v", err)
	}
}

func TestBodyTemplateMissingKeyFails(t *testing.T) {
	rc := newReceiver(t, nil)
	e := newEngine(t, Config{})
	mustSubscribe(t, e, Subscription{Vendor: "flexdeploy", URL: rc.URL, BodyTemplate: `{"x": {{json .nope.deeper}}}`})
	d := oneDelivery(t, e, event("flexdeploy", "Release Started"))
	if d.Status != Failed || !strings.Contains(d.Error, "body_template") || !strings.Contains(d.Error, `"nope"`) || len(rc.got()) != 0 {
		t.Fatalf("a template naming a missing key must fail, not send <no value>: %+v, %d requests", d, len(rc.got()))
	}
}

func TestListingWithAttempts(t *testing.T) {
	rc := newReceiver(t, status(200))
	e := newEngine(t, Config{})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	mustEmit(t, e, event("rocketlane", "TASK_CREATED"))
	mustEmit(t, e, event("rocketlane", "TASK_UPDATED"))
	plain := waitFinal(t, e, Filter{}, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	waited, err := e.Wait(ctx, Filter{}, 2, WithAttempts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		ds   []Delivery
		want int // attempts per delivery
	}{
		{"Wait", plain, 0},
		{"Deliveries", e.Deliveries(Filter{}), 0},
		{"Wait with attempts", waited, 1},
		{"Deliveries with attempts", e.Deliveries(Filter{Status: "delivered"}, WithAttempts), 1},
	} {
		if len(tc.ds) != 2 {
			t.Fatalf("%s: %d deliveries, want 2", tc.name, len(tc.ds))
		}
		for _, d := range tc.ds {
			full, _ := e.Delivery(d.ID)
			if len(d.Attempts) != tc.want || (tc.want > 0 && !reflect.DeepEqual(d, full)) {
				t.Errorf("%s: %+v, want %d attempts (as Delivery gives: %+v)", tc.name, d, tc.want, full)
			}
		}
	}
}
