package scenarios

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	yamlparser "github.com/goccy/go-yaml/parser"
)

// Pos is a place in a scenario file: 1-based line and column.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"col"`
}

// String writes line:col.
func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// nodeKind is what a YAML node holds.
type nodeKind int

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
)

// node is a YAML value with its place in the file: a scalar (string, int64,
// float64, bool or nil), a mapping (keys in file order) or a sequence.
type node struct {
	kind   nodeKind
	pos    Pos
	scalar any
	keys   []*node // mapping keys (string scalars), in order
	vals   []*node // mapping values, parallel to keys; sequence items
}

func (n *node) kindName() string {
	switch n.kind {
	case mapNode:
		return "a mapping"
	case seqNode:
		return "a list"
	}
	switch v := n.scalar.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return fmt.Sprintf("the boolean %v", v)
	default:
		return fmt.Sprintf("the number %v", v)
	}
}

// get returns the value of key in a mapping node.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k.scalar == key {
			return n.vals[i]
		}
	}
	return nil
}

// maxNodes bounds the tree a file may expand to (aliases can multiply it).
const maxNodes = 200_000

// parseYAML reads one YAML document into a node tree.
func parseYAML(file string, src []byte) (*node, error) {
	if err := checkNesting(file, src, maxDepth); err != nil {
		return nil, err
	}
	f, err := yamlparser.ParseBytes(src, 0)
	if err != nil {
		return nil, yamlError(file, src, err)
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			docs = append(docs, d)
		}
	}
	switch len(docs) {
	case 0:
		return nil, &Error{File: file, Pos: Pos{1, 1}, Msg: "the file is empty; a scenario is a YAML mapping with name, vendor and steps"}
	case 1:
	default:
		return nil, &Error{File: file, Pos: posOf(docs[1].Body), Msg: "a scenario file holds one YAML document; found a second one"}
	}
	c := converter{file: file, anchors: map[string]*node{}}
	return c.convert(docs[0].Body, 0)
}

// YAMLError turns an error of the YAML library (github.com/goccy/go-yaml)
// on src into an *Error at the place it names, explained, for other YAML
// files standin reads.
func YAMLError(file string, src []byte, err error) error { return yamlError(file, src, err) }

// yamlError turns the YAML library's error on src into an *Error at the
// place it names, with what most likely went wrong there in plain words:
// a tab in the indentation, a line indented differently from the keys
// around it, an unclosed bracket.
func yamlError(file string, src []byte, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil {
		return &Error{File: file, Pos: Pos{1, 1}, Msg: "YAML: " + err.Error()}
	}
	p := ye.GetToken().Position
	pos := Pos{p.Line, p.Column}
	msg := strings.ReplaceAll(ye.GetMessage(), "\t", `\t`)
	lines := strings.Split(string(src), "\n")
	line := func(n int) string {
		if n >= 1 && n <= len(lines) {
			return strings.TrimRight(lines[n-1], "\r")
		}
		return ""
	}
	indent := func(l string) string { return l[:len(l)-len(strings.TrimLeft(l, " \t"))] }
	// A tab in an indentation, on the line named or one before it.
	for n := pos.Line; n >= 1 && n >= pos.Line-1; n-- {
		if i := strings.IndexByte(indent(line(n)), '\t'); i >= 0 {
			return &Error{File: file, Pos: Pos{n, i + 1}, Msg: "YAML: a tab in the indentation; YAML indents with spaces only (" + msg + ")"}
		}
	}
	switch {
	case strings.Contains(msg, "not allowed in this context"), strings.Contains(msg, "could not find expected ':'"),
		strings.Contains(msg, "did not find expected key"), strings.Contains(msg, "unexpected key name"):
		// A line indented unlike the keys it should stand with: the line
		// named, or the next (the library often names the line before).
		for _, n := range []int{pos.Line, pos.Line + 1} {
			if cur, prev, want, bad := misindented(lines, n); bad {
				return &Error{File: file, Pos: Pos{n, cur + 1}, Msg: fmt.Sprintf(
					"YAML: this line is indented %d spaces and line %d's keys %d; keys of one mapping start in the same column, and a list item's keys line up after its \"- \" (%s)",
					cur, prev, want, msg)}
			}
		}
	case strings.Contains(msg, "']' not found"), strings.Contains(msg, "'}' not found"), strings.Contains(msg, "end token"):
		return &Error{File: file, Pos: pos, Msg: "YAML: a [ or { opened here is not closed on the lines that follow (" + msg + ")"}
	}
	return &Error{File: file, Pos: pos, Msg: "YAML: " + msg}
}

