package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/standin-dev/standin/emulator/suggest"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

const (
	schemaExt = ".schema.json"
	// sharedFile holds what a vendor's event schemas share; it is not an
	// event itself.
	sharedFile = "common" + schemaExt
)

// Set is one vendor's schemas, compiled on first use. Safe for concurrent use.
type Set struct {
	vendor string
	fsys   fs.FS

	slugsOnce sync.Once
	slugs     []string

	// mu guards everything below. The compiler is not safe for concurrent
	// use, so compiling holds it exclusively; looking up an already compiled
	// schema needs only the read lock.
	mu       sync.RWMutex
	compiled map[string]compiled
	c        *jsonschema.Compiler
	loadErr  error
	// docs holds every file of the set decoded, by its URL (and its $id),
	// to explain violations in the words of the schema. Written once, when
	// the files are loaded, then only read.
	docs map[string]any
}

type compiled struct {
	s   *jsonschema.Schema
	err error
}

// NewSet returns the schemas of vendor found at the root of fsys:
// <slug>.schema.json files and the shared files they $ref. Their $ids are
// BaseURL+vendor+"/"+file.
func NewSet(vendor string, fsys fs.FS) *Set {
	return &Set{vendor: vendor, fsys: fsys, compiled: map[string]compiled{}}
}

// Vendor returns the set's vendor.
func (s *Set) Vendor() string { return s.vendor }

func (s *Set) url(file string) string { return BaseURL + s.vendor + "/" + file }

// Slugs returns the slugs of the set's event schemas, sorted, without the
// shared files (common.schema.json). It compiles nothing.
func (s *Set) Slugs() []string {
	return append([]string(nil), s.eventSlugs()...)
}

// eventSlugs is Slugs without the copy.
func (s *Set) eventSlugs() []string {
	s.slugsOnce.Do(func() {
		entries, err := fs.ReadDir(s.fsys, ".")
		if err != nil {
			return
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() || !strings.HasSuffix(name, schemaExt) || name == sharedFile {
				continue
			}
			s.slugs = append(s.slugs, strings.TrimSuffix(name, schemaExt))
		}
		sort.Strings(s.slugs)
	})
	return s.slugs
}

func (s *Set) has(slug string) bool {
	slugs := s.eventSlugs()
	i := sort.SearchStrings(slugs, slug)
	return i < len(slugs) && slugs[i] == slug
}

// Raw returns the JSON text of the schema of the event slug (or of a shared
// file, such as "common"). It compiles nothing.
func (s *Set) Raw(slug string) ([]byte, error) {
	name := slug + schemaExt
	if strings.Contains(slug, "/") || !fs.ValidPath(name) {
		return nil, fmt.Errorf("no schema for %s/%s", s.vendor, slug)
	}
	b, err := fs.ReadFile(s.fsys, name)
	if err != nil {
		return nil, fmt.Errorf("no schema for %s/%s", s.vendor, slug)
	}
	return b, nil
}

// Validate checks payload against the schema of the event slug. It returns
// nil, an *Error, or an error for an unknown slug.
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

