// Package runs plays scenarios, whatever their vendor: it plans a
// scenario's steps (loops and conditions unrolled), keeps the run's virtual
// clock, asks the vendor's world (catalog.World) to turn every step into
// the vendor's payload at the run's virtual time, validates what the
// script shaped, and hands each event to the delivery engine, one after
// another. A vendor's own step kinds are played by its world (catalog.Actor)
// through the run, which it sees as a catalog.Host.
//
// A run is deterministic: the same scenario, seed and vars give the same
// payload bytes, whatever the time scale or the receivers do.
package runs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/feed"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/redact"
	"github.com/standin-dev/standin/scenarios"
	"github.com/standin-dev/standin/schemas"
)

// DefaultSeed is the seed of a run when neither the run nor the scenario
// gives one.
const DefaultSeed = 1

// apiSeedSalt derives the seed of a run's API stream from the run's seed.
const apiSeedSalt = 0x5eed_a91_c0de

// The virtual gap before a step that gives no after:, drawn from the seed.
const (
	minGap = time.Second
	maxGap = 5 * time.Second
)

// Options configure a run.
type Options struct {
	// ID names the run; deliveries carry it. New draws one when empty.
	ID string
	// Seed overrides the scenario's seed (else DefaultSeed) when set.
	Seed *uint64
	// TimeScale maps virtual waits to real ones: 0 plays them at once, 1
	// in real time, 0.1 ten times faster.
	TimeScale float64
	// Vars override the scenario's vars (see Scenario.ResolveVars).
	Vars map[string]string
	// Targets are receiver URLs subscribed for this run only, with the
	// vendor's delivery profile; Subscription adds to each.
	Targets      []string
	Subscription delivery.Subscription
	// Client makes the world's own calls, such as Cutover's integration
	// actions (default: a client that does not follow redirects).
	Client *http.Client
	// UserAgent is the User-Agent of those calls (default "standin").
	UserAgent string
	// SelfCheck validates every payload against its schema, also those
	// standin builds itself (which the test suite proves correct); without
	// it only payloads the user's input shaped are validated.
	SelfCheck bool
}

// Status is where a run stands.
type Status string

// Run statuses.
const (
	Running   Status = "running"
	Succeeded Status = "succeeded" // every event emitted and delivered
	Failed    Status = "failed"    // a step failed or a delivery failed
)

// Emitted is one event a run emitted.
type Emitted struct {
	// Step counts the emitted events from 1, in play order.
	Step int `json:"step"`
	// Pos is the step's place in the script.
	Pos     scenarios.Pos `json:"pos"`
	Event   string        `json:"event"`
	Entity  string        `json:"entity,omitempty"`
	EventID string        `json:"event_id"`
	// At is the event's time on the run's virtual clock.
	At         time.Time       `json:"at"`
	Payload    json.RawMessage `json:"payload"`
	Deliveries []string        `json:"deliveries"`
	// Fault is the delivery fault the step injected, if any.
	Fault string `json:"fault,omitempty"`
	// Note says what else happened: a real integration call and its
	// answer, an event made through the emulated API.
	Note string `json:"note,omitempty"`
}

