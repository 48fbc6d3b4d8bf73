package delivery

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/outbound"
)

// FieldError is a subscription field that fails validation. Field is the
// JSON path of the field ("url", "events[1]", "auth.token",
// "retry.max_attempts").
type FieldError struct {
	Field string
	Err   error
}

// Error returns "field: reason".
func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the reason.
func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Configurable subscription fields, as listed in Profile.Configurable.
const (
	FieldMethod       = catalog.FieldMethod
	FieldHeaders      = catalog.FieldHeaders
	FieldAuth         = catalog.FieldAuth
	FieldBodyTemplate = catalog.FieldBodyTemplate
)

// hears reports whether the subscription takes the events raised in mode.
func (s *Subscription) hears(mode catalog.Mode) bool {
	switch mode {
	case catalog.ModePlanning:
		return s.ExecuteInPlanning == nil || *s.ExecuteInPlanning
	case catalog.ModeRehearsal:
		return s.ExecuteInRehearsal == nil || *s.ExecuteInRehearsal
	}
	return true
}

// checkModes refuses mode settings the vendor's profile does not offer.
func checkModes(s Subscription, prof Profile) error {
	for _, m := range []struct {
		field string
		set   bool
	}{{catalog.FieldExecuteInPlanning, s.ExecuteInPlanning != nil}, {catalog.FieldExecuteInRehearsal, s.ExecuteInRehearsal != nil}} {
		if m.set && !prof.Allows(m.field) {
			return fieldErr(m.field, "%s has no such setting; %s is not configurable", prof.Vendor, m.field)
		}
	}
	return nil
}

// DeliveryHeader carries the delivery id on every request (and on the
// duplicate of the duplicate fault), so receivers and tests can correlate a
// request with GET /__admin/deliveries/{id}. No vendor sends it.
const DeliveryHeader = "X-Standin-Delivery"

// Limits on subscription values.
const (
	maxAttemptsLimit = 20
	maxInterval      = time.Hour // retry intervals and fault delays
	defaultShuffle   = 50 * time.Millisecond
)

// Retry defaults when retries are on (max_attempts > 1) and a field is empty.
const (
	defaultInitialInterval = 10 * time.Millisecond
	defaultMaxInterval     = time.Second
	defaultMultiplier      = 2
)

// subState is a validated subscription with what its deliveries need at
// run time. Everything but tok, held and lane is immutable once built.
type subState struct {
	sub    Subscription
	prof   Profile
	tmpl   *template.Template
	header http.Header // static request headers (User-Agent, profile, subscription, token auth)
	tok    *tokenCache // oauth2 only
	// held is the delivery held for a reorder until the subscription's
	// next one overtakes it; guarded by Engine.mu.
	held *record
	// lane is its share of the workers, tgt the receiver it shares with
	// other subscriptions; guarded by Engine.mu.
	lane lane
	tgt  *target
}

// clone returns a copy of s that shares no maps or slices with it.
func (s Subscription) clone() Subscription {
	s.Events = slices.Clone(s.Events)
	if s.ExecuteInPlanning != nil {
		v := *s.ExecuteInPlanning
		s.ExecuteInPlanning = &v
	}
	if s.ExecuteInRehearsal != nil {
		v := *s.ExecuteInRehearsal
		s.ExecuteInRehearsal = &v
	}
	if s.Headers != nil {
		h := make(map[string]string, len(s.Headers))
		for k, v := range s.Headers {
			h[k] = v
		}
		s.Headers = h
	}
	return s
}

// validate checks s against the vendor's profile and returns it with the
// defaults filled in, ready to deliver.
// Check reports whether Subscribe would take s, subscribing nothing: its
// error is Subscribe's (a *FieldError for a field the vendor's profile
// refuses).
func (e *Engine) Check(s Subscription) error {
	_, err := e.validate(s)
	return err
}

