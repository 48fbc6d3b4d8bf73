package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/feed"
	"github.com/standin-dev/standin/emulator/redact"
)

// Errors the engine returns; match them with errors.Is.
var (
	// ErrShutdown means the engine no longer accepts events (Shutdown was
	// called).
	ErrShutdown = errors.New("delivery engine is shut down")
	// ErrNotFound means no delivery has the id (never existed, reset or
	// evicted).
	ErrNotFound = errors.New("no such delivery")
	// ErrNotFinal means the delivery still has attempts to make.
	ErrNotFinal = errors.New("delivery is not final")
	// ErrTooManySubscriptions means Config.MaxSubscriptions subscriptions
	// exist already.
	ErrTooManySubscriptions = errors.New("too many subscriptions")
)

// BacklogError is a redelivery refused because the subscription has as many
// deliveries not final as Config.Backlog allows; Message says how many and
// for which receiver.
type BacklogError struct{ Message string }

// Error returns the message ("backlog full: …").
func (e *BacklogError) Error() string { return e.Message }

// Observer receives delivery metrics. Its methods are called from the
// engine's goroutines, never with the engine's lock held; they must be safe
// for concurrent use.
type Observer interface {
	// Attempted reports one attempt (duplicates included).
	Attempted(vendor string, success bool, d time.Duration)
	// Finished reports a delivery reaching a final status.
	Finished(vendor string, status Status)
}

// Config configures an Engine. The zero value is usable.
type Config struct {
	// Workers is how many attempts run at once (default 64). They serve
	// the subscriptions round-robin.
	Workers int
	// InFlight is how many attempts of one subscription run at once
	// (default 8, at most Workers), so receivers that hang hold only that
	// many workers each.
	InFlight int
	// TargetInFlight is how many attempts to one receiver (scheme and
	// host, which several subscriptions may share, such as the targets of
	// many runs) run at once (default 32, at least InFlight and at most
	// Workers).
	TargetInFlight int
	// MaxSubscriptions is how many subscriptions may exist at once
	// (default 10,000), a run's targets included and fallbacks not;
	// Subscribe refuses more with ErrTooManySubscriptions.
	MaxSubscriptions int
	// Backlog is how many deliveries of one subscription may be not final
	// at once (default 10000): waiting for a worker, in flight, waiting for
	// a retry or held by a fault. A delivery beyond it is recorded failed
	// at once ("backlog full: …") and counted in Stats.Refused.
	Backlog int
	// Retention is how many deliveries are kept (default 10000), and
	// RetentionBytes about how many bytes they may hold (payloads, attempt
	// bodies and headers; default 128 MiB). Beyond either the oldest final
	// ones are evicted and counted by Dropped; pending and retrying ones
	// are never evicted.
	Retention      int
	RetentionBytes int
	// BodyLimit is how many response body bytes an attempt keeps (default
	// 64 KiB); Response.Truncated marks a cut.
	BodyLimit int
	// HeaderLimit is how many bytes of response headers an attempt keeps
	// (default 16 KiB, names and values); Response.HeadersTruncated marks a
	// cut.
	HeaderLimit int
	// AttemptsKept is how many of a delivery's latest attempts are kept
	// besides its first (default 100); Delivery.AttemptsDropped counts the
	// attempts dropped between them.
	AttemptsKept int
	// Client sends the requests. The default has a transport tuned for
	// Workers concurrent keep-alive connections per host and does not follow
	// redirects. Per-attempt timeouts come from the profile, through the
	// request context.
	Client *http.Client
	// Vendors are the vendors whose events the engine delivers (default
	// emulator.Vendors()).
	Vendors *catalog.Registry
	// Profiles overrides vendor profiles by vendor id; vendors it leaves out
	// keep their own.
	Profiles map[string]Profile
	// UserAgent is the User-Agent of every request unless the profile or
	// the subscription sets one (default "standin").
	UserAgent string
	// Observer receives metrics; nil for none.
	Observer Observer
	// Logger receives each delivery's outcome, an Info record when
	// delivered and a Warn record with the reason when failed, and Info
	// records counting retention evictions, at most one a second (default
	// slog.Default()).
	Logger *slog.Logger
}

// Config defaults.
const (
	DefaultWorkers        = 64
	DefaultInFlight       = 8
	DefaultTargetInFlight = 32
	// DefaultMaxSubscriptions bounds the subscriptions at once.
	DefaultMaxSubscriptions = 10000
	DefaultBacklog          = 10000
	DefaultRetention        = 10000
	DefaultRetentionBytes   = 128 << 20
	DefaultBodyLimit        = 64 << 10
	DefaultHeaderLimit      = 16 << 10
	DefaultAttemptsKept     = 100
)

// Filter selects deliveries; an empty field matches any value.
type Filter struct {
	Run    string
	Vendor string
	// Event matches the vendor's event name or its slug, ignoring case: a
	// slug may match several vendors' events (task-created is Cutover's
	// task.created and Rocketlane's TASK_CREATED).
	Event        string
	Status       string
	Subscription string
	// EventID matches the deliveries of one emitted event.
	EventID string
}

// filter is a Filter ready to match.
type filter struct {
	Filter
	vendor string
	// byName is set when Event is a vendor's own event name (task.created,
	// TASK_CREATED, in any case): it matches that name only. Otherwise
	// slug, the event's slug however it was spelled, matches every
	// vendor's event with that slug.
	byName bool
	slug   string
}

