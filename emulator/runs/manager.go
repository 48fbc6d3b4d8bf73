package runs

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/scenarios"
)

// DefaultKeep is how many runs a Manager remembers (each with every
// payload it emitted).
const DefaultKeep = 200

// ErrShutdown is returned by Start after Shutdown.
var ErrShutdown = errors.New("the server is shutting down; no new runs")

// Manager plays many runs at once through one engine (the server's runs)
// and remembers the last Keep of them, oldest finished ones forgotten
// first. Its methods are safe for concurrent use.
type Manager struct {
	engine *delivery.Engine
	keep   int

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	byID   map[string]*Run
	order  []*Run // oldest first
	closed bool
}

// NewManager returns a manager of runs delivered through engine, keeping
// the last keep runs (DefaultKeep when keep ≤ 0).
func NewManager(engine *delivery.Engine, keep int) *Manager {
	if keep <= 0 {
		keep = DefaultKeep
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Manager{engine: engine, keep: keep, ctx: ctx, cancel: cancel, byID: map[string]*Run{}}
}

// Start checks a run of sc (see Check), prepares it (see New) and plays it
// in the background.
func (m *Manager) Start(sc *scenarios.Scenario, opts Options) (*Run, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, ErrShutdown
	}
	// Preparing a run (planning its loops, building its payloads dry) may
	// take a while; other requests go on meanwhile. A story the dry run
	// refuses is not started: nothing of it is delivered.
	if _, err := Check(sc, opts); err != nil {
		return nil, err
	}
	r, err := New(sc, m.engine, opts)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		r.unsubscribe()
		return nil, ErrShutdown
	}
	m.byID[r.ID()] = r
	m.order = append(m.order, r)
	m.forget()
	m.wg.Add(1)
	ctx := m.ctx
	go func() {
		defer m.wg.Done()
		r.Play(ctx)
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
