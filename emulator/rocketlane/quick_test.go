package rocketlane

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// change (which compares two values field by field) and zeroPadded held
// to the plain definitions they stand for.

// events returns generated events of every kind, variant and a range of
// seeds.
func events(t testing.TB, seeds int) []webhookEvent {
	t.Helper()
	var out []webhookEvent
	for _, e := range Vendor.Events() {
		for _, v := range append([]string{""}, e.Variants...) {
			for seed := range uint64(seeds) {
				ev, err := generate(fake.New(seed, time.Time{}), e, catalog.Options{Variant: v})
				if err != nil {
					t.Fatalf("%s seed %d: %v", e, seed, err)
				}
				out = append(out, ev)
			}
		}
	}
	return out
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
func changeReference[T any](before, after T, only []string) *changeLog {
	var order []string
	for _, f := range fieldTable(reflect.TypeFor[T]()) {
		order = append(order, f.name)
	}
	b, a := fieldsOfReference(before), fieldsOfReference(after)
	cl := &changeLog{}
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
	var tasks []apiTask
	var projects []apiProject
	var phases []apiPhase
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

func TestZeroPadded(t *testing.T) {
	for _, n := range []int{0, 7, 10000, 999999, 1000000, 12345678, -5} {
		if got, want := zeroPadded("OPP-", n, 6), fmt.Sprintf("OPP-%06d", n); got != want {
			t.Errorf("zeroPadded(%d) = %q, want %q", n, got, want)
		}
	}
}