func (e *Engine) compileFilter(f Filter) filter {
	c := filter{Filter: f, vendor: strings.ToLower(strings.TrimSpace(f.Vendor))}
	if f.Event != "" {
		c.slug = catalog.Slug(f.Event)
		c.byName = e.vendors.IsEventName(f.Event)
	}
	return c
}

func (c *filter) match(r *record) bool { return c.matches(&r.d, r.slug) }

// matches reports whether d, of an event with slug, passes the filter.
func (c *filter) matches(d *Delivery, slug string) bool {
	return (c.Run == "" || d.Run == c.Run) &&
		(c.vendor == "" || d.Vendor == c.vendor) &&
		(c.Event == "" || strings.EqualFold(d.Event, c.Event) || !c.byName && slug == c.slug) &&
		(c.Status == "" || string(d.Status) == c.Status) &&
		(c.Subscription == "" || d.Subscription == c.Subscription) &&
		(c.EventID == "" || d.EventID == c.EventID)
}

// record is a stored delivery with what its attempts need.
type record struct {
	d    Delivery
	st   *subState // the subscription as it was at emit time
	dup  bool      // the duplicate fault applies (subscription or event)
	body string    // the event payload
	slug string    // the event's slug
	// auths holds, per attempt, the oauth2 Authorization value it sent;
	// nil while none did. See requestHeader.
	auths []string
	round int // attempts since the delivery (or its redelivery) started
	size  int // bytes the record holds, about (see recordSize)
	// queued is set while r waits in its lane's ready queue.
	queued bool
	timer  *time.Timer
	// then is a delivery held for a reorder that this one overtook: it is
	// queued once this one is final.
	then *record
	gone bool // reset or evicted: nothing more is recorded

	seq      uint64 // creation order
	pos      int    // index in store.order
	finalGen uint64 // see finalEntry
}

// copy returns the delivery as standin shows it (see shown), with deep
// copies of the attempts (their request headers rebuilt) or without them.
func (r *record) copy(withAttempts bool) Delivery {
	d := r.d
	d.Attempts = nil
	if withAttempts && len(r.d.Attempts) > 0 {
		d.Attempts = make([]Attempt, len(r.d.Attempts))
		for i := range r.d.Attempts {
			d.Attempts[i] = r.attemptCopy(i)
		}
	}
	return shown(d, r.st.sub.SecretHeaders)
}

// attemptCopy returns a deep copy of attempt i, its request headers
// rebuilt.
func (r *record) attemptCopy(i int) Attempt {
	a := r.d.Attempts[i]
	auth := ""
	if i < len(r.auths) {
		auth = r.auths[i]
	}
	if a.Request != nil {
		req := *a.Request
		req.Headers = requestHeader(r.st, r.d.ID, auth)
		a.Request = &req
	}
	if a.Response != nil {
		resp := *a.Response
		resp.Headers = resp.Headers.Clone()
		a.Response = &resp
	}
	return a
}

// shutdownMessage is the error of a delivery whose next attempt Shutdown
// cancelled.
func (r *record) shutdownMessage() string {
	if r.d.AttemptCount == 0 {
		return msgShutdownQueued
	}
	return fmt.Sprintf("shutdown before attempt %d (a scheduled retry)", r.d.AttemptCount+1)
}

// watcher is a Wait in progress: done closes once count (final deliveries
// matching f) reaches n.
type watcher struct {
	f     filter
	n     int
	count int
	done  chan struct{}
}

// Engine delivers events to subscriptions. Make one with New; its methods
// are safe for concurrent use.
//
// Every non-final delivery is held by exactly one of: its subscription's
// lane (see lanes.go), a worker, a timer (fault hold or retry backoff), or
// the delivery it is to follow (a reorder). pending counts them; Shutdown
// waits for it to reach zero.
type Engine struct {
	vendors        *catalog.Registry
	names          map[string]map[string][2]string // vendor, then event name or slug: name and slug
	client         *http.Client
	ownClient      bool
	profiles       map[string]Profile
	obs            Observer
	log            *slog.Logger
	bodyLimit      int
	headerLimit    int
	attemptsKept   int
	retention      int
	retentionBytes int
	inflight       int // per subscription
	targetInflight int // per target
	maxSubs        int // subscriptions at once
	backlog        int // per subscription
	userAgent      string
	now            func() time.Time // token expiry clock (tests move it)

	cond      *sync.Cond         // on mu: a lane is ready, or the workers should stop
	turns     fifo[*subState]    // lanes with ready work and room, in turn
	targetsBy map[string]*target // by scheme://host
	idle      int                // workers waiting on cond
	stopping  bool               // the workers should exit once no lane is ready
	wg        sync.WaitGroup

	// Counted outside the lock, by the attempts.
	headersCut, bodiesCut atomic.Int64

	// base is the parent of every attempt; a forced Shutdown cancels it.
	base   context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	subs     []*subState // oldest first
	subByID  map[string]*subState
	store    store
	timed    map[*record]struct{}  // records held by a timer
	held     map[*record]*subState // records held for a reorder
	watchers map[*watcher]struct{}
	// changed is closed (and cleared) when a delivery becomes final, is
	// evicted or is reset away, for AwaitFinal; nil while nobody waits.
	changed     chan struct{}
	pending     int
	drained     chan struct{} // closed when pending reaches 0 during Shutdown
	dropped     int
	droppedSize int       // of dropped, those evicted for RetentionBytes
	refused     int       // deliveries failed at once: backlog full
	trimmed     int       // attempts dropped from deliveries (AttemptsKept)
	unlogged    int       // evictions not logged yet
	evictLogged time.Time // when evictions were last logged
	closed      bool      // Shutdown called
	aborted     bool      // Shutdown's context ended
	// outbox holds the changes noted for the change feed and not yet
	// published (see publish).
	outbox []Change

	changes feed.Feed[Change]
	pubMu   sync.Mutex // held while publishing the outbox
}

