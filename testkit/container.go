package testkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// DefaultImage is the tag docker/build-image.sh gives the image.
const DefaultImage = "standin:dev"

// Port is the port standin listens on in its image.
const Port = "8080/tcp"

// RequireDockerEnv names the environment variable that turns
// StartContainer's and RequireDocker's skip into a failure: set it (to
// anything but "", "0" or "false") where Docker must be there, as in CI.
const RequireDockerEnv = "STANDIN_REQUIRE_DOCKER"

// startupTimeout bounds the wait for a container's health endpoint.
const startupTimeout = 60 * time.Second

// ContainerOption configures a standin started by Run or StartContainer
// only: it is a testcontainers.ContainerCustomizer, and Start and
// NewServer, which take Options, do not take it.
type ContainerOption func(*settings)

// Customize does nothing: Run reads ContainerOptions itself. It makes
// ContainerOption a testcontainers.ContainerCustomizer.
func (ContainerOption) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// WithHostNetwork runs a container on the host's network, so it reaches
// receivers listening on the host's loopback, such as a Receiver. It
// listens on a free port of 127.0.0.1. It is a ContainerOption: an
// in-process server is on the host already.
func WithHostNetwork() ContainerOption { return func(s *settings) { s.hostNetwork = true } }

// Container is standin running in a Docker container, started with
// testcontainers-go. It embeds the container and the Client that drives
// standin.
type Container struct {
	testcontainers.Container
	*Client
}

// Run starts the standin image img (built with docker/build-image.sh; see
// DefaultImage) and waits until its health endpoint answers. Build img
// from the same version of standin as this package: the client relies on
// its admin API (listings with attempts, for one). opts are this
// package's Options (WithHostNetwork, WithSeed, WithAdminToken) and any
// testcontainers-go customizer: network.WithNetwork, WithEnv, WithCmdArgs
// (appended to "serve --addr ..."), and so on. As testcontainers-go's
// modules do, it returns the container along with an error when one was
// created, so that testcontainers.CleanupContainer or TerminateContainer
// can remove it.
//
// The container listens on 8080, published on a random host port; with
// WithHostNetwork, on a free port of the host's 127.0.0.1 instead.
func Run(ctx context.Context, img string, opts ...testcontainers.ContainerCustomizer) (*Container, error) {
	st := collect(opts)
	req := testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{Image: img, Env: map[string]string{}},
		Started:          true,
	}
	port := Port
	if st.hostNetwork {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		port = strconv.Itoa(p) + "/tcp"
		addr := "127.0.0.1:" + strconv.Itoa(p)
		req.Cmd = []string{"serve", "--addr", addr}
		req.Env["STANDIN_URL"] = "http://" + addr // for the image's HEALTHCHECK
	} else {
		// The image's CMD, spelled out so WithCmdArgs appends to it.
		req.Cmd = []string{"serve", "--addr", ":8080"}
		req.ExposedPorts = []string{Port}
	}
	if st.seed != nil {
		req.Env["STANDIN_SEED"] = strconv.FormatUint(*st.seed, 10)
	}
	if st.adminToken != "" {
		req.Env["STANDIN_ADMIN_TOKEN"] = st.adminToken
	}
	health := &healthWait{port: port, timeout: startupTimeout, hostFirst: !st.hostNetwork}
	req.WaitingFor = health
	for _, o := range opts {
		switch o.(type) {
		case Option, ContainerOption:
			continue
		}
		if err := o.Customize(&req); err != nil {
			return nil, fmt.Errorf("customize the standin container: %w", err)
		}
	}
	if st.hostNetwork {
		// After the user's customizers, which may set a modifier of their
		// own.
		prev := req.HostConfigModifier
		req.HostConfigModifier = func(hc *container.HostConfig) {
			if prev != nil {
				prev(hc)
			}
			hc.NetworkMode = "host"
		}
	}
	token := req.Env["STANDIN_ADMIN_TOKEN"]

	ctr, err := testcontainers.GenericContainer(ctx, req)
	var c *Container
	if ctr != nil {
		c = &Container{Container: ctr}
	}
	if err != nil {
		return c, fmt.Errorf("start standin (%s): %w%s", img, err, imageHint(ctx, img))
	}
	base := health.url()
	if base == "" {
		// The user replaced the wait strategy: find the address now.
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if base, err = health.resolve(rctx, ctr); err != nil {
			return c, fmt.Errorf("standin (%s) does not answer on %s: %w", img, port, err)
		}
	}
	c.Client = NewClient(base, token)
	c.Client.viaBridge = !st.hostNetwork
	return c, nil
}

// StartContainer is Run for a test: it skips the test when no Docker
// engine answers (or fails it, when STANDIN_REQUIRE_DOCKER is set), logs
// testcontainers-go's messages to the test, removes the container when
// the test ends and fails the test if standin does not start.
func StartContainer(t testing.TB, img string, opts ...testcontainers.ContainerCustomizer) *Container {
	t.Helper()
	RequireDocker(t)
	ctx, cancel := testContext(t, startupTimeout+30*time.Second)
	defer cancel()
	all := append([]testcontainers.ContainerCustomizer{testcontainers.WithLogger(tclog.TestLogger(t))}, opts...)
	c, err := Run(ctx, img, all...)
	var ctr testcontainers.Container
	if c != nil {
		ctr = c.Container
	}
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return c
}

var docker struct {
	once sync.Once
	err  error
}

// DockerAvailable reports whether a Docker engine answers, with the
// reason when none does. It asks once per process.
func DockerAvailable() error {
	docker.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cli, err := testcontainers.NewDockerClientWithOpts(ctx)
		if err != nil {
			docker.err = err
			return
		}
		defer cli.Close()
		_, docker.err = cli.Info(ctx, client.InfoOptions{})
	})
	return docker.err
}

