package main

import (
	"fmt"
	"time"

	"github.com/spf13/pflag"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/emulator/server"
)

// serveLimits are the bounds of standin serve, each a flag (and so a
// STANDIN_<FLAG> variable) with its default; the README's Limits table
// lists them.
type serveLimits struct {
	workers, retention                     int
	requestBody                            int64
	inflight, targetInflight, backlog      int
	subscriptions                          int
	retentionBytes, headerLimit, bodyLimit int
	attemptsKept                           int
	sinkLimit, sinkNames, sinkBytes        int
	runs, runsKept                         int
	readHeader, read, write, idle          time.Duration
}

// addLimitFlags registers the limits' flags on f.
func addLimitFlags(f *pflag.FlagSet, l *serveLimits) {
	f.Int64Var(&l.requestBody, "body-limit", server.DefaultBodyLimit, "largest request body accepted, in bytes (413 beyond)")
	f.IntVar(&l.workers, "workers", delivery.DefaultWorkers, "deliveries attempted at once, shared by the subscriptions in turn")
	f.IntVar(&l.retention, "retention", delivery.DefaultRetention, "deliveries kept in the log (the oldest final ones go first, counted)")
	f.IntVar(&l.inflight, "inflight", delivery.DefaultInFlight, "attempts to one subscription in flight at once (a hanging receiver holds at most this many workers)")
	f.IntVar(&l.targetInflight, "target-inflight", delivery.DefaultTargetInFlight, "attempts to one receiver host in flight at once, however many subscriptions share it (a run's targets)")
	f.IntVar(&l.subscriptions, "max-subscriptions", delivery.DefaultMaxSubscriptions, "subscriptions at once, runs' targets included (POST /__admin/subscriptions answers 429 beyond)")
	f.IntVar(&l.backlog, "backlog", delivery.DefaultBacklog, "deliveries of one subscription not final at once; beyond, a delivery fails at once with \"backlog full\"")
	f.IntVar(&l.retentionBytes, "retention-bytes", delivery.DefaultRetentionBytes, "bytes the delivery log keeps, about (the oldest final deliveries go first, counted)")
	f.IntVar(&l.headerLimit, "header-limit", delivery.DefaultHeaderLimit, "bytes of response headers an attempt keeps (the rest is left out, marked headers_truncated)")
	f.IntVar(&l.bodyLimit, "response-body-limit", delivery.DefaultBodyLimit, "bytes of response body an attempt keeps (the rest is cut, marked truncated)")
	f.IntVar(&l.attemptsKept, "attempts-kept", delivery.DefaultAttemptsKept, "latest attempts a delivery keeps besides its first (those dropped are counted in attempts_dropped)")
	f.IntVar(&l.sinkLimit, "sink-limit", server.DefaultSinkLimit, "requests the embedded sink keeps per name (the oldest go first)")
	f.IntVar(&l.sinkNames, "sink-names", server.DefaultSinkNames, "names the embedded sink keeps (the least recently written goes)")
	f.IntVar(&l.sinkBytes, "sink-bytes", server.DefaultSinkBytes, "bytes the embedded sink keeps in all, about (the oldest requests go)")
	f.IntVar(&l.runs, "max-runs", runs.DefaultRunning, "scenario runs in progress at once (POST /__admin/runs answers 429 beyond)")
	f.IntVar(&l.runsKept, "runs-kept", runs.DefaultKeep, "runs remembered (the oldest finished ones go first)")
	f.DurationVar(&l.readHeader, "read-header-timeout", server.DefaultReadHeaderTimeout, "how long a client may take to send a request's headers")
	f.DurationVar(&l.read, "read-timeout", server.DefaultReadTimeout, "how long a client may take to send a whole request")
	f.DurationVar(&l.write, "write-timeout", server.DefaultWriteTimeout, "how long a response may take (the long-poll waits extend their own)")
	f.DurationVar(&l.idle, "idle-timeout", server.DefaultIdleTimeout, "how long an idle keep-alive connection stays open")
}

// apply checks the limits and sets them in cfg; an error is a *flagError.
// fs is where they were set: a --target-inflight given below --inflight is
// refused, where the default is raised to it (as the engine does).
func (l *serveLimits) apply(cfg *server.Config, fs *pflag.FlagSet) error {
	for _, n := range []struct {
		name string
		v    int64
	}{
		{"workers", int64(l.workers)}, {"retention", int64(l.retention)}, {"body-limit", l.requestBody},
		{"inflight", int64(l.inflight)}, {"target-inflight", int64(l.targetInflight)}, {"backlog", int64(l.backlog)},
		{"retention-bytes", int64(l.retentionBytes)}, {"header-limit", int64(l.headerLimit)}, {"response-body-limit", int64(l.bodyLimit)},
		{"attempts-kept", int64(l.attemptsKept)}, {"sink-limit", int64(l.sinkLimit)}, {"sink-names", int64(l.sinkNames)},
		{"sink-bytes", int64(l.sinkBytes)}, {"max-runs", int64(l.runs)}, {"runs-kept", int64(l.runsKept)},
		{"max-subscriptions", int64(l.subscriptions)},
	} {
		if n.v < 1 {
			return &flagError{Flags: []string{n.name}, Msg: fmt.Sprintf("--%s %d: must be at least 1", n.name, n.v)}
		}
	}
	if inflight := min(l.inflight, l.workers); l.targetInflight < inflight && fs.Changed("target-inflight") {
		return &flagError{Flags: []string{"target-inflight", "inflight"},
			Msg: fmt.Sprintf("--target-inflight %d: must be at least --inflight (%d), or no subscription could have its attempts in flight", l.targetInflight, inflight)}
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"read-header-timeout", l.readHeader}, {"read-timeout", l.read}, {"write-timeout", l.write}, {"idle-timeout", l.idle},
	} {
		if d.v <= 0 {
			return &flagError{Flags: []string{d.name}, Msg: fmt.Sprintf("--%s %s: must be above 0 (such as 30s)", d.name, d.v)}
		}
	}
	cfg.Workers, cfg.Retention, cfg.BodyLimit = l.workers, l.retention, l.requestBody
	cfg.InFlight, cfg.TargetInFlight, cfg.Backlog, cfg.RetentionBytes = l.inflight, l.targetInflight, l.backlog, l.retentionBytes
	cfg.HeaderLimit, cfg.ResponseBodyLimit, cfg.AttemptsKept = l.headerLimit, l.bodyLimit, l.attemptsKept
	cfg.SinkLimit, cfg.SinkNames, cfg.SinkBytes = l.sinkLimit, l.sinkNames, l.sinkBytes
	cfg.Runs, cfg.RunsKept, cfg.MaxSubscriptions = l.runs, l.runsKept, l.subscriptions
	cfg.ReadHeaderTimeout, cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout = l.readHeader, l.read, l.write, l.idle
	return nil
}
