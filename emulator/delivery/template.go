package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
)

// Body template limits. A body_template is a Go text/template, which can
// run for as long as it likes: a few hundred bytes of templates calling
// each other twice over, or ranges in ranges, take minutes of CPU, and
// printf or a variable doubled in a loop can allocate without bound. So
// standin holds a template to these limits:
//
//   - at subscription time (parseBodyTemplate): the source is at most
//     MaxTemplateSize bytes, control structures and template calls nest at
//     most MaxTemplateNesting deep, the template calls expand to at most
//     MaxTemplateExpansion nodes, and no template calls itself, directly or
//     through others;
//   - while rendering (renderBody): the rendered body is at most
//     MaxRenderedBody bytes, the functions that make strings (json, print,
//     printf, println, html, js, urlquery) produce at most
//     renderBudget bytes in all, and rendering stops at the attempt's
//     deadline (or shutdown).
//
// text/template cannot be cancelled, so the deadline is enforced from
// inside: parseBodyTemplate puts an empty text node before every node of
// every list (the template's body, each branch, each range iteration, each
// defined template), and text/template writes every text node, empty or
// not, to the output. The output writer checks the context on each write
// and fails once it is done, which stops the execution there. Each node
// between two checks does a bounded amount of work (the string functions
// are bounded by the budget), so rendering ends soon after the deadline,
// on the attempt's own goroutine, and nothing is left running.
const (
	// MaxTemplateSize bounds a body_template's source, in bytes.
	MaxTemplateSize = 64 << 10
	// MaxTemplateNesting bounds how deeply a body_template nests if, range,
	// with and template calls.
	MaxTemplateNesting = 32
	// MaxTemplateExpansion bounds the nodes a body_template expands to
	// with every template call in place: templates that call others twice
	// over grow exponentially.
	MaxTemplateExpansion = 100_000
	// MaxRenderedBody bounds the body a body_template renders, in bytes.
	MaxRenderedBody = 1 << 20
	// renderBudget bounds the bytes a render's string functions produce.
	renderBudget = 8 * MaxRenderedBody
	// renderTimeout bounds RenderBody, which has no attempt's deadline.
	renderTimeout = 30 * time.Second
	// maxFormatWidth bounds a printf width or precision, which fmt pads in
	// memory before anything can check it.
	maxFormatWidth = 4096
)

// Errors a render stops with.
var (
	errBodyTooLarge = fmt.Errorf("the rendered body is over %d bytes", MaxRenderedBody)
	errOverBudget   = fmt.Errorf("the template's functions produced over %d bytes", renderBudget)
)

// parseBodyTemplate parses a subscription's body_template and checks it
// against the limits above. Templates get a json function that writes a
// value as JSON.
func parseBodyTemplate(s string) (*template.Template, error) {
	if len(s) > MaxTemplateSize {
		return nil, fmt.Errorf("the template is %d bytes; at most %d", len(s), MaxTemplateSize)
	}
	t, err := template.New("body_template").Option("missingkey=error").Funcs((&renderState{}).funcs()).Parse(s)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	trees := map[string]*parse.Tree{}
	for _, d := range t.Templates() {
		if d.Tree != nil && d.Tree.Root != nil {
			trees[d.Name()] = d.Tree
		}
	}
	c := nestingCheck{trees: trees, measured: map[string]measure{}, visiting: map[string]bool{}}
	for name := range trees {
		if _, err := c.template(name); err != nil {
			return nil, err
		}
	}
	for _, tr := range trees {
		addCheckpoints(tr.Root)
	}
	return t, nil
}

// nestingCheck measures templates, through the templates they call: how
// deeply they nest and how many nodes they expand to. It finds templates
// that call themselves.
type nestingCheck struct {
	trees    map[string]*parse.Tree
	measured map[string]measure
	visiting map[string]bool
}

// measure is how deeply a list of nodes nests and how many nodes it
// expands to with every template call in place (at most
// MaxTemplateExpansion+1).
type measure struct{ depth, size int }

