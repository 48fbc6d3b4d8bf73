// Command outside measures emit → delivered throughput from outside the
// server, as a user's load sees it. Three servers run, each its own
// process:
//
//   - standin: `standin serve` with its defaults and one subscription per
//     vendor to the receiver;
//   - relay: the physical limit of the same two hops, a bare net/http
//     server that accepts the POST, answers 202 and has 16 workers POST
//     bytes made once to the same receiver (issue 14's relay);
//   - genrelay: the same relay, but it generates each payload afresh with
//     standin's generators and answers 202 with it, the least the
//     contract asks of an emit, without standin's own machinery.
//
// This process is the load generator and the receiver. It drives the three
// in turn (standin, relay, genrelay, standin, ...) so all see the same
// machine, and prints each round, the medians, the ratios of each turn's
// rates and each process's CPU time per event.
//
//	go run ./bench/outside [-vendor mixed] [-rounds 6] [-events 2000] [-serve-arg --log-level=warn]
//
// Without -standin it builds ./cmd/standin first (run it from the module's
// root). -cpuprofile profiles this process; with
// OUTSIDE_RELAY_CPUPROFILE=FILE in their environment the relays write
// theirs (FILE.relay, FILE.genrelay). docs/benchmarks.md reports what it
// measured.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/standin-dev/standin/bench/emitbench"
	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// config is what the command line sets.
