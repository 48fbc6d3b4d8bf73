package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/server"
	"github.com/standin-dev/standin/scenarios"
)

// triggerOptions are the flags of standin trigger.
type triggerOptions struct {
	targets   []string
	sets      *pairsFlag
	headers   *pairsFlag
	seed      uint64
	variant   string
	quirks    bool
	start     string
	method    string
	template  string
	auth      delivery.Auth
	attempts  int
	timeout   time.Duration
	asJSON    bool
	selfCheck bool
}

func newTriggerCmd() *cobra.Command {
	o := &triggerOptions{}
	cmd := &cobra.Command{
		Use:   "trigger VENDOR EVENT [--target URL]... [--set path=value]... [--seed N] [--variant V] [--header K:V]... [--json]",
		Short: "Deliver one event to your receivers, with the vendor's delivery rules",
		Long: `Generate one VENDOR EVENT payload, lay each --set over it, validate it and
deliver it to every --target as a subscription of that vendor would: the
vendor's method, headers, timeout and success rule (Rocketlane counts only
200 and 204), with the method, headers, auth and body template you give.
Without --target the event goes to an embedded sink, so you can see what
would be sent. Every attempt is printed.

A --set path is a dot path into the payload (data.task.name,
payload.projects.0.projectName). Its value is read as JSON where it parses
(42, true, null, "007", {"a":1}) and as a string otherwise.

Exit status: 0 when every target got the event, 1 when a delivery failed,
2 for bad input (an unknown vendor or event, a --set the schema refuses,
a bad URL).`,
		Example: `  standin trigger rocketlane TASK_CREATED --target http://localhost:9000/hooks
  standin trigger cutover task.updated --set meta.task.name="Switch DNS" --target https://receiver.test/cutover --token s3cret
  standin trigger flexdeploy "Release Started" --seed 7 --json`,
		Args: exactArgs(2, "VENDOR EVENT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return trigger(cmd.Context(), cmd.OutOrStdout(), args[0], args[1], o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.targets, "target", nil, "receiver URL to deliver to (repeatable); default: the embedded sink")
	o.sets = newPairsFlag(f, "set", "=", "data.task.name=Migrate", "set a payload field, path=value (repeatable); the value is JSON where it parses, else a string")
	o.headers = newPairsFlag(f, "header", ":", "X-Env:ci", "add a request header, Name:value (repeatable); an empty value removes a vendor default")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the generated values")
	f.StringVar(&o.variant, "variant", "", "one of the event's documented variants (see 'standin events'); default: chosen by the seed")
	f.BoolVar(&o.quirks, "quirks", false, "reproduce the vendor's documented output bugs")
	f.StringVar(&o.start, "start", "", "virtual time the payload's clock starts at (RFC 3339); default: a seeded time in 2026")
	f.StringVar(&o.method, "method", "", "HTTP method, where the vendor lets a subscription choose (default: the vendor's)")
	f.StringVar(&o.template, "body-template", "", "Go text/template rendering the request body, where the vendor lets a subscription choose (FlexDeploy)")
	f.StringVar(&o.auth.Type, "auth", "", "receiver auth: none, token or oauth2 (default: token when --token is set, oauth2 when --oauth-token-url is)")
	f.StringVar(&o.auth.Token, "token", "", "token of Authorization: <token-type> <token>")
	f.StringVar(&o.auth.TokenType, "token-type", "", "type of the token auth header (default Bearer)")
	f.StringVar(&o.auth.TokenURL, "oauth-token-url", "", "OAuth 2 token URL of a client credentials grant")
	f.StringVar(&o.auth.ClientID, "oauth-client-id", "", "OAuth 2 client id")
	f.StringVar(&o.auth.ClientSecret, "oauth-client-secret", "", "OAuth 2 client secret")
	f.StringVar(&o.auth.Scope, "oauth-scope", "", "OAuth 2 scope")
	f.StringVar(&o.auth.AuthStyle, "oauth-auth-style", "", "how the client id and secret reach the token URL: header, params, or auto (the default: header, then params)")
	f.IntVar(&o.attempts, "max-attempts", 1, "attempts per target, with exponential backoff between them (no vendor documents retries)")
	f.DurationVar(&o.timeout, "timeout", time.Minute, "how long to wait for every delivery to end")
	f.BoolVar(&o.asJSON, "json", false, "print the event and its deliveries, with every attempt, as JSON")
	selfCheckFlag(cmd, &o.selfCheck)
	return cmd
}

// triggerResult is what trigger prints with --json.
type triggerResult struct {
	EventID    string              `json:"event_id"`
	Vendor     string              `json:"vendor"`
	Event      string              `json:"event"`
	Seed       uint64              `json:"seed"`
	Payload    json.RawMessage     `json:"payload"`
	Deliveries []delivery.Delivery `json:"deliveries"`
}

// trigger delivers one event through an embedded server, so the event
// takes exactly the path an admin API emit takes: the same generation,
// override, validation and delivery rules.
func trigger(ctx context.Context, out io.Writer, vendor, event string, o *triggerOptions) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	e, err := vendors().Lookup(vendor, event)
	if err != nil {
		return usageErr(err)
	}
	var at time.Time
	if o.start != "" {
		if at, err = time.Parse(time.RFC3339, o.start); err != nil {
			return usageErr(fmt.Errorf("--start %q: want an RFC 3339 time such as 2026-03-02T08:00:00Z", o.start))
		}
	}
	for _, t := range o.targets {
		if u, err := url.Parse(t); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageErr(fmt.Errorf("--target %q: want an http or https URL, such as http://localhost:9000/hooks", t))
		}
	}
	override, err := setOverride(e, o, at)
	if err != nil {
		return usageErr(err)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(server.Config{Logger: quiet, Version: buildVersion(), SelfCheck: o.selfCheck, UserAgent: "standin/" + buildVersion()})
	go func() { _ = srv.Serve(l) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	admin := adminClient{base: server.ListenerURL(l)}

	targets := o.targets
	if len(targets) == 0 {
		// The embedded sink, subscribed like a target, so that the flags
		// a subscription takes apply (and are checked) as they would.
		targets = []string{admin.base + "/__sink/" + e.Vendor}
	}
	for _, t := range targets {
		if err := admin.do(ctx, http.MethodPost, "/__admin/subscriptions", o.subscription(e, t), nil); err != nil {
			if len(o.targets) == 0 {
				return usageErr(fmt.Errorf("the embedded sink (no --target): %w", err))
			}
			return usageErr(fmt.Errorf("--target %s: %w", t, err))
		}
	}
	q := url.Values{"seed": {strconv.FormatUint(o.seed, 10)}}
	if o.variant != "" {
		q.Set("variant", o.variant)
	}
	if o.quirks {
		q.Set("quirks", "true")
	}
	if o.start != "" {
		q.Set("start", o.start)
	}
	var res triggerResult
	path := "/__admin/events/" + url.PathEscape(e.Vendor) + "/" + url.PathEscape(e.Slug) + "?" + q.Encode()
	if err := admin.do(ctx, http.MethodPost, path, json.RawMessage(override), &res); err != nil {
		if len(o.sets.items) > 0 {
			// The override is the payload the --set flags made.
			return usageErr(fmt.Errorf("with your --set values: %w", err))
		}
		return usageErr(err)
	}
	wctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ids := make([]string, len(res.Deliveries))
	for i, d := range res.Deliveries {
		ids[i] = d.ID
	}
	waitErr := srv.Engine().AwaitFinal(wctx, ids)
	for i, id := range ids {
		if d, ok := srv.Engine().Delivery(id); ok {
			res.Deliveries[i] = d
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printAttempts(out, res)
	}
	if waitErr != nil && ctx.Err() != nil {
		return failedErr(errors.New("interrupted before every delivery ended"))
	}
	if waitErr != nil {
		return failedErr(fmt.Errorf("not every delivery ended within --timeout %s", o.timeout))
	}
	failed := 0
	for _, d := range res.Deliveries {
		if d.Status != delivery.Delivered {
			failed++
		}
	}
	if failed > 0 {
		return failedErr(fmt.Errorf("%d of %d deliveries failed", failed, len(res.Deliveries)))
	}
	return nil
}

// setOverride is the payload the --set flags make of the generated one, as
// an emit override (nil without --set). Each value is typed JSON where it
// parses, a string otherwise.
func setOverride(e catalog.Event, o *triggerOptions, at time.Time) ([]byte, error) {
	if len(o.sets.items) == 0 {
		return nil, nil
	}
	if o.variant != "" {
		if _, err := catalog.Variant(nil, e, o.variant); err != nil {
			return nil, err
		}
	}
	b, _, err := vendors().Sample(e.Vendor, e.Name, o.seed, at, catalog.Options{Variant: o.variant, Quirks: o.quirks})
	if err != nil {
		return nil, err
	}
	for _, s := range o.sets.items {
		path, err := scenarios.SplitPath(s.Key)
		if err != nil {
			return nil, fmt.Errorf("--set %s: %w", s.Key, err)
		}
		val := []byte(strings.TrimSpace(s.Value))
		if !json.Valid(val) {
			val, _ = json.Marshal(s.Value)
		}
		if b, err = payload.SetPath(b, path, val); err != nil {
			return nil, fmt.Errorf("--set %s: %w", s.Key, err)
		}
	}
	return b, nil
}

// subscription is the POST /__admin/subscriptions body for one target.
func (o *triggerOptions) subscription(e catalog.Event, target string) map[string]any {
	sub := map[string]any{"vendor": e.Vendor, "url": target, "events": []string{e.Name}}
	if o.method != "" {
		sub["method"] = o.method
	}
	if len(o.headers.items) > 0 {
		sub["headers"] = o.headers.Map()
	}
	if o.template != "" {
		sub["body_template"] = o.template
	}
	auth := o.auth
	if auth.Type == "" {
		switch {
		case auth.TokenURL != "":
			auth.Type = "oauth2"
		case auth.Token != "":
			auth.Type = "token"
		}
	}
	if auth != (delivery.Auth{}) {
		sub["auth"] = auth
	}
	if o.attempts > 1 {
		sub["retry"] = map[string]any{"max_attempts": o.attempts}
	}
	return sub
}

// printAttempts writes one line per attempt and the outcome of each
// delivery.
func printAttempts(out io.Writer, res triggerResult) {
	fmt.Fprintf(out, "%s %s, event %s (seed %d)\n", res.Vendor, res.Event, res.EventID, res.Seed)
	for _, d := range res.Deliveries {
		fmt.Fprintf(out, "→ %s\n", d.URL)
		for _, a := range d.Attempts {
			got := a.Error
			if a.Response != nil {
				got = fmt.Sprintf("%d %s", a.Response.Status, http.StatusText(a.Response.Status))
				if a.Error != "" {
					got += ": " + a.Error
				}
			}
			dup := ""
			if a.Duplicate {
				dup = " (duplicate)"
			}
			sent := "nothing sent"
			if a.Request != nil {
				sent = a.Request.Method + " " + a.Request.URL
			}
			fmt.Fprintf(out, "  attempt %d%s: %s → %s in %s\n", a.N, dup, sent, got, time.Duration(a.Duration).Round(10*time.Microsecond))
		}
		line := string(d.Status)
		if d.Error != "" {
			line += ": " + d.Error
		}
		fmt.Fprintf(out, "  %s\n", line)
	}
}

// adminClient calls the embedded server's admin API.
type adminClient struct{ base string }

// do sends body as JSON and decodes a 2xx answer into out; another
// answer becomes an error carrying the server's message (see apiError).
func (a adminClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		if string(b) == "null" {
			b = nil
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return apiError(method+" "+path, resp.StatusCode, b)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
