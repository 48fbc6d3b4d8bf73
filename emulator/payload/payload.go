// Package payload holds what every vendor's generator shares: the JSON
// encoding vendors use, the edits of a payload (merging an override,
// setting a path), and the comparison of a payload's shape with a vendor's
// documented sample.
package payload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Marshal encodes v as compact JSON the way the vendors send it: struct
// field order kept, no HTML escaping of <, > and &.
func Marshal(v any) ([]byte, error) { return appendMarshal(nil, v) }

// appendMarshal appends v, encoded as Marshal encodes it, to dst.
func appendMarshal(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	dst = append(dst, bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))...)
	if e.buf.Cap() <= maxPooledBuffer {
		encoders.Put(e)
	}
	return dst, nil
}

// encoder is a json.Encoder set up for Marshal with the buffer it writes
// to, kept in a pool: a payload is encoded for every emitted event, and a
// fresh encoder and buffer cost more allocations than the payload itself.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// maxPooledBuffer bounds the buffers the pool keeps.
const maxPooledBuffer = 64 << 10

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// Indent returns compact JSON re-encoded with two-space indentation.
func Indent(compact []byte) ([]byte, error) {
	var b bytes.Buffer
	if err := json.Indent(&b, compact, "", "  "); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Shape maps every path of a JSON document ("/payload/projects/[]/projectId",
// array indices folded into "[]") to the set of JSON types seen there:
// object, array, string, number, boolean, null.
type Shape map[string]map[string]bool

// ShapeOf decodes doc and returns its shape.
func ShapeOf(doc []byte) (Shape, error) {
	var v any
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	s := Shape{}
	s.add("", v)
	return s, nil
}

func (s Shape) add(path string, v any) {
	t := typeOf(v)
	if s[path] == nil {
		s[path] = map[string]bool{}
	}
	s[path][t] = true
	switch n := v.(type) {
	case map[string]any:
		for k, c := range n {
			s.add(path+"/"+k, c)
		}
	case []any:
		for _, c := range n {
			s.add(path+"/[]", c)
		}
	}
}

func typeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	default:
		return "object"
	}
}

// Covers reports how generated falls short of sample: every path of the
// sample must be present in generated, and where the sample has a non-null
// value, generated must have values of exactly the sample's non-null types
// (null is accepted in generated only where the sample has null too). The
// result is empty when generated covers sample.
func Covers(sample, generated Shape) []string {
	var problems []string
	for path, st := range sample {
		gt, ok := generated[path]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: missing (sample has %s)", orRoot(path), types(st)))
			continue
		}
		want := without(st, "null")
		if len(want) == 0 {
			continue
		}
		got := gt
		if st["null"] {
			got = without(gt, "null")
		}
		if types(got) != types(want) {
			problems = append(problems, fmt.Sprintf("%s: generated %s, sample has %s", orRoot(path), types(gt), types(st)))
		}
	}
	sort.Strings(problems)
	return problems
}

// Extra returns the paths generated has and sample lacks, sorted.
func Extra(sample, generated Shape) []string {
	var out []string
	for path := range generated {
		if _, ok := sample[path]; !ok {
			out = append(out, path)
		}
	}
	sort.Strings(out)
	return out
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

func without(set map[string]bool, t string) map[string]bool {
	out := map[string]bool{}
	for k := range set {
		if k != t {
			out[k] = true
		}
	}
	return out
}

func types(set map[string]bool) string {
	var ts []string
	for t := range set {
		ts = append(ts, t)
	}
	sort.Strings(ts)
	return strings.Join(ts, "|")
}