func (e *Engine) validate(s Subscription) (*subState, error) {
	s = s.clone()
	v, err := e.vendors.Vendor(s.Vendor)
	if err != nil {
		return nil, &FieldError{Field: "vendor", Err: err}
	}
	vendor := v.ID()
	prof, ok := e.profiles[vendor]
	if !ok {
		return nil, fieldErr("vendor", "no delivery profile for %q; valid: %s", vendor, strings.Join(e.vendorIDs(), ", "))
	}
	s.Vendor = vendor

	s.URL = strings.TrimSpace(s.URL)
	if s.URL == "" {
		return nil, fieldErr("url", "required: the receiver's absolute http(s) URL")
	}
	if err := checkURL(s.URL); err != nil {
		return nil, &FieldError{Field: "url", Err: err}
	}

	var events []string
	for i, name := range s.Events {
		ce, err := catalog.LookupIn(v, name)
		if err != nil {
			return nil, &FieldError{Field: fmt.Sprintf("events[%d]", i), Err: err}
		}
		if !slices.Contains(events, ce.Name) {
			events = append(events, ce.Name)
		}
	}
	if events == nil {
		events = []string{} // all of the vendor's
	}
	s.Events = events

	if err := checkMethod(&s, prof); err != nil {
		return nil, err
	}
	if err := checkHeaders(s.Headers, prof); err != nil {
		return nil, err
	}
	if err := checkAuth(&s.Auth, prof); err != nil {
		return nil, err
	}
	if err := checkRetry(&s.Retry); err != nil {
		return nil, err
	}
	if err := checkFaults(&s.Faults); err != nil {
		return nil, err
	}
	if err := checkModes(s, prof); err != nil {
		return nil, err
	}

	st := &subState{prof: prof}
	if s.BodyTemplate != "" {
		if !prof.Allows(FieldBodyTemplate) {
			return nil, fieldErr("body_template", "%s sends the event JSON as is; body_template is not configurable", vendor)
		}
		t, err := parseBodyTemplate(s.BodyTemplate)
		if err != nil {
			return nil, &FieldError{Field: "body_template", Err: err}
		}
		st.tmpl = t
	}
	s.Run = strings.TrimSpace(s.Run)
	st.sub = s
	st.header = e.staticHeader(s, prof)
	if s.Auth.Type == "oauth2" {
		st.tok = newTokenCache(outbound.Credentials{
			TokenURL: s.Auth.TokenURL, ClientID: s.Auth.ClientID, ClientSecret: s.Auth.ClientSecret, Scope: s.Auth.Scope, AuthStyle: s.Auth.AuthStyle,
		})
	}
	return st, nil
}

// vendors lists the vendors with a profile, in catalog order.
func (e *Engine) vendorIDs() []string {
	var out []string
	for _, v := range e.vendors.IDs() {
		if _, ok := e.profiles[v]; ok {
			out = append(out, v)
		}
	}
	var extra []string
	for v := range e.profiles {
		if !slices.Contains(out, v) {
			extra = append(extra, v)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("want an absolute http(s) URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http(s) URL such as http://localhost:9000/hook, got %q", raw)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %s: want 1 to 65535, in %q", p, raw)
		}
	}
	if strings.ContainsAny(raw, " \t") {
		return fmt.Errorf("the URL holds a space; write it as %%20, in %q", raw)
	}
	return nil
}

func checkMethod(s *Subscription, prof Profile) error {
	m := strings.ToUpper(strings.TrimSpace(s.Method))
	switch {
	case m == "":
		m = prof.Method
	case m == prof.Method:
	case !prof.Allows(FieldMethod):
		return fieldErr("method", "%s delivers with %s only; method is not configurable", prof.Vendor, prof.Method)
	case !slices.Contains(prof.Methods, m):
		return fieldErr("method", "%q is not a method %s can send; valid: %s", s.Method, prof.Vendor, strings.Join(prof.Methods, ", "))
	}
	s.Method = m
	return nil
}

// maxHeaderBytes bounds the headers a subscription adds to every request
// (names, values and separators), as a receiver's server bounds what it
// reads (Go's: 1 MiB; nginx: 8 KiB a line).
const maxHeaderBytes = 64 << 10

func checkHeaders(h map[string]string, prof Profile) error {
	if len(h) == 0 {
		return nil
	}
	if !prof.Allows(FieldHeaders) {
		return fieldErr("headers", "%s sends fixed headers; headers are not configurable", prof.Vendor)
	}
	keys := make([]string, 0, len(h))
	size := 0
	for k, v := range h {
		keys = append(keys, k)
		size += len(k) + len(v) + 4 // ": " and CRLF
	}
	if size > maxHeaderBytes {
		return fieldErr("headers", "%d bytes of headers; a subscription may add at most %d", size, maxHeaderBytes)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !validHeaderName(k) {
			return fieldErr(fmt.Sprintf("headers[%q]", k), "not a valid header name")
		}
		if strings.ContainsAny(h[k], "\r\n\x00") {
			return fieldErr(fmt.Sprintf("headers[%q]", k), "the value must not contain CR, LF or NUL")
		}
	}
	return nil
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r >= 0x7f || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}

var authTypes = []string{"none", "token", "oauth2"}

