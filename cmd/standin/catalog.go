package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/schemas"
)

// vendors returns the vendors the CLI knows.
func vendors() *catalog.Registry { return emulator.Vendors() }

func newEventsCmd() *cobra.Command {
	var vendor string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events [--vendor V] [--json]",
		Short: "List every event standin can send",
		Long: `List the catalog: every event of every vendor, with its slug (the name's
file- and URL-friendly form, accepted wherever an event name is), its
documented variants, and a note where the vendor's sample is partial or
missing (inferred: the shape is standin's, following the event named).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			evs := vendors().Events()
			if vendor != "" {
				var err error
				if evs, err = vendors().EventsOf(vendor); err != nil {
					return usageErr(err)
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, evs)
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			// The NOTE column shows only when an event listed has a note.
			notes := slices.ContainsFunc(evs, func(e catalog.Event) bool { return note(e) != "" })
			header := "VENDOR\tEVENT\tSLUG\tVARIANTS"
			if notes {
				header += "\tNOTE"
			}
			fmt.Fprintln(tw, header)
			for _, e := range evs {
				row := fmt.Sprintf("%s\t%s\t%s\t%s", e.Vendor, e.Name, e.Slug, strings.Join(e.Variants, ","))
				if notes {
					row += "\t" + note(e)
				}
				fmt.Fprintln(tw, row)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&vendor, "vendor", "", "only this vendor's events ("+strings.Join(vendors().IDs(), ", ")+")")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print a JSON array of {"vendor","event","slug","variants","inferred","note"}`)
	return cmd
}

// note is the NOTE column of e: "inferred: ..." for an event whose shape
// standin inferred, else the event's note.
func note(e catalog.Event) string {
	if e.Inferred {
		return "inferred: " + e.Note
	}
	return e.Note
}

