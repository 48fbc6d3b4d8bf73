package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// buildBinary compiles standin once for the tests that drive it from
// outside, as a user would.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "standin")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeFromOutside starts `standin serve`, drives it over HTTP, and
// stops it with SIGTERM.
func TestServeFromOutside(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary; skipped with -short")
	}
	bin := buildBinary(t)
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--log-format", "json")
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		if out, err := exec.Command(bin, "health", "--url", base).CombinedOutput(); err == nil {
			if !strings.Contains(string(out), "healthy") {
				t.Fatalf("health said %s", out)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy in 10s; logs:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	var calls atomic.Int64
	failTwice := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer failTwice.Close()
	post := func(path, body string) (int, string) {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/__admin/subscriptions", fmt.Sprintf(`{"vendor":"cutover","url":%q,"retry":{"max_attempts":3,"initial_interval":"10ms"}}`, failTwice.URL)); code != 201 {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	if code, body := post("/__admin/events/cutover/integrations.failed", ""); code != 202 {
		t.Fatalf("emit: %d %s", code, body)
	}
	resp, err := http.Get(base + "/__admin/deliveries/wait?count=1&timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	var ds []struct {
		ID, Status   string
		AttemptCount int `json:"attempt_count"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ds); err != nil || len(ds) != 1 {
		t.Fatalf("wait: %v %v", err, ds)
	}
	resp.Body.Close()
	if ds[0].Status != "delivered" || ds[0].AttemptCount != 3 {
		t.Fatalf("delivery %+v, want delivered in 3 attempts", ds[0])
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\nlogs:\n%s", err, logs.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit 15s after SIGTERM")
	}
	if !strings.Contains(logs.String(), `"msg":"stopped"`) {
		t.Errorf("logs lack the stop line:\n%s", logs.String())
	}
}

func TestHealthFailsWithoutServer(t *testing.T) {
	code, _, errOut := cli(t, "", "health", "--url", "http://"+freeAddr(t), "--timeout", "500ms")
	if code != 1 || !strings.Contains(errOut, "unhealthy") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

func TestServeRefusesBadLimits(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{args: []string{"--backlog", "0"}, want: "--backlog 0: must be at least 1"},
		{args: []string{"--inflight", "-1"}, want: "--inflight -1: must be at least 1"},
		{args: []string{"--max-runs", "0"}, want: "--max-runs 0"},
		{args: []string{"--write-timeout", "0s"}, want: "--write-timeout 0s: must be above 0"},
		{env: map[string]string{"STANDIN_SINK_BYTES": "0"}, want: "--sink-bytes 0"},
		{args: []string{"--header-limit", "lots"}, want: "header-limit"},
		{args: []string{"--target-inflight", "4"}, want: "--target-inflight 4: must be at least --inflight (8)"},
		{env: map[string]string{"STANDIN_INFLIGHT": "20", "STANDIN_TARGET_INFLIGHT": "10"}, want: "--target-inflight 10: must be at least --inflight (20)"},
		{args: []string{"--workers", "0"}, want: "--workers 0: must be at least 1"},
		{args: []string{"--body-limit", "0"}, want: "--body-limit 0: must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+fmt.Sprint(tt.env), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tt.args...)
			code, _, errOut := cli(t, "", args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, %q; want 2 naming %q", code, errOut, tt.want)
			}
		})
	}
}

// TestServeConfigSettingRefusedAtItsPlace: a setting from --config that
// serve cannot run with is reported at its line; the same flag given on the
// command line wins over the file and is reported as a flag.
func TestServeConfigSettingRefusedAtItsPlace(t *testing.T) {
	f := writeFile(t, "standin.yaml", "server:\n  log-level: info\n  backlog: 0\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, f + ":3:3: server: --backlog 0: must be at least 1"},
		{[]string{"--backlog", "-2"}, "--backlog -2: must be at least 1"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--config", f}, tc.args...)
		code, _, errOut := cli(t, "", args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, %q; want 2 with %q", tc.args, code, errOut, tc.want)
		}
		if tc.args != nil && strings.Contains(errOut, f+":") {
			t.Errorf("%q: the command line's value is reported at the file: %q", tc.args, errOut)
		}
	}
}
