package testkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/schemas"
)

// Assertions on Deliveries report with t.Errorf, so a test sees every
// failed one, and end their message with the list of deliveries.

func (ds Deliveries) fail(t testing.TB, format string, args ...any) {
	t.Helper()
	t.Errorf("testkit: %s\ndeliveries:\n%s", fmt.Sprintf(format, args...), ds)
}

// at returns delivery i, failing t when there is none.
func (ds Deliveries) at(t testing.TB, i int) (Delivery, bool) {
	t.Helper()
	if i < 0 || i >= len(ds) {
		ds.fail(t, "no delivery [%d]: there are %d", i, len(ds))
		return Delivery{}, false
	}
	return ds[i], true
}

// AssertCount checks that there are exactly n deliveries.
func (ds Deliveries) AssertCount(t testing.TB, n int) {
	t.Helper()
	if len(ds) != n {
		ds.fail(t, "want %d deliveries, got %d", n, len(ds))
	}
}

// AssertOrder checks the deliveries' events, in order, are exactly events.
// Names match the vendor's name or the slug, ignoring case.
func (ds Deliveries) AssertOrder(t testing.TB, events ...string) {
	t.Helper()
	got := ds.Events()
	ok := len(got) == len(events)
	for i := 0; ok && i < len(got); i++ {
		ok = sameEvent(got[i], events[i])
	}
	if !ok {
		ds.fail(t, "want events %s, got %s", quoteList(events), quoteList(got))
	}
}

func sameEvent(a, b string) bool {
	return strings.EqualFold(a, b) || catalog.Slug(a) == catalog.Slug(b)
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// AssertStatus checks every delivery has status want (Delivered, Failed,
// ...), and that there is at least one.
func (ds Deliveries) AssertStatus(t testing.TB, want Status) {
	t.Helper()
	if len(ds) == 0 {
		ds.fail(t, "want deliveries with status %s, got none", want)
		return
	}
	var bad []string
	for i, d := range ds {
		if d.Status != want {
			bad = append(bad, fmt.Sprintf("[%d] is %s", i, d.Status))
		}
	}
	if len(bad) > 0 {
		ds.fail(t, "want every delivery %s: %s", want, strings.Join(bad, ", "))
	}
}

// AssertAttempts checks delivery i took n attempts (a duplicate counts as
// one).
func (ds Deliveries) AssertAttempts(t testing.TB, i, n int) {
	t.Helper()
	d, ok := ds.at(t, i)
	if !ok {
		return
	}
	if got := max(d.AttemptCount, len(d.Attempts)); got != n {
		ds.fail(t, "want delivery [%d] to take %d attempt%s, it took %d", i, n, plural(n), got)
	}
}

// AssertResponseStatus checks the last response delivery i got had status
// code.
func (ds Deliveries) AssertResponseStatus(t testing.TB, i, code int) {
	t.Helper()
	d, ok := ds.at(t, i)
	if !ok {
		return
	}
	if got := d.ResponseStatus(); got != code {
		if got == 0 {
			ds.fail(t, "want delivery [%d]'s last response to be %d, it got no response", i, code)
			return
		}
		ds.fail(t, "want delivery [%d]'s last response to be %d, got %d", i, code, got)
	}
}

// AssertField checks the value at path in delivery i's body equals want,
// compared as JSON: want may be a string, a number, a bool, nil, a map, a
// slice or a struct. path is a JSON pointer ("/meta/task/id") or a dotted
// path ("meta.task.id", "stages[1].name").
func (ds Deliveries) AssertField(t testing.TB, i int, path string, want any) {
	t.Helper()
	d, ok := ds.at(t, i)
	if !ok {
		return
	}
	got, err := d.field(path, true)
	if err != nil {
		ds.fail(t, "delivery [%d] %s: %v", i, path, err)
		return
	}
	eq, err := jsonEqual(got, want)
	if err != nil {
		ds.fail(t, "delivery [%d] %s: %v", i, path, err)
		return
	}
	if !eq {
		ds.fail(t, "delivery [%d] %s: want %s, got %s", i, path, compact(want), compact(got))
	}
}

// compact writes v as one line of JSON.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonEqual compares a decoded JSON value with want after a JSON round trip
// of want, so 7087, int64(7087) and 7087.0 are equal and a struct compares
// with an object.
func jsonEqual(got, want any) (bool, error) {
	b, err := json.Marshal(want)
	if err != nil {
		return false, fmt.Errorf("the wanted value is not JSON: %w", err)
	}
	var w any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		return false, err
	}
	gb, err := json.Marshal(got)
	if err != nil {
		return false, err
	}
	var g any
	d = json.NewDecoder(bytes.NewReader(gb))
	d.UseNumber()
	if err := d.Decode(&g); err != nil {
		return false, err
	}
	return schemas.Equal(g, w), nil
}

// lookup finds path in a decoded JSON document. path is a JSON pointer
// (RFC 6901: "/a/b/0", "~1" for "/", "~0" for "~") or a dotted path
// ("a.b[0]", "a.b.0", with an optional leading "$." or ".").
func lookup(doc any, path string) (any, error) {
	toks, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	cur := doc
	for i, tok := range toks {
		at := pointer(toks[:i])
		switch v := cur.(type) {
		case map[string]any:
			next, ok := v[tok]
			if !ok {
				keys := make([]string, 0, len(v))
				for k := range v {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				return nil, fmt.Errorf("no field %q at %s (it has %s)", tok, at, strings.Join(keys, ", "))
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || n >= len(v) {
				return nil, fmt.Errorf("no element %q at %s (an array of %d)", tok, at, len(v))
			}
			cur = v[n]
		default:
			return nil, fmt.Errorf("no field %q at %s: it is %s, not an object or array", tok, at, compact(v))
		}
	}
	return cur, nil
}

// pointer writes tokens as a JSON pointer; "the body" for none.
func pointer(toks []string) string {
	if len(toks) == 0 {
		return "the top of the body"
	}
	var b strings.Builder
	r := strings.NewReplacer("~", "~0", "/", "~1")
	for _, t := range toks {
		b.WriteByte('/')
		b.WriteString(r.Replace(t))
	}
	return b.String()
}

func parsePath(path string) ([]string, error) {
	if path == "" {
		return nil, nil
	}
	if strings.HasPrefix(path, "/") {
		parts := strings.Split(path[1:], "/")
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		}
		return parts, nil
	}
	p := strings.TrimPrefix(strings.TrimPrefix(path, "$"), ".")
	var toks []string
	for p != "" {
		switch {
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unclosed [", path)
			}
			toks = append(toks, strings.Trim(p[1:end], `"'`))
			p = p[end+1:]
		case p[0] == '.':
			p = p[1:]
			if p == "" || p[0] == '.' {
				return nil, fmt.Errorf("path %q: empty field name", path)
			}
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			toks = append(toks, p[:end])
			p = p[end:]
		}
	}
	if slices.Contains(toks, "") {
		return nil, fmt.Errorf("path %q: empty field name", path)
	}
	return toks, nil
}
