package schemas_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"sort"
	"testing"

	"github.com/standin-dev/standin/schemas"
)

// FuzzValidate feeds arbitrary bytes to the validator: it must never panic,
// and must answer nil or a *schemas.Error that says where the problem is.
func FuzzValidate(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.vendor, s.slug, s.body)
	}
	f.Add("cutover", "task-created", []byte(`{"id":`))
	f.Add("rocketlane", "task-created", []byte(`[]`))
	f.Add("flexdeploy", "release-started", []byte("\xff"))
	events, err := schemas.Events()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, vendor, slug string, body []byte) {
		// Map arbitrary names onto real schemas so the fuzzer explores payloads.
		e := events[(len(vendor)*31+len(slug))%len(events)]
		v, s, _ := cut(e)
		if agree, valid, err := schemas.Agree(v, s, body); err != nil || !agree {
			t.Fatalf("fast check and validator disagree on %s/%s (reference says valid=%v, err %v): %q", v, s, valid, err, body)
		}
		err := schemas.Validate(v, s, body)
		if err == nil {
			return
		}
		var se *schemas.Error
		if !errors.As(err, &se) {
			t.Fatalf("Validate returned %T %v, want *schemas.Error", err, err)
		}
		if se.Syntax == nil && len(se.Violations) == 0 {
			t.Fatalf("an error with neither a syntax error nor violations: %v", err)
		}
		if se.Syntax != nil && (se.Syntax.Line < 1 || se.Syntax.Column < 1) {
			t.Fatalf("syntax error without a place: %+v", se.Syntax)
		}
	})
}

func cut(e string) (string, string, bool) {
	for i := range e {
		if e[i] == '/' {
			return e[:i], e[i+1:], true
		}
	}
	return e, "", false
}

// FuzzChecksAgreeOnEdits replaces (or deletes) one value of a doc sample and
// checks the fast check and the reference validator reach the same verdict:
// the edits land on every kind of rule the schemas have.
func FuzzChecksAgreeOnEdits(f *testing.F) {
	all := samples(f)
	for i, r := range []string{`null`, `"x"`, `1`, `1.5`, `-3`, `true`, `[]`, `{}`, `"2025-06-27T10:25:00.000Z"`, `"2020-12-16 15:12:41 -0500"`, `1702266225732`, `""`, `"DELETE"`} {
		f.Add(i, i*7, r)
	}
	f.Fuzz(func(t *testing.T, which, node int, replacement string) {
		s := all[abs(which)%len(all)]
		var doc any
		if err := json.Unmarshal(s.body, &doc); err != nil {
			t.Fatal(err)
		}
		var repl any
		del := replacement == `"DELETE"`
		if !del && json.Unmarshal([]byte(replacement), &repl) != nil {
			return
		}
		n := 0
		target := abs(node) % count(doc)
		doc = replaceNth(doc, &n, target, repl, del)
		body, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if agree, valid, err := schemas.Agree(s.vendor, s.slug, body); err != nil || !agree {
			t.Fatalf("%s: fast check and validator disagree (reference valid=%v, err %v) on\n%s", s.file, valid, err, body)
		}
	})
}

func abs(i int) int {
	if i < 0 {
		if i == -i { // math.MinInt
			return 0
		}
		return -i
	}
	return i
}

// count returns how many values doc holds, itself included.
func count(doc any) int {
	n := 1
	switch x := doc.(type) {
	case map[string]any:
		for _, v := range x {
			n += count(v)
		}
	case []any:
		for _, v := range x {
			n += count(v)
		}
	}
	return n
}

// replaceNth replaces the target-th value of doc (pre-order, object keys sorted)
// with repl, or deletes it from its parent when del.
func replaceNth(doc any, n *int, target int, repl any, del bool) any {
	if *n == target {
		*n++
		return repl
	}
	*n++
	switch x := doc.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if *n == target && del {
				*n += count(x[k])
				delete(x, k)
				continue
			}
			x[k] = replaceNth(x[k], n, target, repl, del)
		}
	case []any:
		for i := range x {
			x[i] = replaceNth(x[i], n, target, repl, del)
		}
	}
	return doc
}

// FuzzDecode holds the quick JSON parser to encoding/json: the same value
// for every document encoding/json accepts, and an error for every one it
// refuses. scan, which reads the bytes without decoding, must accept and
// refuse the same documents.
func FuzzDecode(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.body)
	}
	for _, s := range []string{`"\ud83d\ude00"`, `"\ud83d"`, `"\udc00\ud83d"`, "\"\xff\xfe\"", `-0.5e+10`, `01`, `1.`, `[1,]`, `{"a":1,"a":2}`, `  null `, `"\u00e9\n"`, `[[[[]]]]`, `{"a" 1}`, "\"a\tb\""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := schemas.Decode(b)
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var want any
		werr := d.Decode(&want)
		if werr == nil {
			if _, tail := d.Token(); tail != io.EOF {
				werr = errors.New("trailing data")
			}
		}
		if (err == nil) != (werr == nil) {
			t.Fatalf("Decode(%q): err %v, encoding/json: %v", b, err, werr)
		}
		if scans := schemas.Scans(b); scans != (werr == nil) {
			t.Fatalf("scan(%q) = %v, encoding/json: %v", b, scans, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("Decode(%q) = %#v, encoding/json gives %#v", b, got, want)
		}
	})
}