type config struct {
	standin    string   // the standin binary; empty builds ./cmd/standin
	vendor     string   // rocketlane, cutover, flexdeploy or mixed
	rounds     int      // measured rounds of each kind
	events     int      // events per round
	warmup     int      // events per kind before the measured rounds
	serveArgs  []string // extra arguments to standin serve
	cpuProfile string   // where to write this process's CPU profile
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "relay" {
		if err := relayMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "outside relay:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "outside:", err)
		}
		os.Exit(2)
	}
	if err := measure(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "outside:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags(args []string) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("outside", flag.ContinueOnError)
	fs.StringVar(&cfg.standin, "standin", "", "standin binary to measure (default: build ./cmd/standin)")
	fs.StringVar(&cfg.vendor, "vendor", "mixed", "events to emit: rocketlane, cutover, flexdeploy or mixed")
	fs.IntVar(&cfg.rounds, "rounds", 6, "measured rounds of each kind, alternating")
	fs.IntVar(&cfg.events, "events", 2000, "events per round")
	fs.IntVar(&cfg.warmup, "warmup", 500, "events per kind before the measured rounds")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write this process's CPU profile (load generator and receiver) to `file`")
	fs.Func("serve-arg", "an extra argument to standin serve, such as --log-level=warn (repeatable)", func(s string) error {
		cfg.serveArgs = append(cfg.serveArgs, s)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./bench/outside [flags]\n\nMeasures emit → delivered throughput of standin serve against a bare relay and a relay\nthat generates each payload, each its own process, in turn.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case emitbench.Paths(cfg.vendor) == nil:
		return cfg, fmt.Errorf("-vendor %q: want one of %s", cfg.vendor, strings.Join(emitbench.Mixes, ", "))
	case cfg.rounds < 1 || cfg.events < 1 || cfg.warmup < 0:
		return cfg, errors.New("-rounds and -events must be at least 1, -warmup at least 0")
	}
	return cfg, nil
}

// measure runs the benchmark cfg describes and prints its summary.
func measure(cfg config) error {
	stopProfile, err := startProfile(cfg.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	// On SIGINT or SIGTERM the servers are stopped (see start) before this
	// process exits.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		return err
	}
	res.print(os.Stdout)
	return nil
}

// round is one measured round.
type round struct {
	kind    string        // one of kinds
	elapsed time.Duration // from the first emit to the receiver counting the last webhook
	server  time.Duration // CPU time of the server process
	driver  time.Duration // CPU time of this process (load generator and receiver)
}

// results are the measured rounds and what they are of.
type results struct {
	cfg     config
	payload int // mean payload size, bytes
	rounds  []round
}

// kinds are the servers measured, in the order of a turn.
var kinds = []string{"standin", "relay", "genrelay"}

// run starts the receiver, standin and the relays, then plays the rounds.
// Progress goes to log.
func run(ctx context.Context, cfg config, log io.Writer) (*results, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir, err := os.MkdirTemp("", "standin-outside-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	if cfg.standin == "" {
		cfg.standin = filepath.Join(dir, "standin")
		fmt.Fprintln(log, "building ./cmd/standin")
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.standin, "./cmd/standin")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("go build ./cmd/standin (run from the module's root, or pass -standin): %w", err)
		}
	}

	rc, err := emitbench.NewReceiver()
	if err != nil {
		return nil, err
	}
	defer rc.Close()

	standinAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", standinAddr}, cfg.serveArgs...)
	standin, err := start(ctx, cfg.standin, args, "http://"+standinAddr+"/__admin/health")
	if err != nil {
		return nil, fmt.Errorf("standin serve: %w", err)
	}
	defer standin.stop()
	standinURL := "http://" + standinAddr

	ps := emitbench.Paths(cfg.vendor)
	made, err := emitbench.Prepare(ctx, standinURL, rc, ps)
	if err != nil {
		return nil, err
	}
	payloads := map[string]json.RawMessage{}
	size := 0
	for p, b := range made {
		payloads[p] = b
		size += len(b)
	}
	file := filepath.Join(dir, "payloads.json")
	raw, err := json.Marshal(payloads)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	procs := map[string]*process{"standin": standin}
	urls := map[string][]string{}
	for _, kind := range kinds[1:] {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		mode := map[string]string{"relay": "bare", "genrelay": "generate"}[kind]
		p, err := start(ctx, self, []string{"relay", "-mode", mode, "-addr", addr, "-payloads", file, "-target", rc.URL}, "http://"+addr+"/health")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		defer p.stop()
		procs[kind] = p
		for _, path := range ps {
			urls[kind] = append(urls[kind], "http://"+addr+"/"+path)
		}
	}
	for _, path := range ps {
		urls["standin"] = append(urls["standin"], standinURL+"/__admin/events/"+path)
	}

	client := emitbench.NewClient()
	defer client.CloseIdleConnections()

	res := &results{cfg: cfg, payload: size / len(ps)}
	if cfg.warmup > 0 {
		for _, kind := range kinds {
			if _, err := emitbench.Load(ctx, client, rc, kind, urls[kind], cfg.warmup); err != nil {
				return nil, fmt.Errorf("warm-up, %s: %w", kind, err)
			}
		}
	}
	for i := range cfg.rounds {
		for _, kind := range kinds {
			s0, d0 := procs[kind].cpu(), selfCPU()
			elapsed, err := emitbench.Load(ctx, client, rc, kind, urls[kind], cfg.events)
			if err != nil {
				return nil, fmt.Errorf("round %d, %s: %w", i+1, kind, err)
			}
			res.rounds = append(res.rounds, round{kind: kind, elapsed: elapsed, server: procs[kind].cpu() - s0, driver: selfCPU() - d0})
			fmt.Fprintf(log, "round %d %-8s %8.0f events/s\n", i+1, kind, float64(cfg.events)/elapsed.Seconds())
		}
	}

	body, err := call(ctx, http.MethodGet, standinURL+"/__admin/deliveries?status=failed", "", http.StatusOK)
	if err != nil {
		return nil, err
	}
	var failed []struct{ Error string }
	if err := json.Unmarshal(body, &failed); err != nil {
		return nil, fmt.Errorf("GET /__admin/deliveries?status=failed: %w", err)
	}
	if len(failed) > 0 {
		return nil, fmt.Errorf("%d standin deliveries failed, the first: %s", len(failed), failed[0].Error)
	}
	for _, kind := range kinds[1:] {
		body, err := call(ctx, http.MethodGet, strings.TrimSuffix(urls[kind][0], "/"+ps[0])+"/health", "", http.StatusOK)
		if err != nil {
			return nil, err
		}
		if n := strings.TrimSpace(string(body)); n != "0" {
			return nil, fmt.Errorf("%s: %s deliveries failed", kind, n)
		}
	}
	return res, nil
}

// ratios are the ratios print reports: a over b, each turn's rates.
var ratios = [][2]string{{"standin", "relay"}, {"standin", "genrelay"}, {"genrelay", "relay"}}

