package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestRepeatableFlagsReadListsFromTheEnvironment checks that STANDIN_TARGET
// holding two URLs delivers to both, comma- or newline-separated, and that
// a bad item names the variable.
func TestRepeatableFlagsReadListsFromTheEnvironment(t *testing.T) {
	var a, b atomic.Int64
	ra := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { a.Add(1) }))
	defer ra.Close()
	rb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { b.Add(1) }))
	defer rb.Close()
	for _, tc := range []struct{ name, val string }{
		{"comma", ra.URL + "," + rb.URL},
		{"newline", ra.URL + "\n" + rb.URL + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.Store(0)
			b.Store(0)
			t.Setenv("STANDIN_TARGET", tc.val)
			code, out, errOut := cli(t, "", "run", "rocketlane-project-onboarding")
			if code != 0 {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			if a.Load() == 0 || a.Load() != b.Load() {
				t.Fatalf("receiver a got %d, b got %d; want the same, non-zero", a.Load(), b.Load())
			}
		})
	}
	t.Run("var items keep commas on their own line", func(t *testing.T) {
		t.Setenv("STANDIN_VAR", "outcome=rejected\nnot a pair")
		code, _, errOut := cli(t, "", "run", "flexdeploy-release-pipeline")
		if code != 2 || !strings.Contains(errOut, "STANDIN_VAR") || !strings.Contains(errOut, `"not a pair"`) {
			t.Fatalf("exit %d, want 2 naming STANDIN_VAR and the item:\n%s", code, errOut)
		}
	})
	t.Run("a list item refused later names its variable", func(t *testing.T) {
		t.Setenv("STANDIN_TARGET", "notaurl,"+ra.URL)
		code, _, errOut := cli(t, "", "trigger", "rocketlane", "TASK_CREATED")
		if code != 2 || !strings.Contains(errOut, "--target from STANDIN_TARGET") {
			t.Fatalf("exit %d, want 2 naming STANDIN_TARGET:\n%s", code, errOut)
		}
	})
}