func newSampleCmd() *cobra.Command {
	var (
		seed      uint64
		variant   string
		quirks    bool
		start     string
		selfCheck bool
	)
	cmd := &cobra.Command{
		Use:   "sample VENDOR EVENT [--seed N]",
		Short: "Print one generated payload of an event, as pretty JSON",
		Long: `Print one payload of VENDOR's EVENT as the vendor would send it. EVENT is the
vendor's name ("Release Started", TASK_CREATED, task.created) or its slug
(release-started). The same seed always gives the same bytes.`,
		Example: `  standin sample cutover integrations.failed
  standin sample flexdeploy "Workflow Completed" --variant test --seed 7
  standin sample rocketlane task-updated --variant assignee`,
		Args: exactArgs(2, "VENDOR EVENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var at time.Time
			if start != "" {
				t, err := time.Parse(time.RFC3339, start)
				if err != nil {
					return usageErr(fmt.Errorf("--start %q: want an RFC 3339 time such as 2026-03-02T08:00:00Z", start))
				}
				at = t
			}
			e, err := vendors().Lookup(args[0], args[1])
			if err != nil {
				return usageErr(err)
			}
			if start != "" {
				if err := vendors().CheckStart(e.Vendor, at); err != nil {
					return usageErr(fmt.Errorf("--start %w", err))
				}
			}
			if variant != "" {
				if _, err := catalog.Variant(nil, e, variant); err != nil {
					return usageErr(err)
				}
			}
			b, _, err := vendors().Sample(e.Vendor, e.Name, seed, at, catalog.Options{Variant: variant, Quirks: quirks})
			if err != nil {
				return err
			}
			if selfCheck {
				if err := vendors().SelfCheck(e, b); err != nil {
					return err
				}
			}
			pretty, err := payload.Indent(b)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s\n", pretty)
			return err
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "seed of the generated values")
	cmd.Flags().StringVar(&variant, "variant", "", "one of the event's documented variants (see 'standin events'); default: chosen by the seed")
	cmd.Flags().BoolVar(&quirks, "quirks", false, "reproduce the vendor's documented output bugs (FlexDeploy: minutes in the month position of timestamps)")
	cmd.Flags().StringVar(&start, "start", "", "virtual time the payload's clock starts at (RFC 3339); default: a seeded time in 2026")
	selfCheckFlag(cmd, &selfCheck)
	return cmd
}

func newValidateCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate VENDOR [EVENT] FILE|-",
		Short: "Check a payload against the vendor's schema",
		Long: `Validate a payload (a file, or - for standard input) against the JSON Schema
of VENDOR's EVENT. Without EVENT, the event is read from the payload itself
(Cutover attributes.type, Rocketlane and FlexDeploy eventType). Every
violation is printed with its JSON pointer and what was expected.

Exit status: 0 valid, 1 invalid, 2 usage error.`,
		Example: `  standin validate flexdeploy payload.json
  standin validate cutover task.created payload.json
  curl -s https://… | standin validate rocketlane -`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 || len(args) > 3 {
				return usageErr(fmt.Errorf("validate takes VENDOR [EVENT] FILE|- (got %s)", plural(len(args), "argument")))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			vendor, file := args[0], args[len(args)-1]
			vd, err := vendors().Vendor(vendor)
			if err != nil {
				return usageErr(err)
			}
			v := vd.ID()
			body, name, err := readInput(cmd.InOrStdin(), file)
			if err != nil {
				return usageErr(err)
			}
			var e catalog.Event
			if len(args) == 3 {
				e, err = vendors().Lookup(v, args[1])
				if err != nil {
					return usageErr(err)
				}
			} else if e, err = vendors().EventOf(v, body); err != nil {
				var se *schemas.Error
				if errors.As(err, &se) {
					return report(cmd.OutOrStdout(), asJSON, name, catalog.Event{Vendor: v}, se, nil)
				}
				return report(cmd.OutOrStdout(), asJSON, name, catalog.Event{Vendor: v}, nil, err)
			}
			return report(cmd.OutOrStdout(), asJSON, name, e, vendors().Validate(e, body), nil)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"valid","vendor","event","violations":[{"pointer","message"}]}`)
	return cmd
}

// report prints validate's verdict and returns the error that sets the exit
// status: nil when valid, a failedErr otherwise.
func report(out io.Writer, asJSON bool, file string, e catalog.Event, verr, nameErr error) error {
	type violation struct {
		Pointer string `json:"pointer"`
		Message string `json:"message"`
	}
	var vs []violation
	if nameErr != nil {
		vs = append(vs, violation{Pointer: "", Message: nameErr.Error()})
	}
	if se, ok := verr.(*schemas.Error); ok {
		if se.Syntax != nil {
			vs = append(vs, violation{Pointer: "", Message: fmt.Sprintf("%s:%d:%d: the payload is not JSON: %s", file, se.Syntax.Line, se.Syntax.Column, se.Syntax.Error())})
		}
		for _, v := range se.Violations {
			vs = append(vs, violation{Pointer: v.Pointer, Message: v.Message})
		}
	} else if verr != nil {
		return verr
	}
	if asJSON {
		if err := writeJSON(out, struct {
			Valid      bool        `json:"valid"`
			Vendor     string      `json:"vendor"`
			Event      string      `json:"event,omitempty"`
			Violations []violation `json:"violations"`
		}{len(vs) == 0, e.Vendor, e.Name, append([]violation{}, vs...)}); err != nil {
			return err
		}
	} else if len(vs) == 0 {
		fmt.Fprintf(out, "%s: valid %s %s payload\n", file, e.Vendor, e.Name)
	} else {
		what := e.Vendor + " " + e.Name
		noun := "problems"
		if len(vs) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(out, "%s: invalid %s payload (%d %s):\n", file, strings.TrimSpace(what), len(vs), noun)
		for _, v := range vs {
			p := v.Pointer
			if p == "" {
				p = "/"
			}
			fmt.Fprintf(out, "  %s: %s\n", p, v.Message)
		}
	}
	if len(vs) > 0 {
		return failedErr(fmt.Errorf(""))
	}
	return nil
}

// readInput reads file, or standard input for "-", and returns the name to
// show in messages.
func readInput(stdin io.Reader, file string) ([]byte, string, error) {
	if file == "-" {
		b, err := io.ReadAll(stdin)
		return b, "<stdin>", err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, file, fmt.Errorf("read payload: %w", err)
	}
	return b, file, nil
}

// selfCheckFlag adds --self-check: validate every payload standin makes
// itself, as the test suite does.
func selfCheckFlag(cmd *cobra.Command, v *bool) {
	cmd.Flags().BoolVar(v, "self-check", false, "validate every payload standin generates against its schema (a failure is a standin bug); payloads your input shaped are always validated")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// exactArgs is cobra.ExactArgs with a usage error that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr(fmt.Errorf("%s takes %s (got %s)", cmd.Name(), names, plural(len(args), "argument")))
		}
		return nil
	}
}

// plural writes n and noun, in the plural unless n is 1: "1 argument",
// "0 arguments".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