// ValidateValue is Validate for an already decoded value (from Decode, or a
// json.Decoder with UseNumber).
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
	if ptr, n, found := unreadableNumber(v); found {
		return &Error{Vendor: s.vendor, Event: slug, Violations: []Violation{{
			Pointer: ptr, Message: fmt.Sprintf("the number %.40s is too large to be read", n), Keyword: "",
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
	return &Error{Vendor: s.vendor, Event: slug, Violations: s.violations(ve, v)}
}

// schema returns the compiled schema of the event slug, compiling it (and
// what it references) the first time.
func (s *Set) schema(slug string) (*jsonschema.Schema, error) {
	if !s.has(slug) {
		return nil, fmt.Errorf("no schema for %s/%s", s.vendor, slug)
	}
	s.mu.RLock()
	c, ok := s.compiled[slug]
	s.mu.RUnlock()
	if ok {
		return c.s, c.err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.compiled[slug]; ok {
		return c.s, c.err
	}
	if s.c == nil && s.loadErr == nil {
		s.loadErr = s.load()
	}
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	c.s, c.err = s.c.Compile(s.url(slug + schemaExt))
	if c.err != nil {
		c.err = fmt.Errorf("compile schema %s/%s: %w", s.vendor, slug, c.err)
	}
	s.compiled[slug] = c
	return c.s, c.err
}

// load makes the compiler and gives it every file of the set as a resource
// under its $id, so that $refs between them resolve; nothing else does.
// It runs with s.mu held.
func (s *Set) load() error {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(u string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schema %s is not one of the %s schemas (nothing outside them resolves)", u, s.vendor)
	}
	entries, err := fs.ReadDir(s.fsys, ".")
	if err != nil {
		return fmt.Errorf("schemas of %s: %w", s.vendor, err)
	}
	docs := map[string]any{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, schemaExt) {
			continue
		}
		b, err := fs.ReadFile(s.fsys, name)
		if err != nil {
			return fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var doc any
		if err := d.Decode(&doc); err != nil {
			return fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
		}
		u := s.url(name)
		docs[u] = doc
		if m, ok := doc.(map[string]any); ok {
			if id, ok := m["$id"].(string); ok && id != u {
				docs[id] = doc
			}
		}
		if err := c.AddResource(u, bytes.NewReader(b)); err != nil {
			return fmt.Errorf("schema %s/%s: %w", s.vendor, name, err)
		}
	}
	s.c, s.docs = c, docs
	return nil
}

// unreadableNumber finds a number in v that big.Rat cannot parse, and its
// JSON pointer (built only for the number found).
func unreadableNumber(v any) (ptr, number string, found bool) {
	switch x := v.(type) {
	case json.Number:
		// Only an exponent can make a JSON number too large for big.Rat.
		if strings.ContainsAny(string(x), "eE") {
			if _, ok := new(big.Rat).SetString(string(x)); !ok {
				return "", string(x), true
			}
		}
	case map[string]any:
		for k, item := range x {
			if !mayHoldNumber(item) {
				continue
			}
			if p, n, ok := unreadableNumber(item); ok {
				return "/" + escapePointer(k) + p, n, true
			}
		}
	case []any:
		for i, item := range x {
			if !mayHoldNumber(item) {
				continue
			}
			if p, n, ok := unreadableNumber(item); ok {
				return "/" + strconv.Itoa(i) + p, n, true
			}
		}
	}
	return "", "", false
}

// mayHoldNumber reports whether v is, or may contain, a number.
func mayHoldNumber(v any) bool {
	switch v.(type) {
	case string, bool, nil:
		return false
	}
	return true
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// violations flattens a validation error tree into its leaves: the rules
// that failed themselves, not the "doesn't validate with $ref" wrappers.
func (s *Set) violations(ve *jsonschema.ValidationError, inst any) []Violation {
	var out []Violation
	seen := map[string]bool{} // pointer and message: format and pattern often say the same
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			for _, msg := range s.explainAll(e, inst) {
				v := Violation{Pointer: e.InstanceLocation, Message: msg, Keyword: e.KeywordLocation}
				if key := v.Pointer + "\x00" + v.Message; !seen[key] {
					seen[key] = true
					out = append(out, v)
				}
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

// explainAll words a failed rule: one message per missing or unknown
// field, read from the schema and the payload ("missing required field
// \"task\"", "unknown field \"tsk\" (did you mean \"task\"?)"), else as
// explain does.
func (s *Set) explainAll(e *jsonschema.ValidationError, inst any) []string {
	kw := e.AbsoluteKeywordLocation
	i := strings.LastIndexByte(kw, '/')
	if i < 0 {
		return []string{s.explain(e)}
	}
	keyword := kw[i+1:]
	if keyword != "required" && keyword != "additionalProperties" {
		return []string{s.explain(e)}
	}
	node, ok := s.schemaNode(kw[:i])
	obj, isObj := at(inst, e.InstanceLocation).(map[string]any)
	if !ok || !isObj {
		return []string{s.explain(e)}
	}
	props, _ := node["properties"].(map[string]any)
	var out []string
	switch keyword {
	case "required":
		req, _ := node["required"].([]any)
		for _, r := range req {
			if name, ok := r.(string); ok {
				if _, has := obj[name]; !has {
					out = append(out, fmt.Sprintf("missing required field %q", name))
				}
			}
		}
	case "additionalProperties":
		if _, patterned := node["patternProperties"]; patterned {
			return []string{s.explain(e)}
		}
		known := make([]string, 0, len(props))
		for k := range props {
			known = append(known, k)
		}
		sort.Strings(known)
		var unknown []string
		for k := range obj {
			if _, ok := props[k]; !ok {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			msg := fmt.Sprintf("unknown field %q", k)
			if near := suggest.Nearest(k, known); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			out = append(out, msg)
		}
	}
	if len(out) == 0 {
		return []string{s.explain(e)}
	}
	return out
}

// at is the value at the JSON pointer ptr in v, or nil.
func at(v any, ptr string) any {
	if ptr == "" || ptr == "/" {
		return v
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch n := v.(type) {
		case map[string]any:
			v = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			v = n[i]
		default:
			return nil
		}
	}
	return v
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
// in the decoded file it points into.
func (s *Set) schemaNode(loc string) (map[string]any, bool) {
	file, ptr, _ := strings.Cut(loc, "#")
	doc, ok := s.docs[file]
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
