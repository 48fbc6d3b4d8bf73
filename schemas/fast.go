package schemas

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// check is a schema compiled for one question only: is this value valid?
// Validation runs on every emitted event, and the general validator spends
// most of its time building error locations for values that turn out valid.
// So a value is first put to check; only a value check rejects goes to the
// general validator, which says where and why. The two must agree on every
// value; tests hold them to it over the doc samples, broken payloads,
// generated payloads and fuzzed input. (Validate goes one step further:
// scan, in scan.go, applies the same compiled check to the payload's bytes
// without decoding them.)
//
// check knows the keywords the embedded schemas use; compiling a schema with
// any other keyword fails, so a new keyword cannot be skipped silently.
type check struct {
	always    *bool // true/false schema
	types     []string
	props     map[string]*check
	required  []string
	addl      *check // additionalProperties as a schema
	noAddl    bool   // additionalProperties: false
	items     *check
	minItems  int
	maxItems  int
	unique    bool
	minProps  int
	maxProps  int
	hasConst  bool
	constant  any
	enum      []any
	minLen    int
	maxLen    int
	pattern   *regexp.Regexp
	match     *matcher // pattern's hand-written form, when it has one
	format    *format
	minimum   *big.Rat
	maximum   *big.Rat
	exclMin   *big.Rat
	exclMax   *big.Rat
	allOf     []*check
	anyOf     []*check
	oneOf     []*check
	not       *check
	hasBounds bool
	intBounds *intBounds // nil unless every bound is an int64
	scanPlan
}

// annotation keywords carry no rule.
var annotationKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "$defs": true, "title": true,
	"description": true, "examples": true, "default": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "contentMediaType": true, "contentEncoding": true,
}

// compileCheck compiles a $ref-free schema (see inline) at ptr.
func compileCheck(s any, ptr string) (*check, error) {
	if b, ok := s.(bool); ok {
		return &check{always: &b}, nil
	}
	m, ok := s.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: a schema must be an object or a boolean", ptr)
	}
	c := &check{minItems: -1, maxItems: -1, minProps: -1, maxProps: -1, minLen: -1, maxLen: -1}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		at := ptr + "/" + k
		var err error
		switch k {
		case "type":
			switch t := v.(type) {
			case string:
				c.types = []string{t}
			case []any:
				for _, x := range t {
					s, ok := x.(string)
					if !ok {
						return nil, fmt.Errorf("%s: not a type name", at)
					}
					c.types = append(c.types, s)
				}
			default:
				return nil, fmt.Errorf("%s: not a type", at)
			}
		case "properties":
			pm, ok := v.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: not an object", at)
			}
			c.props = make(map[string]*check, len(pm))
			for name, ps := range pm {
				if c.props[name], err = compileCheck(ps, at+"/"+name); err != nil {
					return nil, err
				}
			}
		case "required":
			for _, x := range asSlice(v) {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("%s: not a property name", at)
				}
				c.required = append(c.required, s)
			}
		case "additionalProperties":
			if b, ok := v.(bool); ok && !b {
				c.noAddl = true
			} else if !ok {
				if c.addl, err = compileCheck(v, at); err != nil {
					return nil, err
				}
			}
		case "items":
			if c.items, err = compileCheck(v, at); err != nil {
				return nil, err
			}
		case "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength":
			n, ok := intOf(v)
			if !ok {
				return nil, fmt.Errorf("%s: not a non-negative integer", at)
			}
			*map[string]*int{"minItems": &c.minItems, "maxItems": &c.maxItems, "minProperties": &c.minProps,
				"maxProperties": &c.maxProps, "minLength": &c.minLen, "maxLength": &c.maxLen}[k] = n
		case "uniqueItems":
			c.unique, _ = v.(bool)
		case "const":
			c.hasConst, c.constant = true, v
		case "enum":
			c.enum = asSlice(v)
			if c.enum == nil {
				return nil, fmt.Errorf("%s: not an array", at)
			}
		case "pattern":
			p, _ := v.(string)
			if c.match, c.pattern, err = compilePattern(p); err != nil {
				return nil, fmt.Errorf("%s: %w", at, err)
			}
		case "format":
			f, _ := v.(string)
			var ok bool
			if c.format, ok = compileFormat(f); !ok {
				return nil, fmt.Errorf("%s: unknown format %q", at, f)
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			r, ok := ratOf(v)
			if !ok {
				return nil, fmt.Errorf("%s: not a number", at)
			}
			*map[string]**big.Rat{"minimum": &c.minimum, "maximum": &c.maximum,
				"exclusiveMinimum": &c.exclMin, "exclusiveMaximum": &c.exclMax}[k] = r
			c.hasBounds = true
		case "allOf", "anyOf", "oneOf":
			var list []*check
			for i, x := range asSlice(v) {
				sc, err := compileCheck(x, at+"/"+strconv.Itoa(i))
				if err != nil {
					return nil, err
				}
				list = append(list, sc)
			}
			*map[string]*[]*check{"allOf": &c.allOf, "anyOf": &c.anyOf, "oneOf": &c.oneOf}[k] = list
		case "not":
			if c.not, err = compileCheck(v, at); err != nil {
				return nil, err
			}
		default:
			if !annotationKeywords[k] {
				return nil, fmt.Errorf("%s: keyword %q is not supported by the fast check", at, k)
			}
		}
	}
	if c.hasBounds {
		c.intBounds = makeIntBounds(c)
	}
	c.prepareScan()
	return c, nil
}

