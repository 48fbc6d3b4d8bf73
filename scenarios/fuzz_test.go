package scenarios_test

import (
	"errors"
	"testing"

	"github.com/standin-dev/standin/scenarios"
)

// FuzzParse feeds arbitrary files to the parser: it must never panic, and
// every error must be Errors naming a place in the file.
func FuzzParse(f *testing.F) {
	for _, n := range scenarios.Names() {
		sc, _ := scenarios.Builtin(n)
		f.Add(sc.Source)
	}
	for _, s := range []string{
		"name: t\nvendor: cutover\nsteps:\n  - event: task.created\n",
		"name: t\nvendor: cutover\nvars: {v: [a, b]}\nsteps:\n  - each: ${v}\n    steps: [{event: task.created, set: {meta.task.name: \"${item}\"}}]\n",
		"a: &x [1, 2]\nb: *x\n", "{", "- - -", "name: t\nvendor: rocketlane\nentities: {p: {kind: project}}\nsteps: [{event: PROJECT_UPDATED, update: {progress: 101}}]\n",
		"!!int x", "name: !!str 1\n", "? a\n: b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		sc, err := scenarios.Parse("f.yaml", src)
		if err != nil {
			var es scenarios.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not scenarios.Errors", err, err)
			}
			for _, e := range es {
				if e.Pos.Line < 1 || e.Pos.Col < 1 {
					t.Fatalf("error without a place: %v", e)
				}
			}
			return
		}
		if sc.Name == "" && len(sc.Steps) == 0 {
			t.Fatalf("a scenario without name and steps parsed")
		}
		_, _ = sc.ResolveVars(nil)
	})
}
