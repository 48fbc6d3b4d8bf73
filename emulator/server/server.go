// Package server is standin's HTTP server: the admin API under /__admin/
// (catalog, schemas, subscriptions, emitting events, the delivery log), the
// embedded sink under /__sink/, Prometheus metrics at /metrics, the web
// inspector at /, and under /<vendor>/ the API of each vendor that has one
// (catalog.API).
package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/redact"
	"github.com/standin-dev/standin/emulator/runs"
)

// DefaultBodyLimit caps request bodies the server reads.
const DefaultBodyLimit = 1 << 20

// Defaults of the sink's limits and the HTTP server's timeouts.
const (
	DefaultSinkLimit         = 1000
	DefaultSinkNames         = 1000
	DefaultSinkBytes         = 64 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = time.Minute
	DefaultWriteTimeout      = time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
)

// Config configures a Server.
type Config struct {
	// Vendors are the vendors the server emulates (default
	// emulator.Vendors()).
	Vendors *catalog.Registry
	// Engine delivers emitted events; New makes one when nil.
	Engine *delivery.Engine
	// AdminToken, when set, is required as "Authorization: Bearer <token>"
	// on /__admin/ (except /__admin/health).
	AdminToken string
	// APITokens, by vendor id, are required as "Authorization: Bearer
	// <token>" on the API a vendor serves under /<id>/ (Cutover's).
	APITokens map[string]string
	// SelfCheck validates every payload against its schema, also those
	// standin generates itself; without it only payloads the user's input
	// shaped (an emit's override, a scenario's script) are validated.
	SelfCheck bool
	// BodyLimit caps request bodies (default DefaultBodyLimit); larger ones
	// get 413.
	BodyLimit int64
	// Seed is the first seed of emitted events; each emit without ?seed=
	// takes the next one, so a server's nth event is reproducible.
	Seed uint64
	// Version is reported by /__admin/health.
	Version string
	// Logger receives request logs; default slog.Default().
	Logger *slog.Logger
	// SinkLimit caps the requests the sink keeps per name (default
	// DefaultSinkLimit; the oldest go first), SinkNames the names it keeps
	// (default DefaultSinkNames; the least recently written goes) and
	// SinkBytes the bytes of all it keeps (default DefaultSinkBytes; the
	// oldest requests of the least recently written names go). What they
	// drop is counted in /metrics and, per name, in SinkDroppedHeader.
	SinkLimit, SinkNames, SinkBytes int
	// Workers, InFlight, TargetInFlight, Backlog, Retention, RetentionBytes, HeaderLimit,
	// ResponseBodyLimit (delivery.Config.BodyLimit) and AttemptsKept
	// configure the engine New makes (see delivery.Config); ignored when
	// Engine is set.
	Workers, InFlight, TargetInFlight, Backlog, Retention, RetentionBytes int
	// MaxSubscriptions bounds the subscriptions at once (see delivery.Config).
	MaxSubscriptions                             int
	HeaderLimit, ResponseBodyLimit, AttemptsKept int
	// Runs caps the scenario runs in progress (POST /__admin/runs answers
	// 429 beyond) and RunsKept the runs remembered (see runs.Limits).
	Runs, RunsKept int
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the
	// HTTP server's (see http.Server; defaults DefaultReadHeaderTimeout
	// and so on). The long-poll endpoints lift the write deadline for
	// their own wait.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// UserAgent is the User-Agent of standin's requests (default
	// "standin/<Version>").
	UserAgent string
	// StreamHeartbeat is how often GET /__admin/stream sends a heartbeat
	// comment (default DefaultHeartbeat).
	StreamHeartbeat time.Duration
	// StreamBuffer is how many events a stream's reader may fall behind
	// by before the server drops some for it and says how many (default
	// DefaultStreamBuffer).
	StreamBuffer int
}

// Server is a running standin. Make one with New.
type Server struct {
	cfg     Config
	vendors *catalog.Registry
	engine  *delivery.Engine
	ownsEng bool
	router  *gin.Engine
	log     *slog.Logger
	metrics *metrics
	sink    *sink
	runs    *runs.Manager

	mu       sync.Mutex
	nextSeed uint64
	baseURL  string            // where this server listens, for default sink targets
	fallback map[string]string // vendor -> id of the sink subscription used when no other matches

	httpSrv *http.Server

	streamSeq   atomic.Uint64 // the last id of a stream event
	closing     chan struct{} // closed by Shutdown: streams end
	closingOnce sync.Once
}