// misindented reports whether line n (from 1) of lines is indented unlike
// the keys it should stand with: deeper than the line before when that
// line opens no block, or between that line's indentation and its keys'
// (a list item's keys line up after its "- "). It returns n's indentation,
// the line before it and that line's keys' indentation.
func misindented(lines []string, n int) (cur, prev, want int, bad bool) {
	indent := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	if n < 1 || n > len(lines) || strings.TrimSpace(lines[n-1]) == "" {
		return 0, 0, 0, false
	}
	for prev = n - 1; prev >= 1; prev-- {
		t := strings.TrimSpace(lines[prev-1])
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
	}
	if prev < 1 {
		return 0, 0, 0, false
	}
	p := strings.TrimRight(lines[prev-1], " \r")
	base := indent(p)
	want = base
	if strings.HasPrefix(strings.TrimLeft(p, " "), "- ") {
		want += 2
	}
	cur = indent(lines[n-1])
	switch {
	case strings.HasSuffix(p, ":") && cur > base: // a nested block opens
		return cur, prev, want, false
	case cur == want, cur < base: // the same mapping, or back out of it
		return cur, prev, want, false
	case cur == base && strings.HasPrefix(strings.TrimLeft(lines[n-1], " "), "- "): // the next item
		return cur, prev, want, false
	}
	return cur, prev, want, true
}

func posOf(n ast.Node) Pos {
	if n == nil || n.GetToken() == nil {
		return Pos{1, 1}
	}
	p := n.GetToken().Position
	return Pos{p.Line, p.Column}
}

type converter struct {
	file    string
	anchors map[string]*node
	count   int
}

func (c *converter) errorf(at ast.Node, format string, args ...any) error {
	return &Error{File: c.file, Pos: posOf(at), Msg: fmt.Sprintf(format, args...)}
}