func (c *nestingCheck) template(name string) (measure, error) {
	if m, ok := c.measured[name]; ok {
		return m, nil
	}
	tr, ok := c.trees[name]
	if !ok {
		return measure{}, nil // an undefined template: execution says so
	}
	if c.visiting[name] {
		return measure{}, fmt.Errorf("template %q calls itself; body templates may not recurse", name)
	}
	c.visiting[name] = true
	m, err := c.list(tr.Root)
	delete(c.visiting, name)
	if err != nil {
		return measure{}, err
	}
	if m.size > MaxTemplateExpansion {
		return measure{}, fmt.Errorf("template %q expands to more than %d nodes through the templates it calls", name, MaxTemplateExpansion)
	}
	c.measured[name] = m
	return m, nil
}

// list measures the nodes of l.
func (c *nestingCheck) list(l *parse.ListNode) (measure, error) {
	var out measure
	if l == nil {
		return out, nil
	}
	for _, n := range l.Nodes {
		m := measure{size: 1}
		var err error
		switch n := n.(type) {
		case *parse.IfNode:
			m, err = c.branch(&n.BranchNode)
		case *parse.RangeNode:
			m, err = c.branch(&n.BranchNode)
		case *parse.WithNode:
			m, err = c.branch(&n.BranchNode)
		case *parse.TemplateNode:
			m, err = c.template(n.Name)
			m.depth++
			m.size++
		}
		if err != nil {
			return measure{}, err
		}
		if m.depth > MaxTemplateNesting {
			return measure{}, fmt.Errorf("the template nests if, range, with and template calls more than %d deep (at byte %d)", MaxTemplateNesting, n.Position())
		}
		out.depth = max(out.depth, m.depth)
		out.size = min(out.size+m.size, MaxTemplateExpansion+1)
	}
	return out, nil
}

func (c *nestingCheck) branch(b *parse.BranchNode) (measure, error) {
	l, err := c.list(b.List)
	if err != nil {
		return measure{}, err
	}
	e, err := c.list(b.ElseList)
	if err != nil {
		return measure{}, err
	}
	return measure{depth: 1 + max(l.depth, e.depth), size: min(1+l.size+e.size, MaxTemplateExpansion+1)}, nil
}

// addCheckpoints puts an empty text node before every node of l and of the
// lists inside it, and one in every empty list: the places where a render
// checks its deadline (see the limits above).
func addCheckpoints(l *parse.ListNode) {
	if l == nil {
		return
	}
	nodes := make([]parse.Node, 0, 2*len(l.Nodes)+1)
	for _, n := range l.Nodes {
		nodes = append(nodes, checkpoint(n.Position()), n)
		switch n := n.(type) {
		case *parse.IfNode:
			addCheckpoints(n.List)
			addCheckpoints(n.ElseList)
		case *parse.RangeNode:
			addCheckpoints(n.List)
			addCheckpoints(n.ElseList)
		case *parse.WithNode:
			addCheckpoints(n.List)
			addCheckpoints(n.ElseList)
		}
	}
	if len(nodes) == 0 {
		nodes = append(nodes, checkpoint(l.Position()))
	}
	l.Nodes = nodes
}

func checkpoint(pos parse.Pos) parse.Node {
	return &parse.TextNode{NodeType: parse.NodeText, Pos: pos, Text: []byte{}}
}

// renderBody executes t with the decoded event payload (numbers kept as
// written) as data, within ctx and the limits above.
func renderBody(ctx context.Context, t *template.Template, event string) (string, error) {
	var data any
	if strings.TrimSpace(event) != "" {
		d := json.NewDecoder(strings.NewReader(event))
		d.UseNumber()
		if err := d.Decode(&data); err != nil {
			return "", fmt.Errorf("decode the event payload: %w", err)
		}
	}
	rs := &renderState{ctx: ctx, budget: renderBudget, event: len(event)}
	run, err := t.Clone()
	if err != nil {
		return "", err
	}
	w := &boundedWriter{ctx: ctx}
	if err := run.Funcs(rs.funcs()).Execute(w, data); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("rendering stopped at the attempt's deadline: %w", context.Cause(ctx))
		}
		return "", err
	}
	return w.buf.String(), nil
}

// boundedWriter collects a rendered body up to MaxRenderedBody bytes, and
// fails every write once ctx is done.
type boundedWriter struct {
	ctx context.Context
	buf bytes.Buffer
}

