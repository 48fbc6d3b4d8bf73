package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/outbound"
	"github.com/standin-dev/standin/emulator/redact"
)

// Attempt errors for work cut short by Shutdown.
const (
	msgShutdownInFlight = "shutdown before the attempt finished"
	msgShutdownQueued   = "shutdown before the first attempt"
)

// maxRetryAfter caps a receiver's Retry-After.
const maxRetryAfter = 5 * time.Minute

// drainLimit is how much of a response body past BodyLimit is read (and
// thrown away) so the connection can be reused.
const drainLimit = 1 << 20

// outgoing is the request of one attempt, kept to send it again for the
// duplicate fault. It is not changed once sent.
type outgoing struct {
	method, url string
	header      http.Header
	body        string
	hasBody     bool
	auth        string // the Authorization value an oauth2 token added
	sent        bool   // the request went out (no template or token failure)
}

// staticHeader builds the headers every request of a subscription carries:
// User-Agent, the profile's, the subscription's (an empty value removes a
// default) and the token auth header.
func (e *Engine) staticHeader(s Subscription, p Profile) http.Header {
	h := http.Header{}
	h.Set("User-Agent", e.userAgent)
	for k, v := range p.Headers {
		h.Set(k, v)
	}
	for k, v := range s.Headers {
		if v == "" {
			h.Del(k)
			continue
		}
		h.Set(k, v)
	}
	if s.Auth.Type == "token" {
		h.Set("Authorization", s.Auth.TokenType+" "+s.Auth.Token)
	}
	return h
}

// sendsBody reports whether requests with method carry the body. GET and
// HEAD do not.
func sendsBody(method string) bool { return method != http.MethodGet && method != http.MethodHead }

// attempt makes attempt n of delivery id: renders the body, authenticates
// and sends. The attempt's Request.Headers is left nil: the record rebuilds
// it from the subscription's headers, the id and out.auth when asked (so
// stored attempts hold no header map of their own).
func (e *Engine) attempt(st *subState, id string, event string, n int) (Attempt, *outgoing) {
	start := time.Now()
	out := &outgoing{method: st.sub.Method, url: st.sub.URL, header: cloneWith(st.header, DeliveryHeader, id)}
	at := Attempt{N: n, StartedAt: start.UTC(), Request: &Request{Method: out.method, URL: out.url}}
	// fail ends the attempt before anything was sent: it records no
	// request.
	fail := func(msg string) (Attempt, *outgoing) {
		at.Error = msg
		at.Duration = Duration(time.Since(start))
		at.Request = nil
		return at, out
	}
	body := event
	if st.tmpl != nil {
		// The render shares the attempt's deadline with the exchange.
		ctx, cancel := context.WithDeadline(e.base, start.Add(st.prof.Timeout))
		b, err := renderBody(ctx, st.tmpl, event)
		cancel()
		if err != nil {
			if e.base.Err() != nil {
				return fail(msgShutdownInFlight)
			}
			return fail("body_template: " + err.Error())
		}
		body = b
	}
	if sendsBody(out.method) {
		out.body, out.hasBody = body, true
		at.Request.Body = body
	}
	if st.tok != nil {
		v, err := e.bearer(st)
		if err != nil {
			if e.base.Err() != nil {
				return fail(msgShutdownInFlight)
			}
			return fail(err.Error())
		}
		out.header.Set("Authorization", v)
		out.auth = v
	}
	out.sent = true
	e.exchange(st.prof, out, &at, start)
	return at, out
}

// requestHeader is the header an attempt of delivery id sent: the
// subscription's, the delivery id and the oauth2 Authorization value auth.
func requestHeader(st *subState, id, auth string) http.Header {
	h := cloneWith(st.header, DeliveryHeader, id)
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return h
}

// cloneWith copies h and sets key (canonical) to value, in two
// allocations.
func cloneWith(h http.Header, key, value string) http.Header {
	nv := 1
	for _, vv := range h {
		nv += len(vv)
	}
	sv := make([]string, nv)
	out := make(http.Header, len(h)+1)
	for k, vv := range h {
		n := copy(sv, vv)
		out[k] = sv[:n:n]
		sv = sv[n:]
	}
	sv[0] = value
	out[key] = sv[:1:1]
	return out
}

// resend sends out again as attempt n, marked duplicate.
func (e *Engine) resend(p Profile, out *outgoing, n int) Attempt {
	start := time.Now()
	at := Attempt{N: n, StartedAt: start.UTC(), Duplicate: true,
		Request: &Request{Method: out.method, URL: out.url, Body: out.body}}
	e.exchange(p, out, &at, start)
	return at
}

// exchange sends out within the profile's timeout and records the outcome
// in at.
func (e *Engine) exchange(p Profile, out *outgoing, at *Attempt, start time.Time) {
	ctx, cancel := context.WithDeadline(e.base, start.Add(p.Timeout))
	defer cancel()
	var body io.Reader
	if out.hasBody {
		body = strings.NewReader(out.body)
	}
	req, err := http.NewRequestWithContext(ctx, out.method, out.url, body)
	if err != nil {
		at.Error = "build the request: " + err.Error()
		at.Duration = Duration(time.Since(start))
		return
	}
	req.Header = out.header
	if h := out.header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := e.client.Do(req)
	if err != nil {
		at.Error = e.transportError(ctx, err, p.Timeout)
		at.Duration = Duration(time.Since(start))
		return
	}
	b, truncated, rerr := readBody(resp.Body, e.bodyLimit)
	_ = resp.Body.Close()
	at.Duration = Duration(time.Since(start))
	header, cut := capHeader(resp.Header, e.headerLimit)
	at.Response = &Response{Status: resp.StatusCode, Headers: header, HeadersTruncated: cut, Body: string(b), Truncated: truncated}
	if truncated {
		e.bodiesCut.Add(1)
	}
	if cut {
		e.headersCut.Add(1)
	}
	switch {
	case rerr != nil:
		at.Error = "read the response body: " + e.transportError(ctx, rerr, p.Timeout)
	case p.Success(resp.StatusCode):
		at.Success = true
	default:
		at.Error = fmt.Sprintf("status %d: %s", resp.StatusCode, p.SuccessRule)
		if len(bytes.TrimSpace(b)) > 0 {
			at.Error += "; the receiver answered: " + outbound.Snippet(b)
		}
	}
}