// New starts an engine with cfg's workers.
func New(cfg Config) *Engine {
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = DefaultInFlight
	}
	cfg.InFlight = min(cfg.InFlight, cfg.Workers)
	if cfg.MaxSubscriptions <= 0 {
		cfg.MaxSubscriptions = DefaultMaxSubscriptions
	}
	if cfg.TargetInFlight <= 0 {
		cfg.TargetInFlight = DefaultTargetInFlight
	}
	cfg.TargetInFlight = max(min(cfg.TargetInFlight, cfg.Workers), cfg.InFlight)
	if cfg.Backlog <= 0 {
		cfg.Backlog = DefaultBacklog
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.RetentionBytes <= 0 {
		cfg.RetentionBytes = DefaultRetentionBytes
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.HeaderLimit <= 0 {
		cfg.HeaderLimit = DefaultHeaderLimit
	}
	if cfg.AttemptsKept <= 0 {
		cfg.AttemptsKept = DefaultAttemptsKept
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Vendors == nil {
		cfg.Vendors = emulator.Vendors()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "standin"
	}
	profiles := cfg.Vendors.Profiles()
	for k, p := range cfg.Profiles {
		if p.Vendor == "" {
			p.Vendor = k
		}
		profiles[k] = p.WithDefaults()
	}
	names := map[string]map[string][2]string{}
	for _, ev := range cfg.Vendors.Events() {
		if names[ev.Vendor] == nil {
			names[ev.Vendor] = map[string][2]string{}
		}
		names[ev.Vendor][ev.Name] = [2]string{ev.Name, ev.Slug}
		names[ev.Vendor][ev.Slug] = [2]string{ev.Name, ev.Slug}
	}
	e := &Engine{
		vendors:        cfg.Vendors,
		names:          names,
		client:         cfg.Client,
		profiles:       profiles,
		obs:            cfg.Observer,
		log:            slog.New(redact.Handler(cfg.Logger.Handler())),
		bodyLimit:      cfg.BodyLimit,
		headerLimit:    cfg.HeaderLimit,
		attemptsKept:   cfg.AttemptsKept,
		retention:      cfg.Retention,
		retentionBytes: cfg.RetentionBytes,
		inflight:       cfg.InFlight,
		targetInflight: cfg.TargetInFlight,
		maxSubs:        cfg.MaxSubscriptions,
		targetsBy:      map[string]*target{},
		backlog:        cfg.Backlog,
		userAgent:      cfg.UserAgent,
		now:            time.Now,
		subByID:        map[string]*subState{},
		store:          newStore(),
		timed:          map[*record]struct{}{},
		held:           map[*record]*subState{},
		watchers:       map[*watcher]struct{}{},
	}
	e.cond = sync.NewCond(&e.mu)
	if e.client == nil {
		e.client, e.ownClient = defaultClient(cfg.Workers), true
	}
	e.base, e.cancel = context.WithCancel(context.Background())
	e.wg.Add(cfg.Workers)
	for range cfg.Workers {
		go e.worker()
	}
	return e
}

// maxResponseHeader is the most response header bytes the default client
// reads; a receiver sending more fails the attempt. Of what it reads, an
// attempt keeps HeaderLimit.
const maxResponseHeader = 1 << 20

// defaultClient keeps a connection per worker alive to each receiver and
// returns redirects as responses (no vendor documents following them).
func defaultClient(workers int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = max(100, 2*workers)
	t.MaxIdleConnsPerHost = max(workers, 2)
	t.IdleConnTimeout = 90 * time.Second
	t.MaxResponseHeaderBytes = maxResponseHeader
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// newID returns prefix + 12 hex digits not yet in use according to taken.
func newID(prefix string, taken func(string) bool) string {
	const digits = "0123456789abcdef"
	for {
		var b [12]byte
		v := rand.Uint64()
		for i := range b {
			b[i] = digits[v&0xf]
			v >>= 4
		}
		id := prefix + string(b[:])
		if !taken(id) {
			return id
		}
	}
}

// Subscribe validates s against its vendor's profile, fills the profile's
// defaults and stores it. Errors are *FieldError naming the field.
func (e *Engine) Subscribe(s Subscription) (Subscription, error) {
	st, err := e.validate(s)
	if err != nil {
		return Subscription{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if n := e.countSubs(); n >= e.maxSubs && !st.sub.Fallback {
		return Subscription{}, fmt.Errorf("%w: %d exist, the most --max-subscriptions allows; remove some (DELETE /__admin/subscriptions/{id})", ErrTooManySubscriptions, n)
	}
	st.sub.ID = newID("sub_", func(id string) bool { _, ok := e.subByID[id]; return ok })
	st.sub.CreatedAt = time.Now().UTC()
	st.tgt = e.targetOf(st.sub.URL)
	e.subs = append(e.subs, st)
	e.subByID[st.sub.ID] = st
	return st.sub.clone(), nil
}

// countSubs counts the subscriptions MaxSubscriptions bounds: all but the
// fallbacks (the server's sink, one per vendor). Call with e.mu held.
func (e *Engine) countSubs() int {
	n := 0
	for _, st := range e.subs {
		if !st.sub.Fallback {
			n++
		}
	}
	return n
}

// Subscriptions returns every subscription, oldest first.
func (e *Engine) Subscriptions() []Subscription {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Subscription, len(e.subs))
	for i, st := range e.subs {
		out[i] = st.sub.clone()
	}
	return out
}

// Subscription returns the subscription with id.
func (e *Engine) Subscription(id string) (Subscription, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.subByID[id]
	if !ok {
		return Subscription{}, false
	}
	return st.sub.clone(), true
}

// Unsubscribe removes a subscription and reports whether it existed. Its
// deliveries already made keep their attempts (and can be redelivered).
func (e *Engine) Unsubscribe(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.subByID[id]
	if !ok {
		return false
	}
	delete(e.subByID, id)
	e.subs = slices.DeleteFunc(e.subs, func(x *subState) bool { return x == st })
	st.tgt.refs--
	e.dropTarget(st.tgt)
	return true
}

// targets returns the subscriptions that receive an event raised in mode:
// the event's run's own (a run's targets), else those of the vendor taking
// the event, else the fallback ones.
func (e *Engine) targets(vendor, name, run string, mode catalog.Mode) []*subState {
	var own, general, fallback []*subState
	for _, st := range e.subs {
		s := &st.sub
		if s.Vendor != vendor || (s.Run != "" && s.Run != run) || (len(s.Events) > 0 && !slices.Contains(s.Events, name)) || !s.hears(mode) {
			continue
		}
		switch {
		case s.Run != "":
			own = append(own, st)
		case s.Fallback:
			fallback = append(fallback, st)
		default:
			general = append(general, st)
		}
	}
	switch {
	case len(own) > 0:
		return own
	case len(general) > 0:
		return general
	}
	return fallback
}

// canonicalEvent resolves an event name (or slug, in any case) of vendor to
// the catalog's name and slug; a name the catalog lacks is kept as is.
func (e *Engine) canonicalEvent(vendor, name string) (string, string) {
	names := e.names[vendor]
	if n, ok := names[name]; ok {
		return n[0], n[1]
	}
	slug := catalog.Slug(name)
	if n, ok := names[slug]; ok {
		return n[0], n[1]
	}
	return name, slug
}

// combine lays an event's faults over a subscription's.
func combine(sub, ev Faults) Faults {
	out := sub
	out.Duplicate = sub.Duplicate || ev.Duplicate
	out.Delay = sub.Delay + ev.Delay
	if ev.Reorder && !sub.Reorder {
		out.Reorder, out.ReorderWindow = true, ev.ReorderWindow
	}
	return out
}

// Emit creates one delivery per subscription that takes ev and queues them
// on their subscriptions' lanes. It returns the deliveries as created:
// pending, or failed at once when the subscription's backlog is full
// (Config.Backlog). It never waits for the receivers; ctx is not used. After
// Shutdown it returns ErrShutdown.
func (e *Engine) Emit(_ context.Context, ev Event) ([]Delivery, error) {
	vendor := ev.Vendor
	if _, ok := e.profiles[vendor]; !ok {
		v, err := e.vendors.Vendor(vendor)
		if err != nil {
			return nil, fmt.Errorf("emit: %w", err)
		}
		vendor = v.ID()
	}
	name, slug := e.canonicalEvent(vendor, ev.Name)
	body := string(ev.Body)
	now := time.Now().UTC()

	var fx effects
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, fmt.Errorf("emit %s %q: %w", vendor, name, ErrShutdown)
	}
	targets := e.targets(vendor, name, ev.Run, ev.Mode)
	out := make([]Delivery, 0, len(targets))
	for _, st := range targets {
		id := newID("dlv_", func(id string) bool { _, ok := e.store.byID[id]; return ok })
		faults := combine(st.sub.Faults, ev.Faults)
		r := &record{st: st, body: body, slug: slug, dup: faults.Duplicate, size: recordSize(body), d: Delivery{
			ID: id, Run: ev.Run, EventID: ev.ID, Vendor: vendor, Event: name,
			Subscription: st.sub.ID, URL: st.sub.URL, Status: Pending, CreatedAt: now, UpdatedAt: now,
		}}
		e.store.add(r)
		e.pending++
		e.note(Created, r, 0)
		if st.lane.backlog >= e.backlog {
			msg := backlogFull(st)
			st.lane.backlog++ // finish releases it
			e.refused++
			e.finish(r, Failed, msg, &fx)
			out = append(out, r.copy(false))
			continue
		}
		st.lane.backlog++
		out = append(out, r.copy(false))
		// A delivery held for a reorder goes after this one.
		if prev := st.held; prev != nil {
			st.held = nil
			e.unhold(prev)
			r.then = prev
		} else if faults.Reorder {
			e.hold(r, st, time.Duration(faults.ReorderWindow))
			continue
		}
		if d := time.Duration(faults.Delay); d > 0 {
			e.schedule(r, d)
		} else {
			e.dispatch(r)
		}
	}
	e.evict(&fx)
	e.mu.Unlock()
	e.apply(&fx)
	return out, nil
}

// schedule holds r for d, then queues it. Call with e.mu held.
func (e *Engine) schedule(r *record, d time.Duration) {
	e.timed[r] = struct{}{}
	r.timer = time.AfterFunc(d, func() { e.fire(r) })
}

// fire queues r when its timer ends.
func (e *Engine) fire(r *record) {
	var fx effects
	e.mu.Lock()
	delete(e.timed, r)
	r.timer = nil
	switch {
	case r.gone:
		e.drop(r)
		e.mu.Unlock()
		return
	case e.aborted:
		e.finish(r, Failed, r.shutdownMessage(), &fx)
		e.mu.Unlock()
		e.apply(&fx)
		return
	}
	e.dispatch(r)
	e.mu.Unlock()
}

// worker makes attempts, one delivery at a time, taking them from the lanes
// in turn, until Shutdown.
func (e *Engine) worker() {
	defer e.wg.Done()
	var fx effects
	e.mu.Lock()
	for {
		r := e.take()
		if r == nil {
			if !fx.empty() {
				e.mu.Unlock()
				e.apply(&fx)
				fx.reset()
				e.mu.Lock()
				continue
			}
			if e.stopping {
				e.mu.Unlock()
				return
			}
			e.idle++
			e.cond.Wait()
			e.idle--
			continue
		}
		e.run(r, &fx)
	}
}

// run makes the next attempt of r (and the duplicate after a success when
// the fault asks), then finishes r or schedules its retry. It is called
// with e.mu held and r counted in flight on its lane, and returns with e.mu
// held, r's slot freed and the effects to apply in fx; it applies those of
// fx before the attempt.
func (e *Engine) run(r *record, fx *effects) {
	st := r.st
	if r.gone {
		e.untake(st)
		e.drop(r)
		return
	}
	if e.aborted {
		e.untake(st)
		e.finish(r, Failed, r.shutdownMessage(), fx)
		return
	}
	id, body, n := r.d.ID, r.body, r.d.AttemptCount+1
	e.mu.Unlock()
	if !fx.empty() {
		e.apply(fx)
		fx.reset()
	}

	at, out := e.attempt(st, id, body, n)
	attempts := []Attempt{at}
	if at.Success && out.sent && r.dup && e.base.Err() == nil {
		attempts = append(attempts, e.resend(st.prof, out, n+1))
	}
	if out.auth != "" && at.Response != nil && at.Response.Status == http.StatusUnauthorized {
		st.tok.invalidate(out.auth)
	}
	for _, a := range attempts {
		fx.attempted = append(fx.attempted, attemptNote{st.sub.Vendor, a.Success, time.Duration(a.Duration)})
	}
	templated := st.tmpl != nil

	e.mu.Lock()
	e.untake(st)
	if r.gone {
		e.drop(r)
		return
	}
	if out.auth != "" || r.auths != nil {
		for len(r.auths) < len(r.d.Attempts) {
			r.auths = append(r.auths, "")
		}
		for range attempts {
			r.auths = append(r.auths, out.auth)
		}
	}
	grown := 0
	for i := range attempts {
		grown += attemptSize(&attempts[i], templated)
	}
	if r.d.Attempts == nil {
		r.d.Attempts = attempts
	} else {
		r.d.Attempts = append(r.d.Attempts, attempts...)
	}
	r.d.AttemptCount += len(attempts)
	grown -= e.trimAttempts(r, templated)
	r.size += grown
	e.store.bytes += grown
	r.d.UpdatedAt = time.Now().UTC()
	r.round++
	for i := len(r.d.Attempts) - len(attempts); i < len(r.d.Attempts); i++ {
		e.note(AttemptFinished, r, i)
	}
	switch {
	case at.Success:
		e.finish(r, Delivered, "", fx)
	case r.round < st.sub.Retry.MaxAttempts && !e.aborted:
		r.d.Status = Retrying
		e.note(StatusChanged, r, 0)
		e.schedule(r, retryWait(st.sub.Retry, r.round, at, time.Now()))
	default:
		e.finish(r, Failed, at.Error, fx)
	}
}

// trimAttempts drops the attempts of r between its first and its latest
// AttemptsKept, counting them, and returns the bytes they held. Call with
// e.mu held.
func (e *Engine) trimAttempts(r *record, templated bool) int {
	extra := len(r.d.Attempts) - 1 - e.attemptsKept
	if extra <= 0 {
		return 0
	}
	freed := 0
	for i := 1; i <= extra; i++ {
		freed += attemptSize(&r.d.Attempts[i], templated)
	}
	r.d.Attempts = slices.Delete(r.d.Attempts, 1, 1+extra)
	if r.auths != nil {
		r.auths = slices.Delete(r.auths, 1, 1+extra)
	}
	r.d.AttemptsDropped += extra
	e.trimmed += extra
	return freed
}

// finish gives r its final status and releases it, and queues the
// delivery it overtook. Call with e.mu held.
func (e *Engine) finish(r *record, s Status, msg string, fx *effects) {
	r.d.Status = s
	r.d.Error = msg
	r.d.UpdatedAt = time.Now().UTC()
	e.note(StatusChanged, r, 0)
	if next := r.then; next != nil {
		r.then = nil
		e.dispatch(next)
	}
	e.noteFinal(r, +1, fx)
	e.store.finalized(r)
	e.release(r)
	note := finishNote{vendor: r.d.Vendor, status: s, id: r.d.ID, url: r.d.URL, event: r.d.Event, run: r.d.Run, err: msg, attempts: r.d.AttemptCount}
	if n := len(r.d.Attempts); n > 0 {
		last := &r.d.Attempts[n-1]
		note.latency = time.Duration(last.Duration)
		if last.Response != nil {
			note.response = last.Response.Status
		}
	}
	fx.finished = append(fx.finished, note)
	e.evict(fx)
}

// drop releases r, reset away, and the deliveries it was to be followed
// by. Call with e.mu held.
func (e *Engine) drop(r *record) {
	for ; r != nil; r = r.then {
		e.release(r)
	}
}

// release drops the hold on r, which needs no more work. Call with e.mu
// held.
func (e *Engine) release(r *record) {
	r.st.lane.backlog--
	e.pending--
	if e.pending == 0 && e.drained != nil {
		close(e.drained)
		e.drained = nil
	}
}

// noteFinal tells the waiters that r became final (delta 1) or stopped
// being a stored final delivery (-1). With fx, they wake in apply, once
// the change feed has the change (so a run that waited for its deliveries
// is reported ended after them); without, at once. Call with e.mu held.
func (e *Engine) noteFinal(r *record, delta int, fx *effects) {
	wake := func(ch chan struct{}) {
		if fx != nil {
			fx.wake = append(fx.wake, ch)
		} else {
			close(ch)
		}
	}
	if e.changed != nil {
		wake(e.changed)
		e.changed = nil
	}
	for w := range e.watchers {
		if w.f.match(r) {
			w.count += delta
			if w.count >= w.n {
				wake(w.done)
				delete(e.watchers, w)
			}
		}
	}
}

// broadcast wakes AwaitFinal calls. Call with e.mu held.
func (e *Engine) broadcast() {
	if e.changed != nil {
		close(e.changed)
		e.changed = nil
	}
}

// hold keeps r back for a reorder: the next delivery of st overtakes it,
// or after window (when above 0) it goes alone. Call with e.mu held.
func (e *Engine) hold(r *record, st *subState, window time.Duration) {
	st.held = r
	e.held[r] = st
	if window > 0 {
		r.timer = time.AfterFunc(window, func() { e.releaseHeld(r) })
	}
}

// unhold forgets that r is held. Call with e.mu held.
func (e *Engine) unhold(r *record) {
	delete(e.held, r)
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
}

// releaseHeld sends r, held for a reorder, on its own.
func (e *Engine) releaseHeld(r *record) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.held[r]
	if !ok {
		return
	}
	if st.held == r {
		st.held = nil
	}
	e.unhold(r)
	if r.gone {
		e.drop(r)
		return
	}
	e.dispatch(r)
}

// dispatch queues r on its subscription's lane. Call with e.mu held.
func (e *Engine) dispatch(r *record) { e.push(r) }

// Release sends the deliveries among ids that are held for a reorder on
// their own: no later event will overtake them (a run's last events).
func (e *Engine) Release(ids []string) {
	e.mu.Lock()
	var held []*record
	for _, id := range ids {
		if r, ok := e.store.byID[id]; ok {
			if _, isHeld := e.held[r]; isHeld {
				held = append(held, r)
			}
		}
	}
	e.mu.Unlock()
	for _, r := range held {
		e.releaseHeld(r)
	}
}

// Settle blocks until every delivery in ids is final, no longer stored, or
// held back by a fault (a delay before its first attempt, a reorder) while
// its sender goes on, or ctx ends. It returns the ids that are not final
// yet, to settle again later.
func (e *Engine) Settle(ctx context.Context, ids []string) ([]string, error) {
	return e.awaitEach(ctx, ids, func(r *record) bool {
		_, held := e.held[r]
		_, timed := e.timed[r]
		return held || timed && len(r.d.Attempts) == 0
	})
}

// AwaitFinal blocks until every delivery in ids is final or no longer
// stored (retention evicts only final deliveries; Reset forgets them), or
// ctx ends. Unlike Wait, a delivery evicted while it waits still counts as
// final, so a caller that knows its deliveries by id never waits forever.
func (e *Engine) AwaitFinal(ctx context.Context, ids []string) error {
	_, err := e.awaitEach(ctx, ids, func(*record) bool { return false })
	return err
}

// awaitEach blocks until every delivery in ids that is stored and not
// final is ready (ready is called with e.mu held), or ctx ends, and
// returns the ids not final then.
func (e *Engine) awaitEach(ctx context.Context, ids []string, ready func(*record) bool) ([]string, error) {
	for {
		e.mu.Lock()
		var left []string
		all := true
		for _, id := range ids {
			r, ok := e.store.byID[id]
			if !ok || r.d.Status.Final() {
				continue
			}
			left = append(left, id)
			all = all && ready(r)
		}
		if all {
			e.mu.Unlock()
			return left, nil
		}
		if e.changed == nil {
			e.changed = make(chan struct{})
		}
		ch := e.changed
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return left, ctx.Err()
		}
	}
}

// evict removes the oldest final deliveries beyond the retention. Call
// with e.mu held.
func (e *Engine) evict(fx *effects) {
	removed := 0
	for e.store.live > e.retention || e.store.bytes > e.retentionBytes {
		r := e.store.oldestFinal()
		if r == nil {
			break
		}
		if e.store.live <= e.retention {
			e.droppedSize++
		}
		e.noteFinal(r, -1, fx)
		e.store.remove(r)
		removed++
	}
	if removed == 0 {
		return
	}
	e.dropped += removed
	e.unlogged += removed
	if now := time.Now(); now.Sub(e.evictLogged) >= evictLogEvery {
		fx.evicted, fx.dropped = e.unlogged, e.dropped
		e.unlogged, e.evictLogged = 0, now
	}
}

// evictLogEvery is how often evictions are logged at most: under a steady
// load every delivery evicts one, so each log record sums up a batch.
const evictLogEvery = time.Second

// ListOption changes what Deliveries and Wait return of each delivery.
type ListOption int

// WithAttempts has Deliveries and Wait return each delivery with its
// attempts, as Delivery does, taken at the moment it is listed.
const WithAttempts ListOption = 1

// withAttempts reports whether opts hold WithAttempts.
func withAttempts(opts []ListOption) bool { return slices.Contains(opts, WithAttempts) }

// Deliveries returns the deliveries matching f, oldest first, without their
// attempts (AttemptCount says how many) unless opts hold WithAttempts.
func (e *Engine) Deliveries(f Filter, opts ...ListOption) []Delivery {
	c := e.compileFilter(f)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.list(&c, withAttempts(opts))
}

// list returns copies of the deliveries matching c, with their attempts
// when attempts is set. Call with e.mu held.
func (e *Engine) list(c *filter, attempts bool) []Delivery {
	n := 0
	for _, r := range e.store.order {
		if r != nil && c.match(r) {
			n++
		}
	}
	out := make([]Delivery, 0, n)
	for _, r := range e.store.order {
		if r != nil && c.match(r) {
			out = append(out, r.copy(attempts))
		}
	}
	return out
}

// Delivery returns one delivery with its attempts.
func (e *Engine) Delivery(id string) (Delivery, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.store.byID[id]
	if !ok {
		return Delivery{}, false
	}
	return r.copy(true), true
}

// Wait blocks until at least n deliveries matching f are final, then
// returns every matching delivery, final or not (without attempts unless
// opts hold WithAttempts). When ctx ends first it returns what matched
// then and ctx.Err().
func (e *Engine) Wait(ctx context.Context, f Filter, n int, opts ...ListOption) ([]Delivery, error) {
	c := e.compileFilter(f)
	e.mu.Lock()
	final := 0
	for _, r := range e.store.order {
		if r != nil && r.d.Status.Final() && c.match(r) {
			final++
		}
	}
	if final >= n {
		defer e.mu.Unlock()
		return e.list(&c, withAttempts(opts)), nil
	}
	w := &watcher{f: c, n: n, count: final, done: make(chan struct{})}
	e.watchers[w] = struct{}{}
	e.mu.Unlock()

	var err error
	select {
	case <-w.done:
	case <-ctx.Done():
		select {
		case <-w.done:
		default:
			err = ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.watchers, w)
	return e.list(&c, withAttempts(opts)), err
}

// Redeliver sends a final delivery again: it goes back to pending and its
// new attempts are appended, numbered on from the last, with the retry
// policy starting over. The subscription is the one the delivery was made
// for, even if it was removed since. Faults that hold deliveries back do not
// apply; duplicate does. When the subscription's backlog is full it
// refuses with a *BacklogError and the delivery stays as it was.
func (e *Engine) Redeliver(_ context.Context, id string) (Delivery, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return Delivery{}, fmt.Errorf("redeliver %s: %w", id, ErrShutdown)
	}
	r, ok := e.store.byID[id]
	if !ok {
		e.mu.Unlock()
		return Delivery{}, fmt.Errorf("redeliver %s: %w", id, ErrNotFound)
	}
	if !r.d.Status.Final() {
		s := r.d.Status
		e.mu.Unlock()
		return Delivery{}, fmt.Errorf("redeliver %s: %w (it is %s)", id, ErrNotFinal, s)
	}
	if r.st.lane.backlog >= e.backlog {
		msg := backlogFull(r.st)
		e.refused++
		e.mu.Unlock()
		return Delivery{}, fmt.Errorf("redeliver %s: %w", id, &BacklogError{msg})
	}
	e.noteFinal(r, -1, nil)
	e.store.unfinalized(r)
	r.d.Status, r.d.Error, r.round = Pending, "", 0
	r.d.UpdatedAt = time.Now().UTC()
	e.pending++
	r.st.lane.backlog++
	e.note(StatusChanged, r, 0)
	d := r.copy(true)
	e.push(r)
	e.mu.Unlock()
	e.publish()
	return d, nil
}

// Reset forgets every delivery (subscriptions stay). Queued and held ones
// are not attempted; attempts in flight finish but are not recorded.
// Dropped keeps counting.
func (e *Engine) Reset() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.store.order {
		if r != nil {
			r.gone = true
		}
	}
	for r := range e.timed {
		if r.timer.Stop() {
			e.drop(r)
		}
		r.timer = nil
		delete(e.timed, r)
	}
	for r, st := range e.held {
		if st.held == r {
			st.held = nil
		}
		e.unhold(r)
		e.release(r)
	}
	lanes := map[*subState]struct{}{}
	for _, r := range e.store.order {
		if r != nil && r.queued {
			lanes[r.st] = struct{}{}
		}
	}
	e.purgeReady(lanes)
	e.store = newStore()
	e.broadcast()
	for w := range e.watchers {
		w.count = 0
	}
}

