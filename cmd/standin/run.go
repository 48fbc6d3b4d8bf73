package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/emulator/server"
	"github.com/standin-dev/standin/scenarios"
)

func newRunCmd() *cobra.Command {
	var (
		targets   []string
		vars      *pairsFlag
		seed      uint64
		timeScale float64
		asJSON    bool
		listen    string
		selfCheck bool
	)
	cmd := &cobra.Command{
		Use:   "run SCENARIO [--target URL]... [--seed N] [--time-scale F] [--var K=V]... [--json]",
		Short: "Play a scenario and deliver its events to your receivers",
		Long: `Play a scenario: a built-in one (see 'standin scenarios') or a YAML file.
Every event is generated at the scenario's virtual time, validated against
its schema and delivered to each --target with the vendor's delivery rules,
one after another, in order. Without --target the events go to an embedded
sink, so you can see what would be sent.

Each delivery is printed once it is final, in story order, also when the
output is a pipe or a file; on a terminal at a --time-scale above 0, a
status line says which step the run waits for and how long.

--time-scale 0 (the default) plays the waits between steps at once while the
payload timestamps still follow the scenario's clock; 1 plays them in real
time, 0.1 ten times faster. The same scenario, seed and vars always give the
same payload bytes.

Exit status: 0 when every delivery succeeded, 1 when one failed (or the
receiver did not finish an awaited Cutover task in time), 2 for bad input
(an unreadable scenario, named by file:line:col, an unknown var, a bad URL)
or a step the script gets wrong.`,
		Example: `  standin run cutover-runbook-integration-failure
  standin run flexdeploy-release-pipeline --target http://localhost:9000/hooks --var outcome=rejected
  standin run ./my-scenario.yaml --seed 7 --json > deliveries.jsonl`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				return nil
			}
			return usageErr(fmt.Errorf("run takes one SCENARIO, a YAML file or a built-in (got %s); the built-ins: %s",
				plural(len(args), "argument"), strings.Join(scenarios.Names(), ", ")))
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return usageErr(err)
			}
			opts := runs.Options{Targets: targets, TimeScale: timeScale, Vars: vars.Map(), SelfCheck: selfCheck, UserAgent: "standin/" + buildVersion()}
			if cmd.Flags().Changed("seed") { // also when STANDIN_SEED set it
				opts.Seed = &seed
			}
			return playScenario(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), sc, opts, asJSON, listen, cmd.Flags().Changed("listen"))
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&targets, "target", nil, "receiver URL to deliver to (repeatable); default: the embedded sink")
	vars = newPairsFlag(f, "var", "=", "outcome=rejected", "set a scenario var, K=V (repeatable); a list var takes a comma-separated value")
	f.Uint64Var(&seed, "seed", 0, "seed of every generated value; without it, the scenario's seed:, else 1")
	f.Float64Var(&timeScale, "time-scale", 0, "real seconds per virtual second: 0 plays at once, 1 in real time")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per delivery, with the payload")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address of the run's embedded server (the sink, a vendor's API an integration calls back); when given, it also serves the admin API, the live stream and the inspector, and goes on after the run until interrupted")
	selfCheckFlag(cmd, &selfCheck)
	return cmd
}

// playScenario runs sc in-process and prints every delivery as it
// becomes final, in story order. The run lives in an embedded server on
// listen: its sink takes the events when no target is given, and it serves
// the emulated Cutover API, so an integration service can call back. With
// keepServing, that server (admin API, stream, inspector) goes on after the
// run until interrupted.
func playScenario(ctx context.Context, out, errOut io.Writer, sc *scenarios.Scenario, opts runs.Options, asJSON bool, listen string, keepServing bool) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	l, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErr(fmt.Errorf("--listen %s: %w", listen, err))
	}
	srv := server.New(server.Config{Logger: quiet, Version: buildVersion(), SelfCheck: opts.SelfCheck})
	go func() { _ = srv.Serve(l) }()
	base := server.ListenerURL(l)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if len(opts.Targets) == 0 {
		opts.Targets = []string{base + "/__sink/" + sc.Vendor}
	}
	// Listening before the run starts, so that no change is missed; the
	// run's id is known once it has started.
	changes := srv.Engine().Listen(delivery.Filter{}, 1<<10) // a run waits for each delivery, so bursts are small
	defer changes.Close()
	// The run's summaries say what it waits for, for the status line.
	status := !asJSON && opts.TimeScale > 0 && isTerminal(out)
	var summaries <-chan runs.Summary
	if status {
		l := srv.Runs().Listen("", 256)
		defer l.Close()
		summaries = l.C()
	}
	r, err := srv.Runs().Start(sc, opts)
	if err != nil {
		return usageErr(err)
	}
	if _, ok := sc.Def.(catalog.API); ok && !asJSON {
		fmt.Fprintf(out, "%s API for this run: %s/%s/\n\n", sc.Def.Name(), base, sc.Vendor)
	}
	p := newRowPrinter(out, sc, opts.Targets, asJSON, status)
	p.header()
	follow := newRowFollower(r, srv.Engine())
	var tick <-chan time.Time
	if p.status {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		tick = t.C
	}
	interrupted := false
