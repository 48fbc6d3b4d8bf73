package schemas

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// matcherCases are strings near the edges of the patterns and formats: the
// fuzz seeds and the table TestMatchersAgreeWithReference runs.
var matcherCases = []string{
	"", "x", "200", "099", "600", "1000", "20", "404",
	"user.one@example.com", "a@b.c", "a@.c", "a@b.", "@b.c", "a@@b.c", "a@b..c", "a@b.c@d.e", "a b@c.d", "a@b\t.c", "a@b\u00a0.c",
	"[email protected]", "[email\u00a0protected]", "[email  protected]", "[email protected] ", "é@ü.ö", "\xff@\xfe.\xfd", "a@b.c\n",
	"Jane.Doe@northwind-logistics.com", "jane..doe@x.com", ".jane@x.com", "jane.@x.com", "jane@-x.com", "jane@x-.com", "jane@x_y.com", "jane+tag@x.com",
	strings.Repeat("a", 64) + "@x.com", strings.Repeat("a", 65) + "@x.com", "a@" + strings.Repeat("b", 63) + ".com", "a@" + strings.Repeat("b", 64) + ".com",
	"2023-12-04", "2023-02-29", "2024-02-29", "2023-04-31", "2023-13-01", "2023-00-10", "2023-12-00", "2023-12-32", "0000-01-01", "2023-1-04", "2023/12/04", "2023-12-04 ", "２０２３-12-04",
	"2025-06-27T10:25:00.000Z", "2025-06-27T10:25:00Z", "2025-06-27T10:25:00.5Z", "2025-06-27t10:25:00.000Z", "2025-06-27T10:25:00.000z", "2025-06-27T24:00:00.000Z",
	"2025-06-27T23:59:60.000Z", "2025-06-27T10:25:00.000+01:00", "2025-06-27T10:60:00.000Z", "2025-02-30T10:25:00.000Z", "2025-06-27T10:25:00.Z", "2025-06-27T10:25:00.0000Z",
	"2020-12-16 15:12:41 -0500", "2020-23-14 14:23:39 -0500", "2020-60-14 14:23:39 -0500", "2020-12-16 24:12:41 -0500", "2020-12-16 15:12:41 +1400", "2020-12-16 15:12:41 +1500",
	"2020-12-16 15:12:41 -05:00", "2020-12-16 15:12:41 0500", "2020-12-16T15:12:41 -0500",
	"b6c68150-86f3-4a26-9a5f-66db5ca24b87", "B6C68150-86F3-4A26-9A5F-66DB5CA24B87", "b6c68150-86f3-4a26-9a5f-66db5ca24b8", "b6c68150-86f3-4a26-9a5f-66db5ca24b87a",
	"b6c6815086f34a269a5f66db5ca24b87", "g6c68150-86f3-4a26-9a5f-66db5ca24b87", "b6c68150_86f3-4a26-9a5f-66db5ca24b87",
	"1", "0", "01", "7087", "-1", "1a", "١",
	"A", "TASK_CREATED", "TASK-CREATED", "task", "_A", "A1_", "USD", "US", "USDX", "usd", "ÄBC",
	"{}", "{", "}", "{\"a\":1}", "{\n}", "{\xff}", " {}", "{} ",
	"https://example.cutover.com/#/app/workspace/runbooks/7087/current_version/tasks/list",
	"https://example.cutover.com/#/app/workspace/runbooks/0/current_version/tasks/list",
	"https://example.cutover.com/#/app/workspace/runbooks/07/current_version/tasks/list",
	"https:///#/app/workspace/runbooks/7/current_version/tasks/list",
	"https://a/#/app//runbooks/7/current_version/tasks/list",
	"https://a/b/#/app/w/runbooks/7/current_version/tasks/list",
	"https://a/#/app/w/runbooks/7/current_version/tasks/list/",
	"https://a\n/#/app/w\xff/runbooks/7/current_version/tasks/list",
	"http://example.cutover.com/#/app/workspace/runbooks/7087/current_version/tasks/list",
	"https://acme.service-now.com/api/now/table/change_request", "https://hooks.slack.com/services/T024BE7LD/B08F3KJ2N/Xy7Q2mK9pL4vR8sT",
	"https://example.com", "https://example.com/", "https://example.com/a b", "https://example.com/%zz", "https://example.com:8080/x", "https://[::1]/x",
	"https://user@example.com/x", "https://-x.com/", "https://x.com/#a#b", "https://x.com/?q=1", "ftp://x.com/", "https//x.com", "https://", "https:///x",
}

