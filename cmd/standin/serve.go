package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/redact"
	"github.com/standin-dev/standin/emulator/server"
)

func newServeCmd() *cobra.Command {
	cmd, _ := newServe()
	return cmd
}

// flagError is a value of serve's flags serve cannot run with. Flags are
// the flags it concerns, the one to change first.
type flagError struct {
	Flags []string
	Msg   string
}

func (e *flagError) Error() string { return e.Msg }

// newServe makes the serve command and the check of its flags' values
// that serve makes before anything else (config check makes it too); the
// check's errors are *flagError.
func newServe() (*cobra.Command, func() error) {
	var (
		addr, adminToken, logFormat string
		config                      string
		apiTokens                   = map[string]*string{}
		selfCheck                   bool
		seed                        uint64
		shutdownTimeout             time.Duration
		limits                      serveLimits
	)
	var logLevel string
	var cmd *cobra.Command
	check := func() error {
		if _, err := newLogger(io.Discard, "json", logLevel); err != nil {
			return &flagError{Flags: []string{"log-level"}, Msg: err.Error()}
		}
		if _, err := newLogger(io.Discard, logFormat, "info"); err != nil {
			return &flagError{Flags: []string{"log-format"}, Msg: err.Error()}
		}
		return limits.apply(&server.Config{}, cmd.Flags())
	}
	cmd = &cobra.Command{
		Use:   "serve [--addr :8080]",
		Short: "Run the server: admin API, delivery engine, embedded sink, metrics",
		Long: `Run standin as a server. Subscribe receivers and emit events through the
admin API under /__admin/; every delivery and attempt is logged there.
Events that no subscription takes go to the embedded sink, /__sink/<vendor>,
readable at GET /__admin/sink/<vendor>. Prometheus metrics are at /metrics.
The emulated Cutover API (/cutover/core/runbooks/...) serves the runbooks of
scenario runs, for integrations that call back.

It logs every request and every delivery's outcome (run, vendor, event,
target, status, attempts, latency) at info, and failed deliveries at warn
with the reason; --log-level warn keeps the failures only.

On SIGTERM or SIGINT it stops accepting requests, lets in-flight deliveries
finish for up to --shutdown-timeout, records the rest as failed, and exits 0.`,
		Example: `  standin serve --addr :8080
  curl -s -XPOST localhost:8080/__admin/events/cutover/task.created
  curl -s localhost:8080/__admin/deliveries`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var file *configFile
			if path := configPath(config); path != "" {
				var err error
				if file, err = loadConfig(path, os.LookupEnv); err != nil {
					return usageErr(err)
				}
				if err := file.applySettings(cmd.Flags()); err != nil {
					return usageErr(err)
				}
			}
			if err := check(); err != nil {
				if file != nil {
					err = file.settingError(err)
				}
				return usageErr(err)
			}
			logger, err := newLogger(cmd.ErrOrStderr(), logFormat, logLevel)
			if err != nil {
				return usageErr(err)
			}
			cfg := server.Config{}
			if err := limits.apply(&cfg, cmd.Flags()); err != nil {
				return usageErr(err)
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return usageErr(fmt.Errorf("listen on %s: %w", addr, err))
			}
			tokens := map[string]string{}
			for id, t := range apiTokens {
				tokens[id] = *t
			}
			cfg.AdminToken, cfg.APITokens, cfg.Seed = adminToken, tokens, seed
			cfg.Version, cfg.Logger, cfg.SelfCheck = buildVersion(), logger, selfCheck
			srv := server.New(cfg)
			if file != nil {
				if err := file.setup(srv, adminToken); err != nil {
					_ = l.Close()
					return usageErr(err)
				}
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(l) }()
			logger.Info("standin listening", "addr", l.Addr().String(), "version", buildVersion())
			if file != nil {
				logger.Info("configured from file", "file", file.path, "subscriptions", len(file.Subscriptions), "runs", len(file.Runs))
				file.startRuns(srv, adminToken, logger)
			}
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			stop()
			logger.Info("shutting down", "timeout", shutdownTimeout.String())
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				logger.Warn("shutdown cut short; unfinished deliveries were recorded as failed", "error", err)
			}
			logger.Info("stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&config, "config", "", "YAML file of server settings, subscriptions and runs to play at start (default "+defaultConfigPath+" when present; see 'standin config check')")
	f.StringVar(&addr, "addr", ":8080", "address to listen on")
	f.StringVar(&adminToken, "admin-token", "", "require Authorization: Bearer <token> on /__admin/ (health excepted)")
	for _, v := range vendors().Vendors() {
		if _, ok := v.(catalog.API); ok {
			t := new(string)
			apiTokens[v.ID()] = t
			f.StringVar(t, v.ID()+"-token", "", fmt.Sprintf("require Authorization: Bearer <token> on the emulated %s API under /%s/", v.Name(), v.ID()))
		}
	}
	selfCheckFlag(cmd, &selfCheck)
	f.Uint64Var(&seed, "seed", 1, "seed of the first emitted event; each emit without ?seed= takes the next")
	addLimitFlags(f, &limits)
	f.DurationVar(&shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long in-flight deliveries may take to finish on SIGTERM")
	f.StringVar(&logFormat, "log-format", "auto", "log format: text, json, or auto (text on a terminal, JSON otherwise)")
	f.StringVar(&logLevel, "log-level", "info", "least severe log records written: debug, info (every request and delivery), warn (failures) or error")
	return cmd, check
}

// newLogger makes the server's slog logger writing records at level and
// above: text on a terminal, JSON otherwise, unless format says; every line
// has its secrets masked (package redact).
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil || !slices.Contains([]string{"debug", "info", "warn", "error"}, strings.ToLower(level)) {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "auto":
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	case "text", "json":
	default:
		return nil, fmt.Errorf("--log-format %q: want text, json or auto", format)
	}
	var h slog.Handler = slog.NewJSONHandler(w, opts)
	if format == "text" {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(redact.Handler(h)), nil
}

func newHealthCmd() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "health [--url URL]",
		Short: "Probe a running standin (exit 0 when healthy)",
		Long:  "GET <url>/__admin/health and exit 0 when it answers 200 with status ok; the image's HEALTHCHECK.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := &http.Client{Timeout: timeout}
			u := strings.TrimSuffix(url, "/") + "/__admin/health"
			resp, err := c.Get(u)
			if err != nil {
				return failedErr(fmt.Errorf("unhealthy: %w", err))
			}
			defer resp.Body.Close()
			var h struct{ Status, Version string }
			if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&h); err != nil || resp.StatusCode != http.StatusOK || h.Status != "ok" {
				return failedErr(fmt.Errorf("unhealthy: %s answered %s", u, resp.Status))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "healthy: standin %s at %s\n", h.Version, url)
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "http://127.0.0.1:8080", "base URL of the server")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for an answer")
	return cmd
}