play:
	for {
		select {
		case ch := <-changes.C():
			if ch.Delivery.Run == r.ID() {
				if err := p.rows(follow.change(ch)); err != nil {
					return err
				}
			}
		case sum := <-summaries:
			if sum.ID == r.ID() {
				p.wait(sum.Waiting)
			}
		case <-tick:
			p.drawStatus()
		case <-r.Done():
			break play
		case <-ctx.Done():
			interrupted = true
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = srv.Shutdown(sctx) // cancels the run, which records how far it got
			cancel()
			<-r.Done()
			break play
		}
	}
	p.wait(nil)
	rep := r.Report()
	// The rest, from the final report: rows the feed has not shown yet.
	if err := p.rows(follow.rest(rep)); err != nil {
		return err
	}
	if !asJSON {
		p.footer(rep)
	}
	if keepServing && !interrupted {
		fmt.Fprintf(errOut, "%s: the run has ended; serving it at %s (admin API, live stream, inspector) until interrupted\n", programName, base)
		<-ctx.Done()
	}
	var serr *runs.StepError
	switch {
	case errors.As(r.Err(), &serr) && serr.Receiver:
		return failedErr(serr)
	case errors.As(r.Err(), &serr):
		return usageErr(serr)
	case rep.Status == runs.Failed:
		return failedErr(errors.New(rep.Error))
	}
	return nil
}

