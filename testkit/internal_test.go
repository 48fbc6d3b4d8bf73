package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/standin-dev/standin/emulator/delivery"
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

func TestRefusedOnLoopback(t *testing.T) {
	tests := []struct {
		url, err string
		want     bool
	}{
		{"http://127.0.0.1:9/hook", `Post "http://127.0.0.1:9/hook": dial tcp 127.0.0.1:9: connect: connection refused`, true},
		{"http://localhost:9", "connect: connection refused", true},
		{"http://[::1]:9", "connect: connection refused", true},
		{"http://127.0.0.2:9", "connect: connection refused", true},
		{"http://receiver:8080", "connect: connection refused", false}, // a shared network's alias
		{"http://127.0.0.1:9", "context deadline exceeded", false},
		{"http://127.0.0.1:9", "", false},
	}
	for _, tc := range tests {
		d := Delivery{Delivery: delivery.Delivery{URL: tc.url, Attempts: []delivery.Attempt{{Error: tc.err}}}}
		if got := refusedOnLoopback(d); got != tc.want {
			t.Errorf("refusedOnLoopback(%s, %q) = %v", tc.url, tc.err, got)
		}
	}
}

// A delivery from a container to the host's 127.0.0.1, refused, gets the
// hint in the listing (and so in waits' and assertions' failures); the
// same from an in-process server does not.
func TestLoopbackHint(t *testing.T) {
	s, err := NewServer()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/hook"
	l.Close() // nothing listens there now
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sub, err := s.Subscribe(ctx, Subscription{Vendor: "rocketlane", URL: closed})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Emit(ctx, "rocketlane", "TASK_CREATED", nil); err != nil {
		t.Fatal(err)
	}
	f := Filter{Subscription: sub.ID}
	in, err := s.Wait(ctx, f, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(in) != 1 || in[0].Status != Failed || !strings.Contains(in[0].String(), "connection refused") {
		t.Fatalf("the delivery to a closed port: %s", in)
	}
	if strings.Contains(in.String(), "hint:") {
		t.Errorf("an in-process server got the container hint:\n%s", in)
	}

	// The same server, read as a container on a network of its own is.
	ctr := NewClient(s.URL(), "")
	ctr.viaBridge = true
	ds, err := ctr.Wait(ctx, f, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"127.0.0.1 (and localhost) is the container itself", "testkit.WithHostNetwork()", "shared Docker network", "host.docker.internal"} {
		if !strings.Contains(ds.String(), want) {
			t.Errorf("the listing lacks %q:\n%s", want, ds)
		}
	}
	short, cancel2 := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel2()
	if _, err := ctr.Wait(short, f, 2); err == nil || !strings.Contains(err.Error(), "is the container itself") {
		t.Errorf("the wait's failure lacks the hint: %v", err)
	}
	if d, err := ctr.Delivery(ctx, ds[0].ID); err != nil || !strings.Contains(Deliveries{d}.String(), "hint:") {
		t.Errorf("Delivery(): %v, %s", err, Deliveries{d})
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// TestListingsTakeOneRequest: Deliveries and Wait get every delivery with
// its attempts in one request, however many deliveries there are.
func TestListingsTakeOneRequest(t *testing.T) {
	s := Start(t)
	rc := NewReceiver(t)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, Subscription{Vendor: "rocketlane", URL: rc.URL}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	for range n {
		if _, err := s.Emit(ctx, "rocketlane", "TASK_CREATED", nil); err != nil {
			t.Fatal(err)
		}
	}
	ct := &countingTransport{base: http.DefaultTransport}
	s.Client.http = &http.Client{Transport: ct}
	for _, tc := range []struct {
		name string
		list func() (Deliveries, error)
	}{
		{"Wait", func() (Deliveries, error) { return s.Wait(ctx, Filter{Vendor: "rocketlane"}, n) }},
		{"Deliveries", func() (Deliveries, error) { return s.Deliveries(ctx, Filter{}) }},
	} {
		ct.n.Store(0)
		ds, err := tc.list()
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(ds) != n || ct.n.Load() != 1 {
			t.Fatalf("%s: %d deliveries in %d requests, want %d in 1", tc.name, len(ds), ct.n.Load(), n)
		}
		for _, d := range ds {
			if len(d.Attempts) != 1 || d.Attempts[0].Response == nil || d.Attempts[0].Response.Status/100 != 2 {
				t.Fatalf("%s: delivery %s without its attempt: %+v", tc.name, d.ID, d.Attempts)
			}
		}
	}
}

// TestListingsFromAnOlderServer: a standin that ignores attempts=true
// (older than this package) still gives the testkit every attempt, one
// request per delivery.
func TestListingsFromAnOlderServer(t *testing.T) {
	s := Start(t)
	rc := NewReceiver(t)
	ctx := context.Background()
	if _, err := s.Subscribe(ctx, Subscription{Vendor: "cutover", URL: rc.URL}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Emit(ctx, "cutover", "task.created", nil); err != nil {
			t.Fatal(err)
		}
	}
	target, _ := url.Parse(s.URL())
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		q := r.Out.URL.Query()
		q.Del("attempts")
		r.Out.URL.RawQuery = q.Encode()
	}}
	old := httptest.NewServer(proxy)
	t.Cleanup(old.Close)
	c := NewClient(old.URL, "")
	ct := &countingTransport{base: http.DefaultTransport}
	c.http = &http.Client{Transport: ct}

	ds, err := c.Wait(ctx, Filter{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 3 || ct.n.Load() != 4 {
		t.Fatalf("%d deliveries in %d requests, want 3 in 4", len(ds), ct.n.Load())
	}
	for _, d := range ds {
		if len(d.Attempts) != 1 {
			t.Errorf("delivery %s has %d attempts, want 1", d.ID, len(d.Attempts))
		}
	}
}