// transportError words a failed exchange: shutdown, timeout, or the
// transport's own error without the "Post URL:" prefix.
func (e *Engine) transportError(ctx context.Context, err error, timeout time.Duration) string {
	if e.base.Err() != nil {
		return msgShutdownInFlight
	}
	return outbound.DescribeTransportError(ctx, err, timeout)
}

// capHeader returns h, or when its headers take more than limit bytes (see
// headerSize) a copy with whole headers left out, taking them in name order
// while they fit, and true.
func capHeader(h http.Header, limit int) (http.Header, bool) {
	if headerSize(h) <= limit {
		return h, false
	}
	keys := slices.Sorted(maps.Keys(h))
	out := http.Header{}
	left := limit
	for _, k := range keys {
		n := headerSize(http.Header{k: h[k]})
		if n > left {
			continue
		}
		out[k] = h[k]
		left -= n
	}
	return out, true
}

// readBody reads up to limit bytes of r, reporting whether there was more.
func readBody(r io.Reader, limit int) ([]byte, bool, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil || len(b) <= limit {
		return b, false, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(r, drainLimit))
	return b[:limit], true, err
}

// retryWait is how long to wait after the nth failed attempt of a round: the
// receiver's Retry-After on 429 and 503 (capped at five minutes), else the
// backoff.
func retryWait(r Retry, n int, at Attempt, now time.Time) time.Duration {
	if at.Response != nil && (at.Response.Status == http.StatusTooManyRequests || at.Response.Status == http.StatusServiceUnavailable) {
		if d, ok := parseRetryAfter(at.Response.Headers.Get("Retry-After"), now); ok {
			return d
		}
	}
	return backoff(r, n)
}

// backoff is the wait after the nth failed attempt: a random duration in
// [0, min(initial × multiplier^(n-1), max)] (full jitter).
func backoff(r Retry, n int) time.Duration {
	ceil := float64(r.InitialInterval) * math.Pow(r.Multiplier, float64(n-1))
	if math.IsNaN(ceil) || ceil > float64(r.MaxInterval) {
		ceil = float64(r.MaxInterval)
	}
	c := time.Duration(ceil)
	if c <= 0 {
		return 0
	}
	return rand.N(c + 1)
}

// parseRetryAfter reads a Retry-After value: whole seconds or an HTTP date
// (a past date means now). The result is capped at five minutes.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		if len(v) > 6 {
			return maxRetryAfter, true
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, false
		}
		return min(time.Duration(n)*time.Second, maxRetryAfter), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// tokenCache holds a subscription's OAuth 2 access token. lock (a channel,
// so waiting honours a context) serialises fetches: concurrent attempts
// wait for one fetch instead of each making their own.
type tokenCache struct {
	client *outbound.TokenClient
	lock   chan struct{}
	value  string    // "Bearer abc"
	expiry time.Time // refresh from then on; zero when the endpoint gave no expires_in
}

func newTokenCache(c outbound.Credentials) *tokenCache {
	return &tokenCache{client: outbound.NewTokenClient(c), lock: make(chan struct{}, 1)}
}

// invalidate forgets value if it is still the cached token (the receiver
// answered 401 to it). It does not wait for a fetch in progress.
func (tc *tokenCache) invalidate(value string) {
	select {
	case tc.lock <- struct{}{}:
		if tc.value == value {
			tc.value = ""
		}
		<-tc.lock
	default:
	}
}

// bearer returns the Authorization value of an oauth2 subscription,
// fetching a token when none is cached or the cached one is about to
// expire.
func (e *Engine) bearer(st *subState) (string, error) {
	a := st.sub.Auth
	ctx, cancel := context.WithTimeout(e.base, st.prof.Timeout)
	defer cancel()
	tc := st.tok
	select {
	case tc.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("oauth2 token from %s: %s (waiting for another fetch)", a.TokenURL, e.transportError(ctx, ctx.Err(), st.prof.Timeout))
	}
	defer func() { <-tc.lock }()
	now := e.now()
	if tc.value != "" && (tc.expiry.IsZero() || now.Before(tc.expiry)) {
		return tc.value, nil
	}
	v, life, err := e.fetchToken(ctx, tc.client, a, st.prof.Timeout)
	if err != nil {
		return "", err
	}
	tc.value, tc.expiry = v, time.Time{}
	if life > 0 {
		// Refresh shortly before expiry: 10 s early, or a tenth of a short
		// lifetime.
		tc.expiry = now.Add(life - min(10*time.Second, life/10))
	}
	return v, nil
}

// fetchToken runs the subscription's client credentials grant, wording
// transport errors as attempts do (timeout, shutdown).
func (e *Engine) fetchToken(ctx context.Context, tc *outbound.TokenClient, a Auth, timeout time.Duration) (string, time.Duration, error) {
	v, life, err := tc.Fetch(ctx, e.client, e.userAgent)
	var te *outbound.TokenTransportError
	if errors.As(err, &te) {
		return "", 0, fmt.Errorf("oauth2 token request to %s: %s%s", redact.URL(a.TokenURL), te.Stage, e.transportError(ctx, te.Err, timeout))
	}
	return v, life, err
}