// RequireDocker skips the test when no Docker engine answers, saying why;
// when STANDIN_REQUIRE_DOCKER is set it fails the test instead.
func RequireDocker(t testing.TB) {
	t.Helper()
	err := DockerAvailable()
	if err == nil {
		return
	}
	if dockerRequired() {
		t.Fatalf("testkit: %s is set but no Docker engine answers: %v", RequireDockerEnv, err)
	}
	t.Skipf("testkit: no Docker engine answers (%v); set %s=1 to make this a failure", err, RequireDockerEnv)
}

func dockerRequired() bool {
	v := strings.TrimSpace(os.Getenv(RequireDockerEnv))
	return v != "" && v != "0" && !strings.EqualFold(v, "false")
}

// imageHint explains a failed start when the image is not on the engine,
// which with no registry means it was never built.
func imageHint(ctx context.Context, img string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return ""
	}
	defer cli.Close()
	if _, err := cli.ImageInspect(ctx, img); err == nil {
		return ""
	}
	return fmt.Sprintf(" (the image %s is not on this Docker engine: build it with docker/build-image.sh %s)", img, img)
}

// freePort returns a TCP port free on 127.0.0.1 for a container on the
// host's network.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// healthWait waits for standin's health endpoint and remembers the address
// it answered on. testcontainers-go's idea of the container's host is not
// always reachable (from inside a container whose Docker engine shares its
// network, it picks the default gateway), so it tries that host and
// 127.0.0.1 and keeps the one that answers.
type healthWait struct {
	port      string
	timeout   time.Duration
	hostFirst bool // prefer testcontainers' host over 127.0.0.1

	mu    sync.Mutex
	found string
}

// Timeout implements wait.StrategyTimeout.
func (h *healthWait) Timeout() *time.Duration { return &h.timeout }

// String describes the strategy in testcontainers-go's messages.
func (h *healthWait) String() string {
	return fmt.Sprintf("standin's /__admin/health on %s", h.port)
}

func (h *healthWait) url() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.found
}

// WaitUntilReady implements wait.Strategy.
func (h *healthWait) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	_, err := h.resolve(ctx, target)
	return err
}

// resolve polls the health endpoint on each candidate host until one
// answers 200 {"status":"ok"}, the container stops, or ctx ends.
func (h *healthWait) resolve(ctx context.Context, target wait.StrategyTarget) (string, error) {
	hc := &http.Client{Timeout: 500 * time.Millisecond}
	pause := 10 * time.Millisecond
	var last error
	for {
		if st, err := target.State(ctx); err == nil && st != nil && !st.Running && st.Status != "created" {
			return "", fmt.Errorf("the container is %s (exit code %d) before standin answered", st.Status, st.ExitCode)
		}
		if u, err := h.probe(ctx, hc, target); err == nil {
			h.mu.Lock()
			h.found = u
			h.mu.Unlock()
			return u, nil
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(pause):
		}
		pause = min(2*pause, 200*time.Millisecond)
	}
}

// probe tries the candidate base URLs at once and returns the first that
// answers healthy.
func (h *healthWait) probe(ctx context.Context, hc *http.Client, target wait.StrategyTarget) (string, error) {
	p, err := target.MappedPort(ctx, h.port)
	if err != nil {
		return "", err
	}
	port := strconv.Itoa(int(p.Num()))
	hosts := []string{"127.0.0.1"}
	if host, err := target.Host(ctx); err == nil && host != "" && host != "127.0.0.1" && host != "localhost" {
		if h.hostFirst {
			hosts = []string{host, "127.0.0.1"}
		} else {
			hosts = append(hosts, host)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // the other probes
	type result struct {
		base string
		err  error
	}
	results := make(chan result, len(hosts))
	for _, host := range hosts {
		go func() {
			base := "http://" + net.JoinHostPort(host, port)
			results <- result{base, healthy(ctx, hc, base)}
		}()
	}
	var errs []error
	for range hosts {
		r := <-results
		if r.err == nil {
			return r.base, nil
		}
		errs = append(errs, r.err)
	}
	return "", errors.Join(errs...)
}

func healthy(ctx context.Context, hc *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/__admin/health", nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var h Health
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&h) != nil || h.Status != "ok" {
		return fmt.Errorf("%s/__admin/health answered %s", base, resp.Status)
	}
	return nil
}

// hint explains a delivery failure with a known cause: a receiver on the
// host's loopback refusing a standin in a container, where 127.0.0.1 is
// the container itself. It is "" when no delivery failed that way.
func (ds Deliveries) hint() string {
	for _, d := range ds {
		if d.viaBridge && refusedOnLoopback(d) {
			return loopbackHint
		}
	}
	return ""
}

const loopbackHint = `hint: standin runs in a container, and there 127.0.0.1 (and localhost) is the container itself, not the host: nothing listens there, hence "connection refused". To reach a receiver on the host, start the container with testkit.WithHostNetwork() (Linux); or run the receiver in a container on a shared Docker network (testcontainers-go's network.New and network.WithNetwork) and use its alias in the URL; or have the receiver listen on all interfaces and use http://host.docker.internal:PORT (on Linux, add the host with testcontainers.WithHostConfigModifier: ExtraHosts "host.docker.internal:host-gateway").`

// refusedOnLoopback reports whether d failed with "connection refused" on
// a loopback URL.
func refusedOnLoopback(d Delivery) bool {
	refused := strings.Contains(d.Error, "connection refused")
	for _, a := range d.Attempts {
		refused = refused || strings.Contains(a.Error, "connection refused")
	}
	if !refused {
		return false
	}
	u, err := url.Parse(d.URL)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
