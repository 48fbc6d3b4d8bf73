// Package schemas holds one JSON Schema (draft 2020-12) per vendor event,
// embedded in the binary, and validates payloads against them.
//
// The files live at <vendor>/<event-slug>.schema.json; the parts an event
// shares with the vendor's other events live in <vendor>/common.schema.json
// and are referenced with $ref. Every schema has the $id
// https://standin.dev/schemas/<vendor>/<file>, so relative references also
// resolve for other validators that load the files from a directory.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// BaseURL is the prefix of every schema's $id.
const BaseURL = "https://standin.dev/schemas/"

//go:embed */*.schema.json
var files embed.FS

// FS returns the schema files, rooted so that paths read
// "cutover/task-created.schema.json".
func FS() fs.FS { return files }

// Path returns the file path of the schema of vendor's event slug.
func Path(vendor, slug string) string {
	return vendor + "/" + slug + ".schema.json"
}

// Raw returns the JSON text of the schema of vendor's event slug.
func Raw(vendor, slug string) ([]byte, error) {
	b, err := files.ReadFile(Path(vendor, slug))
	if err != nil {
		return nil, fmt.Errorf("no schema for %s/%s", vendor, slug)
	}
	return b, nil
}

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	// checks holds the fast yes/no form of each compiled schema (see check).
	checks map[string]*check
	// byEvent is checks by vendor and slug, looked up without building a key.
	byEvent    map[eventKey]*check
	compileErr error
	// rawDocs holds every schema file decoded, by path.
	rawDocs = map[string]any{}
	// flatDocs holds the compiled, $ref-free form of each event schema, by
	// path, to explain violations.
	flatDocs = map[string]any{}
)

// compileAll compiles every event schema once; compiled schemas are safe for
// concurrent use.
func compileAll() (map[string]*jsonschema.Schema, error) {
	compileOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.Draft = jsonschema.Draft2020
		c.AssertFormat = true
		c.LoadURL = func(u string) (io.ReadCloser, error) {
			return nil, fmt.Errorf("schema %s is not embedded (only %s… resolves)", u, BaseURL)
		}
		var paths []string
		err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := files.ReadFile(p)
			if err != nil {
				return err
			}
			var doc any
			if err := json.Unmarshal(b, &doc); err != nil {
				return fmt.Errorf("schema %s: %w", p, err)
			}
			rawDocs[p] = doc
			paths = append(paths, p)
			return nil
		})
		if err != nil {
			compileErr = err
			return
		}
		out := make(map[string]*jsonschema.Schema, len(paths))
		fast := make(map[string]*check, len(paths))
		for _, p := range paths {
			if path.Base(p) == "common.schema.json" {
				continue
			}
			flat, err := inline(rawDocs, p, rawDocs[p], nil)
			if err != nil {
				compileErr = fmt.Errorf("schema %s: %w", p, err)
				return
			}
			flatDocs[p] = flat
			b, err := json.Marshal(flat)
			if err != nil {
				compileErr = err
				return
			}
			if err := c.AddResource(BaseURL+p, bytes.NewReader(b)); err != nil {
				compileErr = fmt.Errorf("schema %s: %w", p, err)
				return
			}
			s, err := c.Compile(BaseURL + p)
			if err != nil {
				compileErr = fmt.Errorf("compile schema %s: %w", p, err)
				return
			}
			key := strings.TrimSuffix(p, ".schema.json")
			out[key] = s
			if fast[key], err = compileCheck(flat, p+"#"); err != nil {
				compileErr = fmt.Errorf("schema %s: %w", p, err)
				return
			}
		}
		byEvent = make(map[eventKey]*check, len(fast))
		for key, c := range fast {
			vendor, slug, _ := strings.Cut(key, "/")
			byEvent[eventKey{vendor, slug}] = c
		}
		checks = fast
		compiled = out
	})
	return compiled, compileErr
}

// Events returns "vendor/slug" for every embedded event schema, sorted.
func Events() ([]string, error) {
	m, err := compileAll()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out, nil
}

// Violation is one way a payload breaks its schema.
type Violation struct {
	// Pointer is the JSON pointer (RFC 6901) of the offending value; "" is
	// the whole payload.
	Pointer string `json:"pointer"`
	// Message says what was expected there.
	Message string `json:"message"`
	// Keyword is the schema location of the rule that failed.
	Keyword string `json:"keyword"`
}

func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "/"
	}
	return p + ": " + v.Message
}

// Error is returned by Validate for a payload that is not valid JSON or does
// not match its schema.
type Error struct {
	Vendor, Event string
	// Syntax is set when the payload is not JSON; Violations is then empty.
	Syntax *SyntaxError
	// Violations lists every failed rule, most specific first, by pointer.
	Violations []Violation
}

func (e *Error) Error() string {
	if e.Syntax != nil {
		return fmt.Sprintf("%s %s: %v", e.Vendor, e.Event, e.Syntax)
	}
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return fmt.Sprintf("%s %s payload is invalid: %s", e.Vendor, e.Event, strings.Join(parts, "; "))
}