// New builds a Server; call Serve or use Handler.
func New(cfg Config) *Server {
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = DefaultBodyLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	// Every line the server, its engine and its runs log has its secrets
	// masked.
	cfg.Logger = slog.New(redact.Handler(cfg.Logger.Handler()))
	if cfg.SinkLimit <= 0 {
		cfg.SinkLimit = DefaultSinkLimit
	}
	if cfg.SinkNames <= 0 {
		cfg.SinkNames = DefaultSinkNames
	}
	if cfg.SinkBytes <= 0 {
		cfg.SinkBytes = DefaultSinkBytes
	}
	for _, t := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout}, {&cfg.ReadTimeout, DefaultReadTimeout},
		{&cfg.WriteTimeout, DefaultWriteTimeout}, {&cfg.IdleTimeout, DefaultIdleTimeout},
	} {
		if *t.v <= 0 {
			*t.v = t.def
		}
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Vendors == nil {
		cfg.Vendors = emulator.Vendors()
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "standin/" + cfg.Version
	}
	if cfg.StreamHeartbeat <= 0 {
		cfg.StreamHeartbeat = DefaultHeartbeat
	}
	if cfg.StreamBuffer <= 0 {
		cfg.StreamBuffer = DefaultStreamBuffer
	}
	s := &Server{cfg: cfg, vendors: cfg.Vendors, log: cfg.Logger, nextSeed: cfg.Seed, sink: newSink(cfg.SinkLimit, cfg.SinkNames, cfg.SinkBytes), fallback: map[string]string{},
		closing: make(chan struct{})}
	s.metrics = newMetrics()
	// Made here, not in Serve, so that a Shutdown before Serve (a command
	// that fails early) stops it: Serve then returns at once.
	s.httpSrv = &http.Server{
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
	}
	s.engine = cfg.Engine
	if s.engine == nil {
		s.engine = delivery.New(delivery.Config{
			Vendors: cfg.Vendors, Logger: cfg.Logger, Observer: s.metrics, UserAgent: cfg.UserAgent,
			Workers: cfg.Workers, InFlight: cfg.InFlight, TargetInFlight: cfg.TargetInFlight, Backlog: cfg.Backlog,
			MaxSubscriptions: cfg.MaxSubscriptions,
			Retention:        cfg.Retention, RetentionBytes: cfg.RetentionBytes,
			HeaderLimit: cfg.HeaderLimit, BodyLimit: cfg.ResponseBodyLimit, AttemptsKept: cfg.AttemptsKept,
		})
		s.ownsEng = true
	}
	s.runs = runs.NewManager(s.engine, runs.Limits{Keep: cfg.RunsKept, Running: cfg.Runs})
	s.metrics.watch(s.engine, s.runs, s.sink)
	s.router = s.routes()
	s.httpSrv.Handler = s.router
	s.httpSrv.ErrorLog = slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)
	return s
}

// Runs returns the manager of the server's scenario runs.
func (s *Server) Runs() *runs.Manager { return s.runs }

// Engine returns the delivery engine the server emits into.
func (s *Server) Engine() *delivery.Engine { return s.engine }

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.router }

// SetBaseURL tells the server its own address (http://host:port), so events
// emitted with no subscription go to its embedded sink. Serve sets it from
// the listener.
func (s *Server) SetBaseURL(u string) {
	s.mu.Lock()
	s.baseURL = strings.TrimSuffix(u, "/")
	s.mu.Unlock()
}

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.SetBaseURL(ListenerURL(l))
	err := s.httpSrv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting requests, lets in-flight requests and deliveries
