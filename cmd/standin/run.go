package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
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
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return usageErr(err)
			}
			opts := runs.Options{Targets: targets, TimeScale: timeScale, Vars: vars.Map(), SelfCheck: selfCheck, UserAgent: "standin/" + buildVersion()}
			if cmd.Flags().Changed("seed") || os.Getenv(envPrefix+"SEED") != "" {
				opts.Seed = &seed
			}
			return playScenario(cmd.Context(), cmd.OutOrStdout(), sc, opts, asJSON, listen)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&targets, "target", nil, "receiver URL to deliver to (repeatable); default: the embedded sink")
	vars = newPairsFlag(f, "var", "=", "outcome=rejected", "set a scenario var, K=V (repeatable); a list var takes a comma-separated value")
	f.Uint64Var(&seed, "seed", 0, "seed of every generated value; without it, the scenario's seed:, else 1")
	f.Float64Var(&timeScale, "time-scale", 0, "real seconds per virtual second: 0 plays at once, 1 in real time")
	f.BoolVar(&asJSON, "json", false, "print one JSON object per delivery, with the payload")
	f.StringVar(&listen, "listen", "127.0.0.1:0", "address of the run's embedded server (the sink, and a vendor's API an integration calls back)")
	selfCheckFlag(cmd, &selfCheck)
	return cmd
}

// playScenario runs sc in-process and reports every delivery. The run
// lives in an embedded server on listen: its sink takes the events when
// no target is given, and it serves the emulated Cutover API, so an
// integration service can call back.
func playScenario(ctx context.Context, out io.Writer, sc *scenarios.Scenario, opts runs.Options, asJSON bool, listen string) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	l, err := net.Listen("tcp", listen)
	if err != nil {
		return usageErr(fmt.Errorf("--listen %s: %w", listen, err))
	}
	srv := server.New(server.Config{Logger: quiet, Version: buildVersion(), SelfCheck: opts.SelfCheck})
	go func() { _ = srv.Serve(l) }()
	base := "http://" + l.Addr().String()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if len(opts.Targets) == 0 {
		opts.Targets = []string{base + "/__sink/" + sc.Vendor}
	}
	r, err := srv.Runs().Start(sc, opts)
	if err != nil {
		return usageErr(err)
	}
	if _, ok := sc.Def.(catalog.API); ok && !asJSON {
		fmt.Fprintf(out, "%s API for this run: %s/%s/\n\n", sc.Def.Name(), base, sc.Vendor)
	}
	select {
	case <-r.Done():
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx) // cancels the run, which records how far it got
		cancel()
		<-r.Done()
	}
	rep := r.Report()
	rows := deliveryRows(srv.Engine(), rep)
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		for _, row := range rows {
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
	} else {
		printTable(out, rows)
		fmt.Fprintf(out, "\n%s: %d events, %d deliveries: %d delivered, %d failed (seed %d)\n",
			rep.Scenario, len(rep.Events), rep.Deliveries.Total, rep.Deliveries.Delivered, rep.Deliveries.Failed, rep.Seed)
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

func deliveryRows(engine *delivery.Engine, rep runs.Report) []deliveryRow {
	var rows []deliveryRow
	for _, ev := range rep.Events {
		for _, id := range ev.Deliveries {
			d, ok := engine.Delivery(id)
			if !ok {
				continue
			}
			row := deliveryRow{
				Step: ev.Step, At: ev.At, Event: ev.Event, Entity: ev.Entity, EventID: ev.EventID,
				Delivery: d.ID, Target: d.URL, Status: string(d.Status), Attempts: len(d.Attempts),
				Error: d.Error, Fault: ev.Fault, Note: ev.Note, Payload: ev.Payload,
			}
			if n := len(d.Attempts); n > 0 {
				last := d.Attempts[n-1]
				row.LatencyMS = float64(time.Duration(last.Duration).Microseconds()) / 1000
				if last.Response != nil {
					row.Response = last.Response.Status
				}
			}
			rows = append(rows, row)
		}
		if len(ev.Deliveries) == 0 {
			rows = append(rows, deliveryRow{Step: ev.Step, At: ev.At, Event: ev.Event, Entity: ev.Entity, EventID: ev.EventID,
				Status: "not delivered", Error: "no subscription took it", Note: ev.Note, Payload: ev.Payload})
		}
	}
	return rows
}

func printTable(out io.Writer, rows []deliveryRow) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tAT\tEVENT\tENTITY\tTARGET\tSTATUS\tATTEMPTS\tLATENCY")
	for _, r := range rows {
		status := r.Status
		if r.Response != 0 {
			status = fmt.Sprintf("%s (%d)", r.Status, r.Response)
		}
		if r.Fault != "" {
			status += " [" + r.Fault + "]"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%.1fms\n", r.Step, r.At.UTC().Format("2006-01-02 15:04:05"),
			r.Event, r.Entity, r.Target, status, r.Attempts, r.LatencyMS)
	}
	_ = tw.Flush()
	for _, r := range rows {
		if r.Note != "" {
			fmt.Fprintf(out, "step %d %s: %s\n", r.Step, r.Event, r.Note)
		}
	}
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(out, "step %d %s to %s: %s\n", r.Step, r.Event, r.Target, r.Error)
		}
	}
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