func intOf(v any) (int, bool) {
	f, ok := v.(float64)
	if !ok || f < 0 || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func ratOf(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case float64:
		// A schema's number, as its decimal JSON text says (0.1 is 1/10,
		// not the binary float nearest to it), like the reference.
		return new(big.Rat).SetString(strconv.FormatFloat(n, 'g', -1, 64))
	case json.Number:
		return new(big.Rat).SetString(string(n))
	}
	return nil, false
}

// ok reports whether v (decoded with json.Decoder.UseNumber) is valid.
func (c *check) ok(v any) bool {
	if c.always != nil {
		return *c.always
	}
	if len(c.types) > 0 && !typeMatches(c.types, v) {
		return false
	}
	if c.hasConst && !equal(v, c.constant) {
		return false
	}
	if c.enum != nil {
		found := false
		for _, e := range c.enum {
			if equal(v, e) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if c.minProps >= 0 && len(x) < c.minProps || c.maxProps >= 0 && len(x) > c.maxProps {
			return false
		}
		for _, r := range c.required {
			if _, ok := x[r]; !ok {
				return false
			}
		}
		for k, pv := range x {
			if pc, ok := c.props[k]; ok {
				if !pc.ok(pv) {
					return false
				}
				continue
			}
			if c.noAddl || c.addl != nil && !c.addl.ok(pv) {
				return false
			}
		}
	case []any:
		if c.minItems >= 0 && len(x) < c.minItems || c.maxItems >= 0 && len(x) > c.maxItems {
			return false
		}
		if c.items != nil {
			for _, it := range x {
				if !c.items.ok(it) {
					return false
				}
			}
		}
		if c.unique {
			for i := range x {
				for j := i + 1; j < len(x); j++ {
					if equal(x[i], x[j]) {
						return false
					}
				}
			}
		}
	case string:
		if c.minLen >= 0 || c.maxLen >= 0 {
			n := utf8.RuneCountInString(x)
			if c.minLen >= 0 && n < c.minLen || c.maxLen >= 0 && n > c.maxLen {
				return false
			}
		}
		if c.match != nil {
			if !c.match.str(x) {
				return false
			}
		} else if c.pattern != nil && !c.pattern.MatchString(x) {
			return false
		}
	case json.Number:
		if c.hasBounds && !c.inBounds(x) {
			return false
		}
	}
	if c.format != nil && !c.format.ok(v) {
		return false
	}
	for _, s := range c.allOf {
		if !s.ok(v) {
			return false
		}
	}
	if len(c.anyOf) > 0 {
		matched := false
		for _, s := range c.anyOf {
			if s.ok(v) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if len(c.oneOf) > 0 {
		n := 0
		for _, s := range c.oneOf {
			if s.ok(v) {
				n++
			}
		}
		if n != 1 {
			return false
		}
	}
	if c.not != nil && c.not.ok(v) {
		return false
	}
	return true
}

func (c *check) inBounds(n json.Number) bool {
	if i, ok := smallInt(n); ok && c.intBounds != nil {
		b := c.intBounds
		return (!b.hasMin || i >= b.min) && (!b.hasMax || i <= b.max) &&
			(!b.hasExclMin || i > b.exclMin) && (!b.hasExclMax || i < b.exclMax)
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return false
	}
	return (c.minimum == nil || r.Cmp(c.minimum) >= 0) &&
		(c.maximum == nil || r.Cmp(c.maximum) <= 0) &&
		(c.exclMin == nil || r.Cmp(c.exclMin) > 0) &&
		(c.exclMax == nil || r.Cmp(c.exclMax) < 0)
}

// intBounds are a schema's numeric bounds when all are integers that fit
// an int64, so integer values compare without big.Rat.
type intBounds struct {
	hasMin, hasMax, hasExclMin, hasExclMax bool
	min, max, exclMin, exclMax             int64
}

func makeIntBounds(c *check) *intBounds {
	b := &intBounds{}
	for _, x := range []struct {
		r   *big.Rat
		has *bool
		v   *int64
	}{{c.minimum, &b.hasMin, &b.min}, {c.maximum, &b.hasMax, &b.max}, {c.exclMin, &b.hasExclMin, &b.exclMin}, {c.exclMax, &b.hasExclMax, &b.exclMax}} {
		if x.r == nil {
			continue
		}
		if !x.r.IsInt() || !x.r.Num().IsInt64() {
			return nil
		}
		*x.has, *x.v = true, x.r.Num().Int64()
	}
	return b
}

// smallInt parses n when it is a plain integer literal of up to 18 digits.
func smallInt(n json.Number) (int64, bool) {
	s := string(n)
	if len(s) > 18 || strings.ContainsAny(s, ".eE") {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

func typeMatches(types []string, v any) bool {
	for _, t := range types {
		switch x := v.(type) {
		case nil:
			if t == "null" {
				return true
			}
		case bool:
			if t == "boolean" {
				return true
			}
		case string:
			if t == "string" {
				return true
			}
		case map[string]any:
			if t == "object" {
				return true
			}
		case []any:
			if t == "array" {
				return true
			}
		case json.Number:
			if t == "number" || t == "integer" && isInteger(x) {
				return true
			}
		}
	}
	return false
}

// isInteger reports whether n has no fractional part (1.0 and 1e3 count).
func isInteger(n json.Number) bool {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	r, ok := new(big.Rat).SetString(s)
	return ok && r.IsInt()
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
