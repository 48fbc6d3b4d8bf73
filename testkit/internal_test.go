package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	tcexec "github.com/testcontainers/testcontainers-go/exec"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		path string
		want []string
		err  string
	}{
		{"", nil, ""},
		{"/", []string{""}, ""},
		{"/meta/task/id", []string{"meta", "task", "id"}, ""},
		{"/a~1b/c~0d/0", []string{"a/b", "c~d", "0"}, ""},
		{"meta.task.id", []string{"meta", "task", "id"}, ""},
		{"$.data.stages[1].name", []string{"data", "stages", "1", "name"}, ""},
		{".a.b", []string{"a", "b"}, ""},
		{`a["b.c"][0]`, []string{"a", "b.c", "0"}, ""},
		{"a[0", nil, "unclosed"},
		{"a..b", nil, "empty field name"},
		{"a.", nil, "empty field name"},
	}
	for _, tc := range tests {
		got, err := parsePath(tc.path)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parsePath(%q) error = %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parsePath(%q) = %q, %v, want %q", tc.path, got, err, tc.want)
		}
	}
}

func TestJSONEqual(t *testing.T) {
	var doc any
	_ = json.Unmarshal([]byte(`{"a":1,"b":[true,null,"x"],"c":12345678901234567890}`), &doc)
	tests := []struct {
		got, want any
		eq        bool
	}{
		{doc, map[string]any{"a": 1, "b": []any{true, nil, "x"}, "c": 12345678901234567890.0}, true},
		{json.Number("12345678901234567890"), uint64(12345678901234567890), true},
		{json.Number("7"), 7.0, true},
		{json.Number("7"), "7", false},
		{"a", "a", true},
		{[]any{1.0}, []int{1, 2}, false},
		{map[string]any{"a": 1.0}, map[string]any{"b": 1}, false},
		{nil, nil, true},
		{false, nil, false},
	}
	for i, tc := range tests {
		eq, err := jsonEqual(tc.got, tc.want)
		if err != nil || eq != tc.eq {
			t.Errorf("%d: jsonEqual(%v, %v) = %v, %v, want %v", i, tc.got, tc.want, eq, err, tc.eq)
		}
	}
	if _, err := jsonEqual(1, make(chan int)); err == nil {
		t.Error("jsonEqual took a channel")
	}
}

// The wait strategy finds standin on 127.0.0.1 when the host testcontainers
// reports does not answer (a Docker engine sharing the test's network).
func TestHealthWaitFindsAReachableHost(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"status":"ok","version":"x"}`))
	}))
	defer s.Close()
	port := s.Listener.Addr().String()[strings.LastIndexByte(s.Listener.Addr().String(), ':')+1:]
	h := &healthWait{port: port + "/tcp", timeout: 5 * time.Second, hostFirst: true}
	target := &fakeTarget{host: "192.0.2.1"} // TEST-NET-1: never answers
	if err := h.WaitUntilReady(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	if h.url() != "http://127.0.0.1:"+port {
		t.Errorf("found %q", h.url())
	}

	// A container that exits stops the wait at once.
	h = &healthWait{port: "1/tcp", timeout: 5 * time.Second}
	begin := time.Now()
	err := h.WaitUntilReady(context.Background(), &fakeTarget{host: "127.0.0.1", exited: true})
	if err == nil || !strings.Contains(err.Error(), "exited") || time.Since(begin) > 3*time.Second {
		t.Errorf("waiting on an exited container: %v after %s", err, time.Since(begin))
	}
}

func TestImageHint(t *testing.T) {
	RequireDocker(t)
	hint := imageHint(context.Background(), "standin:no-such-image")
	if !strings.Contains(hint, "docker/build-image.sh standin:no-such-image") {
		t.Errorf("imageHint = %q", hint)
	}
}

// skipTB records how a test was skipped or failed.
type skipTB struct {
	testing.TB
	skipped, failed string
}

func (s *skipTB) Helper() {}
func (s *skipTB) Skipf(format string, args ...any) {
	s.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (s *skipTB) Fatalf(format string, args ...any) {
	s.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestRequireDockerSkipsOrFails(t *testing.T) {
	saved := DockerAvailable() // the real answer, kept for the other tests
	docker.err = errors.New("Cannot connect to the Docker daemon")
	defer func() { docker.err = saved }()

	for _, required := range []string{"", "1"} {
		t.Setenv(RequireDockerEnv, required)
		tb := &skipTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			RequireDocker(tb)
		}()
		<-done
		if required == "" && !strings.Contains(tb.skipped, "no Docker engine answers (Cannot connect to the Docker daemon); set STANDIN_REQUIRE_DOCKER=1") {
			t.Errorf("without %s: skipped %q, failed %q", RequireDockerEnv, tb.skipped, tb.failed)
		}
		if required != "" && !strings.Contains(tb.failed, "STANDIN_REQUIRE_DOCKER is set but no Docker engine answers") {
			t.Errorf("with %s: skipped %q, failed %q", RequireDockerEnv, tb.skipped, tb.failed)
		}
	}
}

func TestDockerRequired(t *testing.T) {
	for v, want := range map[string]bool{"": false, "0": false, "false": false, "FALSE": false, "1": true, "true": true, "yes": true} {
		t.Setenv(RequireDockerEnv, v)
		if got := dockerRequired(); got != want {
			t.Errorf("%s=%q: dockerRequired() = %v", RequireDockerEnv, v, got)
		}
	}
}

// fakeTarget is a container as a wait strategy sees it.
type fakeTarget struct {
	host   string
	exited bool
}

func (f *fakeTarget) Host(context.Context) (string, error) { return f.host, nil }
func (f *fakeTarget) Inspect(context.Context) (*container.InspectResponse, error) {
	return nil, errors.New("not here")
}
func (f *fakeTarget) Ports(context.Context) (network.PortMap, error) {
	return nil, errors.New("not here")
}
func (f *fakeTarget) MappedPort(_ context.Context, p string) (network.Port, error) {
	return network.ParsePort(p)
}
func (f *fakeTarget) Logs(context.Context) (io.ReadCloser, error) { return nil, errors.New("not here") }
func (f *fakeTarget) Exec(context.Context, []string, ...tcexec.ProcessOption) (int, io.Reader, error) {
	return 0, nil, errors.New("not here")
}
func (f *fakeTarget) State(context.Context) (*container.State, error) {
	if f.exited {
		return &container.State{Status: "exited", ExitCode: 2}, nil
	}
	return &container.State{Status: "running", Running: true}, nil
}
func (f *fakeTarget) CopyFileFromContainer(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("not here")
}
