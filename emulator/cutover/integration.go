package cutover

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/outbound"
)

// Cutover's authorization types as debug_data names them.
const (
	authNone   = "No Auth"
	authToken  = "Token Auth"
	authOAuth2 = "OAuth 2"
)

// Limits of a real integration call.
const (
	defaultActionTimeout = 30 * time.Second
	maxResponseBody      = 64 << 10
	redacted             = "[REDACTED]"
)

// action is a task's integration action settings, as Cutover's action
// editor has them.
type action struct {
	url, method                      string
	auth, token, tokenType           string
	tokenURL, clientID, clientSecret string
	scope                            string
	includeContext, finishOnSuccess  bool
	executeInRehearsal               bool
	cancelable, notifyOnCancel       bool
	cancelURL                        string
	timeout                          time.Duration
}

// actionOf reads the settings from a task's declared attributes.
func actionOf(attrs map[string]any) action {
	a := action{
		url:                catalog.AttrString(attrs, "url", ""),
		method:             catalog.AttrString(attrs, "method", http.MethodPost),
		token:              catalog.AttrString(attrs, "token", ""),
		tokenType:          catalog.AttrString(attrs, "token_type", "Bearer"),
		tokenURL:           catalog.AttrString(attrs, "token_url", ""),
		clientID:           catalog.AttrString(attrs, "client_id", ""),
		clientSecret:       catalog.AttrString(attrs, "client_secret", ""),
		scope:              catalog.AttrString(attrs, "scope", ""),
		includeContext:     catalog.AttrBool(attrs, "include_context", true),
		finishOnSuccess:    catalog.AttrBool(attrs, "finish_on_success", true),
		executeInRehearsal: catalog.AttrBool(attrs, "execute_in_rehearsal", false),
		cancelable:         catalog.AttrBool(attrs, "cancelable", false),
		notifyOnCancel:     catalog.AttrBool(attrs, "notify_on_cancel", false),
		cancelURL:          catalog.AttrString(attrs, "cancel_url", ""),
		timeout:            defaultActionTimeout,
	}
	if d, ok := attrs["timeout"].(time.Duration); ok && d > 0 {
		a.timeout = d
	}
	a.auth = catalog.AttrString(attrs, "auth", "")
	if a.auth == "" {
		a.auth = "none"
		if a.token != "" {
			a.auth = "token"
		}
	}
	return a
}

// authType is the action's authorization as debug_data writes it.
func (a action) authType() string {
	switch a.auth {
	case "token":
		return authToken
	case "oauth2":
		return authOAuth2
	}
	return authNone
}

// check says what is missing for the action to be called.
func (a action) check(task string) error {
	switch {
	case a.url == "":
		return fmt.Errorf("task %s has no url: fire: calls the integration's endpoint (set url:, or emit integrations.* events to simulate)", task)
	case a.auth == "token" && a.token == "":
		return fmt.Errorf("task %s: auth token needs a token: attribute", task)
	case a.auth == "oauth2" && (a.tokenURL == "" || a.clientID == "" || a.clientSecret == ""):
		return fmt.Errorf("task %s: auth oauth2 needs token_url, client_id and client_secret", task)
	}
	return nil
}

// outgoing is one request an action sends.
type outgoing struct {
	method, url string
	body        string
	params      url.Values
}

