package delivery

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// countdown is a context that reports Canceled after its Err has been
// asked n times: a deadline without a clock.
type countdown struct {
	context.Context
	n int
}

func (c *countdown) Err() error {
	if c.n <= 0 {
		return context.Canceled
	}
	c.n--
	return nil
}

// chain defines templates t0…tn, each calling the one before twice; t0 is
// leaf. It renders 2^n leaves.
func chain(n int, leaf string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{{define "t0"}}%s{{end}}`, leaf)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d" .}}{{template "t%d" .}}{{end}}`, i, i-1, i-1)
	}
	fmt.Fprintf(&b, `{{template "t%d" .}}`, n)
	return b.String()
}

// line defines templates t0…tn, each calling the one before once.
func line(n int) string {
	var b strings.Builder
	b.WriteString(`{{define "t0"}}x{{end}}`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d" .}}{{end}}`, i, i-1)
	}
	fmt.Fprintf(&b, `{{template "t%d" .}}`, n)
	return b.String()
}

func TestBodyTemplatesAreRefusedAtParse(t *testing.T) {
	tests := []struct {
		name, tmpl, want string
	}{
		{"syntax", `{{if}}`, "parse: template: body_template:1: missing value for if"},
		{"too large", strings.Repeat("x", MaxTemplateSize+1), "the template is 65537 bytes; at most 65536"},
		{"recursion", `{{define "a"}}{{template "b"}}{{end}}{{define "b"}}{{template "a"}}{{end}}{{template "a"}}`, "calls itself"},
		{"nesting", strings.Repeat("{{if .}}", MaxTemplateNesting+1) + strings.Repeat("{{end}}", MaxTemplateNesting+1), "more than 32 deep"},
		{"nesting through calls", line(MaxTemplateNesting + 1), "more than 32 deep"},
		{"calls that expand exponentially", chain(30, "x"), `template "t16" expands to more than 100000 nodes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseBodyTemplate(tt.tmpl)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := parseBodyTemplate(strings.Repeat("{{if .}}", MaxTemplateNesting) + strings.Repeat("{{end}}", MaxTemplateNesting)); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
}

func TestBodyTemplatesRenderWithinLimits(t *testing.T) {
	event := `{"payload":{"id":7,"list":[1,2.50]},"n":3}`
	tests := []struct {
		name, tmpl string
		checks     int // the context's checks before its deadline
		want       string
		wantErr    error // errors.Is
		errText    string
	}{
		{name: "json", tmpl: `{"release": {{json .payload}}}`, checks: 1000, want: `{"release": {"id":7,"list":[1,2.50]}}`},
		{name: "printf and html", tmpl: `{{printf "%03d" 7}} {{html "<b>"}}`, checks: 1000, want: `007 &lt;b&gt;`},
		{name: "output doubled by calls", tmpl: chain(15, `{{json .}}`), checks: 1 << 30, wantErr: errBodyTooLarge},
		{name: "calls that write nothing", tmpl: strings.TrimSuffix(chain(15, ``), `{{template "t15" .}}`) + `{{range 1000000}}{{template "t15" .}}{{end}}`, checks: 10_000, wantErr: context.Canceled},
		{name: "a long silent range", tmpl: `{{range 1000000000}}{{end}}`, checks: 10_000, wantErr: context.Canceled},
		{name: "ranges in ranges", tmpl: `{{range .payload.list}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}`, checks: 10_000, wantErr: context.Canceled},
		{name: "a string doubled in a loop", tmpl: `{{$a := json .}}{{range 64}}{{$a = printf "%s%s" $a $a}}{{end}}`, checks: 1 << 30, wantErr: errOverBudget},
		{name: "html doubled in a loop", tmpl: `{{$a := "<>"}}{{range 64}}{{$a = html $a $a}}{{end}}`, checks: 1 << 30, wantErr: errOverBudget},
		{name: "a wide printf", tmpl: `{{printf "%999999999d" 1}}`, checks: 1000, errText: "width or precision over 4096"},
		{name: "a printf width from an argument", tmpl: `{{printf "%*d" 999999999 1}}`, checks: 1000, errText: "(*) is not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := parseBodyTemplate(tt.tmpl)
			if err != nil {
				t.Fatal(err)
			}
			got, err := renderBody(&countdown{Context: context.Background(), n: tt.checks}, tmpl, event)
			switch {
			case tt.wantErr != nil && !errors.Is(err, tt.wantErr):
				t.Fatalf("got %q, %v; want %v", got, err, tt.wantErr)
			case tt.errText != "" && (err == nil || !strings.Contains(err.Error(), tt.errText)):
				t.Fatalf("got %q, %v; want an error containing %q", got, err, tt.errText)
			case tt.wantErr == nil && tt.errText == "" && (err != nil || got != tt.want):
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestShutdownStopsARender: a render that would run for the attempt's whole
// timeout (FlexDeploy: 30 s) without writing a byte stops when Shutdown
// aborts the attempts in flight, instead of holding Shutdown up.
func TestShutdownStopsARender(t *testing.T) {
	e := New(Config{Logger: discard})
	mustSubscribe(t, e, Subscription{Vendor: "flexdeploy", URL: "http://127.0.0.1:1/", BodyTemplate: `{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}`})
	d := mustEmit(t, e, event("flexdeploy", "Release Started"))[0]
	// The grace lets a worker take the delivery and start rendering; then
	// Shutdown aborts it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.Shutdown(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Shutdown: %v, want the grace to run out", err)
		}
	case <-time.After(20 * time.Second): // far below the render's 10^18 iterations, far above a stopped render
		t.Fatal("Shutdown waited for the render")
	}
	got, _ := e.Delivery(d.ID)
	if got.Status != Failed || got.Error != msgShutdownInFlight {
		t.Errorf("delivery %s: %q, want failed: %s", got.Status, got.Error, msgShutdownInFlight)
	}
}
