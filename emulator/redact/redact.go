// Package redact hides the secrets standin is given (tokens, client
// secrets, credential headers, URL user information, secret vars) wherever
// standin shows them: admin API answers, `standin run` output and log
// lines. Receivers still get the real values; only what standin shows is
// redacted.
//
// A redacted value is written "***" followed by its fingerprint,
// "sha256:" and the first 8 hex digits of the SHA-256 of the whole value
// (Mask), so a test can check which secret was sent without standin
// showing it: Mask("Bearer s3cret") == "***" + Fingerprint("Bearer s3cret").
// Eight hex digits identify a value among the few a test uses; they do not
// give a strong secret back.
package redact

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Prefix starts every redacted value.
const Prefix = "***"

// Fingerprint is "sha256:" and the first 8 hex digits of the SHA-256 of v.
func Fingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:4])
}

// Mask is v redacted: Prefix and v's Fingerprint; "" stays "", and so does
// a value masked already (so masking twice, as nested log handlers do,
// changes nothing).
func Mask(v string) string {
	if v == "" || masked(v) {
		return v
	}
	return Prefix + Fingerprint(v)
}

// masked reports whether v is what Mask writes.
func masked(v string) bool {
	const n = len(Prefix + "sha256:")
	return len(v) == n+8 && strings.HasPrefix(v, Prefix+"sha256:")
}

// secretParts are what a header, query parameter or var name holds,
// anywhere in it, when its value is a credential; secretWords the same as
// whole words of the name (split at anything but letters and digits).
var (
	secretParts = []string{"authorization", "token", "secret", "password", "passwd", "signature", "cookie", "credential", "apikey", "session", "private"}
	secretWords = []string{"auth", "key", "pwd", "sig", "pass"}
)

// SecretName reports whether a header, query parameter or var named name
// looks like it holds a credential: Authorization, Proxy-Authorization,
// Cookie, X-Api-Key, X-Auth-Token, X-Hub-Signature, integration_token,
// client_secret.
func SecretName(name string) bool {
	for i := range len(name) {
		if name[i] >= utf8.RuneSelf {
			return secretUnicode(name)
		}
	}
	for _, w := range secretParts {
		if containsFold(name, w) {
			return true
		}
	}
	// The whole words of the name, split at anything but letters and digits.
	for i := 0; i < len(name); {
		for i < len(name) && !isAlnum(name[i]) {
			i++
		}
		j := i
		for j < len(name) && isAlnum(name[j]) {
			j++
		}
		if j > i {
			for _, w := range secretWords {
				if strings.EqualFold(name[i:j], w) {
					return true
				}
			}
		}
		i = j
	}
	return false
}

// secretUnicode is SecretName for a name beyond ASCII, lower-cased as
// Unicode lower-cases it (the Kelvin sign K is a k, İ an i).
func secretUnicode(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretParts {
		if strings.Contains(n, w) {
			return true
		}
	}
	for _, w := range strings.FieldsFunc(n, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) {
		if slices.Contains(secretWords, w) {
			return true
		}
	}
	return false
}

// containsFold reports whether s holds sub, a lower-case ASCII word, in
// any case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if lower(s[i]) == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isAlnum reports whether c is an ASCII letter or digit; any other byte
// (a non-ASCII one included) separates the words of a name.
func isAlnum(c byte) bool {
	c = lower(c)
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// Names is a set of names (case-insensitive) marked secret on top of
// those SecretName recognises, such as a subscription's secret_headers.
type Names []string

// Secret reports whether name is in ns or looks like a credential.
func (ns Names) Secret(name string) bool {
	for _, n := range ns {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return SecretName(name)
}

// Header returns a copy of h with the values of secret headers (see
// Names.Secret) masked; nil stays nil.
func Header(h http.Header, extra Names) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		if !extra.Secret(k) {
			out[k] = append([]string(nil), vs...)
			continue
		}
		masked := make([]string, len(vs))
		for i, v := range vs {
			masked[i] = Mask(v)
		}
		out[k] = masked
	}
	return out
}