// Dropped returns how many deliveries retention has evicted.
func (e *Engine) Dropped() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.dropped
}

// Stats counts what the engine's limits dropped or refused since it
// started (Reset does not zero them), and what it holds now.
type Stats struct {
	// Evicted is how many final deliveries retention evicted (Dropped),
	// EvictedForBytes how many of them for Config.RetentionBytes rather
	// than Config.Retention.
	Evicted, EvictedForBytes int
	// Refused is how many deliveries and redeliveries a full backlog
	// failed or refused.
	Refused int
	// AttemptsDropped is how many attempts were dropped from deliveries
	// beyond Config.AttemptsKept.
	AttemptsDropped int
	// HeadersTruncated and BodiesTruncated are how many attempts kept
	// only part of the response headers or body.
	HeadersTruncated, BodiesTruncated int
	// Pending is how many deliveries are not final now; Retained and
	// RetainedBytes how many deliveries the log holds and about how many
	// bytes.
	Pending, Retained, RetainedBytes int
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{
		Evicted: e.dropped, EvictedForBytes: e.droppedSize, Refused: e.refused, AttemptsDropped: e.trimmed,
		HeadersTruncated: int(e.headersCut.Load()), BodiesTruncated: int(e.bodiesCut.Load()),
		Pending: e.pending, Retained: e.store.live, RetainedBytes: e.store.bytes,
	}
}

