package flexdeploy

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// The golden files hold what the scenario world and the generator gave
// before they moved into this package (emulator/runs at 2a2e723, with the
// same ops and seeds): the move must not change a byte.

func TestScenarioGolden(t *testing.T) {
	got := playOps(t, "testdata/scenario-ops.json", func(src *fake.Source) opsWorld { return opsAdapter{newWorld(src)} })
	checkGolden(t, "testdata/scenario.golden", got)
}

func TestGenerateGolden(t *testing.T) {
	got := generated(Vendor.Events(), func(src *fake.Source, e catalog.Event, v string, q bool) ([]byte, error) {
		return Vendor.Generate(src, e, catalog.Options{Variant: v, Quirks: q})
	})
	checkGolden(t, "testdata/generate.golden", got)
}

func checkGolden(t *testing.T, file, got string) {
	t.Helper()
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

// opsAdapter drives the world as a run does.
type opsAdapter struct{ w *world }

func (a opsAdapter) declare(name, kind string, attrs map[string]any) error {
	return a.w.Declare(name, kind, attrs)
}

func (a opsAdapter) attr(entity, name string) (any, error) { return a.w.Attr(entity, name) }

func (a opsAdapter) build(event, entity, actor string, with map[string]any, update [][2]any, at time.Time, src *fake.Source) ([]byte, error) {
	e, err := catalog.LookupIn(Vendor, event)
	if err != nil {
		return nil, err
	}
	var us []catalog.Update
	for _, u := range update {
		us = append(us, catalog.Update{Name: u[0].(string), Value: u[1]})
	}
	s := &catalog.Step{Event: e, Spec: Vendor.Vocabulary().Events[e.Name], Entity: entity, Actor: actor, With: with, Update: us, At: at, Src: src}
	return a.w.Build(s)
}

// scenarioOp is one call of a world in testdata/scenario-ops.json.
type scenarioOp struct {
	Op, Event, Entity, Actor, Name, Kind string
	Attrs, With                          map[string]any
	Update                               [][2]any
}

// opsWorld is a world as the golden test drives it.
type opsWorld interface {
	declare(name, kind string, attrs map[string]any) error
	attr(entity, name string) (any, error)
	build(event, entity, actor string, with map[string]any, update [][2]any, at time.Time, src *fake.Source) ([]byte, error)
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
func playOps(t *testing.T, file string, newWorld func(*fake.Source) opsWorld) string {
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
		src := fake.New(uint64(7+i), time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		w := newWorld(src)
		fmt.Fprintf(&b, "run %d\n", i)
		for _, op := range r.Runs {
			switch op.Op {
			case "declare":
				var attrs map[string]any
				if op.Attrs != nil {
					attrs = typed(op.Attrs).(map[string]any)
				}
				err := w.declare(op.Name, op.Kind, attrs)
				fmt.Fprintf(&b, "declare %s %s: %v\n", op.Kind, op.Name, err)
			case "attr":
				v, err := w.attr(op.Entity, op.Name)
				fmt.Fprintf(&b, "attr %s.%s: %#v %v\n", op.Entity, op.Name, v, err)
			case "build":
				var with map[string]any
				if op.With != nil {
					with = typed(op.With).(map[string]any)
				}
				update := make([][2]any, len(op.Update))
				for j, u := range op.Update {
					update[j] = [2]any{u[0], typed(u[1])}
				}
				at := src.Tick(time.Minute, 30*time.Minute)
				body, err := w.build(op.Event, op.Entity, op.Actor, with, update, at, src)
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
func generated(evs []catalog.Event, gen func(*fake.Source, catalog.Event, string, bool) ([]byte, error)) string {
	var b strings.Builder
	for _, e := range evs {
		for _, v := range append([]string{""}, e.Variants...) {
			for seed := uint64(1); seed <= 3; seed++ {
				for _, quirks := range []bool{false, true} {
					body, err := gen(fake.New(seed, time.Time{}), e, v, quirks)
					fmt.Fprintf(&b, "generate %s %q %d %v: %s %v\n", e.Name, v, seed, quirks, body, err)
				}
			}
		}
	}
	return b.String()
}
