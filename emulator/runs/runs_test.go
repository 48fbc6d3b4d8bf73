package runs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
	"github.com/standin-dev/standin/schemas"
)

// receiver records every request it gets, in arrival order, and answers
// status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	status int
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.bodies = append(rc.bodies, b)
		rc.mu.Unlock()
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() [][]byte {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.bodies)
}

func newEngine(t *testing.T) *delivery.Engine {
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(func() { _ = e.Shutdown(context.Background()) })
	return e
}

// play runs sc with opts against a fresh receiver answering 200 and
// returns the report and the bodies received, in order.
func play(t *testing.T, sc *scenarios.Scenario, opts runs.Options) (runs.Report, [][]byte) {
	t.Helper()
	rc := newReceiver(t, 200)
	opts.Targets = []string{rc.URL}
	r, err := runs.New(sc, newEngine(t), opts)
	if err != nil {
		t.Fatalf("new run: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	return rep, rc.got()
}

func builtin(t *testing.T, name string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func seed(n uint64) *uint64 { return &n }

// field reads a value at a slash path from a JSON document.
func field(t *testing.T, body []byte, path string) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatalf("body is not JSON: %v", err)
	}
	for _, k := range strings.Split(strings.Trim(path, "/"), "/") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i := 0
			for _, c := range k {
				i = i*10 + int(c-'0')
			}
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func eventsOf(t *testing.T, bodies [][]byte, path string) []string {
	var out []string
	for _, b := range bodies {
		out = append(out, field(t, b, path).(string))
	}
	return out
}

// validAll checks every body against its schema.
func validAll(t *testing.T, vendor string, bodies [][]byte) {
	t.Helper()
	for i, b := range bodies {
		e, err := emulator.EventOf(vendor, b)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if err := schemas.Validate(vendor, e.Slug, b); err != nil {
			t.Errorf("body %d: %v\n%s", i, err, b)
		}
	}
}

func TestBuiltinsAreDeterministic(t *testing.T) {
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			sc := builtin(t, name)
			rep1, a := play(t, sc, runs.Options{Seed: seed(7)})
			_, b := play(t, sc, runs.Options{Seed: seed(7)})
			_, c := play(t, sc, runs.Options{Seed: seed(8)})
			if rep1.Status != runs.Succeeded {
				t.Fatalf("status %s: %s", rep1.Status, rep1.Error)
			}
			if len(a) != len(rep1.Events) || len(a) == 0 {
				t.Fatalf("%d bodies for %d events", len(a), len(rep1.Events))
			}
			if !slices.EqualFunc(a, b, bytes.Equal) {
				t.Errorf("the same seed gave different bodies")
			}
			if slices.EqualFunc(a, c, bytes.Equal) {
				t.Errorf("seeds 7 and 8 gave the same bodies")
			}
			validAll(t, sc.Vendor, a)
			// Payload times never go backwards.
			var last time.Time
			for _, ev := range rep1.Events {
				if ev.At.Before(last) {
					t.Errorf("step %d at %s, before %s", ev.Step, ev.At, last)
				}
				last = ev.At
			}
		})
	}
}

func TestTimeScaleDoesNotChangeBytes(t *testing.T) {
	sc, err := scenarios.Parse("fast.yaml", []byte(`
name: fast
vendor: cutover
steps:
  - event: task.created
  - event: task.started
    after: 50ms
`))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, instant := play(t, sc, runs.Options{})
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("time scale 0 took %s", d)
	}
	start = time.Now()
	_, real := play(t, sc, runs.Options{TimeScale: 1})
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("time scale 1 took %s, want at least the 50ms wait", d)
	}
	if !slices.EqualFunc(instant, real, bytes.Equal) {
		t.Errorf("time scale changed the payloads")
	}
}
