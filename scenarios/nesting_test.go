package scenarios

import (
	"errors"
	"strings"
	"testing"

	yamlparser "github.com/goccy/go-yaml/parser"
)

func TestCheckNesting(t *testing.T) {
	deep := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "1" + strings.Repeat(close, n)
	}
	tests := []struct {
		name  string
		src   string
		limit int
		want  string // "" when it passes; else line:col
	}{
		{"flow within the limit", "a: " + deep("[", "]", 9) + "\n", 10, ""},
		{"flow past the limit", "a: " + deep("[", "]", 10) + "\n", 10, "1:13"},
		{"mappings in flow", "a: " + deep("{b: ", "}", 10) + "\n", 10, "1:40"},
		{"unclosed flow", "name: x\nsteps: " + strings.Repeat("[", 1<<20), 10, "2:17"},
		{"flow over lines", "a: [\n [\n  [\n   [1]]]]\n", 4, "4:4"},
		{"compact block entries", "steps:\n" + strings.Repeat("- ", 12) + "x\n", 10, "2:19"},
		{"indentation counts", "a:\n b:\n  c:\n   - [[x]]\n", 5, "4:6"},
		{"brackets in quoted strings", `a: "[[[[[[\"[[[[" ` + "\nb: '[[[['' [[[['\n", 2, ""},
		{"quoted string over lines", "a: \"[[[[\n[[[[\"\nb: [1]\n", 2, ""},
		{"brackets in comments", "a: 1 # [[[[[[[[\n# {{{{{{{{\n", 2, ""},
		{"brackets in plain scalars", "a: x[[[[[[[[ and {{{{{{\n", 2, ""},
		{"brackets in block scalars", "a: |\n  [[[[[[[[\n\n  {{{{{{{\nb: [1]\n", 2, ""},
		{"after a block scalar", "a: >-\n  text\nb: [[[1]]]\n", 3, "3:6"},
		{"tags and anchors before flow", "a: !t &x [[[1]]]\n", 3, "1:12"},
		// What the parser reads as flow, however it is disguised.
		{"a quote inside a flow plain scalar", "a: [x ', " + strings.Repeat("[", 20) + "\n", 10, "1:18"},
		{"an anchor before flow", "a: &x" + strings.Repeat("[", 20) + "\n", 10, "1:15"},
		{"a tag before flow", "a: !t" + strings.Repeat("{", 20) + "\n", 10, "1:15"},
		{"not a block scalar header", "a: |x\n  " + strings.Repeat("[", 20) + "\n", 10, "2:11"},
		{"less indented than the block scalar", "a: |\n    text\n  " + strings.Repeat("[", 20) + "\n", 10, "3:11"},
		{"block scalar with indicators", "a: |-2 # c\n  [[[[[[[[[[[[\nb: 1\n", 3, ""},
		{"quotes inside flow", "a: [\"]]]]\", 'x'']]', it's, [[1]]]\n", 2, "1:28"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkNesting("t.yaml", []byte(tt.src), tt.limit)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want it to pass", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Pos.String() != tt.want || !strings.Contains(e.Msg, "nests more than") {
				t.Fatalf("got %v, want an error at %s", err, tt.want)
			}
		})
	}
}

func TestDeepYAMLIsRefusedBeforeTheParser(t *testing.T) {
	for _, src := range []string{
		"name: x\nvendor: cutover\nsteps: " + strings.Repeat("[", 32_000) + strings.Repeat("]", 32_000) + "\n",
		"name: x\nvendor: cutover\nsteps: " + strings.Repeat("[", 32_000) + "\n",
		"name: x\nvendor: cutover\nsteps:\n" + strings.Repeat("- ", 32_000) + "x\n",
	} {
		_, err := Parse("deep.yaml", []byte(src))
		var es Errors
		if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Msg, "nests more than 100 levels") || !errors.Is(err, ErrTooDeep) {
			t.Errorf("got %v, want one error naming the limit", err)
		}
	}
}

// treeDepth is how deeply a converted YAML tree nests mappings and lists.
func treeDepth(n *node) int {
	if n == nil || n.kind == scalarNode {
		return 0
	}
	d := 0
	for _, v := range n.vals {
		d = max(d, treeDepth(v))
	}
	return d + 1
}

// FuzzCheckNesting looks for YAML the pre-scan passes and the parser still
// reads as nesting deeper than the limit: what would reach the parser's
// quadratic cost.
func FuzzCheckNesting(f *testing.F) {
	const limit = 8
	for _, s := range []string{
		"a: [[[1]]]\n", "a: [x ', [[[[[[[[[[[\n", "a: &x[[[[[[[[[[[\n", "a: |x\n  [[[[[[[[[[\n",
		"a: |\n    text\n  [[[[[[[[[[[\n", "- - - - - - - - - - x\n", "a: {b: {c: {d: [1]}}}\n",
		"a: \"[[[[\\\"[[[[\"\nb: '[[['' [[['\n", "a: >-\n  [[[[[[[[[[[[\nb: [1]\n", "? ? ? ? ? ? ? ? ? ? x\n",
		"a:\n  - b:\n      - c: [d, {e: f}]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		// Aliases nest what they name again, which the parser does not pay for.
		if strings.Contains(src, "*") || checkNesting("f.yaml", []byte(src), limit) != nil {
			return
		}
		file, err := yamlparser.ParseBytes([]byte(src), 0)
		if err != nil || len(file.Docs) == 0 || file.Docs[0] == nil || file.Docs[0].Body == nil {
			return
		}
		c := converter{file: "f.yaml", anchors: map[string]*node{}}
		root, err := c.convert(file.Docs[0].Body, 0)
		if err != nil {
			return
		}
		if d := treeDepth(root); d > limit {
			t.Fatalf("the pre-scan passed %q, which nests %d deep", src, d)
		}
	})
}
