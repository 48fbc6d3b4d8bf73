// Package schemas holds one JSON Schema (draft 2020-12) per vendor event,
// embedded in the binary, and validates payloads against them: a thin
// layer over santhosh-tekuri/jsonschema that compiles a schema the first
// time it is used and words each violation with its JSON pointer.
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
func Raw(vendor, slug string) ([]byte, error) { return Vendor(vendor).Raw(slug) }

// Validate checks payload against the embedded schema of vendor's event
// slug; see Set.Validate.
func Validate(vendor, slug string, payload []byte) error {
	return Vendor(vendor).Validate(slug, payload)
}

// Events returns "vendor/slug" for every embedded event schema, sorted. It
// compiles nothing.
func Events() ([]string, error) {
	var out []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) == sharedFile {
			return err
		}
		out = append(out, strings.TrimSuffix(p, suffix))
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Vendor returns the embedded schemas of vendor (schemas/<vendor>/), one
// Set per vendor, made on first use.
func Vendor(vendor string) *Set {
	if s, ok := embedded.Load(vendor); ok {
		return s.(*Set)
	}
	sub, err := fs.Sub(files, vendor)
	if err != nil {
		sub = noFiles{}
	}
	s, _ := embedded.LoadOrStore(vendor, NewSet(vendor, sub))
	return s.(*Set)
}

var embedded sync.Map // vendor -> *Set

// noFiles is the schemas of a vendor name that cannot be a directory.
type noFiles struct{}

func (noFiles) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

const (
	suffix     = ".schema.json"
	sharedFile = "common" + suffix
)

// Set is one vendor's schemas, each compiled the first time it is used.
// It is safe for concurrent use.
type Set struct {
	vendor string
	fsys   fs.FS

	mu       sync.Mutex
	loaded   bool
	loadErr  error
	compiler *jsonschema.Compiler
	docs     map[string]any // every file decoded, by name, to explain violations
	compiled map[string]*jsonschema.Schema
}

// NewSet returns the schemas of vendor found at the root of fsys:
// <slug>.schema.json files and the shared files they $ref. Their $ids are
// BaseURL+vendor+"/"+file.
func NewSet(vendor string, fsys fs.FS) *Set {
	return &Set{vendor: vendor, fsys: fsys, compiled: map[string]*jsonschema.Schema{}}
}

// Slugs lists the events the set has a schema for, sorted.
func (s *Set) Slugs() []string {
	entries, _ := fs.ReadDir(s.fsys, ".")
	var out []string
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, suffix) && n != sharedFile {
			out = append(out, strings.TrimSuffix(n, suffix))
		}
	}
	return out
}

// Raw returns the JSON text of the schema of slug.
func (s *Set) Raw(slug string) ([]byte, error) {
	b, err := fs.ReadFile(s.fsys, slug+suffix)
	if err != nil {
		return nil, fmt.Errorf("no schema for %s/%s", s.vendor, slug)
	}
	return b, nil
}

// Validate checks payload against the schema of slug. It returns nil, an
// *Error (the payload is not JSON, or breaks the schema), or an error for
// an unknown slug.
func (s *Set) Validate(slug string, payload []byte) error {
	sch, err := s.schema(slug)
	if err != nil {
		return err
	}
	v, err := Decode(payload)
	if err != nil {
		var se *SyntaxError
		errors.As(err, &se)
		return &Error{Vendor: s.vendor, Event: slug, Syntax: se}
	}
	return s.validate(sch, slug, v)
}

// ValidateValue is Validate for an already decoded value (from Decode, or
// encoding/json with UseNumber).
func (s *Set) ValidateValue(slug string, v any) error {
	sch, err := s.schema(slug)
	if err != nil {
		return err
	}
	return s.validate(sch, slug, v)
}

func (s *Set) validate(sch *jsonschema.Schema, slug string, v any) error {
	// The validator cannot read numbers whose exponent big.Rat refuses
	// (1e10000000), and panics on them: say where they are instead.
	if ptr, n, found := unreadableNumber(v, ""); found {
		return &Error{Vendor: s.vendor, Event: slug, Violations: []Violation{{
			Pointer: ptr, Message: fmt.Sprintf("the number %.40s is too large to be read", n),
		}}}
	}
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("validate %s/%s: %w", s.vendor, slug, err)
	}
	return &Error{Vendor: s.vendor, Event: slug, Violations: s.violations(ve)}
}

// schema returns the compiled schema of slug, compiling it on first use.
func (s *Set) schema(slug string) (*jsonschema.Schema, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.compiled[slug]; ok {
		return sch, nil
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if _, ok := s.docs[slug+suffix]; !ok || slug+suffix == sharedFile {
		return nil, fmt.Errorf("no schema for %s/%s", s.vendor, slug)
	}
	sch, err := s.compiler.Compile(BaseURL + s.vendor + "/" + slug + suffix)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s/%s: %w", s.vendor, slug, err)
	}
	s.compiled[slug] = sch
	return sch, nil
}

// load reads every file of the set into a compiler, once. Call with s.mu
// held.
func (s *Set) load() error {
	if s.loaded {
		return s.loadErr
	}
	s.loaded = true
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema %s is not embedded (only %s%s/… resolves)", u, BaseURL, s.vendor)
	}
	s.docs = map[string]any{}
	entries, err := fs.ReadDir(s.fsys, ".")
	if err != nil {
		s.loadErr = fmt.Errorf("%s schemas: %w", s.vendor, err)
		return s.loadErr
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, suffix) {
			continue
		}
		b, err := fs.ReadFile(s.fsys, name)
		if err != nil {
			s.loadErr = fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
			return s.loadErr
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			s.loadErr = fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
			return s.loadErr
		}
		s.docs[name] = doc
		if err := c.AddResource(BaseURL+s.vendor+"/"+name, bytes.NewReader(b)); err != nil {
			s.loadErr = fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
			return s.loadErr
		}
	}
	s.compiler = c
	return nil
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
func (s *Set) violations(ve *jsonschema.ValidationError) []Violation {
	var out []Violation
	seen := map[string]bool{} // pointer and message: format and pattern often say the same
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			v := Violation{Pointer: e.InstanceLocation, Message: s.explain(e), Keyword: e.KeywordLocation}
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
func (s *Set) explain(e *jsonschema.ValidationError) string {
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
	node, ok := s.schemaNode(kw[:i])
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
// https://standin.dev/schemas/cutover/common.schema.json#/$defs/timestamp,
// in the decoded file it names.
func (s *Set) schemaNode(loc string) (map[string]any, bool) {
	file, ptr, _ := strings.Cut(loc, "#")
	doc, ok := s.docs[strings.TrimPrefix(file, BaseURL+s.vendor+"/")]
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

// Equal reports whether two decoded JSON values (from Decode, or
// encoding/json with UseNumber) are equal as JSON Schema's const and enum
// compare them: numbers by value (1 equals 1.0), objects by members,
// arrays item by item.
func Equal(a, b any) bool { return equal(a, b) }

// equal is JSON equality: numbers by value, objects by members.
func equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		var yr *big.Rat
		switch y := b.(type) {
		case json.Number:
			if x == y {
				return true
			}
			yr, _ = new(big.Rat).SetString(string(y))
		case float64:
			yr, _ = new(big.Rat).SetString(strconv.FormatFloat(y, 'g', -1, 64))
		default:
			return false
		}
		xr, ok := new(big.Rat).SetString(string(x))
		return ok && yr != nil && xr.Cmp(yr) == 0
	case float64:
		if _, ok := b.(json.Number); ok {
			return equal(b, a)
		}
		y, ok := b.(float64)
		return ok && x == y
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equal(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}