// Shutdown stops accepting events (Emit and Redeliver return ErrShutdown)
// and waits for every queued, held, retrying and in-flight delivery to
// finish. If ctx ends first, it aborts: requests in flight are cancelled
// and recorded failed ("shutdown before the attempt finished"), deliveries
// not yet attempted fail with "shutdown before the first attempt", and
// scheduled retries are cancelled and fail likewise; it then returns
// ctx.Err(). The workers have exited when it returns.
func (e *Engine) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	// Nothing will overtake the deliveries held for a reorder now.
	for r, st := range e.held {
		if st.held == r {
			st.held = nil
		}
		e.unhold(r)
		e.dispatch(r)
	}
	var drained chan struct{}
	if e.pending > 0 {
		if e.drained == nil {
			e.drained = make(chan struct{})
		}
		drained = e.drained
	}
	e.mu.Unlock()

	var err error
	if drained != nil {
		select {
		case <-drained:
		case <-ctx.Done():
			err = ctx.Err()
			e.abort()
			<-drained // everything left fails fast now
		}
	}
	e.mu.Lock()
	e.stopping = true
	e.cond.Broadcast()
	e.mu.Unlock()
	e.wg.Wait()
	e.cancel()
	e.mu.Lock()
	fx := effects{evicted: e.unlogged, dropped: e.dropped}
	e.unlogged = 0
	e.mu.Unlock()
	e.apply(&fx)
	if e.ownClient {
		e.client.CloseIdleConnections()
	}
	return err
}