// SyntaxError locates malformed JSON by line and column (both from 1).
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Decode parses a JSON document the way the validator needs it (numbers kept
// exact), rejecting trailing data, and locates syntax errors.
func Decode(payload []byte) (any, error) {
	if v, ok := parse(payload); ok {
		return v, nil
	}
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, syntaxError(payload, d.InputOffset(), err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, syntaxError(payload, d.InputOffset(), errors.New("unexpected data after the JSON value"))
	}
	return v, nil
}

func syntaxError(b []byte, off int64, err error) *SyntaxError {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Offset > 0 {
		off = se.Offset - 1 // Offset counts the offending byte itself
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		off = int64(len(b))
		err = errors.New("unexpected end of input")
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:off] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &SyntaxError{Line: line, Column: col, Msg: strings.TrimPrefix(err.Error(), "json: ")}
}

type eventKey struct{ vendor, slug string }

// Validate checks payload against the schema of vendor's event slug. It
// returns nil, an *Error, or an error for an unknown vendor/slug. It is safe
// for concurrent use.
//
// A valid payload is accepted by scan, in one pass over its bytes (see
// scan.go); any other is decoded, put to check.ok, and then to the general
// validator, which says where and why it fails.
func Validate(vendor, slug string, payload []byte) error {
	if _, err := compileAll(); err == nil {
		if c := byEvent[eventKey{vendor, slug}]; c != nil && c.scan(payload) {
			return nil
		}
	}
	v, err := Decode(payload)
	if err != nil {
		var se *SyntaxError
		errors.As(err, &se)
		return &Error{Vendor: vendor, Event: slug, Syntax: se}
	}
	return ValidateValue(vendor, slug, v)
}

// ValidateReference is Validate without the fast check: the general JSON
// Schema validator alone. It gives the same verdicts, only slower; tests use
// it to cross-check the fast path.
func ValidateReference(vendor, slug string, payload []byte) error {
	v, err := Decode(payload)
	if err != nil {
		var se *SyntaxError
		errors.As(err, &se)
		return &Error{Vendor: vendor, Event: slug, Syntax: se}
	}
	return validate(vendor, slug, v, false)
}

// ValidateValue is Validate for an already decoded value (from Decode, or
// json.Unmarshal into any).
func ValidateValue(vendor, slug string, v any) error {
	return validate(vendor, slug, v, true)
}

func validate(vendor, slug string, v any, fastFirst bool) error {
	m, err := compileAll()
	if err != nil {
		return err
	}
	key := vendor + "/" + slug
	s, ok := m[key]
	if !ok {
		return fmt.Errorf("no schema for %s/%s", vendor, slug)
	}
	if fastFirst && checks[key].ok(v) {
		return nil
	}
	// The reference validator cannot read numbers whose exponent big.Rat
	// refuses (1e10000000), and panics on them: say where they are instead.
	if ptr, n, found := unreadableNumber(v, ""); found {
		return &Error{Vendor: vendor, Event: slug, Violations: []Violation{{
			Pointer: ptr, Message: fmt.Sprintf("the number %.40s is too large to be read", n), Keyword: "",
		}}}
	}
	err = s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate %s/%s: %w", vendor, slug, err)
	}
	return &Error{Vendor: vendor, Event: slug, Violations: violations(ve)}
}

// unreadableNumber finds a number in v that big.Rat cannot parse, and its
// JSON pointer.
func unreadableNumber(v any, ptr string) (string, string, bool) {
	switch x := v.(type) {
	case json.Number:
		if _, ok := new(big.Rat).SetString(string(x)); !ok {
			return ptr, string(x), true
		}
	case map[string]any:
		for k, item := range x {
			if p, n, ok := unreadableNumber(item, ptr+"/"+escapePointer(k)); ok {
				return p, n, true
			}
		}
	case []any:
		for i, item := range x {
			if p, n, ok := unreadableNumber(item, ptr+"/"+strconv.Itoa(i)); ok {
				return p, n, true
			}
		}
	}
	return "", "", false
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// violations flattens a validation error tree into its leaves: the rules
// that failed themselves, not the "doesn't validate with $ref" wrappers.
func violations(ve *jsonschema.ValidationError) []Violation {
	var out []Violation
	seen := map[string]bool{} // pointer and message: format and pattern often say the same
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			v := Violation{Pointer: e.InstanceLocation, Message: explain(e), Keyword: e.KeywordLocation}
			if key := v.Pointer + "\x00" + v.Message; !seen[key] {
				seen[key] = true
				out = append(out, v)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// explain rewrites a failed pattern, format or bound as what was expected,
// in the words of the schema node's "description" ("a FlexDeploy timestamp
// such as 2020-12-16 15:12:41 -0500") rather than a regular expression or a
// bare number.
func explain(e *jsonschema.ValidationError) string {
	msg := e.Message
	kw := e.AbsoluteKeywordLocation
	i := strings.LastIndexByte(kw, '/')
	if i < 0 {
		return msg
	}
	keyword := kw[i+1:]
	switch keyword {
	case "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
	default:
		return msg
	}
	node, ok := schemaNode(kw[:i])
	if !ok {
		return msg
	}
	desc, _ := node["description"].(string)
	if desc == "" {
		return msg
	}
	if keyword == "pattern" || keyword == "format" {
		return "expected " + desc
	}
	return msg + ": expected " + desc
}

// schemaNode finds the schema object at an absolute keyword location such as
// https://standin.dev/schemas/cutover/common.schema.json#/$defs/timestamp.
func schemaNode(loc string) (map[string]any, bool) {
	file, ptr, _ := strings.Cut(loc, "#")
	doc, ok := flatDocs[strings.TrimPrefix(file, BaseURL)]
	if !ok {
		return nil, false
	}
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := cur.(type) {
		case map[string]any:
			cur = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil, false
			}
			cur = n[i]
		default:
			return nil, false
		}
	}
	m, ok := cur.(map[string]any)
	return m, ok
}