func checkAuth(a *Auth, prof Profile) error {
	a.Type = strings.ToLower(strings.TrimSpace(a.Type))
	if a.Type == "" {
		a.Type = "none"
	}
	if !slices.Contains(authTypes, a.Type) {
		return fieldErr("auth.type", "unknown auth type %q; valid: %s", a.Type, strings.Join(authTypes, ", "))
	}
	if a.Type != "none" && !prof.Allows(FieldAuth) {
		return fieldErr("auth", "%s sends no auth; auth is not configurable", prof.Vendor)
	}
	badValue := func(field, v string) error {
		if strings.ContainsAny(v, "\r\n\x00") {
			return fieldErr(field, "must not contain CR, LF or NUL")
		}
		return nil
	}
	switch a.Type {
	case "none":
		if a.Token != "" || a.TokenURL != "" || a.ClientID != "" || a.ClientSecret != "" {
			return fieldErr("auth.type", `credentials are set but the type is "none"; use "token" or "oauth2"`)
		}
	case "token":
		if a.Token == "" {
			return fieldErr("auth.token", "required for token auth")
		}
		if a.TokenType == "" {
			a.TokenType = "Bearer"
		}
		if err := badValue("auth.token", a.Token); err != nil {
			return err
		}
		if err := badValue("auth.token_type", a.TokenType); err != nil {
			return err
		}
	case "oauth2":
		if a.TokenURL == "" {
			return fieldErr("auth.token_url", "required for oauth2 (the client credentials token endpoint)")
		}
		if err := checkURL(a.TokenURL); err != nil {
			return &FieldError{Field: "auth.token_url", Err: err}
		}
		if a.ClientID == "" {
			return fieldErr("auth.client_id", "required for oauth2")
		}
		if a.ClientSecret == "" {
			return fieldErr("auth.client_secret", "required for oauth2")
		}
		a.AuthStyle = strings.ToLower(strings.TrimSpace(a.AuthStyle))
		if a.AuthStyle == "" {
			a.AuthStyle = outbound.AuthStyleAuto
		}
		if !slices.Contains(outbound.AuthStyles, a.AuthStyle) {
			return fieldErr("auth.auth_style", "unknown auth style %q; valid: %s (auto tries header, then params)", a.AuthStyle, strings.Join(outbound.AuthStyles, ", "))
		}
	}
	if a.Type != "oauth2" && a.AuthStyle != "" {
		return fieldErr("auth.auth_style", "applies to oauth2 only")
	}
	return nil
}

func checkRetry(r *Retry) error {
	if r.MaxAttempts < 0 || r.MaxAttempts > maxAttemptsLimit {
		return fieldErr("retry.max_attempts", "must be between 0 and %d, got %d", maxAttemptsLimit, r.MaxAttempts)
	}
	if math.IsNaN(r.Multiplier) || math.IsInf(r.Multiplier, 0) || (r.Multiplier != 0 && r.Multiplier < 1) || r.Multiplier > 100 {
		return fieldErr("retry.multiplier", "must be between 1 and 100, got %v", r.Multiplier)
	}
	if err := checkInterval("retry.initial_interval", r.InitialInterval); err != nil {
		return err
	}
	if err := checkInterval("retry.max_interval", r.MaxInterval); err != nil {
		return err
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = 1
	}
	if r.MaxAttempts == 1 {
		return nil
	}
	userMax := r.MaxInterval != 0
	if r.InitialInterval == 0 {
		r.InitialInterval = Duration(defaultInitialInterval)
	}
	if r.MaxInterval == 0 {
		r.MaxInterval = max(Duration(defaultMaxInterval), r.InitialInterval)
	}
	if r.Multiplier == 0 {
		r.Multiplier = defaultMultiplier
	}
	if userMax && r.MaxInterval < r.InitialInterval {
		return fieldErr("retry.max_interval", "must be at least initial_interval (%s), got %s",
			time.Duration(r.InitialInterval), time.Duration(r.MaxInterval))
	}
	return nil
}

func checkInterval(field string, d Duration) error {
	if d < 0 || time.Duration(d) > maxInterval {
		return fieldErr(field, "must be between 0s and %s, got %s", maxInterval, time.Duration(d))
	}
	return nil
}

func checkFaults(f *Faults) error {
	if err := checkInterval("faults.delay", f.Delay); err != nil {
		return err
	}
	if err := checkInterval("faults.shuffle_window", f.ReorderWindow); err != nil {
		return err
	}
	if f.ReorderWindow != 0 && !f.Reorder {
		return fieldErr("faults.shuffle_window", "set but faults.shuffle is false")
	}
	if f.Reorder && f.ReorderWindow == 0 {
		f.ReorderWindow = Duration(defaultShuffle)
	}
	return nil
}