// abort cancels attempts in flight and fails the deliveries held by timers
// and those waiting on lanes.
func (e *Engine) abort() {
	var fx effects
	e.mu.Lock()
	if !e.aborted {
		e.aborted = true
		e.cancel()
		for r := range e.timed {
			if !r.timer.Stop() {
				continue // fire is running and will see aborted
			}
			r.timer = nil
			delete(e.timed, r)
			if r.gone {
				e.drop(r)
			} else {
				e.finish(r, Failed, r.shutdownMessage(), &fx)
			}
		}
		// Deliveries waiting on lanes fail now, not as workers reach them.
		lanes := map[*subState]struct{}{}
		for _, r := range e.store.order {
			if r != nil && r.queued {
				lanes[r.st] = struct{}{}
			}
		}
		for st := range lanes {
			for l := &st.lane; l.ready.len() > 0; {
				r := l.ready.pop()
				r.queued = false
				if r.gone {
					e.drop(r)
				} else {
					e.finish(r, Failed, r.shutdownMessage(), &fx) // may queue the one it overtook
				}
			}
		}
	}
	e.mu.Unlock()
	e.apply(&fx)
}

// effects are what a change tells the observer and the log, once the lock
// is released.
type effects struct {
	attempted []attemptNote
	finished  []finishNote
	evicted   int
	dropped   int
	wake      []chan struct{} // waiters to wake once the changes are out
}

