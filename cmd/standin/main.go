// Command standin is a stand-in for the vendors that send webhooks
// (Cutover, Rocketlane, FlexDeploy): it lists their events, generates
// vendor-accurate payloads and validates payloads against the vendors'
// schemas.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

// Exit codes shared by every command.
const (
	exitOK     = 0
	exitFailed = 1 // the thing checked is not right: an invalid payload, a failed delivery
	exitUsage  = 2 // bad input: unknown command, flag, vendor or event; unreadable file
	envPrefix  = "STANDIN_"
	// envAnnotation marks a flag set from its STANDIN_* variable.
	envAnnotation = "standin-env"
	programName   = "standin"
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(err error) error  { return &exitError{code: exitUsage, err: err} }
func failedErr(err error) error { return &exitError{code: exitFailed, err: err} }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the CLI with args and returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runContext(context.Background(), args, stdin, stdout, stderr)
}

// runContext is run with a context the commands that run until
// interrupted also stop at.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	started := false // set once arguments and flags were accepted
	pre := root.PersistentPreRunE
	root.PersistentPreRunE = func(cmd *cobra.Command, a []string) error {
		if err := pre(cmd, a); err != nil {
			return err
		}
		started = true
		return nil
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "%s: %v\n", programName, ee.err)
		}
		if ee.code == exitUsage && cmd != nil {
			// Bad input may have come from the environment: say which
			// flags did, so the message names the variable to look at.
			var from []string
			cmd.Flags().VisitAll(func(f *pflag.Flag) {
				// Lists only: a scalar's variable is named when it is set.
				if _, list := f.Value.(pflag.SliceValue); !list {
					return
				}
				if v := f.Annotations[envAnnotation]; len(v) > 0 {
					from = append(from, fmt.Sprintf("--%s from %s", f.Name, v[0]))
				}
			})
			if len(from) > 0 {
				fmt.Fprintf(stderr, "%s: (set from the environment: %s)\n", programName, strings.Join(from, ", "))
			}
		}
		return ee.code
	}
	if started {
		// A command that failed while doing its work.
		fmt.Fprintf(stderr, "%s: %v\n", programName, err)
		return exitFailed
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", programName, err, programName)
	return exitUsage
}

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   programName,
		Short: "A stand-in for the vendors that send webhooks: Cutover, Rocketlane, FlexDeploy",
		Long: `standin emulates the webhooks of Cutover, Rocketlane and FlexDeploy: every
payload has the vendor's field names, nesting, ID and timestamp formats, and
is valid against a strict JSON Schema built from the vendor's documentation.

Every flag can also be set in the environment as STANDIN_<FLAG>, for example
STANDIN_SEED=7 (dashes become underscores: --time-scale is STANDIN_TIME_SCALE).
A repeatable flag takes a list there: comma-separated, or one item per line
when an item holds a comma (STANDIN_TARGET=http://a/hook,http://b/hook).
A flag on the command line wins over the environment.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		Version:           buildVersion(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return flagsFromEnv(cmd) },
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })
	root.AddCommand(
		newEventsCmd(),
		newSampleCmd(),
		newValidateCmd(),
		newVersionCmd(),
		newServeCmd(),
		newHealthCmd(),
		newRunCmd(),
		newScenariosCmd(),
		newTriggerCmd(),
		newConfigCmd(),
		newTailCmd(),
	)
	return root
}

// flagsFromEnv sets every flag not given on the command line from
// STANDIN_<FLAG>, if that variable is set.
func flagsFromEnv(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || f.Name == "help" || f.Name == "version" {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		val, ok := os.LookupEnv(name)
		if !ok {
			return
		}
		if err := setFromEnv(cmd.Flags(), f, val); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q (environment): %w", name, val, err))
			return
		}
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[envAnnotation] = []string{name}
	})
	if len(errs) > 0 {
		return usageErr(errors.Join(errs...))
	}
	return nil
}

// setFromEnv sets flag f from an environment value. A repeatable flag
// takes a list: one item per line when the value has a newline (so an item
// may hold commas), otherwise comma-separated; blank items are skipped.
func setFromEnv(fs *pflag.FlagSet, f *pflag.Flag, val string) error {
	sv, ok := f.Value.(pflag.SliceValue)
	if !ok {
		return fs.Set(f.Name, val)
	}
	sep := ","
	if strings.Contains(val, "\n") {
		sep = "\n"
	}
	var items []string
	for _, it := range strings.Split(val, sep) {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	for _, it := range items {
		if err := f.Value.Set(it); err != nil {
			return fmt.Errorf("item %q: %w", it, err)
		}
	}
	// Set appended each item after validating it; Replace drops a default.
	if err := sv.Replace(items); err != nil {
		return err
	}
	f.Changed = true
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print standin's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "standin %s\n", buildVersion())
			return nil
		},
	}
}
