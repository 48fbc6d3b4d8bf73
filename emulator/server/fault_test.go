package server_test

// The fault suite: hostile inputs replayed against a real server on a
// loopback port. Each probe asserts its 4xx (or the documented bound), that
// the server still serves a normal emit afterwards, and, for the inputs
// that once exhausted memory, that the allocations stay under a generous
// bound.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/standin-dev/standin/emulator/redact"
	"github.com/standin-dev/standin/emulator/server"
)

// maxProbeAlloc bounds what one hostile request may allocate, server and
// client together: the inputs are at most 1 MiB, and before the limits one
// cost 500 MB to 24 GB.
const maxProbeAlloc = 64 << 20

// stillUp checks that a normal emit is still accepted.
func stillUp(t *testing.T, base string) {
	t.Helper()
	var out map[string]any
	if code := call(t, "POST", base+"/__admin/events/cutover/task.created?seed=1", "", &out); code != 202 {
		t.Fatalf("after the probe, a normal emit answers %d: %v", code, out)
	}
}

// allocated runs f and returns the bytes allocated meanwhile.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileInputsAreRefused(t *testing.T) {
	_, base := start(t, server.Config{})
	nested := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	script := func(steps string) string {
		b, _ := json.Marshal(map[string]string{"script": "name: deep\nvendor: cutover\nsteps: " + steps + "\n"})
		return string(b)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
		code, msg                string
	}{
		// JSON nesting: every JSON body the admin API reads.
		{"emit: 1 MB of [", "POST", "/__admin/events/cutover/task.created", `{"meta":` + strings.Repeat("[", 1_000_000) + `}`, 400, "too_deep", "JSON nests deeper than 64 levels at offset 71"},
		{"emit: unclosed [", "POST", "/__admin/events/cutover/task.created", strings.Repeat("[", 1_000_000), 400, "too_deep", "deeper than 64 levels"},
		{"emit: nested objects", "POST", "/__admin/events/cutover/task.created", nested(`{"meta":`, `}`, 100), 400, "too_deep", "deeper than 64 levels"},
		{"emit: brackets in strings are data", "POST", "/__admin/events/cutover/task.created", `{"meta":{"task":{"name":"` + strings.Repeat("[", 10_000) + `"}}}`, 202, "", ""},
		{"emit: escaped quotes do not end a string", "POST", "/__admin/events/cutover/task.created", `{"meta":{"task":{"name":"\"` + strings.Repeat("[", 1000) + `\\"}}}`, 202, "", ""},
		{"emit: nesting within the limit", "POST", "/__admin/events/cutover/task.created", `{"meta":{"x":` + nested("[", "]", 60) + `}}`, 422, "invalid_payload", `/meta: unknown field "x"`},
		{"subscription: nested", "POST", "/__admin/subscriptions", `{"vendor":"cutover","url":"http://127.0.0.1:1/","headers":` + nested(`{"a":`, `}`, 70) + `}`, 400, "too_deep", "deeper than 64"},
		{"run: nested vars", "POST", "/__admin/runs", `{"scenario":"flexdeploy-release-pipeline","vars":{"outcome":` + nested("[", "]", 500_000) + `}}`, 400, "too_deep", "deeper than 64"},
		// YAML nesting, before the parser.
		{"run: 32,000 flow brackets", "POST", "/__admin/runs", script(nested("[", "]", 32_000)), 400, "too_deep", "script:3:107: the YAML nests more than 100 levels"},
		{"run: unclosed flow brackets", "POST", "/__admin/runs", script(strings.Repeat("[", 500_000)), 400, "too_deep", "nests more than 100 levels"},
		{"run: flow mappings", "POST", "/__admin/runs", script(nested("{a: ", "}", 20_000)), 400, "too_deep", "nests more than 100 levels"},
		{"run: brackets in a block scalar are text", "POST", "/__admin/runs", `{"script":"name: text\ndescription: |\n  ` + strings.Repeat("[", 50_000) + `\nvendor: cutover\nsteps:\n  - event: task.created\n"}`, 202, "", ""},
		{"run: brackets in a quoted string are text", "POST", "/__admin/runs", `{"script":"name: text\ndescription: '` + strings.Repeat("{", 50_000) + `'\nvendor: cutover\nsteps:\n  - event: task.created\n"}`, 202, "", ""},
		{"run: compact entries", "POST", "/__admin/runs", script("\n" + strings.Repeat("- ", 100_000) + "x"), 400, "too_deep", "nests more than 100 levels"},
		// Body templates refused at subscription time.
		{"template: does not parse", "POST", "/__admin/subscriptions", `{"vendor":"flexdeploy","url":"http://127.0.0.1:1/","body_template":"{{if}}"}`, 400, "invalid_subscription", "body_template: parse"},
		{"template: recursion", "POST", "/__admin/subscriptions", `{"vendor":"flexdeploy","url":"http://127.0.0.1:1/","body_template":"{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}"}`, 400, "invalid_subscription", "calls itself"},
		{"template: calls that expand exponentially", "POST", "/__admin/subscriptions", fmt.Sprintf(`{"vendor":"flexdeploy","url":"http://127.0.0.1:1/","body_template":%q}`, exponential(30)), 400, "invalid_subscription", "expands to more than 100000 nodes"},
		{"template: nesting", "POST", "/__admin/subscriptions", fmt.Sprintf(`{"vendor":"flexdeploy","url":"http://127.0.0.1:1/","body_template":%q}`, strings.Repeat("{{with .}}", 40)+strings.Repeat("{{end}}", 40)), 400, "invalid_subscription", "more than 32 deep"},
		// Start times outside what a vendor's payloads can say.
		{"start: Rocketlane before 2000", "POST", "/__admin/events/rocketlane/TASK_CREATED?start=1999-12-31T00:00:00Z", "", 400, "bad_query", "rocketlane payloads can say: the start must be from 2001-01-01T00:00:00Z to before 2099-01-01T00:00:00Z"},
		{"start: Rocketlane from 2100", "POST", "/__admin/events/rocketlane/TASK_CREATED?start=2100-01-01T00:00:00Z", "", 400, "bad_query", "to before 2099-01-01"},
		{"start: Cutover in 9999", "POST", "/__admin/events/cutover/task.created?start=9999-06-01T00:00:00Z", "", 400, "bad_query", "to before 9999-01-01"},
		{"start: FlexDeploy in 9999", "POST", "/__admin/events/flexdeploy/release-started?start=9999-12-01T00:00:00Z", "", 400, "bad_query", "to before 9999-01-01"},
		{"start: Rocketlane in range", "POST", "/__admin/events/rocketlane/TASK_CREATED?start=2098-12-31T23:00:00Z", "", 202, "", ""},
		{"start: a scenario's", "POST", "/__admin/runs", `{"script":"name: old\nvendor: rocketlane\nstart: 1990-01-01T00:00:00Z\nsteps:\n  - event: TASK_CREATED\n"}`, 422, "invalid_scenario", "script:3:8: start 1990-01-01T00:00:00Z is outside what rocketlane payloads can say"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e errResp
			var got int
			n := allocated(func() { got = call(t, tt.method, base+tt.path, tt.body, &e) })
			if got != tt.status {
				t.Fatalf("status %d, want %d (%+v)", got, tt.status, e.Error)
			}
			if tt.code != "" && (e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.msg)) {
				t.Fatalf("error %s %q, want %s containing %q", e.Error.Code, e.Error.Message, tt.code, tt.msg)
			}
			if n > maxProbeAlloc {
				t.Errorf("the probe allocated %d MB, over %d MB", n>>20, maxProbeAlloc>>20)
			}
			stillUp(t, base)
		})
	}
}

