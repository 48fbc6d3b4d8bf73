package testkit

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Selector chooses deliveries by what they are: OfEvent, OfVendor, Where,
// InStatus. Deliveries.Select keeps those every selector chooses; the zero
// Selector chooses every delivery.
type Selector struct {
	desc  string
	match func(Delivery) bool
}

// OfEvent selects the deliveries of an event, by the vendor's name or the
// slug, ignoring case ("task.updated", "task-updated"). As in a Filter, a
// slug may match several vendors' events (task-created is Cutover's
// task.created and Rocketlane's TASK_CREATED): add OfVendor to choose.
func OfEvent(name string) Selector {
	return Selector{desc: name, match: func(d Delivery) bool { return sameEvent(d.Event, name) }}
}

// OfVendor selects the deliveries of a vendor's events ("cutover").
func OfVendor(name string) Selector {
	return Selector{desc: "of " + name, match: func(d Delivery) bool { return strings.EqualFold(d.Vendor, name) }}
}

// Where selects the deliveries whose body has want at path, compared as
// JSON as AssertField compares (path: "/meta/task/id" or "meta.task.id").
// A delivery without the field is not selected.
func Where(path string, want any) Selector {
	return Selector{desc: "where " + path + "=" + compact(want), match: func(d Delivery) bool {
		got, err := d.field(path, true)
		if err != nil {
			return false
		}
		eq, err := jsonEqual(got, want)
		return err == nil && eq
	}}
}

// InStatus selects the deliveries with status s.
func InStatus(s Status) Selector {
	return Selector{desc: "in status " + string(s), match: func(d Delivery) bool { return d.Status == s }}
}

// Selection is the deliveries a list's Select chose, in order. Its
// assertions and picks report against the whole list, the chosen ones
// marked.
type Selection struct {
	all  Deliveries
	idx  []int // indexes into all
	desc string
}

// Select returns the deliveries every selector chooses (all of them with
// none): ds.Select(testkit.OfEvent("task.updated"),
// testkit.Where("meta.task.id", "42")).Last().AssertAttempts(t, 1).
func (ds Deliveries) Select(sel ...Selector) Selection {
	s := Selection{all: ds}
	var descs []string
	for _, x := range sel {
		descs = append(descs, x.desc)
	}
	s.desc = strings.Join(descs, " ")
	for i, d := range ds {
		if !slices.ContainsFunc(sel, func(x Selector) bool { return x.match != nil && !x.match(d) }) {
			s.idx = append(s.idx, i)
		}
	}
	return s
}

// At picks delivery i of the list.
func (ds Deliveries) At(i int) Pick { return Pick{sel: ds.Select(), pos: i} }

// Deliveries returns the selected deliveries.
func (s Selection) Deliveries() Deliveries {
	out := make(Deliveries, len(s.idx))
	for i, idx := range s.idx {
		out[i] = s.all[idx]
	}
	return out
}

// Len returns how many deliveries are selected.
func (s Selection) Len() int { return len(s.idx) }

// First picks the first selected delivery.
func (s Selection) First() Pick { return s.Nth(0) }

// Last picks the last selected delivery.
func (s Selection) Last() Pick {
	return Pick{sel: s, pos: len(s.idx) - 1, what: "the last" + s.named()}
}

// Nth picks the nth selected delivery, from 0.
func (s Selection) Nth(n int) Pick {
	what := fmt.Sprintf("number %d (from 0)%s", n, s.of())
	if n == 0 {
		what = "the first" + s.named()
	}
	return Pick{sel: s, pos: n, what: what}
}

// of writes the selection for a message: " of task.updated where ...".
func (s Selection) of() string {
	if s.desc == "" {
		return ""
	}
	return " of " + s.desc
}

// named writes the selection after "the first": " task.updated where ...",
// " delivery" for none.
func (s Selection) named() string {
	if s.desc == "" {
		return " delivery"
	}
	return " " + s.desc
}

// Pick is one delivery of a Selection (First, Last, Nth) or of a list
// (At); its assertions fail the test when there is none.
type Pick struct {
	sel  Selection
	pos  int    // position in sel
	what string // "the last task.updated"; "" for a list's index
}

// index returns the picked delivery's index in the whole list.
func (p Pick) index() (int, bool) {
	if p.what == "" { // a list's index: the selection is the whole list
		return p.pos, p.pos >= 0 && p.pos < len(p.sel.all)
	}
	if p.pos < 0 || p.pos >= len(p.sel.idx) {
		return 0, false
	}
	return p.sel.idx[p.pos], true
}

// Delivery returns the picked delivery, and false when there is none.
func (p Pick) Delivery() (Delivery, bool) {
	i, ok := p.index()
	if !ok {
		return Delivery{}, false
	}
	return p.sel.all[i], true
}

// fail reports a failed assertion about ds with the rows at marked marked.
// The first failure about ds in a test lists every delivery; later ones
// list the marked rows only.
func (ds Deliveries) fail(t testing.TB, marked []int, format string, args ...any) {
	t.Helper()
	msg := "testkit: " + fmt.Sprintf(format, args...)
	if firstListing(t, ds) {
		t.Errorf("%s\ndeliveries:\n%s", msg, ds.listing(marked, true))
		return
	}
	if len(marked) == 0 {
		t.Errorf("%s\n(the deliveries are listed above)", msg)
		return
	}
	t.Errorf("%s\n%s\n(all the deliveries are listed above)", msg, ds.listing(marked, false))
}

// listing writes the deliveries one a line, numbered from 0, those at
// marked prefixed ">"; all says whether to write the unmarked ones too. A
// hint follows when a delivery failed in a way that has a known cause.
func (ds Deliveries) listing(marked []int, all bool) string {
	if len(ds) == 0 {
		return "  (no deliveries)"
	}
	var b strings.Builder
	for i, d := range ds {
		mark := slices.Contains(marked, i)
		if !all && !mark {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		if mark {
			b.WriteString("> ")
		} else {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "[%d] %s", i, d)
	}
	if h := ds.hint(); h != "" {
		b.WriteString("\n" + h)
	}
	return b.String()
}

// listed remembers, per test, which lists of deliveries a failure has
// listed already.
var listed sync.Map // testing.TB -> *listedSet

type listedSet struct {
	mu   sync.Mutex
	keys map[string]bool
}

// firstListing reports whether no failure of t has listed ds yet, and
// records that one has now.
func firstListing(t testing.TB, ds Deliveries) bool {
	if t == nil || !reflect.TypeOf(t).Comparable() {
		return true
	}
	v, loaded := listed.LoadOrStore(t, &listedSet{keys: map[string]bool{}})
	if !loaded {
		t.Cleanup(func() { listed.Delete(t) })
	}
	set := v.(*listedSet)
	var key strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&key, "%s/%s/%d/%d;", d.ID, d.Status, d.AttemptCount, len(d.Attempts))
	}
	set.mu.Lock()
	defer set.mu.Unlock()
	if set.keys[key.String()] {
		return false
	}
	set.keys[key.String()] = true
	return true
}
