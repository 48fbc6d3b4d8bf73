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

// Assertions on Deliveries, Selections and Picks report with t.Errorf, so
// a test sees every failed one. The first failure of a test lists the
// deliveries, one a line, with the offending ones marked ">"; later
// failures about the same deliveries show only the marked lines.

// AssertCount checks that there are exactly n deliveries.
func (ds Deliveries) AssertCount(t testing.TB, n int) {
	t.Helper()
	ds.Select().AssertCount(t, n)
}

// AssertOrder checks the deliveries' events, in order, are exactly events.
// Names match the vendor's name or the slug, ignoring case.
func (ds Deliveries) AssertOrder(t testing.TB, events ...string) {
	t.Helper()
	ds.Select().AssertOrder(t, events...)
}

// AssertStatus checks every delivery has status want (Delivered, Failed,
// ...), and that there is at least one.
func (ds Deliveries) AssertStatus(t testing.TB, want Status) {
	t.Helper()
	ds.Select().AssertStatus(t, want)
}

// AssertAttempts checks delivery i took n attempts (a duplicate counts as
// one). Select(...).Last().AssertAttempts picks the delivery otherwise.
func (ds Deliveries) AssertAttempts(t testing.TB, i, n int) {
	t.Helper()
	ds.At(i).AssertAttempts(t, n)
}

// AssertResponseStatus checks the last response delivery i got had status
// code.
func (ds Deliveries) AssertResponseStatus(t testing.TB, i, code int) {
	t.Helper()
	ds.At(i).AssertResponseStatus(t, code)
}

// AssertField checks the value at path in delivery i's body equals want,
// compared as JSON: want may be a string, a number, a bool, nil, a map, a
// slice or a struct. path is a JSON pointer ("/meta/task/id") or a dotted
// path ("meta.task.id", "stages[1].name").
func (ds Deliveries) AssertField(t testing.TB, i int, path string, want any) {
	t.Helper()
	ds.At(i).AssertField(t, path, want)
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

// AssertCount checks that exactly n deliveries are selected.
func (s Selection) AssertCount(t testing.TB, n int) {
	t.Helper()
	if len(s.idx) != n {
		s.all.fail(t, s.idx, "want %d deliveries%s, got %d", n, s.of(), len(s.idx))
	}
}

// AssertOrder checks the selected deliveries' events, in order, are
// exactly events. Names match the vendor's name or the slug, ignoring
// case.
func (s Selection) AssertOrder(t testing.TB, events ...string) {
	t.Helper()
	got := s.Deliveries().Events()
	var bad []int
	for i, idx := range s.idx {
		if i >= len(events) || !sameEvent(got[i], events[i]) {
			bad = append(bad, idx)
		}
	}
	if len(bad) > 0 || len(got) != len(events) {
		s.all.fail(t, bad, "want events%s %s, got %s", s.of(), quoteList(events), quoteList(got))
	}
}

// AssertStatus checks every selected delivery has status want, and that
// there is at least one.
func (s Selection) AssertStatus(t testing.TB, want Status) {
	t.Helper()
	if len(s.idx) == 0 {
		s.all.fail(t, nil, "want deliveries%s with status %s, got none", s.of(), want)
		return
	}
	var bad []int
	var says []string
	for _, i := range s.idx {
		if d := s.all[i]; d.Status != want {
			bad = append(bad, i)
			says = append(says, fmt.Sprintf("[%d] is %s", i, d.Status))
		}
	}
	if len(bad) > 0 {
		s.all.fail(t, bad, "want every delivery%s %s: %s", s.of(), want, strings.Join(says, ", "))
	}
}

// get returns the picked delivery and its index in the whole list, failing
// t when there is none.
func (p Pick) get(t testing.TB) (Delivery, int, bool) {
	t.Helper()
	i, ok := p.index()
	if !ok {
		if p.what == "" {
			p.sel.all.fail(t, nil, "no delivery [%d]: there are %d", p.pos, len(p.sel.all))
		} else {
			p.sel.all.fail(t, p.sel.idx, "no delivery is %s: %d of %d match", p.what, len(p.sel.idx), len(p.sel.all))
		}
		return Delivery{}, 0, false
	}
	return p.sel.all[i], i, true
}

// name is how messages call the picked delivery: "delivery [3]" or
// "delivery [3] (the last task.updated)".
func (p Pick) name(i int) string {
	if p.what == "" {
		return fmt.Sprintf("delivery [%d]", i)
	}
	return fmt.Sprintf("delivery [%d] (%s)", i, p.what)
}

// Must returns the picked delivery, failing t (and ending the test) when
// there is none.
func (p Pick) Must(t testing.TB) Delivery {
	t.Helper()
	d, _, ok := p.get(t)
	if !ok {
		t.FailNow()
	}
	return d
}

// AssertStatus checks the picked delivery has status want.
func (p Pick) AssertStatus(t testing.TB, want Status) {
	t.Helper()
	d, i, ok := p.get(t)
	if ok && d.Status != want {
		p.sel.all.fail(t, []int{i}, "want %s to be %s, it is %s", p.name(i), want, d.Status)
	}
}

// AssertAttempts checks the picked delivery took n attempts (a duplicate
// counts as one).
func (p Pick) AssertAttempts(t testing.TB, n int) {
	t.Helper()
	d, i, ok := p.get(t)
	if !ok {
		return
	}
	if got := max(d.AttemptCount, len(d.Attempts)); got != n {
		p.sel.all.fail(t, []int{i}, "want %s to take %d attempt%s, it took %d", p.name(i), n, plural(n), got)
	}
}

// AssertResponseStatus checks the last response the picked delivery got
// had status code.
func (p Pick) AssertResponseStatus(t testing.TB, code int) {
	t.Helper()
	d, i, ok := p.get(t)
	if !ok {
		return
	}
	if got := d.ResponseStatus(); got != code {
		if got == 0 {
			p.sel.all.fail(t, []int{i}, "want %s's last response to be %d, it got no response", p.name(i), code)
			return
		}
		p.sel.all.fail(t, []int{i}, "want %s's last response to be %d, got %d", p.name(i), code, got)
	}
}

// AssertField checks the value at path in the picked delivery's body
// equals want, compared as JSON (see Deliveries.AssertField).
func (p Pick) AssertField(t testing.TB, path string, want any) {
	t.Helper()
	d, i, ok := p.get(t)
	if !ok {
		return
	}
	got, err := d.field(path, true)
	if err == nil {
		var eq bool
		if eq, err = jsonEqual(got, want); err == nil && !eq {
			err = fmt.Errorf("want %s, got %s", compact(want), compact(got))
		}
	}
	if err != nil {
		p.sel.all.fail(t, []int{i}, "%s %s: %v", p.name(i), path, err)
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