func TestBodyTemplateIsBoundedPerAttempt(t *testing.T) {
	_, base := start(t, server.Config{})
	rc, url := newReceiver(t)
	// A billion copies of the payload: it parses, and renders to the
	// output limit, where the attempt fails.
	body, _ := json.Marshal(map[string]any{"vendor": "flexdeploy", "url": url, "body_template": `{{range 1000000000}}{{json $}}{{end}}`})
	subscribe(t, base, string(body))
	var n uint64
	var ds []deliveryDoc
	n = allocated(func() {
		if code := call(t, "POST", base+"/__admin/events/flexdeploy/release-started", "", nil); code != 202 {
			t.Fatalf("emit: %d", code)
		}
		ds = wait(t, base, "vendor=flexdeploy&count=1&timeout=30s")
	})
	if len(ds) != 1 || ds[0].Status != "failed" || !strings.Contains(ds[0].Error, "body_template: the rendered body is over 1048576 bytes") {
		t.Fatalf("deliveries %+v", ds)
	}
	if rc.calls.Load() != 0 {
		t.Errorf("the receiver was called with a body the template did not finish")
	}
	if n > 4*maxProbeAlloc {
		t.Errorf("the render allocated %d MB", n>>20)
	}
	stillUp(t, base)
}

// TestNoSecretIsShown gives standin secrets in every place it takes them
// and looks for them in every admin answer and log line; the receiver
// still gets them.
func TestNoSecretIsShown(t *testing.T) {
	const (
		token      = "tok-6f1d2c"
		apiKey     = "key-93be01"
		tenant     = "tenant-secret-77"
		password   = "pw-4a4a4a"
		clientSec  = "cs-0c0c0c"
		accessTok  = "at-5e5e5e"
		integToken = "it-7b7b7b"
		markedVar  = "mv-1d1d1d"
	)
	secrets := []string{token, apiKey, tenant, password, clientSec, accessTok, integToken, markedVar}

	var logs bytes.Buffer
	var logMu sync.Mutex
	logger := slog.New(slog.NewTextHandler(lockedBuffer{&logMu, &logs}, nil))
	_, base := start(t, server.Config{Logger: logger})

	rc, url := newReceiver(t, 200, 500) // the second attempt fails, to log an error
	withUser := strings.Replace(url, "http://", "http://hook:"+password+"@", 1)
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":3600}`, accessTok)
	}))
	t.Cleanup(tokens.Close)

	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q,"events":["task.created"],"headers":{"X-Api-Key":%q,"X-Tenant":%q},"secret_headers":["X-Tenant"],"auth":{"type":"token","token":%q}}`, withUser, apiKey, tenant, token))
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q,"events":["task.started"],"auth":{"type":"oauth2","token_url":%q,"client_id":"c","client_secret":%q}}`, url, tokens.URL, clientSec))
	call(t, "POST", base+"/__admin/events/cutover/task.created", "", nil)
	call(t, "POST", base+"/__admin/events/cutover/task.started", "", nil)
	wait(t, base, "vendor=cutover&count=2")

	script := fmt.Sprintf("name: secret\nvendor: cutover\nvars:\n  integration_token: %s\n  tenant_ref:\n    default: %s\n    secret: true\nsteps:\n  - event: task.created\n", integToken, markedVar)
	runBody, _ := json.Marshal(map[string]any{"script": script, "targets": []string{withUser}})
	var run struct{ ID string }
	if code := call(t, "POST", base+"/__admin/runs", string(runBody), &run); code != 202 {
		t.Fatalf("run: %d", code)
	}
	call(t, "GET", base+"/__admin/runs/"+run.ID+"?wait=20s", "", nil)

	// The receivers got the real values.
	rc.mu.Lock()
	var tokenSub, oauthSub http.Header
	for _, h := range rc.headers {
		switch h.Get("Authorization") {
		case "Bearer " + token:
			tokenSub = h
		case "Bearer " + accessTok:
			oauthSub = h
		}
	}
	rc.mu.Unlock()
	if tokenSub == nil || tokenSub.Get("X-Api-Key") != apiKey || tokenSub.Get("X-Tenant") != tenant || oauthSub == nil {
		t.Fatalf("the receiver did not get the secrets: %v", rc.headers)
	}

	// No admin answer or log line shows them.
	var ds []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries", "", &ds)
	paths := []string{"/__admin/subscriptions", "/__admin/deliveries", "/__admin/runs", "/__admin/runs/" + run.ID, "/__admin/deliveries/wait?count=1",
		"/__admin/deliveries?attempts=true", "/__admin/deliveries/wait?count=1&attempts=true"}
	for _, d := range ds {
		paths = append(paths, "/__admin/deliveries/"+d.ID)
	}
	for _, p := range paths {
		resp, err := http.Get(base + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(p, "attempts=true") && !bytes.Contains(b, []byte(`"attempts":[{`)) {
			t.Errorf("GET %s shows no attempts: %s", p, b)
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("GET %s shows the secret %q: %s", p, s, b)
			}
		}
	}
	logMu.Lock()
	logText := logs.String()
	logMu.Unlock()
	for _, s := range secrets {
		if strings.Contains(logText, s) {
			t.Errorf("the log shows the secret %q:\n%s", s, logText)
		}
	}

	// An attempt shows the fingerprint of what was sent.
	var d struct {
		Attempts []struct {
			Request struct {
				URL     string
				Headers http.Header
			}
		}
	}
	call(t, "GET", base+"/__admin/deliveries/"+ds[0].ID, "", &d)
	h := d.Attempts[0].Request.Headers
	if h.Get("Authorization") != redact.Mask("Bearer "+token) || h.Get("X-Tenant") != redact.Mask(tenant) || h.Get("Content-Type") != "application/json" {
		t.Errorf("attempt headers %v", h)
	}
	if want := strings.Replace(url, "http://", "http://"+redact.Mask("hook:"+password)+"@", 1); d.Attempts[0].Request.URL != want {
		t.Errorf("attempt URL %s, want %s", d.Attempts[0].Request.URL, want)
	}
}

// exponential is n templates, each calling the one before twice: 2^n
// calls in 50·n bytes.
func exponential(n int) string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}{{json .}}{{end}}`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d" .}}{{template "t%d" .}}{{end}}`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `{{template "t%d" .}}`, n)
	return b.String()
}

// lockedBuffer is a log writer for handlers on many goroutines.
type lockedBuffer struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (w lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

// TestErrorsDoNotQuoteSecrets: an error answer that quotes the request
// masks the secrets in it.
func TestErrorsDoNotQuoteSecrets(t *testing.T) {
	_, base := start(t, server.Config{})
	var e errResp
	code := call(t, "POST", base+"/__admin/subscriptions", `{"vendor":"cutover","url":"ftp://hook:pw-9f9f9f@127.0.0.1/","auth":{"type":"token","token":"t"}}`, &e)
	if code != 400 || strings.Contains(e.Error.Message, "pw-9f9f9f") || !strings.Contains(e.Error.Message, "***sha256:") {
		t.Errorf("%d %q", code, e.Error.Message)
	}
}