// HeaderMap is Header for a map of single values (a subscription's
// headers).
func HeaderMap(h map[string]string, extra Names) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		if extra.Secret(k) {
			v = Mask(v)
		}
		out[k] = v
	}
	return out
}

// URL returns raw with its user information masked as a whole and the
// values of secret query parameters (?api_key=, ?token=) masked; what is
// masked already stays as it is. A URL
// that does not parse is returned with what looks like user information
// masked (see Text).
func URL(raw string) string {
	if !strings.ContainsAny(raw, "@?") {
		return raw // neither user information nor a query: the common case
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Text(raw)
	}
	if u.User == nil && !strings.Contains(u.RawQuery, "=") {
		return raw
	}
	var userinfo string // what goes before the host
	if u.User != nil {
		userinfo = Mask(u.User.String())
		if strings.HasPrefix(u.User.Username(), Prefix) {
			_, rest, _ := strings.Cut(raw, "://")
			userinfo, _, _ = strings.Cut(rest, "@") // masked already
		}
		u.User = nil
	}
	if u.RawQuery != "" {
		pairs := strings.Split(u.RawQuery, "&")
		for i, p := range pairs {
			k, v, ok := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); ok && err == nil && SecretName(name) && !strings.HasPrefix(v, Prefix) {
				pairs[i] = k + "=" + Mask(v)
			}
		}
		u.RawQuery = strings.Join(pairs, "&")
	}
	s := u.String()
	if userinfo != "" {
		scheme, rest, ok := strings.Cut(s, "://")
		if ok {
			s = scheme + "://" + userinfo + "@" + rest
		}
	}
	return s
}

// Vars returns a copy of vars with the values of secret vars (marked, or
// named like a credential) masked, as text, and URL values masked as URL
// masks them.
func Vars(vars map[string]any, marked Names) map[string]any {
	if vars == nil {
		return nil
	}
	out := make(map[string]any, len(vars))
	for k, v := range vars {
		switch s, isString := v.(string); {
		case v != nil && marked.Secret(k):
			if !isString {
				s = fmt.Sprint(v)
			}
			v = Mask(s)
		case isString && strings.Contains(s, "://"):
			v = URL(s) // a URL var keeps its host, not its credentials
		default:
			v = nested(v)
		}
		out[k] = v
	}
	return out
}

// nested masks the secrets inside a var's list or mapping value, as Vars
// does at the top (keys named like credentials, URLs).
func nested(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return Vars(x, nil)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok && strings.Contains(s, "://") {
				out[i] = URL(s)
				continue
			}
			out[i] = nested(e)
		}
		return out
	}
	return v
}

// inText finds what Text masks: the user information of URLs
// (scheme://user:password@), and credentials after an auth scheme
// (Bearer abc, Basic abc).
var inText = regexp.MustCompile(`(://)([^/@\s"']+)@|\b([Bb]earer|[Bb]asic|Token)(\s+)([A-Za-z0-9._~+/=-]{4,})`)

// queryInText finds the query parameters of URLs in a text (?token=abc,
// &client_secret=abc), for Text to mask the secret ones.
var queryInText = regexp.MustCompile(`([?&])([A-Za-z0-9_.%-]+)=([^&\s"'#)]*)`)