func (c *converter) convert(n ast.Node, depth int) (*node, error) {
	c.count++
	if c.count > maxNodes {
		return nil, c.errorf(n, "the file expands to more than %d YAML nodes", maxNodes)
	}
	if depth > maxDepth {
		err := c.errorf(n, "the YAML nests more than %d levels deep", maxDepth)
		err.(*Error).kind = ErrTooDeep
		return nil, err
	}
	pos := posOf(n)
	switch v := n.(type) {
	case *ast.NullNode:
		return &node{kind: scalarNode, pos: pos}, nil
	case *ast.StringNode:
		return &node{kind: scalarNode, pos: pos, scalar: v.Value}, nil
	case *ast.LiteralNode:
		s := ""
		if v.Value != nil {
			s = v.Value.Value
		}
		return &node{kind: scalarNode, pos: pos, scalar: s}, nil
	case *ast.BoolNode:
		return &node{kind: scalarNode, pos: pos, scalar: v.Value}, nil
	case *ast.IntegerNode:
		switch i := v.Value.(type) {
		case int64:
			return &node{kind: scalarNode, pos: pos, scalar: i}, nil
		case uint64:
			if i > math.MaxInt64 {
				return nil, c.errorf(n, "the number %d is too large", i)
			}
			return &node{kind: scalarNode, pos: pos, scalar: int64(i)}, nil
		}
		return nil, c.errorf(n, "unreadable integer %s", v.String())
	case *ast.FloatNode:
		return &node{kind: scalarNode, pos: pos, scalar: v.Value}, nil
	case *ast.InfinityNode, *ast.NanNode:
		return nil, c.errorf(n, "infinity and NaN are not allowed in a scenario")
	case *ast.TagNode:
		return c.tagged(v, depth)
	case *ast.AnchorNode:
		name := anchorName(v.Name)
		out, err := c.convert(v.Value, depth+1)
		if err != nil {
			return nil, err
		}
		c.anchors[name] = out
		return out, nil
	case *ast.AliasNode:
		name := anchorName(v.Value)
		out, ok := c.anchors[name]
		if !ok {
			return nil, c.errorf(n, "alias *%s names no anchor defined before it", name)
		}
		c.count += size(out)
		if c.count > maxNodes {
			return nil, c.errorf(n, "the file expands to more than %d YAML nodes", maxNodes)
		}
		return out, nil
	case *ast.MappingNode:
		// A mapping is where its first key is (the library's token is the
		// first colon).
		if len(v.Values) > 0 && v.Values[0].Key != nil && !v.IsFlowStyle {
			pos = posOf(v.Values[0].Key)
		}
		out := &node{kind: mapNode, pos: pos}
		for _, mv := range v.Values {
			if err := c.pair(out, mv, depth); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *ast.MappingValueNode:
		out := &node{kind: mapNode, pos: posOf(v.Key)}
		if err := c.pair(out, v, depth); err != nil {
			return nil, err
		}
		return out, nil
	case *ast.SequenceNode:
		out := &node{kind: seqNode, pos: pos}
		for _, item := range v.Values {
			if item == nil {
				out.vals = append(out.vals, &node{kind: scalarNode, pos: pos})
				continue
			}
			x, err := c.convert(item, depth+1)
			if err != nil {
				return nil, err
			}
			out.vals = append(out.vals, x)
		}
		return out, nil
	case *ast.CommentGroupNode, *ast.CommentNode:
		return &node{kind: scalarNode, pos: pos}, nil
	}
	return nil, c.errorf(n, "unsupported YAML construct (%s)", n.Type())
}

func (c *converter) pair(out *node, mv *ast.MappingValueNode, depth int) error {
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		return c.errorf(mv.Key, "merge keys (<<) are not supported; write the fields out")
	}
	k, err := c.convert(mv.Key, depth+1)
	if err != nil {
		return err
	}
	if k.kind != scalarNode {
		return c.errorf(mv.Key, "a key must be a plain word, got %s", k.kindName())
	}
	switch s := k.scalar.(type) {
	case string:
	case nil:
		return c.errorf(mv.Key, "a key must be a plain word, got null")
	default:
		k.scalar = fmt.Sprint(s)
	}
	if prev := out.get(k.scalar.(string)); prev != nil {
		return c.errorf(mv.Key, "key %q appears twice in this mapping", k.scalar)
	}
	var val *node
	if mv.Value == nil {
		val = &node{kind: scalarNode, pos: k.pos}
	} else if val, err = c.convert(mv.Value, depth+1); err != nil {
		return err
	}
	out.keys = append(out.keys, k)
	out.vals = append(out.vals, val)
	return nil
}

// tagged converts a node with an explicit tag; only the core scalar tags
// that change how a scalar reads (!!str, !!int, !!float, !!bool) matter.
func (c *converter) tagged(t *ast.TagNode, depth int) (*node, error) {
	inner, err := c.convert(t.Value, depth+1)
	if err != nil {
		return nil, err
	}
	tag := ""
	if t.Start != nil {
		tag = t.Start.Value
	}
	if inner.kind != scalarNode {
		return inner, nil
	}
	text := fmt.Sprint(inner.scalar)
	switch tag {
	case "!!str":
		if inner.scalar == nil {
			text = ""
		}
		inner.scalar = text
	case "!!int":
		i, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			return nil, c.errorf(t, "!!int %q is not an integer", text)
		}
		inner.scalar = i
	case "!!float":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, c.errorf(t, "!!float %q is not a finite number", text)
		}
		inner.scalar = f
	case "!!bool":
		b, err := strconv.ParseBool(text)
		if err != nil {
			return nil, c.errorf(t, "!!bool %q is not true or false", text)
		}
		inner.scalar = b
	}
	return inner, nil
}

func anchorName(n ast.Node) string {
	if n == nil {
		return ""
	}
	if s, ok := n.(*ast.StringNode); ok {
		return s.Value
	}
	return n.String()
}

func size(n *node) int {
	total := 1
	for _, k := range n.keys {
		total += size(k)
	}
	for _, v := range n.vals {
		total += size(v)
	}
	return total
}
