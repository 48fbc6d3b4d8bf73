package runs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/feed"
	"github.com/standin-dev/standin/scenarios"
)

// Manager defaults.
const (
	// DefaultKeep is how many runs a Manager remembers (each with every
	// payload it emitted).
	DefaultKeep = 200
	// DefaultRunning is how many runs a Manager plays at once.
	DefaultRunning = 64
)

// ErrShutdown is returned by Start after Shutdown.
var ErrShutdown = errors.New("the server is shutting down; no new runs")

// ErrTooManyRuns is returned by Start when Limits.Running runs are in
// progress.
var ErrTooManyRuns = errors.New("too many runs in progress")

// Limits bound what a Manager holds.
type Limits struct {
	// Keep is how many runs are remembered, oldest finished ones forgotten
	// first (default DefaultKeep).
	Keep int
	// Running is how many runs may be in progress at once; Start refuses
	// more with ErrTooManyRuns (default DefaultRunning).
	Running int
}

// ManagerStats counts what a Manager's limits did since it started.
type ManagerStats struct {
	// Running is how many runs are in progress now.
	Running int
	// Refused is how many runs Start refused with ErrTooManyRuns.
	Refused int
	// Forgotten is how many finished runs were forgotten beyond Keep.
	Forgotten int
}

// Manager plays many runs at once through one engine (the server's runs)
// and remembers the last Keep of them, oldest finished ones forgotten
// first. Its methods are safe for concurrent use.
type Manager struct {
	engine  *delivery.Engine
	keep    int
	running int // limit

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	byID   map[string]*Run
	order  []*Run // oldest first
	closed bool
	// live counts runs in progress (started, not done), and reserved the
	// Starts preparing one.
	live, reserved     int
	refused, forgotten int

	feed feed.Feed[Summary]
}

// NewManager returns a manager of runs delivered through engine, within
// limits (a zero field takes its default).
func NewManager(engine *delivery.Engine, limits Limits) *Manager {
	if limits.Keep <= 0 {
		limits.Keep = DefaultKeep
	}
	if limits.Running <= 0 {
		limits.Running = DefaultRunning
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{engine: engine, keep: limits.Keep, running: limits.Running, ctx: ctx, cancel: cancel, byID: map[string]*Run{}}
}

// Limits returns the manager's limits, defaults filled in.
func (m *Manager) Limits() Limits { return Limits{Keep: m.keep, Running: m.running} }

// Stats returns the manager's counters.
func (m *Manager) Stats() ManagerStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return ManagerStats{Running: m.live, Refused: m.refused, Forgotten: m.forgotten}
}

// Start checks a run of sc (see Check), prepares it (see New) and plays it
// in the background.
// Start checks a run of sc (see Check), prepares it (see New) and plays it
// in the background. With Limits.Running runs in progress it returns an
// error wrapping ErrTooManyRuns.
func (m *Manager) Start(sc *scenarios.Scenario, opts Options) (*Run, error) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrShutdown
	}
	if n := m.live + m.reserved; n >= m.running {
		m.refused++
		m.mu.Unlock()
		return nil, fmt.Errorf("%w: %d of at most %d; wait for one to finish (GET /__admin/runs?status=running)", ErrTooManyRuns, n, m.running)
	}
	m.reserved++
	m.mu.Unlock()
	// Preparing a run (planning its loops, building its payloads dry) may
	// take a while; other requests go on meanwhile. A story the dry run
	// refuses is not started: nothing of it is delivered.
	_, err := Check(sc, opts)
	var r *Run
	if err == nil {
		r, err = New(sc, m.engine, opts)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reserved--
	if err != nil {
		return nil, err
	}
	if m.closed {
		r.unsubscribe()
		return nil, ErrShutdown
	}
	r.feed = &m.feed
	m.byID[r.ID()] = r
	m.order = append(m.order, r)
	m.forget()
	m.live++
	m.wg.Add(1)
	ctx := m.ctx
	go func() {
		defer m.wg.Done()
		r.Play(ctx)
		m.mu.Lock()
		m.live--
		m.mu.Unlock()
	}()
	return r, nil
}

// forget drops the oldest finished runs beyond keep. Call with m.mu held.
func (m *Manager) forget() {
	for i := 0; len(m.order) > m.keep && i < len(m.order); {
		r := m.order[i]
		select {
		case <-r.Done():
			delete(m.byID, r.ID())
			m.order = append(m.order[:i], m.order[i+1:]...)
			m.forgotten++
		default:
			i++
		}
	}
}

// Get returns the run with id.
func (m *Manager) Get(id string) (*Run, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.byID[id]
	return r, ok
}

// List returns every remembered run, oldest first.
func (m *Manager) List() []*Run {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*Run(nil), m.order...)
}

// resetWait bounds how long Reset waits for cancelled runs to stop.
const resetWait = 10 * time.Second

// Reset stops the runs in progress, waits for them to stop sending (so
// nothing of theirs follows a reset of the deliveries) and forgets every
// run.
func (m *Manager) Reset() {
	m.mu.Lock()
	old, runs := m.cancel, m.order
	m.ctx, m.cancel = context.WithCancel(context.Background())
	m.byID = map[string]*Run{}
	m.order = nil
	m.mu.Unlock()
	old()
	deadline := time.NewTimer(resetWait)
	defer deadline.Stop()
	for _, r := range runs {
		select {
		case <-r.Done():
		case <-deadline.C:
			return
		}
	}
}

// Shutdown refuses new runs, stops those in progress and waits for them
// to record how they ended, or for ctx.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	m.cancel()
	m.mu.Unlock()
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Listen subscribes to the runs' changes: a run's summary when it starts,
// while it waits out a gap, after each event it emits and when it ends,
// of the run with id run (of every run when run is empty). The listener
// holds up to buffer summaries; those that do not fit are dropped and
// counted (TakeDropped), as runs never wait for a listener. Close it when
// done.
func (m *Manager) Listen(run string, buffer int) *feed.Listener[Summary] {
	return m.feed.Listen(buffer, func(s Summary) bool { return run == "" || s.ID == run })
}

// Listening returns how many listeners the runs' change feed has.
func (m *Manager) Listening() int { return m.feed.Listening() }
