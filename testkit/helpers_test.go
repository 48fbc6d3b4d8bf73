package testkit_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/testkit"
	"github.com/testcontainers/testcontainers-go"
)

func TestMain(m *testing.M) {
	// There is no registry to pull testcontainers-go's Ryuk reaper from;
	// StartContainer removes its containers at the end of each test.
	if _, ok := os.LookupEnv("TESTCONTAINERS_RYUK_DISABLED"); !ok {
		os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	os.Exit(m.Run())
}

// testImageTag is the tag the tests build the image under, so they never
// touch the user's standin:dev.
const testImageTag = "standin:testkit"

var image struct {
	once sync.Once
	tag  string
	err  error
}

// testImage returns the standin image the container tests run: the one
// named by STANDIN_TEST_IMAGE, or one built once per test process from the
// repository's Dockerfile with docker/build-image.sh (no registry needed).
// It skips the test when there is no Docker (see testkit.RequireDocker).
func testImage(t testing.TB) string {
	t.Helper()
	testkit.RequireDocker(t)
	requireDockerCLI(t)
	image.once.Do(func() {
		if tag := os.Getenv("STANDIN_TEST_IMAGE"); tag != "" {
			image.tag = tag
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", filepath.Join("..", "docker", "build-image.sh"), testImageTag)
		cmd.Env = append(os.Environ(), "VERSION=testkit")
		out, err := cmd.CombinedOutput()
		if err != nil {
			image.err = fmt.Errorf("docker/build-image.sh %s: %v\n%s", testImageTag, err, out)
			return
		}
		image.tag = testImageTag
	})
	if image.err != nil {
		t.Fatal(image.err)
	}
	return image.tag
}

var dockerCLI struct {
	once sync.Once
	err  error
}

// requireDockerCLI is testkit.RequireDocker for the docker command, which
// docker/build-image.sh needs (it may see another engine than
// testcontainers-go does, through DOCKER_HOST or a context).
func requireDockerCLI(t testing.TB) {
	t.Helper()
	dockerCLI.once.Do(func() {
		out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
		if err != nil {
			dockerCLI.err = fmt.Errorf("docker version: %v: %s", err, strings.TrimSpace(string(out)))
		}
	})
	if dockerCLI.err == nil {
		return
	}
	if v := os.Getenv(testkit.RequireDockerEnv); v != "" && v != "0" && !strings.EqualFold(v, "false") {
		t.Fatalf("%s is set but the docker command reaches no engine: %v", testkit.RequireDockerEnv, dockerCLI.err)
	}
	t.Skipf("the docker command reaches no engine (%v); set %s=1 to make this a failure", dockerCLI.err, testkit.RequireDockerEnv)
}

// start is one way to start standin for a test.
type start struct {
	name string
	run  func(t *testing.T, opts ...testkit.Option) testkit.Standin
}

// starts are the two ways: in the test process, and as a container on the
// host's network (so it reaches the test's receivers on 127.0.0.1).
var starts = []start{
	{"in-process", func(t *testing.T, opts ...testkit.Option) testkit.Standin {
		return testkit.Start(t, opts...)
	}},
	{"container", func(t *testing.T, opts ...testkit.Option) testkit.Standin {
		img := testImage(t)
		cs := []testcontainers.ContainerCustomizer{testkit.WithHostNetwork()}
		for _, o := range opts {
			cs = append(cs, o)
		}
		return testkit.StartContainer(t, img, cs...)
	}},
}

// forEachStart runs f as a parallel subtest for each start.
func forEachStart(t *testing.T, f func(t *testing.T, s start)) {
	for _, s := range starts {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			f(t, s)
		})
	}
}

// recordingTB stands in for a test to check what testkit reports: it
// records errors instead of failing, and Fatal ends only the goroutine
// (run the code under test with capture).
type recordingTB struct {
	testing.TB // the real test, for everything not overridden here

	mu       sync.Mutex
	errs     []string
	fatal    bool
	cleanups []func()
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

func (r *recordingTB) FailNow() {
	r.mu.Lock()
	r.fatal = true
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs) > 0
}

func (r *recordingTB) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// finish runs the cleanups, last first, as the end of a test would.
func (r *recordingTB) finish() {
	r.mu.Lock()
	cs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		capture(r, func(testing.TB) { cs[i]() })
	}
}

// report returns everything reported, joined.
func (r *recordingTB) report() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// capture runs f with rec in a goroutine of its own, so a Fatal ends f
// only.
func capture(rec *recordingTB, f func(tb testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
}

func newRecordingTB(t *testing.T) *recordingTB { return &recordingTB{TB: t} }

// ctx returns a context for a test step.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
