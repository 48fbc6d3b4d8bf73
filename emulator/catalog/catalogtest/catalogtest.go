// Package catalogtest holds what the vendors' own tests share: golden
// files that pin the bytes of a vendor's generator and of its scenario
// world, driven by a script of the calls a run makes.
package catalogtest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// Goldens holds v to the golden files of its package's testdata folder:
// Golden with scenario-ops.json, scenario.golden and generate.golden, and
// Wide with scenario-ops.json and wide.golden.
func Goldens(t *testing.T, v catalog.Vendor) {
	t.Run("golden", func(t *testing.T) {
		Golden(t, v, "testdata/scenario-ops.json", "testdata/scenario.golden", "testdata/generate.golden")
	})
	t.Run("wide", func(t *testing.T) { Wide(t, v, "testdata/scenario-ops.json", "testdata/wide.golden") })
}

// Golden plays the ops file (testdata/scenario-ops.json: runs of declare,
// attr and build calls) on v's world and generates every event and
// variant of v for seeds 1 to 3, plain and with quirks, and holds both to
// their golden files, line by line.
func Golden(t *testing.T, v catalog.Vendor, opsFile, scenarioGolden, generateGolden string) {
	t.Helper()
	Check(t, scenarioGolden, playOps(t, v, opsFile))
	Check(t, generateGolden, generated(v))
}

// updateGolden makes Check write the golden files instead of comparing
// with them: go test ./emulator/<vendor> -run TestGolden -update-golden,
// for a change meant to alter the bytes.
var updateGolden = flag.Bool("update-golden", false, "write the golden files instead of comparing with them")

// Check compares got with the golden file, naming the first line that
// differs (with -update-golden, writes got to it).
func Check(t testing.TB, file, got string) {
	t.Helper()
	if *updateGolden {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", file)
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := range min(len(gl), len(wl)) {
		if gl[i] != wl[i] {
			t.Fatalf("%s line %d:\n got %s\nwant %s", file, i+1, gl[i], wl[i])
		}
	}
	if len(gl) != len(wl) {
		t.Fatalf("%s: got %d lines, want %d", file, len(gl), len(wl))
	}
}

// build drives one event step of w as a run does.
func build(w catalog.World, v catalog.Vendor, op scenarioOp, with map[string]any, update []catalog.Update, at time.Time, src *fake.Source) ([]byte, error) {
	e, err := catalog.LookupIn(v, op.Event)
	if err != nil {
		return nil, err
	}
	s := &catalog.Step{Event: e, Spec: v.Vocabulary().Events[e.Name], Entity: op.Entity, Actor: op.Actor, With: with, Update: update, At: at, Src: src}
	return w.Build(s)
}

// scenarioOp is one call of a world in testdata/scenario-ops.json.
type scenarioOp struct {
	Op, Event, Entity, Actor, Name, Kind string
	Attrs, With                          map[string]any
	Update                               [][2]any
}

// typed turns JSON numbers into the int64 a script's integers are.
func typed(v any) any {
	switch v := v.(type) {
	case float64:
		return int64(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = typed(x)
		}
		return out
	}
	return v
}

// playOps plays every run of the ops file, each on a world of its own
// with seed 7+i, and returns what each call gave, one line a call.
func playOps(t testing.TB, v catalog.Vendor, file string) string {
	t.Helper()
	return playOpsSeeded(t, v, file, 7)
}

// playOpsSeeded is playOps with the seed of run i first+i.
func playOpsSeeded(t testing.TB, v catalog.Vendor, file string, first uint64) string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var runs []struct{ Runs []scenarioOp }
	if err := json.Unmarshal(raw, &runs); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i, r := range runs {
		src := fake.New(first+uint64(i), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		w := v.NewWorld(src)
		fmt.Fprintf(&b, "run %d\n", i)
		for _, op := range r.Runs {
			switch op.Op {
			case "declare":
				var attrs map[string]any
				if op.Attrs != nil {
					attrs = typed(op.Attrs).(map[string]any)
				}
				err := w.Declare(op.Name, op.Kind, attrs)
				fmt.Fprintf(&b, "declare %s %s: %v\n", op.Kind, op.Name, err)
			case "attr":
				x, err := w.Attr(op.Entity, op.Name)
				fmt.Fprintf(&b, "attr %s.%s: %#v %v\n", op.Entity, op.Name, x, err)
			case "build":
				var with map[string]any
				if op.With != nil {
					with = typed(op.With).(map[string]any)
				}
				var update []catalog.Update
				for _, u := range op.Update {
					update = append(update, catalog.Update{Name: u[0].(string), Value: typed(u[1])})
				}
				at := src.Tick(time.Minute, 30*time.Minute)
				body, err := build(w, v, op, with, update, at, src)
				fmt.Fprintf(&b, "build %s %s: %s %v\n", op.Event, op.Entity, body, err)
			default:
				t.Fatalf("unknown op %q", op.Op)
			}
		}
	}
	return b.String()
}

// generated returns the payloads of every event and variant (and "") of
// evs for seeds 1 to 3, plain and with quirks, one line a payload.
func generated(vd catalog.Vendor) string {
	var b strings.Builder
	for _, e := range vd.Events() {
		for _, v := range append([]string{""}, e.Variants...) {
			for seed := uint64(1); seed <= 3; seed++ {
				for _, quirks := range []bool{false, true} {
					body, err := vd.Generate(fake.New(seed, time.Time{}), e, catalog.Options{Variant: v, Quirks: quirks})
					fmt.Fprintf(&b, "generate %s %q %d %v: %s %v\n", e.Name, v, seed, quirks, body, err)
				}
			}
		}
	}
	return b.String()
}

// AttrTables checks that what ${entity.attr} reads of each of v's entity
// kinds at run time (tables: kind to the attribute names its world's table
// reads) is what the vocabulary lets a script name (Kind.Readable).
func AttrTables(t *testing.T, v catalog.Vendor, tables map[string][]string) {
	t.Helper()
	for _, k := range v.Vocabulary().Kinds {
		got, ok := tables[k.Name]
		if !ok {
			t.Errorf("%s: the world has no attribute table", k.Name)
			continue
		}
		got = slices.Sorted(slices.Values(got))
		want := slices.Sorted(slices.Values(k.Readable))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the world reads %v, the vocabulary says %v", k.Name, got, want)
		}
	}
}

// Registers checks that a Registry accepts v (its id, its events' vendor
// and slugs), that its profile is complete with a success rule that takes
// 200 and refuses 500, and that every event has a vocabulary entry.
func Registers(t *testing.T, v catalog.Vendor) {
	t.Helper()
	r, err := catalog.NewRegistry(v)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Profiles()[v.ID()]
	if p.Vendor != v.ID() || !p.Success(200) || p.Success(500) || p.Notes == "" {
		t.Errorf("profile %+v", p)
	}
	for _, e := range v.Events() {
		if _, ok := v.Vocabulary().Events[e.Name]; !ok {
			t.Errorf("%s: not in the vocabulary", e)
		}
	}
}
