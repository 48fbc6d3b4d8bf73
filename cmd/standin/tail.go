package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/standin-dev/standin/emulator/delivery"
)

// tailOptions are standin tail's flags.
type tailOptions struct {
	url, adminToken                          string
	run, vendor, event, status, subscription string
	asJSON                                   bool
	retryFor                                 time.Duration
}

func newTailCmd() *cobra.Command {
	var o tailOptions
	cmd := &cobra.Command{
		Use:   "tail [--url URL] [--run ID] [--vendor V] [--event E] [--status S] [--json]",
		Short: "Print a running server's delivery attempts as they happen",
		Long: `Follow GET /__admin/stream of a running standin and print one line per
delivery attempt: time, vendor, event, target, status, attempt number and
latency (coloured on a terminal), or with --json the attempt as one JSON
object per line. The filters are those of GET /__admin/deliveries; --status
keeps the attempts after which the delivery had that status (retrying,
delivered or failed), printed once the server reports it.

When the stream breaks, tail reconnects for up to --retry-for. It exits 0
on SIGINT or SIGTERM, 1 when the server cannot be reached, 2 when the server
refuses the request (a bad filter, a missing --admin-token).`,
		Example: `  standin tail
  standin tail --url http://localhost:8080 --vendor rocketlane --json
  STANDIN_ADMIN_TOKEN=s3cret standin tail --run run_0123456789abcdef`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return tail(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	f.StringVar(&o.adminToken, "admin-token", "", "the server's --admin-token, sent as Authorization: Bearer <token>")
	f.StringVar(&o.run, "run", "", "only the attempts of this run")
	f.StringVar(&o.vendor, "vendor", "", "only this vendor's attempts")
	f.StringVar(&o.event, "event", "", "only this event's attempts (the vendor's name or the slug)")
	f.StringVar(&o.status, "status", "", "only the attempts that left their delivery retrying, delivered or failed")
	f.StringVar(&o.subscription, "subscription", "", "only this subscription's attempts")
	f.BoolVar(&o.asJSON, "json", false, "print each attempt as one JSON object per line")
	f.DurationVar(&o.retryFor, "retry-for", 30*time.Second, "how long to try to reconnect when the stream breaks (0: exit at once)")
	return cmd
}

// attemptEvent is the data of the stream's `event: attempt`.
type attemptEvent struct {
	Delivery string           `json:"delivery"`
	Run      string           `json:"run"`
	Vendor   string           `json:"vendor"`
	Event    string           `json:"event"`
	Target   string           `json:"target"`
	Attempt  delivery.Attempt `json:"attempt"`
}

// errStreamEnded is a stream that ended or broke after it was open.
var errStreamEnded = errors.New("the stream ended")

// tail follows the stream until ctx ends.
func tail(ctx context.Context, out, errOut io.Writer, o tailOptions) error {
	base := strings.TrimSuffix(o.url, "/")
	q := url.Values{}
	if o.status != "" && !slices.Contains(attemptStatuses, o.status) {
		return usageErr(fmt.Errorf("--status %q: want one of %s (an attempt leaves its delivery in one of them)", o.status, strings.Join(attemptStatuses, ", ")))
	}
	// The stream's status filter applies to delivery events only; tail
	// pairs each attempt with the status that follows it instead.
	for k, v := range map[string]string{"run": o.run, "vendor": o.vendor, "event": o.event, "subscription": o.subscription} {
		if v != "" {
			q.Set(k, v)
		}
	}
	u := base + "/__admin/stream"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	p := &attemptPrinter{out: out, color: !o.asJSON && colorful(out), asJSON: o.asJSON, status: o.status, held: map[string][]string{}}
	connected := false
	var lostAt time.Time
	wait := 200 * time.Millisecond
	for {
		err := follow(ctx, u, o.adminToken, p, errOut, func() {
			if connected {
				fmt.Fprintf(errOut, "%s: reconnected to %s\n", programName, base)
			}
			connected, lostAt, wait = true, time.Time{}, 200*time.Millisecond
		})
		if ctx.Err() != nil {
			return nil // interrupted
		}
		var ee *exitError
		switch {
		case errors.As(err, &ee):
			return err
		case !connected:
			return failedErr(fmt.Errorf("cannot reach standin at %s: %w", base, err))
		}
		if lostAt.IsZero() {
			lostAt = time.Now()
			fmt.Fprintf(errOut, "%s: lost the stream from %s (%v); reconnecting for up to %s\n", programName, base, err, o.retryFor)
		}
		if time.Since(lostAt) >= o.retryFor {
			return failedErr(fmt.Errorf("lost the stream from %s and could not reconnect within %s: %w", base, o.retryFor, err))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// idleTimeout is how long a stream may stay silent (the server sends a
// heartbeat every 15 s) before tail takes it for broken; a variable for
// the tests.
var idleTimeout = 45 * time.Second

// follow reads one connection to the stream at u, calling opened once it
// answers 200, and prints its attempts until it ends.
func follow(ctx context.Context, u, token string, p *attemptPrinter, errOut io.Writer, opened func()) (err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errSilent := fmt.Errorf("nothing received for %s, not even a heartbeat", idleTimeout)
	idle := time.AfterFunc(idleTimeout, func() { cancel(errSilent) })
	defer idle.Stop()
	defer func() {
		if context.Cause(ctx) == errSilent {
			err = errSilent
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return usageErr(fmt.Errorf("--url: %w", err))
	}
	req.Header.Set("Accept", "text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		err := fmt.Errorf("%s answered %s: %w", u, resp.Status, apiError(u, resp.StatusCode, b))
		if resp.StatusCode == http.StatusUnauthorized {
			err = fmt.Errorf("%w (give --admin-token or STANDIN_ADMIN_TOKEN)", err)
		}
		if resp.StatusCode >= 400 && resp.StatusCode < 500 {
			return usageErr(err)
		}
		return failedErr(err)
	}
	opened()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	var event, data string
	for sc.Scan() {
		idle.Reset(idleTimeout)
		line := sc.Text()
		switch {
		case line == "":
			switch event {
			case "attempt":
				if err := p.attempt(data); err != nil {
					return err
				}
			case "delivery":
				if err := p.delivery(data); err != nil {
					return err
				}
			case "dropped":
				var d struct{ Dropped int }
				_ = json.Unmarshal([]byte(data), &d)
				fmt.Fprintf(errOut, "%s: the server dropped %d stream events (tail fell behind)\n", programName, d.Dropped)
			}
			event, data = "", ""
		case strings.HasPrefix(line, "event:"):
			event = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errStreamEnded
}

// attemptStatuses are the statuses an attempt leaves a delivery in.
var attemptStatuses = []string{string(delivery.Retrying), string(delivery.Delivered), string(delivery.Failed)}

// maxHeld bounds the attempts a --status filter holds back for the status
// that follows them (which a stream that dropped events may never send).
const maxHeld = 10000

// attemptPrinter writes attempts as lines; with status set, it holds each
// attempt until its delivery's next status says whether to print it.
type attemptPrinter struct {
	out    io.Writer
	color  bool
	asJSON bool
	status string
	held   map[string][]string // attempt data by delivery id
}

// attempt takes one attempt event's data.
func (p *attemptPrinter) attempt(data string) error {
	if p.status == "" {
		return p.print(data)
	}
	var ev struct{ Delivery string }
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		return fmt.Errorf("the server sent an attempt that is not JSON: %w", err)
	}
	if _, ok := p.held[ev.Delivery]; !ok && len(p.held) >= maxHeld {
		for id := range p.held { // forget one; its status never came
			delete(p.held, id)
			break
		}
	}
	p.held[ev.Delivery] = append(p.held[ev.Delivery], data)
	return nil
}

// delivery takes one delivery event's data: the status that follows the
// attempts held for it.
func (p *attemptPrinter) delivery(data string) error {
	if p.status == "" {
		return nil
	}
	var d struct{ ID, Status string }
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return fmt.Errorf("the server sent a delivery that is not JSON: %w", err)
	}
	held := p.held[d.ID]
	delete(p.held, d.ID)
	if d.Status != p.status {
		return nil
	}
	for _, a := range held {
		if err := p.print(a); err != nil {
			return err
		}
	}
	return nil
}

// ANSI colours of tail's lines.
const (
	ansiReset  = "\x1b[0m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

func (p *attemptPrinter) paint(color, s string) string {
	if !p.color {
		return s
	}
	return color + s + ansiReset
}

// print writes one attempt event's data.
func (p *attemptPrinter) print(data string) error {
	if p.asJSON {
		_, err := fmt.Fprintln(p.out, data)
		return err
	}
	var ev attemptEvent
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		return fmt.Errorf("the server sent an attempt that is not JSON: %w", err)
	}
	_, err := fmt.Fprintln(p.out, p.line(ev))
	return err
}

// line is an attempt as tail prints it: time, vendor, event, target,
// status, attempt number, latency, and the error if any.
func (p *attemptPrinter) line(ev attemptEvent) string {
	a := ev.Attempt
	status := "error"
	if a.Response != nil {
		status = fmt.Sprint(a.Response.Status)
	}
	if a.Success {
		status = p.paint(ansiGreen, fmt.Sprintf("%-5s", status+" ok"))
	} else {
		status = p.paint(ansiRed, fmt.Sprintf("%-5s", status))
	}
	n := fmt.Sprintf("#%d", a.N)
	if a.Duplicate {
		n += p.paint(ansiYellow, " duplicate")
	}
	line := fmt.Sprintf("%s  %-10s  %-26s  %s  %s  %s  %s",
		p.paint(ansiDim, a.StartedAt.Local().Format("15:04:05.000")), ev.Vendor, ev.Event, ev.Target, status, n,
		time.Duration(a.Duration).Round(100*time.Microsecond))
	if a.Error != "" {
		line += "  " + p.paint(ansiRed, a.Error)
	}
	return line
}

// colorful reports whether w is a terminal that takes colours (NO_COLOR
// unset).
func colorful(w io.Writer) bool {
	if _, off := os.LookupEnv("NO_COLOR"); off {
		return false
	}
	return isTerminal(w)
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}
