package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary be the relay process, as the command is.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "relay" {
		if err := relayMain(os.Args[2:]); err != nil {
			os.Stderr.WriteString("outside relay: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunMeasuresEachServer plays a short benchmark against a standin
// built from this module and both relays.
func TestRunMeasuresEachServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds standin and starts three servers")
	}
	bin := filepath.Join(t.TempDir(), "standin")
	build := exec.Command("go", "build", "-o", bin, "github.com/standin-dev/standin/cmd/standin")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfg := config{standin: bin, vendor: "mixed", rounds: 2, events: 60, warmup: 12, serveArgs: []string{"--log-level=warn"}}
	var log bytes.Buffer
	res, err := run(context.Background(), cfg, &log)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, log.String())
	}
	if len(res.rounds) != 2*len(kinds) || res.payload <= 0 {
		t.Fatalf("%d rounds, payload %d B; want %d rounds and a payload", len(res.rounds), res.payload, 2*len(kinds))
	}
	for i, rd := range res.rounds {
		if want := kinds[i%len(kinds)]; rd.kind != want || rd.elapsed <= 0 {
			t.Errorf("round %d: %s in %s, want %s in some time", i, rd.kind, rd.elapsed, want)
		}
	}
	var out bytes.Buffer
	res.print(&out)
	for _, want := range []string{"standin  median", "relay    median", "genrelay median", "standin/relay     median", "standin/genrelay  median", "genrelay/relay    median", "serve --log-level=warn"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseFlagsRefusesBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-vendor", "nope"}, `-vendor "nope"`},
		{[]string{"-warmup", "-1"}, "-warmup at least 0"},
		{[]string{"-rounds", "0"}, "at least 1"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		if _, err := parseFlags(tc.args); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseFlags(%q) = %v, want an error with %q", tc.args, err, tc.want)
		}
	}
	cfg, err := parseFlags([]string{"-serve-arg", "--log-level=warn", "-serve-arg", "--workers=8"})
	if err != nil || len(cfg.serveArgs) != 2 || cfg.vendor != "mixed" || cfg.rounds != 6 {
		t.Errorf("parseFlags = %+v, %v", cfg, err)
	}
}
