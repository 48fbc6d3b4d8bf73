package rocketlane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// The quick paths of this package (encode.go, change, Date, domainOf) held
// to the plain definitions they replace.

// events returns generated events of every kind, variant and a range of
// seeds.
func events(t testing.TB, seeds int) []Event {
	t.Helper()
	evs, err := catalog.ForVendor(catalog.Rocketlane)
	if err != nil {
		t.Fatal(err)
	}
	var out []Event
	for _, e := range evs {
		for _, v := range append([]string{""}, e.Variants...) {
			for seed := range uint64(seeds) {
				ev, err := generate(fake.New(seed, time.Time{}), e, payload.Options{Variant: v})
				if err != nil {
					t.Fatalf("%s seed %d: %v", e, seed, err)
				}
				out = append(out, ev)
			}
		}
	}
	return out
}

func TestEncodeMatchesPayloadMarshal(t *testing.T) {
	for _, ev := range events(t, 60) {
		checkEncode(t, ev)
	}
}

func checkEncode(t *testing.T, ev Event) {
	t.Helper()
	want, werr := payload.Marshal(ev)
	got, ok := encodeEvent(ev)
	if !ok {
		if werr == nil {
			t.Fatalf("encodeEvent gave up on an event payload.Marshal encodes: %s", want)
		}
		return
	}
	if werr != nil {
		t.Fatalf("encodeEvent encoded an event payload.Marshal refuses (%v)", werr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encodeEvent differs from payload.Marshal:\n got %s\nwant %s", got, want)
	}
	if j, err := ev.JSON(); err != nil || !bytes.Equal(j, want) {
		t.Fatalf("Event.JSON differs from payload.Marshal (%v)", err)
	}
}

// FuzzEncodeEvent puts arbitrary strings and optional fields through the
// hand-written encoder.
func FuzzEncodeEvent(f *testing.F) {
	for _, s := range []string{"", "plain", "<p>a & b</p>", "quote \" and \\ backslash", "tab\tnew\nline\r\b\f\x00\x1f\x7f",
		"é – ü", "\u2028\u2029", "\xff\xfe", "a\xc3", "\U0001F600", "\ud7ff\ue000"} {
		f.Add(s, uint8(0), int64(-1))
		f.Add(s, uint8(0xff), int64(1<<40))
	}
	base := events(f, 3)
	f.Fuzz(func(t *testing.T, s string, flags uint8, n int64) {
		for i, ev := range base {
			if i%5 != int(flags)%5 {
				continue
			}
			ev = mutate(ev, s, flags, n)
			checkEncode(t, ev)
		}
	})
}

// FuzzAppendString holds appendString to encoding/json (payload.Marshal),
// and Values.MarshalJSON to its former definition.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a", "\"\\/", "\x00\x1f\x7f<>&", "\u2028\u2029\u2027", "é\xff\xc3(", "\U0001F600\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := payload.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got[1:], want)
		}
		var v Values
		v.Set(s, json.RawMessage(`1`))
		v.Set("k", json.RawMessage(want))
		got, err := v.MarshalJSON()
		if err != nil || !bytes.Equal(got, valuesReference(v)) {
			t.Fatalf("Values.MarshalJSON = %s, %v; want %s", got, err, valuesReference(v))
		}
	})
}