// deliveryRow is one delivery as run prints it.
type deliveryRow struct {
	Step      int             `json:"step"`
	At        time.Time       `json:"at"`
	Event     string          `json:"event"`
	Entity    string          `json:"entity,omitempty"`
	EventID   string          `json:"event_id"`
	Delivery  string          `json:"delivery"`
	Target    string          `json:"target"`
	Status    string          `json:"status"`
	Attempts  int             `json:"attempts"`
	LatencyMS float64         `json:"latency_ms"`
	Response  int             `json:"response_status,omitempty"`
	Error     string          `json:"error,omitempty"`
	Fault     string          `json:"fault,omitempty"`
	Note      string          `json:"note,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// rowOf is delivery d of event ev as a row.
func rowOf(ev runs.Emitted, d delivery.Delivery) deliveryRow {
	row := deliveryRow{
		Step: ev.Step, At: ev.At, Event: ev.Event, Entity: ev.Entity, EventID: ev.EventID,
		Delivery: d.ID, Target: d.URL, Status: string(d.Status), Attempts: d.AttemptCount,
		Error: d.Error, Fault: ev.Fault, Note: ev.Note, Payload: ev.Payload,
	}
	if n := len(d.Attempts); n > 0 {
		last := d.Attempts[n-1]
		row.LatencyMS = float64(time.Duration(last.Duration).Microseconds()) / 1000
		if last.Response != nil {
			row.Response = last.Response.Status
		}
	}
	return row
}

// rowFollower turns a run's delivery changes into rows, in story order:
// a delivery's row is ready once it is final and every delivery made
// before it has had its row.
type rowFollower struct {
	run    *runs.Run
	engine *delivery.Engine
	events map[string]runs.Emitted // by event id
	seen   int                     // events read from the run
	queue  []string                // deliveries made and not printed, oldest first
	final  map[string]bool
	done   map[string]bool // printed
}

func newRowFollower(r *runs.Run, e *delivery.Engine) *rowFollower {
	return &rowFollower{run: r, engine: e, events: map[string]runs.Emitted{}, final: map[string]bool{}, done: map[string]bool{}}
}

// change takes one change of the run's deliveries and returns the rows it
// made ready.
func (f *rowFollower) change(ch delivery.Change) []deliveryRow {
	id := ch.Delivery.ID
	switch {
	case ch.Kind == delivery.Created:
		f.queue = append(f.queue, id)
	case ch.Kind == delivery.StatusChanged && ch.Delivery.Status.Final():
		f.final[id] = true
	default:
		return nil
	}
	var rows []deliveryRow
	for len(f.queue) > 0 && f.final[f.queue[0]] {
		id := f.queue[0]
		f.queue = f.queue[1:]
		delete(f.final, id)
		d, ok := f.engine.Delivery(id)
		if !ok {
			continue
		}
		ev, ok := f.event(d.EventID)
		if !ok {
			continue // left to rest
		}
		f.done[id] = true
		rows = append(rows, rowOf(ev, d))
	}
	return rows
}

// event returns the run's event with id, reading the run's new events.
func (f *rowFollower) event(id string) (runs.Emitted, bool) {
	if ev, ok := f.events[id]; ok {
		return ev, true
	}
	for _, ev := range f.run.EventsFrom(f.seen) {
		f.events[ev.EventID] = ev
		f.seen++
	}
	ev, ok := f.events[id]
	return ev, ok
}

// rest returns, from the run's final report, the rows not returned yet.
func (f *rowFollower) rest(rep runs.Report) []deliveryRow {
	var rows []deliveryRow
	for _, ev := range rep.Events {
		for _, id := range ev.Deliveries {
			if f.done[id] {
				continue
			}
			d, ok := f.engine.Delivery(id)
			if !ok {
				continue
			}
			f.done[id] = true
			rows = append(rows, rowOf(ev, d))
		}
		if len(ev.Deliveries) == 0 {
			rows = append(rows, deliveryRow{Step: ev.Step, At: ev.At, Event: ev.Event, Entity: ev.Entity, EventID: ev.EventID,
				Status: "not delivered", Error: "no subscription took it", Note: ev.Note, Payload: ev.Payload})
		}
	}
	return rows
}

// rowPrinter writes rows as they come: a table with fixed columns (sized
// for the scenario's event names and targets), or JSON lines; on a
// terminal, also a status line saying what the run waits for.
type rowPrinter struct {
	out     io.Writer
	asJSON  bool
	widths  [3]int // event, entity, target
	printed []deliveryRow
	status  bool
	waiting *runs.Waiting
	drawn   bool // the status line is on screen
}

func newRowPrinter(out io.Writer, sc *scenarios.Scenario, targets []string, asJSON, status bool) *rowPrinter {
	p := &rowPrinter{out: out, asJSON: asJSON, status: status, widths: [3]int{len("EVENT"), len("ENTITY"), len("TARGET")}}
	for _, e := range sc.Def.Events() {
		p.widths[0] = max(p.widths[0], len(e.Name))
	}
	for _, e := range sc.Entities {
		p.widths[1] = max(p.widths[1], len(e.Name))
	}
	for _, t := range targets {
		p.widths[2] = max(p.widths[2], len(t))
	}
	return p
}

const rowFormat = "%-4s  %-19s  %-*s  %-*s  %-*s  %s\n"

func (p *rowPrinter) header() {
	if p.asJSON {
		return
	}
	fmt.Fprintf(p.out, rowFormat, "STEP", "AT", p.widths[0], "EVENT", p.widths[1], "ENTITY", p.widths[2], "TARGET", fmt.Sprintf("%-16s  %-8s  %s", "STATUS", "ATTEMPTS", "LATENCY"))
}

// rows writes rows, each on its own line.
func (p *rowPrinter) rows(rows []deliveryRow) error {
	if len(rows) == 0 {
		return nil
	}
	p.clearStatus()
	for _, r := range rows {
		if p.asJSON {
			b, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(p.out, "%s\n", b); err != nil {
				return err
			}
			continue
		}
		status := r.Status
		if r.Response != 0 {
			status = fmt.Sprintf("%s (%d)", r.Status, r.Response)
		}
		if r.Fault != "" {
			status += " [" + r.Fault + "]"
		}
		if _, err := fmt.Fprintf(p.out, rowFormat, fmt.Sprint(r.Step), r.At.UTC().Format("2006-01-02 15:04:05"),
			p.widths[0], r.Event, p.widths[1], r.Entity, p.widths[2], r.Target,
			fmt.Sprintf("%-16s  %-8d  %.1fms", status, r.Attempts, r.LatencyMS)); err != nil {
			return err
		}
		p.printed = append(p.printed, r)
	}
	p.drawStatus()
	return nil
}

// wait sets what the run waits for (nil: nothing) and redraws the status
// line.
func (p *rowPrinter) wait(w *runs.Waiting) {
	p.waiting = w
	if w == nil {
		p.clearStatus()
		return
	}
	p.drawStatus()
}

// drawStatus writes the status line over the last one: the next step,
// its virtual time and the real time left.
func (p *rowPrinter) drawStatus() {
	if !p.status || p.waiting == nil {
		return
	}
	w := p.waiting
	left := max(time.Until(w.Until), 0).Round(100 * time.Millisecond)
	fmt.Fprintf(p.out, "\r\x1b[Kwaiting for %s (line %d) at %s virtual time, %s left", w.Step, w.Pos.Line, w.At.UTC().Format("2006-01-02 15:04:05"), left)
	p.drawn = true
}

func (p *rowPrinter) clearStatus() {
	if p.drawn {
		fmt.Fprint(p.out, "\r\x1b[K")
		p.drawn = false
	}
}

// footer writes the notes, the errors and the summary line after the rows.
func (p *rowPrinter) footer(rep runs.Report) {
	for _, r := range p.printed {
		if r.Note != "" {
			fmt.Fprintf(p.out, "step %d %s: %s\n", r.Step, r.Event, r.Note)
		}
	}
	for _, r := range p.printed {
		if r.Error != "" {
			fmt.Fprintf(p.out, "step %d %s to %s: %s\n", r.Step, r.Event, r.Target, r.Error)
		}
	}
	fmt.Fprintf(p.out, "\n%s: %d events, %d deliveries: %d delivered, %d failed (seed %d)\n",
		rep.Scenario, len(rep.Events), rep.Deliveries.Total, rep.Deliveries.Delivered, rep.Deliveries.Failed, rep.Seed)
}

func newScenariosCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scenarios [show NAME | check FILE]",
		Short: "List the built-in scenarios, print one, or check a scenario file",
		Long: `Without arguments, list the built-in scenarios. 'show NAME' prints a
built-in scenario's YAML, to copy and edit; 'check FILE' parses a scenario
file and reports every problem with its file:line:col (exit 2), without
playing it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tVENDOR\tDESCRIPTION")
			for _, name := range scenarios.Names() {
				sc, _ := scenarios.Builtin(name)
				desc, _, _ := strings.Cut(sc.Description, ". ")
				fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Name, sc.Vendor, strings.TrimSuffix(desc, "."))
			}
			return tw.Flush()
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "show NAME",
		Short: "Print a built-in scenario's YAML",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Builtin(args[0])
			if err != nil {
				return usageErr(err)
			}
			_, err = cmd.OutOrStdout().Write(sc.Source)
			return err
		},
	}, newCheckCmd())
	return cmd
}