func (fx *effects) empty() bool {
	return len(fx.attempted) == 0 && len(fx.finished) == 0 && fx.evicted == 0
}

// reset empties fx, keeping its slices for reuse.
func (fx *effects) reset() {
	clear(fx.finished)
	*fx = effects{attempted: fx.attempted[:0], finished: fx.finished[:0]}
}

type attemptNote struct {
	vendor  string
	success bool
	d       time.Duration
}

type finishNote struct {
	vendor   string
	status   Status
	id, url  string
	event    string
	run      string
	err      string
	attempts int
	latency  time.Duration // of the last attempt
	response int           // the last attempt's HTTP status, 0 for none
}

// log writes the delivery's outcome: Info when delivered, Warn with the
// reason when failed.
func (f *finishNote) log(l *slog.Logger) {
	level, msg := slog.LevelInfo, "delivered"
	if f.status == Failed {
		level, msg = slog.LevelWarn, "delivery failed"
	}
	h := l.Handler()
	if !h.Enabled(context.Background(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 10)
	attrs = append(attrs, slog.String("delivery", f.id))
	if f.run != "" {
		attrs = append(attrs, slog.String("run", f.run))
	}
	attrs = append(attrs, slog.String("vendor", f.vendor), slog.String("event", f.event), slog.String("target", f.url),
		slog.String("status", string(f.status)), slog.Int("attempts", f.attempts), slog.String("latency", f.latency.Round(time.Microsecond).String()))
	if f.response != 0 {
		attrs = append(attrs, slog.Int("response", f.response))
	}
	if f.status == Failed {
		attrs = append(attrs, slog.String("error", f.err))
	}
	// A record made here, not by Logger.LogAttrs, skips looking up the
	// caller's PC, which no standin log line shows.
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.AddAttrs(attrs...)
	_ = h.Handle(context.Background(), r)
}

func (e *Engine) apply(fx *effects) {
	if e.obs != nil {
		for _, a := range fx.attempted {
			e.obs.Attempted(a.vendor, a.success, a.d)
		}
	}
	for _, f := range fx.finished {
		if e.obs != nil {
			e.obs.Finished(f.vendor, f.status)
		}
		f.log(e.log)
	}
	if fx.evicted > 0 {
		e.log.Info("deliveries evicted by retention", "evicted", fx.evicted, "dropped", fx.dropped, "retention", e.retention)
	}
	e.publish()
	for _, ch := range fx.wake {
		close(ch)
	}
}