// valuesReference is Values.MarshalJSON as it was.
func valuesReference(v Values) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range v.Keys() {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := payload.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		raw, _ := v.Get(k)
		b.Write(raw)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// mutate puts s, n and the choices flags makes into ev's strings, numbers,
// empty and nil slices and custom field values.
func mutate(ev Event, s string, flags uint8, n int64) Event {
	bit := func(i uint) bool { return flags&(1<<i) != 0 }
	ev.EventID, ev.Version = s, s+s
	ev.EventOccurredAt = Millis(n)
	ev.Source.Actor.FirstName = s
	ev.Source.Webhook.WebhookName = s
	values := []any{s, int(n), []int{int(n), 1}, []int(nil), nil, 1.5, map[string]any{"k": s}, []string{s}, true}
	if t := ev.Data.Task; t != nil {
		c := t.Clone()
		c.TaskName, c.TaskDescription, c.StartDateActual = s, s, Date(s)
		c.ExternalReferenceID = s
		if bit(0) {
			c.Fields, c.Dependencies, c.Assignees.Members = nil, nil, []User{}
		} else {
			c.Dependencies = []TaskRef{{TaskID: int(n), TaskName: s}}
			c.Parent = &TaskRef{TaskID: 1, TaskName: s}
		}
		if bit(1) && len(c.Fields) > 0 {
			c.Fields[0].FieldValue = values[int(n&0x7fff)%len(values)]
			c.Fields[0].FieldValueLabel = s
		}
		if bit(2) {
			c.Billable, c.AtRisk, c.Private, c.Priority = ptr(true), ptr(false), ptr(bit(3)), &Priority{int(n), s}
			c.TimeEntryCategory = &TimeEntryCategory{CategoryID: 2, CategoryName: s}
		}
		ev.Data.Task = &c
	}
	if p := ev.Data.Project; p != nil {
		c := p.Clone()
		c.ProjectName, c.Currency, c.Visibility, c.DueDate = s, s, s, Date(s)
		c.Customer.CompanyURL = s
		if bit(0) {
			c.TeamMembers.Members, c.TeamMembers.Customers, c.TeamMembers.CustomerChampion = nil, []User{}, nil
			c.PartnerCompanies, c.CurrentPhases, c.Fields = nil, nil, []Field{}
		}
		if bit(1) && len(c.Fields) > 0 {
			c.Fields[len(c.Fields)-1].FieldValue = values[int(n&0x7fff)%len(values)]
		}
		ev.Data.Project = &c
	}
	if p := ev.Data.Phase; p != nil {
		c := p.Clone()
		c.PhaseName, c.DueDateActual = s, Date(s)
		if bit(0) {
			c.Private = nil
		}
		ev.Data.Phase = &c
	}
	if bit(4) {
		ev.Data = Data{}
	}
	if bit(5) {
		cl := &ChangeLog{ChangedFields: []string{s}}
		cl.From.Set(s, json.RawMessage(` { "a" : [1, 2] } `))
		cl.To.Set("x", json.RawMessage(`"`+strings.ReplaceAll(s, `"`, ``)+`"`))
		ev.ChangeLog = cl
	}
	return ev
}

// fieldsOfReference is how change read a value's fields before: encode it
// whole and decode the object.
func fieldsOfReference(v any) map[string]json.RawMessage {
	b, err := payload.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// changeReference is change as it was: every field by encoding and
// decoding both values.
func changeReference[T any](before, after T, only []string) *ChangeLog {
	var order []string
	for _, f := range fieldTable(reflect.TypeFor[T]()) {
		order = append(order, f.name)
	}
	b, a := fieldsOfReference(before), fieldsOfReference(after)
	cl := &ChangeLog{}
	for _, k := range order {
		if k == "updatedAt" || k == "updatedBy" || (len(only) > 0 && !slices.Contains(only, k)) {
			continue
		}
		rb, inB := b[k]
		ra, inA := a[k]
		if inB == inA && bytes.Equal(rb, ra) {
			continue
		}
		cl.ChangedFields = append(cl.ChangedFields, k)
		if inB {
			cl.From.Set(k, rb)
		}
		if inA {
			cl.To.Set(k, ra)
		}
	}
	if len(cl.ChangedFields) == 0 {
		return nil
	}
	return cl
}

func TestChangeMatchesReference(t *testing.T) {
	evs := events(t, 40)
	var tasks []Task
	var projects []Project
	var phases []Phase
	for _, ev := range evs {
		if ev.Data.Task != nil {
			tasks = append(tasks, *ev.Data.Task)
		}
		if ev.Data.Project != nil {
			projects = append(projects, *ev.Data.Project)
		}
		if ev.Data.Phase != nil {
			phases = append(phases, *ev.Data.Phase)
		}
	}
	for i := range tasks {
		before, after := tasks[i], tasks[(i*7+1)%len(tasks)]
		for _, only := range [][]string{nil, {"taskName"}, {"assignees", "status"}, {"parent"}} {
			compareChange(t, before, after, only)
		}
	}
	for i := range projects {
		compareChange(t, projects[i], projects[(i*5+1)%len(projects)], nil)
		compareChange(t, projects[i], projects[(i*5+1)%len(projects)], []string{"owner"})
	}
	for i := range phases {
		compareChange(t, phases[i], phases[(i*3+1)%len(phases)], nil)
	}
}

func compareChange[T any](t *testing.T, before, after T, only []string) {
	t.Helper()
	want := changeReference(before, after, only)
	got, err := change(before, after, only)
	if want == nil {
		if err == nil {
			t.Fatalf("change found %v where the reference finds nothing", got.ChangedFields)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	g, _ := payload.Marshal(got)
	w, _ := payload.Marshal(want)
	if !bytes.Equal(g, w) {
		t.Fatalf("change differs from the reference:\n got %s\nwant %s", g, w)
	}
}

func TestDateQuickPathsMatchTime(t *testing.T) {
	for d := time.Date(1899, 12, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2101; d = d.AddDate(0, 0, 1) {
		s := Date(d.Format(DateLayout))
		// The first call fills DateOf's cache, the others read it.
		for _, tm := range []time.Time{d, d.Add(day - time.Nanosecond), d.Add(time.Hour).In(time.FixedZone("x", -7*3600)), d.Add(12 * time.Hour)} {
			if got := DateOf(tm); got != s {
				t.Fatalf("DateOf(%v) = %s, want %s", tm, got, s)
			}
		}
		checkDateTime(t, s)
	}
	for _, s := range []Date{"", "2024-02-30", "2023-02-29", "2024-02-29", "2024-13-01", "2024-00-01", "2024-01-00", "2024-01-32", "2024-1-01",
		"2024/01/01", "20240101", "2024-01-01 ", "+024-01-01", "0000-01-01", "9999-12-31", "2024-04-31", "2024-0a-01", "２０２４-01-01"} {
		checkDateTime(t, s)
	}
	for _, tm := range []time.Time{time.Date(-5, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2024, 3, 1, 23, 30, 0, 0, time.FixedZone("x", -5*3600))} {
		if got, want := DateOf(tm), Date(tm.UTC().Format(DateLayout)); got != want {
			t.Errorf("DateOf(%v) = %s, want %s", tm, got, want)
		}
	}
}

func checkDateTime(t *testing.T, s Date) {
	t.Helper()
	got, gerr := s.Time()
	want, werr := time.Parse(DateLayout, string(s))
	if (gerr == nil) != (werr == nil) || got != want {
		t.Fatalf("Date(%q).Time() = %v, %v; time.Parse: %v, %v", s, got, gerr, want, werr)
	}
}

func TestDomainOfMatchesRunes(t *testing.T) {
	for _, c := range append(append(slices.Clone(firms), partners...),
		"Margie's Travel", "A & B Co.", "  Lead--Trail  ", "Zoë Ltd", "\u212aelvin", "X'Y", "", "--", "1st Choice") {
		if got, want := domainOf(c), domainOfRunes(c); got != want {
			t.Errorf("domainOf(%q) = %q, want %q", c, got, want)
		}
	}
}

func TestZeroPadded(t *testing.T) {
	for _, n := range []int{0, 7, 10000, 999999, 1000000, 12345678, -5} {
		if got, want := zeroPadded("OPP-", n, 6), fmt.Sprintf("OPP-%06d", n); got != want {
			t.Errorf("zeroPadded(%d) = %q, want %q", n, got, want)
		}
	}
}