// finish until ctx ends, and records what could not finish as failed.
func (s *Server) Shutdown(ctx context.Context) error {
	srv := s.httpSrv
	var errs []error
	// Runs in progress stop first (recorded as cancelled); their
	// deliveries in flight drain with the engine's.
	if err := s.runs.Shutdown(ctx); err != nil {
		errs = append(errs, fmt.Errorf("runs: %w", err))
	}
	// Live streams would keep their connections busy: they end now.
	s.closingOnce.Do(func() { close(s.closing) })
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close() // what would not finish is cut off
		errs = append(errs, fmt.Errorf("http server: %w", err))
	}
	if s.ownsEng {
		if err := s.engine.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("deliveries: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ListenerURL is the http:// URL a client dials to reach l: an
// unspecified address (":8080", "0.0.0.0") as 127.0.0.1.
func ListenerURL(l net.Listener) string {
	a := l.Addr().String()
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return "http://" + a
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func (s *Server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	_ = r.SetTrustedProxies(nil)
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false // a 404 in JSON rather than a 301 in HTML
	r.ContextWithFallback = true
	r.Use(s.recovery(), s.requestLog(), s.limitBody())

	r.NoRoute(func(c *gin.Context) {
		abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s", c.Request.Method, c.Request.URL.Path), nil)
	})
	r.NoMethod(func(c *gin.Context) {
		abort(c, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Sprintf("%s is not allowed on %s", c.Request.Method, c.Request.URL.Path), nil)
	})

	r.GET("/metrics", gin.WrapH(s.metrics.handler()))
	s.vendorRoutes(r)
	r.Any("/__sink/:name", s.sinkReceive)
	s.inspectorRoutes(r)

	r.GET("/__admin/health", s.health)
	admin := r.Group("/__admin", s.requireToken())
	admin.GET("/events", s.listEvents)
	admin.POST("/events/:vendor/:event", s.emit)
	admin.GET("/schemas/:vendor/:event", s.schema)
	admin.POST("/subscriptions", s.subscribe)
	admin.GET("/subscriptions", s.listSubscriptions)
	admin.GET("/subscriptions/:id", s.getSubscription)
	admin.DELETE("/subscriptions/:id", s.unsubscribe)
	admin.GET("/deliveries", s.listDeliveries)
	admin.GET("/deliveries/wait", s.waitDeliveries)
	admin.GET("/deliveries/:id", s.getDelivery)
	admin.POST("/deliveries/:id/redeliver", s.redeliver)
	admin.POST("/reset", s.reset)
	admin.POST("/runs", s.startRun)
	admin.GET("/runs", s.listRuns)
	admin.GET("/runs/:id", s.getRun)
	admin.GET("/scenarios", s.listScenarios)
	admin.GET("/scenarios/:name", s.getScenario)
	admin.GET("/stream", s.stream)
	admin.GET("/sink/:name", s.sinkList)
	admin.DELETE("/sink/:name", s.sinkClear)
	return r
}

// apiError is the body of every error response.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// abort answers an error; its message has the secrets it may quote from
// the request (URL user information, a Bearer token) masked.
func abort(c *gin.Context, status int, code, msg string, details any) {
	c.AbortWithStatusJSON(status, apiError{errorBody{Code: code, Message: redact.Text(msg), Details: details}})
}

// recovery turns a panic into a logged 500 with a JSON error; a 500 is
// always a standin bug.
func (s *Server) recovery() gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(nil, func(c *gin.Context, err any) {
		s.log.Error("panic serving request", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", fmt.Sprint(err))
		abort(c, http.StatusInternalServerError, "internal", "standin failed on this request (a bug; the log has details)", nil)
	})
}

func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		h := s.log.Handler()
		if !h.Enabled(c.Request.Context(), level) {
			return
		}
		// A record made here, not by Logger.Log, skips looking up the
		// caller's PC, which no standin log line shows.
		r := slog.NewRecord(time.Now(), level, "request", 0)
		r.AddAttrs(slog.String("method", c.Request.Method), slog.String("path", c.Request.URL.Path), slog.Int("status", c.Writer.Status()),
			slog.String("duration", time.Since(start).Round(time.Microsecond).String()), slog.String("remote", c.ClientIP()))
		_ = h.Handle(c.Request.Context(), r)
	}
}

func (s *Server) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > s.cfg.BodyLimit {
			abort(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body of %d bytes is over the limit of %d", c.Request.ContentLength, s.cfg.BodyLimit), nil)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.BodyLimit)
		c.Next()
	}
}

func (s *Server) requireToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.cfg.AdminToken == "" {
			c.Next()
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="standin admin"`)
			abort(c, http.StatusUnauthorized, "unauthorized", "the admin API needs Authorization: Bearer <admin token>", nil)
			return
		}
		c.Next()
	}
}

// vendorRoutes serves, under /<id>/, the API of every vendor that has one:
// every method and path below the prefix goes to the vendor's handler.
func (s *Server) vendorRoutes(r *gin.Engine) {
	for _, v := range s.vendors.Vendors() {
		api, ok := v.(catalog.API)
		if !ok {
			continue
		}
		prefix := "/" + v.ID()
		h := http.StripPrefix(prefix, api.Handler(s.runs, s.cfg.APITokens[v.ID()]))
		r.Any(prefix+"/*path", gin.WrapH(h))
	}
}

// liftDeadline gives a long-poll handler that will wait up to d the time
// to wait and then write its answer, past the server's WriteTimeout.
// (ReadTimeout needs no lifting: net/http clears the read deadline once it
// has read the request.) Without a deadline to lift (a handler under test)
// it does nothing.
func liftDeadline(c *gin.Context, d time.Duration) {
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Now().Add(d + longPollGrace))
}

// longPollGrace is the time a long-poll handler has to write its answer
// once its wait ends.
const longPollGrace = 30 * time.Second

func (s *Server) health(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": s.cfg.Version})
}