// Counts sums up a run's deliveries.
type Counts struct {
	Total     int `json:"total"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	Pending   int `json:"pending"`
}

// shownURLs are urls as a report shows them, masked by redact.URL.
func shownURLs(urls []string) []string {
	if urls == nil {
		return nil
	}
	out := make([]string, len(urls))
	for i, u := range urls {
		out[i] = redact.URL(u)
	}
	return out
}

// Report is a run as it stands. Vars named like credentials or marked
// secret, and the targets' user information, are masked (package redact).
type Report struct {
	ID          string         `json:"id"`
	Scenario    string         `json:"scenario"`
	Vendor      string         `json:"vendor"`
	Seed        uint64         `json:"seed"`
	TimeScale   float64        `json:"time_scale"`
	Vars        map[string]any `json:"vars"`
	Targets     []string       `json:"targets,omitempty"`
	Status      Status         `json:"status"`
	Error       string         `json:"error,omitempty"`
	StartedAt   time.Time      `json:"started_at"`
	FinishedAt  *time.Time     `json:"finished_at,omitempty"`
	Deliveries  Counts         `json:"deliveries"`
	Events      []Emitted      `json:"events"`
	Subscribers []string       `json:"subscriptions,omitempty"`
	// Waiting is what the run waits for while it sleeps out a gap at a
	// time scale above 0.
	Waiting *Waiting `json:"waiting,omitempty"`
}

// Waiting is the step a run is waiting to play.
type Waiting struct {
	// Step is the step's label (its event, or its kind and task).
	Step string        `json:"step"`
	Pos  scenarios.Pos `json:"pos"`
	// At is the step's time on the run's virtual clock; Until is the
	// wall-clock time the wait ends.
	At    time.Time `json:"at"`
	Until time.Time `json:"until"`
}

// Summary is a run without its events: how many it emitted. GET
// /__admin/runs lists them, and the Manager's change feed reports them.
type Summary struct {
	Report
	Events int `json:"events"`
}

// StepError is a step that could not be played, at the step's place: the
// script's fault (a payload override its schema refuses, an entity of the
// wrong kind, a var of the wrong type), or, when Receiver is set, the
// receiver's (an awaited task it did not finish in time).
type StepError struct {
	File     string
	Pos      scenarios.Pos
	Step     int
	Event    string
	Err      error
	Receiver bool
}

// receiverFault reports whether err is the receiver's doing.
func receiverFault(err error) bool {
	var re *catalog.ReceiverError
	return errors.As(err, &re)
}

// Error writes file:line:col: step N (event): reason.
func (e *StepError) Error() string {
	return fmt.Sprintf("%s:%d:%d: step %d (%s): %v", e.File, e.Pos.Line, e.Pos.Col, e.Step, e.Event, e.Err)
}

// Unwrap returns the reason.
func (e *StepError) Unwrap() error { return e.Err }

// Run is one play of a scenario. Make it with New, then Play it (or Start
// it in the background); Report is safe to call at any time.
type Run struct {
	sc     *scenarios.Scenario
	vendor catalog.Vendor
	engine *delivery.Engine
	opts   Options
	seed   uint64
	vars   map[string]any
	src    *fake.Source
	// apiSrc draws what events made outside the steps (a vendor API's
	// calls) add (event ids, gaps), apart from src, so the story's own
	// draws do not depend on when a receiver calls back.
	apiSrc *fake.Source
	world  catalog.World
	vocab  catalog.Vocabulary
	// check validates every payload: the user's input shaped them (a
	// script that is not built in, or vars given), or SelfCheck asks.
	check bool
	// current is the step being played (the play goroutine's only).
	current *scenarios.Step
	subs    []string
	plan    []planned
	// iterations counts loop repetitions while planning.
	iterations int

	// wmu guards src and world: the play loop and a vendor's API (other
	// goroutines) both change them.
	wmu    sync.Mutex
	client *http.Client // the world's own calls
	// outside is read-held by an event made outside the steps (a vendor
	// API's) from its recording until its deliveries are known; the end of
	// the play takes it to see them all.
	outside sync.RWMutex

	mu      sync.Mutex
	report  Report
	stepErr error
	total   int // deliveries emitted
	// deliveries are the ids of every delivery of the run's events;
	// unsettled those that may still be attempted.
	deliveries []string
	unsettled  []string
	done       chan struct{}
	once       sync.Once

	// feed, when set (by a Manager), receives the run's summary when it
	// starts, waits and ends, and as events are emitted at most every
	// progressEvery; pmu keeps them in order and guards the fields below.
	feed     *feed.Feed[Summary]
	pmu      sync.Mutex
	lastPub  time.Time
	pubTimer *time.Timer // a progress summary due
	ended    bool        // the last summary is out
}

// progressEvery is how often a run's summary goes out at most as its
// events are emitted: each one counts the run's deliveries.
const progressEvery = 100 * time.Millisecond

// New prepares a run of sc through engine: resolves its vars, subscribes
// its targets and declares its entities. Errors here are the input's: an
// unknown var, a var of the wrong type, a bad target URL.
func New(sc *scenarios.Scenario, engine *delivery.Engine, opts Options) (*Run, error) {
	vars, err := sc.ResolveVars(opts.Vars)
	if err != nil {
		return nil, err
	}
	seed := uint64(DefaultSeed)
	if sc.Seed != nil {
		seed = *sc.Seed
	}
	if opts.Seed != nil {
		seed = *opts.Seed
	}
	if math.IsNaN(opts.TimeScale) || opts.TimeScale < 0 || opts.TimeScale > 1000 {
		return nil, fmt.Errorf("time scale %v: want 0 (instant) to 1000; 1 is real time", opts.TimeScale)
	}
	if opts.ID == "" {
		opts.ID = "run_" + strings.TrimPrefix(delivery.NewEventID(), "evt_")
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "standin"
	}
	if sc.Def == nil {
		return nil, fmt.Errorf("scenario %s has no vendor", sc.Name)
	}
	r := &Run{
		sc: sc, vendor: sc.Def, engine: engine, opts: opts, seed: seed, vars: vars,
		src: fake.New(seed, sc.Start), apiSrc: fake.New(seed^apiSeedSalt, time.Unix(1, 0)),
		vocab:  sc.Def.Vocabulary(),
		check:  opts.SelfCheck || !sc.Builtin || len(opts.Vars) > 0,
		done:   make(chan struct{}),
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	r.report = Report{
		ID: opts.ID, Scenario: sc.Name, Vendor: sc.Vendor, Seed: seed, TimeScale: opts.TimeScale,
		Vars: redact.Vars(vars, sc.SecretVars()), Targets: shownURLs(opts.Targets), Status: Running, Events: []Emitted{},
	}
	if opts.Client != nil {
		r.client = opts.Client
	}
	r.world = sc.Def.NewWorld(r.src)
	for _, e := range sc.Entities {
		attrs, err := r.entityAttrs(e)
		if err != nil {
			return nil, err
		}
		if err := r.world.Declare(e.Name, e.Kind, attrs); err != nil {
			return nil, fmt.Errorf("%s:%d:%d: entity %s: %w", sc.File, e.Pos.Line, e.Pos.Col, e.Name, err)
		}
	}
	if err := r.planSteps(sc.Steps, nil, &r.plan); err != nil {
		return nil, err
	}
	for _, t := range opts.Targets {
		s := opts.Subscription
		s.Vendor, s.URL, s.Run = sc.Vendor, t, opts.ID
		sub, err := engine.Subscribe(s)
		if err != nil {
			r.unsubscribe()
			return nil, fmt.Errorf("target %s: %w", t, err)
		}
		r.subs = append(r.subs, sub.ID)
	}
	r.report.Subscribers = append([]string(nil), r.subs...)
	return r, nil
}

// maxProblems is how many step problems a dry run reports.
const maxProblems = 20

// Checked is what a dry run of a scenario covered.
type Checked struct {
	// Events is how many event payloads were built (and, where the run
	// validates, validated).
	Events int
	// Seed is the seed the run used.
	Seed uint64
	// Unplayed is the first step of the vendor's own kinds (Cutover's fire,
	// await), when there is one: its outcome is the receiver's, so the
	// dry run stops there and the steps from it on are checked only as the
	// script writes them, not built.
	Unplayed *scenarios.Step
}

// Check plays sc dry with opts (their targets aside): vars resolved,
// entities declared, loops and conditions unrolled, and every event step's
// payload built on the virtual clock and validated where the run would
// validate, nothing sent and nothing waited for. Its errors are the
// problems a run would meet, each at its place (*StepError, joined when
// there are several), so a run can refuse a story before its first event.
func Check(sc *scenarios.Scenario, opts Options) (Checked, error) {
	opts.Targets = nil // subscribed, and so checked, by New with an engine
	r, err := New(sc, nil, opts)
	if err != nil {
		return Checked{}, err
	}
	c := Checked{Seed: r.seed}
	var problems []error
	for _, p := range r.plan {
		st := p.st
		r.current = st
		r.advance(p)
		if st.Action != "" {
			if _, err := r.action(p); err != nil {
				problems = append(problems, r.stepError(st, err))
			}
			c.Unplayed = st
			break
		}
		b, entity, err := r.buildStep(p, r.src.Now())
		if err == nil {
			err = r.record(st, delivery.Event{Name: st.Event, Body: b}, entity, r.src.Now(), "", "")
		}
		if err != nil {
			if problems = append(problems, r.stepError(st, err)); len(problems) == maxProblems || errors.Is(err, catalog.ErrLimit) {
				break
			}
			continue
		}
		c.Events++
	}
	return c, errors.Join(problems...)
}

// ID returns the run's id.
func (r *Run) ID() string { return r.opts.ID }

// Done is closed when the run has finished.
func (r *Run) Done() <-chan struct{} { return r.done }

// Report returns the run as it stands; while it plays, its delivery
// counts are read from the engine.
func (r *Run) Report() Report {
	r.mu.Lock()
	rep := r.report
	rep.Events = append([]Emitted(nil), r.report.Events...)
	r.mu.Unlock()
	if rep.Status == Running && r.engine != nil {
		rep.Deliveries, _ = r.counts()
	}
	rep.Error = redact.Text(rep.Error)
	for i := range rep.Events {
		rep.Events[i].Note = redact.Text(rep.Events[i].Note)
	}
	return rep
}

// Summary returns the run as it stands without its events (cheaper than
// Report).
func (r *Run) Summary() Summary {
	r.mu.Lock()
	rep := r.report
	n := len(rep.Events)
	rep.Events = nil
	r.mu.Unlock()
	if rep.Status == Running && r.engine != nil {
		rep.Deliveries, _ = r.counts()
	}
	rep.Error = redact.Text(rep.Error)
	return Summary{Report: rep, Events: n}
}

// EventsFrom returns the events the run has emitted from the ith (counted
// from 0) on, to follow a run as it plays.
func (r *Run) EventsFrom(i int) []Emitted {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i < 0 || i >= len(r.report.Events) {
		return nil
	}
	return append([]Emitted(nil), r.report.Events[i:]...)
}

// publish reports the run's summary to its feed's listeners now.
func (r *Run) publish() {
	if r.feed == nil || r.feed.Listening() == 0 {
		return
	}
	r.pmu.Lock()
	defer r.pmu.Unlock()
	r.publishLocked()
}

// publishLocked publishes the summary unless the last one is out. Call
// with r.pmu held.
func (r *Run) publishLocked() {
	if r.ended {
		return
	}
	r.lastPub = time.Now()
	r.feed.Publish(r.Summary())
}

// progress reports the run's summary after an event: now, or once
// progressEvery has passed since the last one.
func (r *Run) progress() {
	if r.feed == nil || r.feed.Listening() == 0 {
		return
	}
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.pubTimer != nil || r.ended {
		return // one is due
	}
	wait := progressEvery - time.Since(r.lastPub)
	if wait <= 0 {
		r.publishLocked()
		return
	}
	r.pubTimer = time.AfterFunc(wait, func() {
		r.pmu.Lock()
		defer r.pmu.Unlock()
		r.pubTimer = nil
		r.publishLocked()
	})
}

// publishEnd reports the run's final summary, its last.
func (r *Run) publishEnd() {
	if r.feed == nil {
		return
	}
	r.pmu.Lock()
	defer r.pmu.Unlock()
	if r.pubTimer != nil {
		r.pubTimer.Stop()
		r.pubTimer = nil
	}
	if r.feed.Listening() > 0 {
		r.publishLocked()
	}
	r.ended = true
}

// counts sums up the run's deliveries as the engine has them, with the
// first failure's description.
func (r *Run) counts() (Counts, string) {
	var c Counts
	var firstFail string
	for _, d := range r.engine.Deliveries(delivery.Filter{Run: r.opts.ID}) {
		c.Total++
		switch d.Status {
		case delivery.Delivered:
			c.Delivered++
		case delivery.Failed:
			c.Failed++
			if firstFail == "" {
				firstFail = fmt.Sprintf("%s to %s: %s", d.Event, d.URL, d.Error)
			}
		default:
			c.Pending++
		}
	}
	return c, firstFail
}

// Start plays the run in the background.
func (r *Run) Start(ctx context.Context) { go r.Play(ctx) }

// Play plays every step, waits for every delivery to be final and returns
// the final report. The report's Error holds a *StepError's text when a
// step failed; Err tells it apart.
func (r *Run) Play(ctx context.Context) Report {
	r.once.Do(func() {
		r.mu.Lock()
		r.report.StartedAt = time.Now().UTC()
		r.mu.Unlock()
		r.publish()
		err := r.safePlay(ctx)
		r.finish(ctx, err)
		r.unsubscribe()
		r.publishEnd()
		close(r.done)
	})
	<-r.done
	return r.Report()
}

// safePlay plays the run, turning a panic (a standin bug) into the run's
// failure rather than the process's.
func (r *Run) safePlay(ctx context.Context) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("standin failed while playing this run (a bug; please report it with the scenario): %v\n%s", p, debug.Stack())
		}
	}()
	return r.play(ctx)
}

// Err returns the step error that stopped the run, or nil.
func (r *Run) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stepErr
}

func (r *Run) unsubscribe() {
	for _, id := range r.subs {
		r.engine.Unsubscribe(id)
	}
}

// planned is one event step with the values of the loops around it.
type planned struct {
	st   *scenarios.Step
	loop []loopVar // innermost last
	// pre is the after: of the blocks this step opens, waited before the
	// step's own.
	pre time.Duration
}

type loopVar struct {
	name  string
	value any
	index int
}

// planSteps unrolls blocks, loops and conditions into the events to emit.
func (r *Run) planSteps(steps []scenarios.Step, loop []loopVar, out *[]planned) error {
	for i := range steps {
		st := &steps[i]
		if st.When != nil {
			v, ok := lookupLoop(loop, st.When.Var)
			if !ok {
				v = r.vars[st.When.Var]
			}
			text := ""
			if v != nil {
				text = fmt.Sprint(v)
			}
			if !st.When.Holds(text) {
				continue
			}
		}
		if st.Each == nil {
			if err := r.planOne(st, loop, out); err != nil {
				return err
			}
			continue
		}
		items, err := r.eachItems(st, loop)
		if err != nil {
			return err
		}
		r.iterations += len(items)
		if r.iterations > scenarios.MaxIterations {
			return r.errAt(st.Pos, "the scenario's each: loops repeat more than %d times in all", scenarios.MaxIterations)
		}
		for idx, item := range items {
			inner := append(append([]loopVar(nil), loop...), loopVar{name: st.Var, value: item, index: idx})
			if err := r.planOne(st, inner, out); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Run) planOne(st *scenarios.Step, loop []loopVar, out *[]planned) error {
	if st.Event != "" || st.Action != "" {
		if len(*out) >= scenarios.MaxSteps {
			return r.errAt(st.Pos, "the scenario plays more than %d steps", scenarios.MaxSteps)
		}
		*out = append(*out, planned{st: st, loop: loop})
		return nil
	}
	first := len(*out)
	if err := r.planSteps(st.Steps, loop, out); err != nil {
		return err
	}
	// A block's after: is a wait before the block (each repetition of it).
	if st.AfterSet && len(*out) > first {
		(*out)[first].pre += st.After
	}
	return nil
}

func (r *Run) errAt(pos scenarios.Pos, format string, args ...any) error {
	return fmt.Errorf("%s:%d:%d: %s", r.sc.File, pos.Line, pos.Col, fmt.Sprintf(format, args...))
}

// eachItems returns the list a step repeats over.
func (r *Run) eachItems(st *scenarios.Step, loop []loopVar) ([]any, error) {
	varsOnly := func(name, attr string) (any, error) {
		if v, ok := lookupLoop(loop, name); ok && attr == "" {
			return v, nil
		}
		if v, ok := r.vars[name]; ok && attr == "" {
			return v, nil
		}
		return nil, fmt.Errorf("each: items can refer to vars and loop variables only")
	}
	switch x := st.Each.V.(type) {
	case string:
		v, err := scenarios.Expand(x, varsOnly)
		if err != nil {
			return nil, r.errAt(st.Each.Pos, "%v", err)
		}
		list, ok := v.([]any)
		if !ok {
			return nil, r.errAt(st.Each.Pos, "each: %s is not a list (it is %v); give the var a list value such as [DEV, QA]", x, v)
		}
		return list, nil
	case []scenarios.Value:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = item.V
			if s, ok := item.V.(string); ok {
				v, err := scenarios.Expand(s, varsOnly)
				if err != nil {
					return nil, r.errAt(item.Pos, "%v", err)
				}
				out[i] = v
			}
		}
		return out, nil
	}
	return nil, r.errAt(st.Each.Pos, "each: want a list")
}

func lookupLoop(loop []loopVar, name string) (any, bool) {
	for i := len(loop) - 1; i >= 0; i-- {
		if loop[i].name == name {
			return loop[i].value, true
		}
	}
	return nil, false
}

// entityAttrs expands and type-checks an entity's declared attributes;
// they may refer to vars.
func (r *Run) entityAttrs(e scenarios.Entity) (map[string]any, error) {
	kind, _ := r.vocab.Kind(e.Kind)
	out := map[string]any{}
	for _, a := range e.Attrs {
		v := a.Value
		if s, ok := v.V.(string); ok && scenarios.HasRefs(s) {
			x, err := scenarios.Expand(s, func(name, attr string) (any, error) {
				if val, ok := r.vars[name]; ok && attr == "" {
					return val, nil
				}
				return nil, fmt.Errorf("entity attributes can refer to vars only, not ${%s}", strings.TrimSuffix(name+"."+attr, "."))
			})
			if err != nil {
				return nil, r.errAt(v.Pos, "entity %s: %s: %v", e.Name, a.Key, err)
			}
			v.V = x
			for _, f := range kind.Attrs {
				if f.Name == a.Key {
					if err := scenarios.CheckValue(&v, f.Type, r.kindOf); err != nil {
						return nil, r.errAt(v.Pos, "entity %s: %s: %v", e.Name, a.Key, err)
					}
				}
			}
		}
		out[a.Key] = v.V
	}
	return out, nil
}

func (r *Run) kindOf(name string) (string, bool) {
	for _, e := range r.sc.Entities {
		if e.Name == name {
			return e.Kind, true
		}
	}
	return "", false
}

// resolver answers ${...} during a step: loop variables (innermost
// first), index, vars, then entity attributes.
func (r *Run) resolver(loop []loopVar) scenarios.Resolver {
	return func(name, attr string) (any, error) {
		for i := len(loop) - 1; i >= 0; i-- {
			if loop[i].name != name {
				continue
			}
			if attr == "" {
				return loop[i].value, nil
			}
			entity, ok := loop[i].value.(string)
			if !ok {
				return nil, fmt.Errorf("${%s.%s}: %s is %v, not an entity name", name, attr, name, loop[i].value)
			}
			return r.world.Attr(entity, attr)
		}
		if name == "index" {
			if len(loop) == 0 {
				return nil, errors.New("${index} is used outside an each: loop")
			}
			return int64(loop[len(loop)-1].index), nil
		}
		if v, ok := r.vars[name]; ok {
			return v, nil
		}
		if _, ok := r.kindOf(name); ok {
			return r.world.Attr(name, attr)
		}
		return nil, fmt.Errorf("${%s}: no var, loop variable or entity is called %s", name, name)
	}
}

// stepErr is set when a step fails; guarded by mu.
func (r *Run) setStepErr(err error) {
	r.mu.Lock()
	r.stepErr = err
	r.mu.Unlock()
}

func (r *Run) play(ctx context.Context) error {
	for _, p := range r.plan {
		st := p.st
		r.current = st
		gap := r.advance(p)
		r.wmu.Lock()
		at := r.src.Now()
		r.wmu.Unlock()
		if err := r.sleep(ctx, gap, st, at); err != nil {
			return err
		}
		if st.Action != "" {
			if err := r.act(ctx, p); err != nil {
				return r.stepFailed(ctx, st, err)
			}
			continue
		}
		r.wmu.Lock()
		at = r.src.Now()
		b, entity, err := r.buildStep(p, at)
		mode := r.mode()
		r.wmu.Unlock()
		if err != nil {
			return r.stepFailed(ctx, st, err)
		}
		ev := delivery.Event{
			ID: delivery.NewEventID(), Run: r.opts.ID, Vendor: r.sc.Vendor, Name: st.Event, Body: b, Time: time.Now().UTC(), Mode: mode,
			Faults: delivery.Faults{Duplicate: st.Fault.Duplicate, Delay: delivery.Duration(st.Fault.Delay), Reorder: st.Fault.Reorder},
		}
		if err := r.record(st, ev, entity, at, faultText(st.Fault), ""); err != nil {
			return r.stepFailed(ctx, st, err)
		}
		if err := r.send(ctx, ev, true); err != nil {
			return err
		}
	}
	r.outside.Lock()
	r.mu.Lock()
	ids := append([]string(nil), r.deliveries...)
	held := r.unsettled
	r.mu.Unlock()
	r.outside.Unlock()
	// Events still held for a reorder have no later event to follow.
	r.engine.Release(held)
	if err := r.engine.AwaitFinal(ctx, ids); err != nil {
		return fmt.Errorf("waiting for the run's deliveries: %w", err)
	}
	return nil
}

// advance moves the virtual clock on by the wait before p (its after:, or
// a gap drawn from the seed) and returns the wait.
func (r *Run) advance(p planned) time.Duration {
	st := p.st
	gap := st.After
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if !st.AfterSet {
		gap = r.src.Duration(minGap, maxGap)
	}
	gap += p.pre
	r.src.Advance(gap)
	return gap
}

// stepFailed records err as the failure of step st, at its place (a
// cancelled run is not the step's fault).
func (r *Run) stepFailed(ctx context.Context, st *scenarios.Step, err error) error {
	if ctx.Err() != nil {
		return err
	}
	serr := r.stepError(st, err)
	r.setStepErr(serr)
	return serr
}

// stepError is err as the failure of step st, the next to emit.
func (r *Run) stepError(st *scenarios.Step, err error) *StepError {
	r.mu.Lock()
	n := len(r.report.Events) + 1
	r.mu.Unlock()
	return &StepError{File: r.sc.File, Pos: st.Pos, Step: n, Event: st.Label(), Err: err, Receiver: receiverFault(err)}
}

// errTooManyEvents stops a run past scenarios.MaxEvents.
var errTooManyEvents = fmt.Errorf("the run has emitted %d events, the most one run may: %w", scenarios.MaxEvents, catalog.ErrLimit)

// record adds an emitted event to the report; past scenarios.MaxEvents it
// refuses.
func (r *Run) record(st *scenarios.Step, ev delivery.Event, entity string, at time.Time, fault, note string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.report.Events) >= scenarios.MaxEvents {
		return errTooManyEvents
	}
	pos := scenarios.Pos{}
	if st != nil {
		pos = st.Pos
	}
	r.report.Events = append(r.report.Events, Emitted{
		Step: len(r.report.Events) + 1, Pos: pos, Event: ev.Name, Entity: entity, EventID: ev.ID, At: at,
		Payload: ev.Body, Deliveries: []string{}, Fault: fault, Note: note,
	})
	return nil
}

// send hands ev to the engine and, when wait, waits for the run's
// deliveries to settle: to be final, or held back by a fault (delay,
// reorder) while the run goes on.
func (r *Run) send(ctx context.Context, ev delivery.Event, wait bool) error {
	if err := ctx.Err(); err != nil {
		return err // a cancelled run (reset, shutdown) sends nothing more
	}
	ds, err := r.engine.Emit(ctx, ev)
	if err != nil {
		return err
	}
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	r.mu.Lock()
	r.total += len(ds)
	r.deliveries = append(r.deliveries, ids...)
	r.unsettled = append(r.unsettled, ids...)
	unsettled := append([]string(nil), r.unsettled...)
	for i := range r.report.Events {
		if r.report.Events[i].EventID == ev.ID {
			r.report.Events[i].Deliveries = ids
		}
	}
	if r.report.Status == Running {
		r.report.Deliveries.Total = r.total
	}
	r.mu.Unlock()
	if !wait {
		r.progress()
		return nil
	}
	left, err := r.engine.Settle(ctx, unsettled)
	if err != nil {
		return fmt.Errorf("waiting for the deliveries of %s: %w", ev.Name, err)
	}
	r.mu.Lock()
	r.unsettled = left
	r.mu.Unlock()
	r.progress()
	return nil
}

func faultText(f scenarios.Fault) string {
	var parts []string
	if f.Duplicate {
		parts = append(parts, "duplicate")
	}
	if f.Delay > 0 {
		parts = append(parts, "delay "+f.Delay.String())
	}
	if f.Reorder {
		parts = append(parts, "out of order")
	}
	return strings.Join(parts, ", ")
}

// sleep waits the real time a virtual gap takes at the run's time scale
// before step st, due at virtual time at; the report says so meanwhile.
func (r *Run) sleep(ctx context.Context, gap time.Duration, st *scenarios.Step, at time.Time) error {
	if r.opts.TimeScale <= 0 || gap <= 0 {
		return ctx.Err()
	}
	real := time.Duration(float64(gap) * r.opts.TimeScale)
	r.mu.Lock()
	w := &Waiting{At: at, Until: time.Now().Add(real).UTC()}
	if st != nil {
		w.Step, w.Pos = st.Label(), st.Pos
	}
	r.report.Waiting = w
	r.mu.Unlock()
	r.publish()
	defer func() {
		r.mu.Lock()
		r.report.Waiting = nil
		r.mu.Unlock()
	}()
	t := time.NewTimer(real)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// buildStep expands the step's references, builds its payload, applies
// its set: overrides and validates the result.
func (r *Run) buildStep(p planned, at time.Time) ([]byte, string, error) {
	st := p.st
	resolve := r.resolver(p.loop)
	e, err := catalog.LookupIn(r.vendor, st.Event)
	if err != nil {
		return nil, "", err
	}
	s := &catalog.Step{Event: e, Spec: r.vocab.Events[e.Name], At: at, Src: r.src, With: map[string]any{}}
	if st.Entity != nil {
		if s.Entity, err = r.name(st.Entity, resolve, "entity"); err != nil {
			return nil, "", err
		}
	}
	if st.Actor != nil {
		if s.Actor, err = r.name(st.Actor, resolve, "actor"); err != nil {
			return nil, "", err
		}
	}
	for _, a := range st.With {
		v, err := r.typed(a, s.Spec.With, resolve, "with")
		if err != nil {
			return nil, "", err
		}
		s.With[a.Key] = v
	}
	for _, a := range st.Update {
		v, err := r.typed(a, s.Spec.Update, resolve, "update")
		if err != nil {
			return nil, "", err
		}
		s.Update = append(s.Update, catalog.Update{Name: a.Key, Value: v})
	}
	b, err := r.world.Build(s)
	if err != nil {
		return nil, "", err
	}
	for _, a := range st.Set {
		val, err := encodeValue(a.Value, resolve)
		if err != nil {
			return nil, "", fmt.Errorf("set %s (line %d): %w", a.Key, a.Pos.Line, err)
		}
		path, _ := scenarios.SplitPath(a.Key)
		if b, err = payload.SetPath(b, path, val); err != nil {
			return nil, "", fmt.Errorf("set %s (line %d): %w", a.Key, a.Pos.Line, err)
		}
	}
	// A built-in story's set:, with: and update: are standin's own, proven by
	// the test suite; a script's or vars' make r.check.
	if r.check {
		if err := r.validate(e, b, len(st.Set) > 0); err != nil {
			return nil, "", err
		}
	}
	entity := s.Entity
	if entity == "" && s.Spec.About != "" {
		entity = r.defaultEntity(s.Spec.About)
	}
	return b, entity, nil
}

// validate checks a payload against its schema, listing each problem's
// JSON pointer.
func (r *Run) validate(e catalog.Event, b []byte, withSet bool) error {
	err := r.vendor.Schemas().Validate(e.Slug, b)
	if err == nil {
		return nil
	}
	var se *schemas.Error
	if !errors.As(err, &se) || len(se.Violations) == 0 {
		return err
	}
	what := "the payload"
	if withSet {
		what = "the payload with set:"
	}
	problems := make([]string, len(se.Violations))
	for i, v := range se.Violations {
		problems[i] = v.Pointer + ": " + v.Message
	}
	return fmt.Errorf("%s is not a valid %s %s: %s", what, e.Vendor, e.Name, strings.Join(problems, "; "))
}

// defaultEntity is the entity a step about kind is about when it names
// none: the only one of the kind, or the implicit one named after it.
func (r *Run) defaultEntity(kind string) string {
	var names []string
	for _, e := range r.sc.Entities {
		if e.Kind == kind {
			names = append(names, e.Name)
		}
	}
	if len(names) == 1 {
		return names[0]
	}
	return kind
}

// name expands an entity or actor reference to an entity name.
func (r *Run) name(v *scenarios.Value, resolve scenarios.Resolver, what string) (string, error) {
	s, ok := v.V.(string)
	if !ok {
		return "", fmt.Errorf("%s: want an entity name, got %v", what, v.V)
	}
	x, err := scenarios.Expand(s, resolve)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	name, ok := x.(string)
	if !ok {
		return "", fmt.Errorf("%s: %q gives %v, not an entity name", what, s, x)
	}
	if _, ok := r.kindOf(name); !ok {
		return "", fmt.Errorf("%s: no entity %q is declared", what, name)
	}
	return name, nil
}

// typed expands a with or update value and checks it against its field.
func (r *Run) typed(a scenarios.Assign, fields []catalog.Field, resolve scenarios.Resolver, what string) (any, error) {
	v := a.Value
	if s, ok := v.V.(string); ok && scenarios.HasRefs(s) {
		x, err := scenarios.Expand(s, resolve)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", what, a.Key, err)
		}
		v.V = x
		if f, ok := catalog.FindField(fields, a.Key); ok {
			if err := scenarios.CheckValue(&v, f.Type, r.kindOf); err != nil {
				return nil, fmt.Errorf("%s.%s: %v", what, a.Key, err)
			}
		}
	}
	return v.V, nil
}

// encodeValue writes a script value as JSON, expanding its references;
// mappings keep their order.
func encodeValue(v scenarios.Value, resolve scenarios.Resolver) ([]byte, error) {
	x, err := plainValue(v.V, resolve)
	if err != nil {
		return nil, err
	}
	return payload.Marshal(x)
}

// plainValue turns a script value into what payload.Marshal writes: lists
// as []any, mappings as payload.Objects (in script order), references
// expanded.
func plainValue(v any, resolve scenarios.Resolver) (any, error) {
	switch x := v.(type) {
	case string:
		if scenarios.HasRefs(x) {
			return scenarios.Expand(x, resolve)
		}
		return x, nil
	case []scenarios.Value:
		out := make([]any, len(x))
		for i, item := range x {
			var err error
			if out[i], err = plainValue(item.V, resolve); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []scenarios.Assign:
		var o payload.Object
		for _, a := range x {
			item, err := plainValue(a.Value.V, resolve)
			if err != nil {
				return nil, err
			}
			b, err := payload.Marshal(item)
			if err != nil {
				return nil, err
			}
			o.Set(a.Key, b)
		}
		return o, nil
	}
	return v, nil
}

// finish records the outcome: the step error, or the deliveries' counts.
func (r *Run) finish(ctx context.Context, err error) {
	c, firstFail := r.counts()
	now := time.Now().UTC()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.report.Deliveries = c
	r.report.FinishedAt = &now
	switch {
	case err != nil:
		r.report.Status, r.report.Error = Failed, err.Error()
		if ctx.Err() != nil && r.stepErr == nil {
			r.report.Error = "run cancelled: " + err.Error()
		}
	case c.Failed > 0:
		r.report.Status = Failed
		r.report.Error = fmt.Sprintf("%d of %d deliveries failed; first: %s", c.Failed, c.Total, firstFail)
	default:
		r.report.Status = Succeeded
	}
}
