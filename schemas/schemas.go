// Package schemas holds one JSON Schema (draft 2020-12) per vendor event,
// embedded in the binary, and validates payloads against them.
//
// The files live at <vendor>/<event-slug>.schema.json; the parts an event
// shares with the vendor's other events live in <vendor>/common.schema.json
// and are referenced with $ref. Every schema has the $id
// https://standin.dev/schemas/<vendor>/<file>, so relative references also
// resolve for other validators that load the files from a directory.
//
// Validation is github.com/santhosh-tekuri/jsonschema/v5 alone. Each vendor's
// schemas are a Set, which compiles a schema the first time it is used;
// listing the events or reading a schema's text compiles nothing.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"
	"sync"
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

var (
	vendorsMu sync.Mutex
	vendors   = map[string]*Set{}
)

// Vendor returns the embedded schemas of vendor (schemas/<vendor>/), one Set
// per vendor, made once. For a vendor with no schemas it returns an empty
// Set, whose Validate says there is no schema.
func Vendor(vendor string) *Set {
	vendorsMu.Lock()
	defer vendorsMu.Unlock()
	if s, ok := vendors[vendor]; ok {
		return s
	}
	if !isVendorDir(vendor) {
		return NewSet(vendor, emptyFS{}) // not kept: any name may be asked for
	}
	sub, err := fs.Sub(files, vendor)
	if err != nil {
		return NewSet(vendor, emptyFS{})
	}
	s := NewSet(vendor, sub)
	vendors[vendor] = s
	return s
}

func isVendorDir(vendor string) bool {
	if vendor == "" || vendor == "." || strings.Contains(vendor, "/") || !fs.ValidPath(vendor) {
		return false
	}
	fi, err := fs.Stat(files, vendor)
	return err == nil && fi.IsDir()
}

// emptyFS is a file system with no files.
type emptyFS struct{}

func (emptyFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

// Raw returns the JSON text of the schema of vendor's event slug.
func Raw(vendor, slug string) ([]byte, error) {
	return Vendor(vendor).Raw(slug)
}

// Validate checks payload against the schema of vendor's event slug. It
// returns nil, an *Error, or an error for an unknown vendor/slug. It is safe
// for concurrent use.
func Validate(vendor, slug string, payload []byte) error {
	return Vendor(vendor).Validate(slug, payload)
}

// Events returns "vendor/slug" for every embedded event schema, sorted. It
// compiles nothing.
func Events() ([]string, error) {
	dirs, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		for _, slug := range Vendor(d.Name()).Slugs() {
			out = append(out, d.Name()+"/"+slug)
		}
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

// Problems writes the violations on one line, "; "-separated.
func (e *Error) Problems() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

func (e *Error) Error() string {
	if e.Syntax != nil {
		return fmt.Sprintf("%s %s: %v", e.Vendor, e.Event, e.Syntax)
	}
	return fmt.Sprintf("%s %s payload is invalid: %s", e.Vendor, e.Event, e.Problems())
}

// SyntaxError locates malformed JSON by line and column (both from 1) and
// byte offset (from 0).
type SyntaxError struct {
	Line, Column int
	Offset       int64
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at line %d, column %d (byte offset %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// Decode parses a JSON document the way the validator needs it (numbers kept
// exact, as json.Number), rejecting trailing data, and locates syntax errors.
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
	return &SyntaxError{Line: line, Column: col, Offset: off, Msg: strings.TrimPrefix(err.Error(), "json: ")}
}