func newCheckCmd() *cobra.Command {
	var (
		seed uint64
		vars *pairsFlag
	)
	cmd := &cobra.Command{
		Use:   "check FILE|NAME [--var K=V]... [--seed N]",
		Short: "Dry-run a scenario: build and validate every payload, send nothing",
		Long: `Play a scenario dry, as 'standin run' would play it with the same vars and
seed (the file's own, or --var and --seed): every step planned, every
payload built on the scenario's virtual clock and validated against its
schema, nothing sent and nothing waited for. Every problem 'run' would meet
is reported with its file:line:col; 'run' makes the same check before it
sends the first event, so a story is delivered whole or not at all.

A step of the vendor's own kinds (Cutover's fire, cancel, await) depends on
what your receiver does, so the dry run stops there: the steps from it on
are checked as written, and built when the scenario is played.

Exit status: 0 valid, 2 invalid.`,
		Example: `  standin scenarios check ./release.yaml
  standin scenarios check ./release.yaml --var outcome=rejected --seed 7`,
		Args: exactArgs(1, "FILE or NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return usageErr(err)
			}
			opts := runs.Options{Vars: vars.Map(), SelfCheck: true}
			if cmd.Flags().Changed("seed") {
				opts.Seed = &seed
			}
			c, err := runs.Check(sc, opts)
			if err != nil {
				return usageErr(err)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: valid %s scenario %q: %s built and valid (seed %d)\n", sc.File, sc.Vendor, sc.Name, plural(c.Events, "payload"), c.Seed)
			if c.Unplayed != nil {
				fmt.Fprintf(out, "%s:%d:%d: the dry run stops at this %s step: its outcome is the receiver's, so the steps from here on are built when the scenario is played\n",
					sc.File, c.Unplayed.Pos.Line, c.Unplayed.Pos.Col, c.Unplayed.Action)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed to check with; without it, the scenario's seed:, else 1")
	vars = newPairsFlag(cmd.Flags(), "var", "=", "outcome=rejected", "set a scenario var, K=V (repeatable), as for run")
	return cmd
}