// contextBody is what "Include context in Request" adds: the runbook and
// the task, as the simulated exchanges show them too.
func contextBody(rb runbookInfo, t taskRef, extra map[string]string) map[string]string {
	m := map[string]string{"runbook_id": rb.ID, "runbook_name": rb.Name, "task_id": t.ID, "task_name": t.Name}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// request builds the call of action a for task t of runbook rb; cancel
// builds the cancel notification instead.
func (a action) request(rb runbookInfo, t taskRef, cancel bool) outgoing {
	out := outgoing{method: a.method, url: a.url, params: url.Values{}}
	ctx := map[string]string{}
	if a.includeContext {
		ctx = contextBody(rb, t, nil)
	}
	if cancel {
		if a.cancelURL != "" {
			out.url = a.cancelURL
		}
		ctx["action"] = "cancel"
	}
	if out.method == http.MethodGet {
		for k, v := range ctx {
			out.params.Set(k, v)
		}
		return out
	}
	b, _ := json.Marshal(ctx)
	out.body = string(b)
	return out
}

// exchange is what one real call gave: Cutover's debug record of it,
// whether it succeeded, and a one-line summary for the run's report.
type exchange struct {
	debug   debugData
	ok      bool
	summary string
}

// call sends out with the action's auth within its timeout and records the
// exchange as Cutover's debug_data does: every field a string, headers and
// parameters JSON-encoded, secrets redacted, response_status empty when no
// response came (the error is then the response_body).
func (a action) call(ctx context.Context, client *http.Client, userAgent string, out outgoing) exchange {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	target := out.url
	if len(out.params) > 0 {
		if u, err := url.Parse(out.url); err == nil {
			q := u.Query()
			for k, vs := range out.params {
				q[k] = vs
			}
			u.RawQuery = q.Encode()
			target = u.String()
		}
	}
	params := map[string]string{}
	for k := range out.params {
		params[k] = out.params.Get(k)
	}
	pj, _ := json.Marshal(params)
	ex := exchange{debug: debugData{
		URL: redactURL(out.url), AuthType: a.authType(), RequestType: out.method,
		RequestParameters: string(pj), RequestBody: out.body, ResponseHeaders: "{}",
	}}
	header := http.Header{}
	header.Set("Accept", "application/json")
	if out.body != "" {
		header.Set("Content-Type", "application/json")
	}
	header.Set("User-Agent", userAgent)
	fail := func(msg string) exchange {
		ex.debug.RequestHeaders = requestHeaderJSON(header)
		ex.debug.ResponseBody = msg
		ex.summary = fmt.Sprintf("%s %s: %s (%s)", out.method, ex.debug.URL, msg, time.Since(start).Round(time.Millisecond))
		return ex
	}
	switch a.auth {
	case "token":
		header.Set("Authorization", a.tokenType+" "+a.token)
	case "oauth2":
		v, _, err := outbound.ClientCredentials(ctx, client, userAgent, outbound.Credentials{
			TokenURL: a.tokenURL, ClientID: a.clientID, ClientSecret: a.clientSecret, Scope: a.scope,
		})
		if err != nil {
			return fail(outbound.DescribeTransportError(ctx, err, a.timeout))
		}
		header.Set("Authorization", v)
	}
	var body io.Reader
	if out.body != "" {
		body = strings.NewReader(out.body)
	}
	req, err := http.NewRequestWithContext(ctx, out.method, target, body)
	if err != nil {
		return fail("build the request: " + err.Error())
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		return fail(outbound.DescribeTransportError(ctx, err, a.timeout))
	}
	defer func() { _ = resp.Body.Close() }()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return fail("read the response: " + outbound.DescribeTransportError(ctx, err, a.timeout))
	}
	ex.debug.RequestHeaders = requestHeaderJSON(header)
	ex.debug.ResponseHeaders = responseHeaderJSON(resp.Header)
	ex.debug.ResponseBody = string(rb)
	ex.debug.ResponseStatus = strconv.Itoa(resp.StatusCode)
	ex.ok = resp.StatusCode >= 200 && resp.StatusCode <= 299
	ex.summary = fmt.Sprintf("%s %s → %d (%s)", out.method, ex.debug.URL, resp.StatusCode, time.Since(start).Round(time.Millisecond))
	return ex
}

// requestHeaderJSON writes the headers sent, Authorization redacted to its
// type, as a JSON object in a fixed order.
func requestHeaderJSON(h http.Header) string {
	c := h.Clone()
	if v := c.Get("Authorization"); v != "" {
		typ, _, _ := strings.Cut(v, " ")
		c.Set("Authorization", typ+" "+redacted)
	}
	return headerJSON(c, false)
}

// responseHeaderJSON writes a response's headers with lower-case names, as
// Cutover's debug data shows them.
func responseHeaderJSON(h http.Header) string { return headerJSON(h, true) }

func headerJSON(h http.Header, lower bool) string {
	m := make(map[string]string, len(h))
	for k, vs := range h {
		if lower {
			k = strings.ToLower(k)
		}
		m[k] = strings.Join(vs, ", ")
	}
	b, _ := json.Marshal(m) // keys sorted, as Cutover's debug data lists them
	return string(b)
}

// redactURL hides a password in the URL's user information.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), redacted)
	}
	return u.String()
}