func (w *boundedWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	if w.buf.Len()+len(p) > MaxRenderedBody {
		return 0, errBodyTooLarge
	}
	return w.buf.Write(p)
}

// renderState is one render's budget for the functions that make strings.
type renderState struct {
	ctx    context.Context
	budget int
	event  int // the payload's size, what a map or list from it writes at most, roughly
}

// funcs are the template's functions: json, and the builtins that build
// strings, held to the budget.
func (rs *renderState) funcs() template.FuncMap {
	return template.FuncMap{
		"json": rs.json,
		"print": func(args ...any) (string, error) {
			return rs.build(args, 1, func() string { return fmt.Sprint(args...) })
		},
		"println": func(args ...any) (string, error) {
			return rs.build(args, 1, func() string { return fmt.Sprintln(args...) })
		},
		"printf": func(format string, args ...any) (string, error) {
			if err := checkFormat(format); err != nil {
				return "", err
			}
			return rs.build(append(args, format), 1, func() string { return fmt.Sprintf(format, args...) })
		},
		"html": func(args ...any) (string, error) {
			return rs.build(args, 6, func() string { return template.HTMLEscaper(args...) })
		},
		"js": func(args ...any) (string, error) {
			return rs.build(args, 6, func() string { return template.JSEscaper(args...) })
		},
		"urlquery": func(args ...any) (string, error) {
			return rs.build(args, 3, func() string { return template.URLQueryEscaper(args...) })
		},
	}
}

// build runs f, which writes args with at most grow bytes per byte of
// input, if its result fits the budget.
func (rs *renderState) build(args []any, grow int, f func() string) (string, error) {
	if err := rs.ctx.Err(); err != nil {
		return "", err
	}
	n := 0
	for _, a := range args {
		n += rs.sizeOf(a)
	}
	if n*grow > rs.budget || n > MaxRenderedBody {
		return "", errOverBudget
	}
	s := f()
	rs.budget -= len(s)
	if rs.budget < 0 || len(s) > MaxRenderedBody {
		return "", errOverBudget
	}
	return s, nil
}

// sizeOf is about how many bytes writing v takes: its length for strings,
// the payload's size for what came from it.
func (rs *renderState) sizeOf(v any) int {
	switch x := v.(type) {
	case string:
		return len(x)
	case json.Number:
		return len(x)
	case []byte:
		return len(x)
	case nil, bool:
		return 5
	}
	switch reflect.ValueOf(v).Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Pointer, reflect.Interface:
		return rs.event + 16
	}
	return 24
}

func (rs *renderState) json(v any) (string, error) {
	if rs.sizeOf(v) > rs.budget {
		return "", errOverBudget
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("json: %w", err)
	}
	rs.budget -= buf.Len()
	if rs.budget < 0 {
		return "", errOverBudget
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// checkFormat refuses a printf format whose width or precision is over
// maxFormatWidth or given as an argument (*).
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		n := 0
	verb:
		for i++; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '*':
				return errors.New("printf: a width or precision from an argument (*) is not allowed in a body template")
			case c >= '0' && c <= '9':
				n = min(n*10+int(c-'0'), maxFormatWidth+1)
				if n > maxFormatWidth {
					return fmt.Errorf("printf: width or precision over %d", maxFormatWidth)
				}
				continue
			case c == '.' || c == '-' || c == '+' || c == '#' || c == ' ' || c == '[' || c == ']':
				n = 0
				continue
			}
			break verb
		}
	}
	return nil
}

// RenderBody renders a subscription's body template against an event
// payload, as every attempt does: the template's data is the decoded
// payload (objects as map[string]any, numbers as written), and the json
// function writes a value as JSON: {"release": {{json .payload}}}. The
// template is held to the limits of an attempt's render, and to
// renderTimeout.
func RenderBody(tmpl string, event []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), renderTimeout)
	defer cancel()
	t, err := parseBodyTemplate(tmpl)
	if err != nil {
		return nil, fmt.Errorf("body_template: %w", err)
	}
	b, err := renderBody(ctx, t, string(event))
	if err != nil {
		return nil, fmt.Errorf("body_template: %w", err)
	}
	return []byte(b), nil
}
