package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestServeLogsEveryDelivery plays an emit that is delivered and one that
// fails on `standin serve` and reads its log lines.
func TestServeLogsEveryDelivery(t *testing.T) {
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }))
	defer fail.Close()
	for _, tc := range []struct {
		level string
		want  []string // msg/level of the delivery lines, sorted
	}{
		{"info", []string{"delivered/INFO", "delivery failed/WARN"}},
		{"warn", []string{"delivery failed/WARN"}},
	} {
		t.Run(tc.level, func(t *testing.T) {
			addr := freeAddr(t)
			base := "http://" + addr
			bg := startCLI(t, "serve", "--addr", addr, "--log-format", "json", "--log-level", tc.level)
			deadline := time.Now().Add(10 * time.Second)
			for {
				if resp, err := http.Get(base + "/__admin/health"); err == nil {
					resp.Body.Close()
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("serve not up; stderr:\n%s", bg.stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			post := func(path, body string) {
				resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			post("/__admin/subscriptions", fmt.Sprintf(`{"vendor":"rocketlane","url":%q}`, fail.URL))
			post("/__admin/events/cutover/task.created", "")
			post("/__admin/events/rocketlane/TASK_CREATED", "")
			resp, err := http.Get(base + "/__admin/deliveries/wait?count=2&timeout=5s")
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("wait: %v %v", err, resp)
			}
			resp.Body.Close()
			bg.cancel()
			if code := bg.exit(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
			var got []string
			var requests int
			for _, line := range strings.Split(strings.TrimSpace(bg.stderr.String()), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("log line is not JSON: %q", line)
				}
				switch rec["msg"] {
				case "request":
					requests++
				case "delivered", "delivery failed":
					got = append(got, fmt.Sprintf("%s/%s", rec["msg"], rec["level"]))
					for _, k := range []string{"delivery", "vendor", "event", "target", "status", "attempts", "latency", "response"} {
						if rec[k] == nil || rec[k] == "" {
							t.Errorf("delivery log lacks %s: %s", k, line)
						}
					}
					if rec["msg"] == "delivery failed" && (rec["error"] != "status 201: Rocketlane counts only 200 and 204 as delivered" || rec["target"] != fail.URL) {
						t.Errorf("failure log: %s", line)
					}
					if rec["msg"] == "delivered" && (rec["status"] != "delivered" || !strings.HasSuffix(rec["target"].(string), "/__sink/cutover") || rec["response"] != 200.0) {
						t.Errorf("delivered log: %s", line)
					}
				}
			}
			slices.Sort(got) // the two deliveries run side by side
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("delivery lines %v, want %v\n%s", got, tc.want, bg.stderr.String())
			}
			if (requests > 0) != (tc.level == "info") {
				t.Errorf("%d request lines at level %s", requests, tc.level)
			}
		})
	}
}

func TestServeRefusesABadLogLevel(t *testing.T) {
	code, _, errOut := cli(t, "", "serve", "--addr", freeAddr(t), "--log-level", "loud")
	if code != 2 || !strings.Contains(errOut, `--log-level "loud": want debug, info, warn or error`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
