package redact_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/redact"
)

func TestMask(t *testing.T) {
	if got := redact.Mask(""); got != "" {
		t.Errorf("Mask(\"\") = %q", got)
	}
	// The README's example: printf %s 'Bearer s3cret' | sha256sum starts
	// 0c9ae606. The fingerprint is fixed, so a test can compute it from the
	// value it expects.
	got := redact.Mask("Bearer s3cret")
	if got != "***sha256:0c9ae606" || got != "***"+redact.Fingerprint("Bearer s3cret") {
		t.Errorf("Mask = %q", got)
	}
	if again := redact.Mask(got); again != got {
		t.Errorf("masking twice gives %q", again)
	}
	if redact.Mask("a") == redact.Mask("b") {
		t.Error("different values, same fingerprint")
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "Set-Cookie": true,
		"X-Api-Key": true, "X-API-KEY": true, "api_key": true, "X-Auth-Token": true, "X-Hub-Signature-256": true,
		"integration_token": true, "client_secret": true, "db_password": true, "session_id": true, "accessToken": true,
		"Content-Type": false, "User-Agent": false, "X-Standin-Delivery": false, "author": false, "keyboard": false,
		"run_type": false, "outcome": false, "integration_url": false,
		// Whole words, split at anything but ASCII letters and digits.
		"KEY": true, "x-key-id": true, "auth": true, "my.pwd": true, "sig": true, "pass": true,
		"monkey": false, "authors": false, "signal": false, "compass": false, "": false, "-": false,
		// Beyond ASCII, as Unicode lower-cases: the Kelvin sign is a k, İ an i.
		"X-Api-\u212Aey": true, "PR\u0130VATE": true, "s\u0130g": true, "Passé": true, "café": false,
	} {
		if got := redact.SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestHeader(t *testing.T) {
	h := http.Header{"Authorization": {"Bearer tok"}, "X-Tenant": {"acme"}, "Content-Type": {"application/json"}, "X-Api-Key": {"k1", "k2"}}
	got := redact.Header(h, redact.Names{"x-tenant"})
	want := http.Header{"Authorization": {redact.Mask("Bearer tok")}, "X-Tenant": {redact.Mask("acme")}, "Content-Type": {"application/json"}, "X-Api-Key": {redact.Mask("k1"), redact.Mask("k2")}}
	for k, vs := range want {
		if strings.Join(got[k], "|") != strings.Join(vs, "|") {
			t.Errorf("%s = %q, want %q", k, got[k], vs)
		}
	}
	if h.Get("Authorization") != "Bearer tok" {
		t.Error("Header changed its input")
	}
}

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://hooks.example.com/in", "https://hooks.example.com/in"},
		{"https://user:pa55@hooks.example.com/in?x=1", "https://" + redact.Mask("user:pa55") + "@hooks.example.com/in?x=1"},
		{"http://tok@127.0.0.1:80/", "http://" + redact.Mask("tok") + "@127.0.0.1:80/"},
		{"https://h/in?api_key=abc&x=1&token=t", "https://h/in?api_key=" + redact.Mask("abc") + "&x=1&token=" + redact.Mask("t")},
	}
	for _, tt := range tests {
		if got := redact.URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := redact.URL(tt.want); got != tt.want {
			t.Errorf("URL masks %q again: %q", tt.want, got)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no secret here", "no secret here"},
		{`Post "http://u:p@h/x": refused`, `Post "http://` + redact.Mask("u:p") + `@h/x": refused`},
		{"sent Authorization: Bearer abc.def-123", "sent Authorization: Bearer " + redact.Mask("abc.def-123")},
		{"oauth2 token request to http://h/token: 401", "oauth2 token request to http://h/token: 401"},
	}
	for _, tt := range tests {
		if got := redact.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVars(t *testing.T) {
	got := redact.Vars(map[string]any{"integration_token": "s3cret", "region": "eu", "tenant": "acme", "n": 3}, redact.Names{"tenant"})
	if got["integration_token"] != redact.Mask("s3cret") || got["region"] != "eu" || got["tenant"] != redact.Mask("acme") || got["n"] != 3 {
		t.Errorf("Vars = %v", got)
	}
}

func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	// Wrapped twice, as the server wraps the logger serve gives it.
	log := slog.New(redact.Handler(redact.Handler(slog.NewTextHandler(&buf, nil)))).With("target", "https://u:pw@h/in")
	log.Info("delivering to http://a:b@h/ with Bearer tok123", "authorization", "Bearer tok123", "group", slog.GroupValue(slog.String("api_key", "k")), "status", 200)
	out := buf.String()
	for _, secret := range []string{"u:pw", "a:b", "tok123", "=k "} {
		if strings.Contains(out, secret) {
			t.Errorf("log line shows %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "status=200") || !strings.Contains(out, redact.Mask("u:pw")) || !strings.Contains(out, "authorization="+redact.Mask("Bearer tok123")) {
		t.Errorf("log line lost what it should keep: %s", out)
	}
}

// TestHandlerLines logs the same lines twice through one handler (its key
// memo then answers) and checks what each shows.
func TestHandlerLines(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redact.Handler(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})))
	tests := []struct {
		attrs []any
		want  string
	}{
		{[]any{"path", "/__admin/events/x", "status", 202}, `level=INFO msg=m path=/__admin/events/x status=202`},
		// A message to mask, with attributes that need nothing.
		{[]any{"msg", "GET https://u:hunter2@example.com/x", "path", "/x"}, `level=INFO msg="GET https://` + redact.Mask("u:hunter2") + `@example.com/x" path=/x`},
		{[]any{"msg", "call ?token=abcdef done", "n", 1}, `level=INFO msg="call ?token=` + redact.Mask("abcdef") + ` done" n=1`},
		// A value encoding/json could not compare is passed as it is.
		{[]any{"vars", map[string]any{"a": []any{1}}}, `level=INFO msg=m vars=map[a:[1]]`},
		{[]any{"api_key", "k1", "n", 1}, `level=INFO msg=m api_key=` + redact.Mask("k1") + ` n=1`},
		{[]any{"target", "http://u:p@h/x"}, `level=INFO msg=m target=http://` + redact.Mask("u:p") + `@h/x`},
		{[]any{"err", errors.New("GET /x?token=abc failed")}, `level=INFO msg=m err="GET /x?token=` + redact.Mask("abc") + ` failed"`},
	}
	for range 2 {
		for _, tc := range tests {
			buf.Reset()
			msg, attrs := "m", tc.attrs
			if attrs[0] == "msg" {
				msg, attrs = attrs[1].(string), attrs[2:]
			}
			log.Info(msg, attrs...)
			if got := strings.TrimSpace(buf.String()); got != tc.want {
				t.Errorf("log %v:\n got %s\nwant %s", tc.attrs, got, tc.want)
			}
		}
	}
}

func TestSecretsInTextAndURLVars(t *testing.T) {
	tests := []struct{ in, gone, kept string }{
		{"oauth2 token endpoint http://127.0.0.1:1/token?client_secret=QREF5: answered 401", "QREF5", "/token?client_secret=" + redact.Prefix},
		{"POST http://127.0.0.1/integ?a=1&token=INTQ3 → 200", "INTQ3", "a=1&token=" + redact.Prefix},
		{"target ftp://h/x?token=RUNQ3: want http", "RUNQ3", "ftp://h/x?token="},
		{"a=b plain text, x=1", "", "a=b plain text, x=1"},
		{"http://h/t?client_secret=abc: dial tcp", "abc", "client_secret=" + redact.Mask("abc") + ": dial tcp"},
		{"http://h/t?a=1&token=X1&secret=Y2 end", "Y2", "a=1&token=" + redact.Mask("X1") + "&secret=" + redact.Mask("Y2") + " end"},
		{"sent Authorization: Token s3cr3tvalue and bearer abcdef", "s3cr3tvalue", "bearer " + redact.Mask("abcdef")},
		{"oauth2 token endpoint answered", "", "oauth2 token endpoint answered"},
		{"sent Bearer\tabcdefg", "abcdefg", "Bearer\t" + redact.Mask("abcdefg")},
		{"no-secret-here:/path", "", "no-secret-here:/path"},
	}
	for _, tc := range tests {
		got := redact.Text(tc.in)
		if (tc.gone != "" && strings.Contains(got, tc.gone)) || !strings.Contains(got, tc.kept) {
			t.Errorf("Text(%q) = %q; want %q gone and %q kept", tc.in, got, tc.gone, tc.kept)
		}
	}
	vs := redact.Vars(map[string]any{"integration_url": "http://iu:pwINT2@h/integ?token=INTQ3", "n": int64(3)}, nil)
	if s := vs["integration_url"].(string); strings.Contains(s, "pwINT2") || strings.Contains(s, "INTQ3") || !strings.Contains(s, "@h/integ?token=") {
		t.Errorf("a URL var shows %q", s)
	}
	deep := redact.Vars(map[string]any{"receiver": map[string]any{"api_key": "k1", "hooks": []any{"http://u:pw9@h/x"}}}, nil)
	if b := fmt.Sprint(deep); strings.Contains(b, "k1") || strings.Contains(b, "pw9") {
		t.Errorf("nested secrets show: %s", b)
	}
	if vs["n"] != int64(3) {
		t.Errorf("a number var became %v", vs["n"])
	}
}