// Text masks the secrets a free text such as a log message or an error
// may carry: URL user information, the values of secret query parameters
// and credentials after an auth scheme.
func Text(s string) string {
	// Each pattern needs one of these: the = of a query parameter, the @
	// after user information, the space after an auth scheme.
	if !strings.ContainsAny(s, "=@ \t\n\f\r") {
		return s
	}
	if strings.Contains(s, "=") {
		s = queryInText.ReplaceAllStringFunc(s, func(m string) string {
			sub := queryInText.FindStringSubmatch(m)
			// Punctuation after the value is the sentence's ("…?token=abc: dial tcp").
			v := strings.TrimRight(sub[3], ":,;.")
			name, err := url.QueryUnescape(sub[2])
			if err != nil || !SecretName(name) || strings.HasPrefix(v, Prefix) || v == "" {
				return m
			}
			return sub[1] + sub[2] + "=" + Mask(v) + sub[3][len(v):]
		})
	}
	if !strings.Contains(s, "@") && !strings.Contains(s, "earer") && !strings.Contains(s, "asic") && !strings.Contains(s, "Token") {
		return s
	}
	return inText.ReplaceAllStringFunc(s, func(m string) string {
		sub := inText.FindStringSubmatch(m)
		switch {
		case sub[1] != "" && strings.HasPrefix(sub[2], Prefix):
			return m // masked already
		case sub[1] != "":
			return sub[1] + Mask(sub[2]) + "@"
		}
		return sub[3] + sub[4] + Mask(sub[5])
	})
}

// Handler wraps h so that every log record it handles has its secrets
// masked: the message and string values by Text, URL-valued attributes by
// URL, and the values of attributes named like credentials by Mask. A
// handler that Handler made already is returned as it is.
func Handler(h slog.Handler) slog.Handler {
	if r, ok := h.(handler); ok {
		return r
	}
	return handler{h, &keyMemo{}}
}

type handler struct {
	h    slog.Handler
	memo *keyMemo // shared by the handlers WithAttrs and WithGroup derive
}

func (r handler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r handler) Handle(ctx context.Context, rec slog.Record) error {
	msg := Text(rec.Message)
	clean := msg == rec.Message
	if clean {
		rec.Attrs(func(a slog.Attr) bool {
			_, changed := maskAttr(a, r.memo)
			clean = !changed
			return clean
		})
	}
	if clean {
		return r.h.Handle(ctx, rec) // nothing to mask: the common case
	}
	out := slog.NewRecord(rec.Time, rec.Level, msg, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		clean, _ := maskAttr(a, r.memo)
		out.AddAttrs(clean)
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = attr(a)
	}
	return handler{r.h.WithAttrs(clean), r.memo}
}

func (r handler) WithGroup(name string) slog.Handler { return handler{r.h.WithGroup(name), r.memo} }

// attr masks one log attribute.
func attr(a slog.Attr) slog.Attr {
	clean, _ := maskAttr(a, nil)
	return clean
}

// keyMemo remembers SecretName for log attribute keys, which are few and
// repeat on every line; it holds at most maxKeys of them.
type keyMemo struct {
	keys  sync.Map // string → bool
	count atomic.Int32
}

const maxKeys = 512

// secret is SecretName(key), remembered; a nil memo remembers nothing.
func (m *keyMemo) secret(key string) bool {
	if m == nil {
		return SecretName(key)
	}
	if v, ok := m.keys.Load(key); ok {
		return v.(bool)
	}
	secret := SecretName(key)
	if m.count.Load() < maxKeys && m.count.Add(1) <= maxKeys {
		m.keys.Store(key, secret)
	}
	return secret
}

// maskAttr is attr, and reports whether the attribute changed.
func maskAttr(a slog.Attr, m *keyMemo) (slog.Attr, bool) {
	v := a.Value.Resolve()
	resolved := a.Value.Kind() == slog.KindLogValuer
	switch {
	case v.Kind() == slog.KindGroup:
		as := v.Group()
		clean := make([]any, len(as))
		changed := resolved
		for i, g := range as {
			c, ch := maskAttr(g, m)
			clean[i], changed = c, changed || ch
		}
		if !changed {
			return a, false
		}
		return slog.Group(a.Key, clean...), true
	case m.secret(a.Key):
		return slog.String(a.Key, Mask(v.String())), true
	case v.Kind() == slog.KindString:
		s := v.String()
		t := s
		if strings.Contains(s, "://") {
			t = URL(s)
		}
		if t = Text(t); t != s || resolved {
			return slog.String(a.Key, t), true
		}
		return a, false
	case v.Kind() == slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Text(err.Error())), true
		}
	}
	return slog.Attr{Key: a.Key, Value: v}, resolved
}
