package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
)

// liveServer is an in-process standin for the commands that talk to one.
func liveServer(t *testing.T, cfg server.Config) (*server.Server, *httptest.Server) {
	t.Helper()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(cfg)
	ts := httptest.NewServer(srv.Handler())
	srv.SetBaseURL(ts.URL)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return srv, ts
}

// background runs the CLI until stop is called; lines yields its output
// as it is written.
type background struct {
	lines  chan string
	stderr *syncBuffer
	cancel context.CancelFunc
	code   chan int
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startCLI(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	bg := &background{lines: make(chan string, 1000), stderr: &syncBuffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() {
		bg.code <- runContext(ctx, args, strings.NewReader(""), pw, bg.stderr)
		pw.Close()
	}()
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			bg.lines <- sc.Text()
		}
		close(bg.lines)
	}()
	t.Cleanup(func() { cancel() })
	return bg
}

func (bg *background) line(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-bg.lines:
		if !ok {
			t.Fatalf("output ended; stderr:\n%s", bg.stderr.String())
		}
		return l
	case <-time.After(10 * time.Second):
		t.Fatalf("no output line in 10s; stderr:\n%s", bg.stderr.String())
	}
	return ""
}

// exit waits for the command to end and returns its code.
func (bg *background) exit(t *testing.T) int {
	t.Helper()
	select {
	case c := <-bg.code:
		return c
	case <-time.After(15 * time.Second):
		t.Fatalf("the command did not end; stderr:\n%s", bg.stderr.String())
	}
	return 0
}

func waitListening(t *testing.T, srv *server.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Engine().Listening() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("tail never opened the stream")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func emit(t *testing.T, base, path string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("emit %s: %s", path, resp.Status)
	}
}

func TestTailPrintsAttemptsAsTheyHappen(t *testing.T) {
	srv, ts := liveServer(t, server.Config{AdminToken: "tok"})
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }))
	defer fail.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/__admin/subscriptions", strings.NewReader(`{"vendor":"rocketlane","url":"`+fail.URL+`"}`))
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("subscribe: %v %v", err, resp)
	}
	for _, tc := range []struct {
		name        string
		args        []string
		emits       []string
		want        []*regexp.Regexp
		skipCutover bool // the cutover attempt is filtered out
	}{
		{"text", nil, []string{"/__admin/events/cutover/task.created", "/__admin/events/rocketlane/TASK_CREATED"}, []*regexp.Regexp{
			regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}  cutover     task\.created\s+` + regexp.QuoteMeta(ts.URL) + `/__sink/cutover  200 ok  #1  [0-9.]+[mµ]?s$`),
			regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}  rocketlane  TASK_CREATED\s+` + regexp.QuoteMeta(fail.URL) + `  503    #1  [0-9.]+[mµ]?s  status 503: Rocketlane counts only 200 and 204 as delivered$`),
		}, false},
		{"filtered by vendor", []string{"--vendor", "rocketlane"}, []string{"/__admin/events/cutover/task.created", "/__admin/events/rocketlane/TASK_CREATED"}, []*regexp.Regexp{
			regexp.MustCompile(`^\S+  rocketlane  TASK_CREATED `),
		}, true},
		{"filtered by the status an attempt leaves", []string{"--status", "failed"}, []string{"/__admin/events/cutover/task.created", "/__admin/events/rocketlane/TASK_CREATED"}, []*regexp.Regexp{
			regexp.MustCompile(`^\S+  rocketlane  TASK_CREATED .* 503 `),
		}, true},
		{"json", []string{"--json"}, []string{"/__admin/events/cutover/task.created"}, []*regexp.Regexp{
			regexp.MustCompile(`^\{"delivery":"dlv_[0-9a-f]{12}","vendor":"cutover","event":"task.created",.*"attempt":\{"n":1,.*"response":\{"status":200,`),
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bg := startCLI(t, append([]string{"tail", "--url", ts.URL, "--admin-token", "tok"}, tc.args...)...)
			waitListening(t, srv)
			for _, p := range tc.emits {
				emit(t, ts.URL, p)
				// Each line comes as its attempt ends, before the next emit.
				if !strings.Contains(p, "cutover") || !tc.skipCutover {
					l := bg.line(t)
					if want := tc.want[0]; !want.MatchString(l) {
						t.Fatalf("line\n %q\ndoes not match\n %s", l, want)
					}
					tc.want = tc.want[1:]
				}
			}
			if strings.Contains(tc.name, "json") {
				// Every line is one JSON object.
				select {
				case l := <-bg.lines:
					t.Fatalf("extra line %q", l)
				default:
				}
			}
			bg.cancel() // SIGINT and SIGTERM end it the same way
			if code := bg.exit(t); code != 0 {
				t.Fatalf("exit %d after interrupt; stderr:\n%s", code, bg.stderr.String())
			}
			waitGone(t, srv)
		})
	}
}

func waitGone(t *testing.T, srv *server.Server) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Engine().Listening() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the stream stayed open after tail ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestTailErrors(t *testing.T) {
	_, ts := liveServer(t, server.Config{AdminToken: "tok"})
	gone := "http://" + freeAddr(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no server", []string{"--url", gone}, 1, "cannot reach standin at " + gone},
		{"no token", []string{"--url", ts.URL}, 2, "401 Unauthorized: the admin API needs Authorization: Bearer <admin token> (give --admin-token or STANDIN_ADMIN_TOKEN)"},
		{"bad filter", []string{"--url", ts.URL, "--admin-token", "tok", "--vendor", "stripe"}, 2, `400 Bad Request: unknown vendor "stripe"`},
		{"bad status", []string{"--url", ts.URL, "--status", "pending"}, 2, `--status "pending": want one of retrying, delivered, failed`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := cli(t, "", append([]string{"tail"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.msg) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", code, tc.code, errOut, tc.msg)
			}
		})
	}
}

func TestTailReconnectsThenGivesUp(t *testing.T) {
	srv, ts := liveServer(t, server.Config{})
	bg := startCLI(t, "tail", "--url", ts.URL, "--retry-for", "300ms")
	waitListening(t, srv)
	// The server goes away: the stream ends, reconnecting fails.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	ts.Close()
	if code := bg.exit(t); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	errOut := bg.stderr.String()
	for _, want := range []string{"lost the stream from " + ts.URL + " (the stream ended); reconnecting for up to 300ms", "could not reconnect within 300ms"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestTailTakesASilentStreamForBroken(t *testing.T) {
	old := idleTimeout
	idleTimeout = 50 * time.Millisecond
	defer func() { idleTimeout = old }()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-r.Context().Done() // never a heartbeat
	}))
	defer silent.Close()
	code, _, errOut := cli(t, "", "tail", "--url", silent.URL, "--retry-for", "0")
	if code != 1 || !strings.Contains(errOut, "lost the stream from "+silent.URL+" (nothing received for 50ms, not even a heartbeat)") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