// print writes the summary: medians per kind of round, CPU per event and
// the ratios of each turn's rates.
func (r *results) print(w io.Writer) {
	rates := map[string][]float64{}
	server := map[string]time.Duration{}
	driver := map[string]time.Duration{}
	for _, rd := range r.rounds {
		rates[rd.kind] = append(rates[rd.kind], float64(r.cfg.events)/rd.elapsed.Seconds())
		server[rd.kind] += rd.server
		driver[rd.kind] += rd.driver
	}
	n := float64(r.cfg.rounds * r.cfg.events)
	fmt.Fprintf(w, "\nvendor %s, %d rounds of %d events each, %d clients, payload %d B, serve %s\n",
		r.cfg.vendor, r.cfg.rounds, r.cfg.events, emitbench.Clients, r.payload, strings.Join(r.cfg.serveArgs, " "))
	for _, kind := range kinds {
		fmt.Fprintf(w, "%-8s median %6.0f events/s; CPU per event: server %4.0f µs, load generator and receiver %4.0f µs\n",
			kind, median(rates[kind]), float64(server[kind].Microseconds())/n, float64(driver[kind].Microseconds())/n)
	}
	for _, q := range ratios {
		var turns []float64
		for i := range rates[q[0]] {
			turns = append(turns, rates[q[0]][i]/rates[q[1]][i])
		}
		fmt.Fprintf(w, "%-17s median %.2f (turns: %s)\n", q[0]+"/"+q[1], median(turns), join(turns))
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func join(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, " ")
}

// client is for the benchmark's own calls to the servers (set-up, health,
// the final checks), never the load: a server that stops answering fails
// the benchmark rather than hanging it.
var client = &http.Client{Timeout: 30 * time.Second}

// call sends body (none if empty) to url and returns the answer's body; an
// error unless the status is want.
func call(ctx context.Context, method, url, body string, want int) ([]byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, url, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// freeAddr is a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String(), nil
}

// process is a server started as a child process.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // why it exited, once exited is closed
	stderr *tail
}

// start runs bin with args, its standard output discarded and the end of
// its standard error kept, and waits until health answers 200.
func start(ctx context.Context, bin string, args []string, health string) (*process, error) {
	p := &process{cmd: exec.CommandContext(ctx, bin, args...), exited: make(chan struct{}), stderr: &tail{max: 4096}}
	p.cmd.Stderr = p.stderr
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(os.Interrupt) } // ctx ended: stop it as stop does
	p.cmd.WaitDelay = 10 * time.Second                                        // then kill it
	dieWithParent(p.cmd)
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-p.exited:
			return nil, fmt.Errorf("exited before it answered (%v): %s", p.err, p.stderr)
		default:
		}
		if resp, err := client.Get(health); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("no answer from %s after 15s", health)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop interrupts the process and waits for it, killing it after 10s.
func (p *process) stop() {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// cpu is the CPU time the process has used so far.
func (p *process) cpu() time.Duration { return processCPU(p.cmd.Process.Pid) }

// tail keeps the last max bytes written to it: a server that logs a line
// per request costs little, and its last words are at hand.
type tail struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(b)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// relayMain is the relay process (see emitbench.Relay), until interrupted.
func relayMain(args []string) error {
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	file := fs.String("payloads", "", "JSON object of path → payload")
	target := fs.String("target", "", "receiver URL")
	mode := fs.String("mode", "bare", "bare or generate")
	profile := fs.String("cpuprofile", "", "write the relay's CPU profile to `file` (default: $OUTSIDE_RELAY_CPUPROFILE.relay or .genrelay, when set)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	var payloads map[string]json.RawMessage
	if err := json.Unmarshal(raw, &payloads); err != nil {
		return fmt.Errorf("%s: %w", *file, err)
	}
	if *target == "" || len(payloads) == 0 {
		return errors.New("-target and -payloads are required")
	}
	bodies := map[string][]byte{}
	for p, b := range payloads {
		bodies[p] = b
	}
	var gen emitbench.Generator
	switch *mode {
	case "bare":
	case "generate":
		gen = generate
	default:
		return fmt.Errorf("-mode %q: want bare or generate", *mode)
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	if env := os.Getenv("OUTSIDE_RELAY_CPUPROFILE"); *profile == "" && env != "" {
		*profile = env + "." + map[string]string{"bare": "relay", "generate": "genrelay"}[*mode]
	}
	stopProfile, err := startProfile(*profile)
	if err != nil {
		return err
	}
	defer stopProfile()
	rl := emitbench.NewRelay(l, bodies, *target, emitbench.RelayWorkers, gen)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	rl.Close()
	return nil
}

// generate makes the payload of the event at path (/vendor/slug) from seed
// with standin's own generators, as an emit with a {} body does.
func generate(path string, seed uint64) ([]byte, error) {
	vendor, slug, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	reg := emulator.Vendors()
	e, err := reg.Lookup(vendor, slug)
	if err != nil {
		return nil, err
	}
	return reg.Generate(fake.New(seed, time.Time{}), e, catalog.Options{})
}

// startProfile starts a CPU profile written to file (none when file is
// empty) and returns what stops it.
func startProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); _ = f.Close() }, nil
}
