package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/server"
	"github.com/testcontainers/testcontainers-go"
)

// Standin is a running standin, however it was started: *Server (Start)
// and *Container (Run, StartContainer) are both one, and so is a *Client
// made with NewClient. A test helper that takes a Standin works with
// either start. Client documents the methods.
type Standin interface {
	URL() string
	Health(ctx context.Context) (Health, error)
	Subscribe(ctx context.Context, s Subscription) (Subscription, error)
	Unsubscribe(ctx context.Context, id string) error
	Subscriptions(ctx context.Context) ([]Subscription, error)
	Emit(ctx context.Context, vendor, event string, override any) (Emitted, error)
	EmitEvent(ctx context.Context, e Event) (Emitted, error)
	RunScenario(ctx context.Context, name string, o RunOptions) (ScenarioRun, error)
	RunScript(ctx context.Context, yaml string, o RunOptions) (ScenarioRun, error)
	RunFile(ctx context.Context, path string, o RunOptions) (ScenarioRun, error)
	GetRun(ctx context.Context, id string) (ScenarioRun, error)
	WaitRun(ctx context.Context, id string) (ScenarioRun, error)
	Play(ctx context.Context, sc Scenario, o RunOptions) (ScenarioRun, Deliveries, error)
	MustPlay(t testing.TB, sc Scenario, o RunOptions) (ScenarioRun, Deliveries)
	Deliveries(ctx context.Context, f Filter) (Deliveries, error)
	Delivery(ctx context.Context, id string) (Delivery, error)
	Wait(ctx context.Context, f Filter, n int) (Deliveries, error)
	MustWait(t testing.TB, f Filter, n int) Deliveries
	Redeliver(ctx context.Context, id string) (Delivery, error)
	Reset(ctx context.Context) error
	Sink(ctx context.Context, name string) ([]SinkRequest, error)
}

var (
	_ Standin = (*Client)(nil)
	_ Standin = (*Server)(nil)
	_ Standin = (*Container)(nil)
)

// settings collects what Options set.
type settings struct {
	seed        *uint64
	adminToken  string
	logger      *slog.Logger
	hostNetwork bool
}

// Option configures a standin started by Start, NewServer, Run or
// StartContainer. It is also a testcontainers.ContainerCustomizer, so Run
// takes it next to testcontainers-go's own options. Options only a
// container has are ContainerOptions, which Start does not take.
type Option func(*settings)

// Customize does nothing: Run reads Options itself. It makes Option a
// testcontainers.ContainerCustomizer.
func (Option) Customize(*testcontainers.GenericContainerRequest) error { return nil }

// WithSeed sets the seed of the first emitted event (standin serve
// --seed; default 1). Each emit without a seed of its own takes the next.
func WithSeed(seed uint64) Option { return func(s *settings) { s.seed = &seed } }

// WithAdminToken makes the admin API require "Authorization: Bearer
// token" (standin serve --admin-token); the embedded client sends it.
func WithAdminToken(token string) Option { return func(s *settings) { s.adminToken = token } }

// WithLogger sends an in-process server's logs (a line per request and per
// failed delivery) to l; they are discarded by default. Containers ignore
// it: their logs are the container's (testcontainers.WithLogConsumers).
func WithLogger(l *slog.Logger) Option { return func(s *settings) { s.logger = l } }

func collect[T any](opts []T) settings {
	var s settings
	for _, o := range opts {
		switch o := any(o).(type) {
		case Option:
			if o != nil {
				o(&s)
			}
		case ContainerOption:
			if o != nil {
				o(&s)
			}
		}
	}
	return s
}

// Server is standin running in the test process: the real server on a
// loopback port. It embeds the Client that drives it.
type Server struct {
	*Client

	srv       *server.Server
	hs        *http.Server
	closeOnce sync.Once
	served    chan error
	closeErr  error
}

// Start runs standin in the test process on a loopback port and shuts it
// down when the test ends, failing the test if it cannot start.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(opts...)
	if err != nil {
		t.Fatalf("testkit: start standin: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("testkit: stop standin: %v", err)
		}
	})
	return s
}

// NewServer runs standin in this process on a loopback port, outside a
// test (in TestMain, say). Close it when done.
func NewServer(opts ...Option) (*Server, error) {
	st := collect(opts)
	// SelfCheck: a test suite wants a standin bug to fail loudly, as a
	// payload that does not validate.
	cfg := server.Config{Seed: 1, AdminToken: st.adminToken, Logger: st.logger, SelfCheck: true}
	if st.seed != nil {
		cfg.Seed = *st.seed
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on a loopback port: %w", err)
	}
	base := "http://" + l.Addr().String()
	s := &Server{srv: server.New(cfg), served: make(chan error, 1), Client: NewClient(base, st.adminToken)}
	// The server's own handler behind an http.Server of ours (server.Serve
	// could still be starting when Close comes).
	s.srv.SetBaseURL(base)
	s.hs = &http.Server{Handler: s.srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		err := s.hs.Serve(l)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.served <- err
	}()
	return s, nil
}

// Close stops the server, as SIGTERM stops standin serve: runs in progress
// are cancelled and deliveries in flight may finish, for up to five
// seconds. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		// Runs and deliveries first, while the server still answers: its
		// own sink and emulated APIs may be what they are talking to.
		serr := s.srv.Shutdown(ctx)
		herr := s.hs.Shutdown(ctx)
		s.closeErr = errors.Join(serr, herr, <-s.served)
	})
	return s.closeErr
}