func TestMatchersAgreeWithReference(t *testing.T) {
	for _, s := range matcherCases {
		checkMatchers(t, s)
	}
}

// FuzzMatchers holds the hand-written pattern matchers to regexp, and the
// formats' fast forms to the reference functions.
func FuzzMatchers(f *testing.F) {
	for _, s := range matcherCases {
		f.Add(s)
	}
	f.Fuzz(checkMatchers)
}

func checkMatchers(t *testing.T, s string) {
	for p, m := range knownPatterns {
		want := regexp.MustCompile(p).MatchString(s)
		if got := m.str(s); got != want {
			t.Errorf("pattern %s on %q: matcher %v, regexp %v", p, s, got, want)
		}
		if got := m.bytes([]byte(s)); got != want {
			t.Errorf("pattern %s on %q as bytes: matcher %v, regexp %v", p, s, got, want)
		}
	}
	for name, m := range fastFormats {
		ref := jsonschema.Formats[name]
		fast := m.str(s)
		if fast && !ref(s) {
			t.Errorf("format %s: the fast form accepts %q, the reference refuses it", name, s)
		}
		if m.bytes([]byte(s)) != fast {
			t.Errorf("format %s on %q: the string and byte forms differ", name, s)
		}
		f, _ := compileFormat(name)
		if f.ok(s) != ref(s) {
			t.Errorf("format %s on %q: compiled %v, reference %v", name, s, f.ok(s), ref(s))
		}
		if utf8.ValidString(s) && f.okBytes([]byte(s)) != ref(s) {
			t.Errorf("format %s on %q as bytes: compiled %v, reference %v", name, s, f.okBytes([]byte(s)), ref(s))
		}
	}
}

// TestFastFormatsHoldForNonStrings backs scan's skipping of a known format
// on values that are not strings.
func TestFastFormatsHoldForNonStrings(t *testing.T) {
	for name := range fastFormats {
		for _, v := range []any{nil, true, false, json.Number("1"), json.Number("-2.5e3"), 3.0, map[string]any{}, []any{"x"}} {
			if !jsonschema.Formats[name](v) {
				t.Errorf("format %s refuses %#v", name, v)
			}
		}
	}
}

// TestEverySchemaPatternAndFormatIsFast keeps the schemas on the fast forms:
// a pattern or format added without one would still be checked correctly,
// by regexp or the reference function, only slower.
func TestEverySchemaPatternAndFormatIsFast(t *testing.T) {
	if _, err := compileAll(); err != nil {
		t.Fatal(err)
	}
	var walk func(any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			if p, ok := x["pattern"].(string); ok && knownPatterns[p] == nil {
				t.Errorf("pattern %q has no hand-written matcher", p)
			}
			if f, ok := x["format"].(string); ok && fastFormats[f] == nil {
				t.Errorf("format %q has no fast form", f)
			}
			for k, v := range x {
				if k != "const" && k != "enum" && k != "examples" && k != "default" {
					walk(v)
				}
			}
		case []any:
			for _, v := range x {
				walk(v)
			}
		}
	}
	for _, doc := range flatDocs {
		walk(doc)
	}
}

// TestSpecial holds scan's eight-bytes-at-a-time test to the byte-by-byte
// one: it must flag every word holding a quote, a backslash, a control
// character or a non-ASCII byte.
func TestSpecial(t *testing.T) {
	isSpecial := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 || c >= 0x80 }
	check := func(w [8]byte) {
		want := false
		for _, c := range w {
			want = want || isSpecial(c)
		}
		x := uint64(0)
		for i := 7; i >= 0; i-- {
			x = x<<8 | uint64(w[i])
		}
		if got := special(x); got != want {
			t.Fatalf("special(%q) = %v, want %v", w[:], got, want)
		}
	}
	plain := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
	for pos := range 8 {
		for c := range 256 {
			w := plain
			w[pos] = byte(c)
			check(w)
			w[(pos+3)%8] = 0x21
			check(w)
		}
	}
	seed := uint64(1)
	for range 200000 {
		seed = seed*6364136223846793005 + 1442695040888963407
		var w [8]byte
		for i := range w {
			w[i] = byte(seed >> (8 * i))
			if w[i]%3 != 0 {
				w[i] = 0x20 + w[i]%0x5f // mostly printable ASCII
			}
		}
		check(w)
	}
}
