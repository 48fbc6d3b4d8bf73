package schemas

import (
	"encoding/binary"
	"encoding/json"
	"slices"
	"sort"
	"unicode/utf8"
)

// scan is the quickest form of the fast check: it reads the payload's bytes
// once and checks them against the compiled schema as it goes, building no
// value. Only a payload scan accepts skips the rest; anything else (a
// violation, a syntax error, or a case scan leaves to the others) goes on to
// Decode, check.ok and the general validator, which find the verdict and
// explain it. So scan must never accept what check.ok (and the general
// validator) would refuse, nor a document encoding/json would refuse (nor,
// so, Decode); tests and fuzz targets hold it to both.
//
// Where reading the bytes in one pass cannot decide a keyword cheaply (a
// const or enum on a number or an object, uniqueItems over values that are
// not plain strings, more than 64 named properties, a format with no fast
// form, oneOf and not), scan decodes just that value with the quick parser
// and asks check.ok. Where a duplicate object key or an escaped key makes
// the bytes differ from the decoded value, it gives up on the whole payload
// (sets abort) and leaves it to the others. Its "no" is therefore not
// final: it may refuse at a member that a later duplicate replaces, before
// it sees the duplicate; only "yes" (with abort unset) is.

// JSON kinds, as bits of check.kinds.
const (
	kNull uint8 = 1 << iota
	kBool
	kString
	kNumber // any number ("number")
	kInteger
	kObject
	kArray
)

var kindOfType = map[string]uint8{
	"null": kNull, "boolean": kBool, "string": kString, "number": kNumber,
	"integer": kInteger, "object": kObject, "array": kArray,
}

// member is a name an object schema knows: a property, a required name, or
// both.
type member struct {
	check *check // the property's schema; nil when only required
	bit   uint64
}

type namedMember struct {
	name string
	member
}

// fewMembers is how many members an object schema may have for scan to
// look names up in a list rather than the map.
const fewMembers = 8

// member looks up an object member's name.
func (c *check) member(name []byte) (member, bool) {
	if c.few != nil {
		for i := range c.few {
			if m := &c.few[i]; len(m.name) == len(name) && m.name == string(name) {
				return m.member, true
			}
		}
		return member{}, false
	}
	m, ok := c.members[string(name)]
	return m, ok
}

// scanPlan is what scan needs of a check beyond what check.ok uses.
type scanPlan struct {
	kinds    uint8 // the kinds "type" allows (when types is set)
	members  map[string]member
	few      []namedMember // members, when there are few: a loop beats the map
	reqMask  uint64
	wide     bool // more than 64 members: decode and use check.ok
	objRules bool // any keyword about objects
	arrRules bool
	strRules bool
	combos   bool // allOf, anyOf, oneOf or not
	// opaque: const, enum or a format with no fast form, decided on the
	// decoded value (scan reads strings' const and enum itself).
	opaque bool
}

// prepareScan fills c.scanPlan once c's keywords are compiled.
func (c *check) prepareScan() {
	for _, t := range c.types {
		c.kinds |= kindOfType[t]
	}
	names := make([]string, 0, len(c.props)+len(c.required))
	for n := range c.props {
		names = append(names, n)
	}
	names = append(names, c.required...)
	sort.Strings(names)
	c.members = make(map[string]member, len(names))
	for _, n := range names {
		if _, dup := c.members[n]; dup {
			continue
		}
		if len(c.members) == 64 {
			c.wide = true
			break
		}
		c.members[n] = member{check: c.props[n], bit: 1 << len(c.members)}
	}
	for _, r := range c.required {
		c.reqMask |= c.members[r].bit
	}
	if len(c.members) > 0 && len(c.members) <= fewMembers {
		for _, n := range names {
			if m, ok := c.members[n]; ok && !slices.ContainsFunc(c.few, func(f namedMember) bool { return f.name == n }) {
				c.few = append(c.few, namedMember{n, m})
			}
		}
	}
	c.objRules = c.props != nil || len(c.required) > 0 || c.noAddl || c.addl != nil || c.minProps >= 0 || c.maxProps >= 0
	c.arrRules = c.items != nil || c.minItems >= 0 || c.maxItems >= 0 || c.unique
	c.strRules = c.hasConst || c.enum != nil || c.minLen >= 0 || c.maxLen >= 0 || c.pattern != nil || c.format != nil
	c.combos = len(c.allOf) > 0 || len(c.anyOf) > 0 || len(c.oneOf) > 0 || c.not != nil
	c.opaque = c.hasConst || c.enum != nil || c.format != nil && c.format.fast == nil
}

// scan reports whether payload is certainly valid: a JSON document that c
// accepts. False means invalid, malformed or undecided.
func (c *check) scan(payload []byte) bool {
	ok, sure := c.scanVerdict(payload)
	return ok && sure
}

// scanVerdict is scan's answer and whether scan decided it (it did not when
// it gave up on a duplicate or escaped key).
func (c *check) scanVerdict(payload []byte) (ok, sure bool) {
	s := scanner{b: payload}
	s.space()
	ok = s.value(c, 0)
	if ok {
		s.space()
		ok = s.i == len(s.b)
	}
	return ok, !s.abort
}

type scanner struct {
	b     []byte
	i     int
	abort bool
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value checks the value at s.i against c (nil: anything), leaving s.i
// after it. depth is how many arrays and objects enclose the value; like
// encoding/json, scan refuses an array or object inside maxDepth others
// (the one it opens would be the maxDepth+1st level), whatever it holds.
func (s *scanner) value(c *check, depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	if c == nil {
		return s.skip(depth)
	}
	if c.always != nil {
		return *c.always && s.skip(depth)
	}
	if c.wide {
		return s.tree(c, depth)
	}
	start := s.i
	var ok bool
	switch ch := s.b[s.i]; {
	case ch == '{':
		ok = s.object(c, depth)
	case ch == '[':
		ok = s.array(c, depth)
	case ch == '"':
		ok = s.str(c, depth)
	case ch == '-' || isDigit(ch):
		ok = s.number(c, depth)
	default:
		ok = s.literal(c, depth)
	}
	if !ok || !c.combos {
		return ok
	}
	// The value is well-formed (the pass above read all of it): put it to
	// each subschema in turn.
	end := s.i
	for _, sub := range c.allOf {
		s.i = start
		if !s.value(sub, depth) {
			return false
		}
	}
	if len(c.anyOf) > 0 {
		matched := false
		for _, sub := range c.anyOf {
			s.i = start
			if s.value(sub, depth) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	if len(c.oneOf) > 0 || c.not != nil {
		// A scan's yes is final, its no is not: it stops at the first
		// value that fails, and a later duplicate key may replace that
		// value ({"a":"x","a":1} is {"a":1}). oneOf counts the subschemas
		// that hold and not wants the one to fail, so both are put to
		// the decoded value.
		p := parser{b: s.b, i: start}
		v, ok := p.value(depth)
		if !ok {
			return false
		}
		if len(c.oneOf) > 0 {
			n := 0
			for _, sub := range c.oneOf {
				if sub.ok(v) {
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
	}
	s.i = end
	return true
}

// tree decodes the value at s.i and asks check.ok.
func (s *scanner) tree(c *check, depth int) bool {
	// The quick parser lets an empty array or object open the
	// maxDepth+1st level, which encoding/json refuses; where the rest of
	// the input is long enough to nest that deep, skip reads the value
	// first, by encoding/json's rule.
	if len(s.b)-s.i >= 2*(maxDepth-depth+1) {
		start := s.i
		if !s.skip(depth) {
			return false
		}
		s.i = start
	}
	p := parser{b: s.b, i: s.i}
	v, ok := p.value(depth)
	s.i = p.i
	return ok && c.ok(v)
}

func (c *check) allows(kind uint8) bool { return len(c.types) == 0 || c.kinds&kind != 0 }

func (s *scanner) object(c *check, depth int) bool {
	if !c.allows(kObject) || depth >= maxDepth {
		return false
	}
	if c.opaque {
		return s.tree(c, depth)
	}
	if !c.objRules {
		return s.skip(depth)
	}
	s.i++ // {
	var (
		seen  uint64
		extra [32][2]int // where the keys outside members are
		nx, n int
	)
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
	} else {
		for {
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			ks := s.i + 1
			plain, ok := s.skipString()
			if !ok {
				return false
			}
			key := s.b[ks : s.i-1]
			if !plain {
				s.abort = true // the decoded key differs from its bytes
				return false
			}
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.space()
			m, known := c.member(key)
			if known {
				if seen&m.bit != 0 {
					s.abort = true // a duplicate key: only the last one counts
					return false
				}
				seen |= m.bit
			} else {
				for _, e := range extra[:nx] {
					if string(s.b[e[0]:e[1]]) == string(key) {
						s.abort = true
						return false
					}
				}
				if nx == len(extra) {
					s.abort = true
					return false
				}
				extra[nx] = [2]int{ks, ks + len(key)}
				nx++
			}
			vc := m.check
			if vc == nil {
				if c.noAddl {
					return false
				}
				vc = c.addl
			}
			n++
			if !s.value(vc, depth+1) {
				return false
			}
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == '}' {
				s.i++
				break
			}
			if s.b[s.i] != ',' {
				return false
			}
			s.i++
		}
	}
	if seen&c.reqMask != c.reqMask {
		return false
	}
	return !(c.minProps >= 0 && n < c.minProps || c.maxProps >= 0 && n > c.maxProps)
}

func (s *scanner) array(c *check, depth int) bool {
	if !c.allows(kArray) || depth >= maxDepth {
		return false
	}
	if c.opaque {
		return s.tree(c, depth)
	}
	if !c.arrRules {
		return s.skip(depth)
	}
	start := s.i
	s.i++                // [
	var items [16][2]int // where the items are, for uniqueItems
	n := 0
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
	} else {
		for {
			s.space()
			is := s.i
			if !s.value(c.items, depth+1) {
				return false
			}
			if c.unique {
				item := s.b[is:s.i]
				if n == len(items) || !plainString(item) {
					s.i = start
					return s.tree(c, depth)
				}
				for _, e := range items[:n] {
					if string(s.b[e[0]:e[1]]) == string(item) {
						return false
					}
				}
				items[n] = [2]int{is, s.i}
			}
			n++
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == ']' {
				s.i++
				break
			}
			if s.b[s.i] != ',' {
				return false
			}
			s.i++
		}
	}
	return !(c.minItems >= 0 && n < c.minItems || c.maxItems >= 0 && n > c.maxItems)
}

// plainString reports whether raw is a JSON string whose bytes are its
// value: no escapes, valid UTF-8.
func plainString(raw []byte) bool {
	if len(raw) < 2 || raw[0] != '"' {
		return false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c == '\\' {
			return false
		}
	}
	return utf8.Valid(body)
}

func (s *scanner) str(c *check, depth int) bool {
	if !c.allows(kString) {
		return false
	}
	start := s.i
	plain, ok := s.skipString()
	if !ok {
		return false
	}
	if !c.strRules {
		return true
	}
	if !plain {
		s.i = start
		return s.tree(c, depth)
	}
	raw := s.b[start+1 : s.i-1]
	if c.hasConst {
		if cs, ok := c.constant.(string); !ok || cs != string(raw) {
			return false
		}
	}
	if c.enum != nil {
		found := false
		for _, e := range c.enum {
			if es, ok := e.(string); ok && es == string(raw) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if c.minLen >= 0 || c.maxLen >= 0 {
		n := utf8.RuneCount(raw)
		if c.minLen >= 0 && n < c.minLen || c.maxLen >= 0 && n > c.maxLen {
			return false
		}
	}
	if c.match != nil {
		if !c.match.bytes(raw) {
			return false
		}
	} else if c.pattern != nil && !c.pattern.Match(raw) {
		return false
	}
	return c.format == nil || c.format.okBytes(raw)
}

func (s *scanner) number(c *check, depth int) bool {
	start := s.i
	if !s.skipNumber() {
		return false
	}
	raw := s.b[start:s.i]
	if len(c.types) > 0 && c.kinds&kNumber == 0 && (c.kinds&kInteger == 0 || !integerBytes(raw)) {
		return false
	}
	if c.opaque {
		s.i = start
		return s.tree(c, depth)
	}
	return !c.hasBounds || c.inBoundsBytes(raw)
}

func (s *scanner) literal(c *check, depth int) bool {
	start := s.i
	var kind uint8
	switch rest := s.b[s.i:]; {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		kind, s.i = kBool, s.i+4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		kind, s.i = kBool, s.i+5
	case len(rest) >= 4 && string(rest[:4]) == "null":
		kind, s.i = kNull, s.i+4
	default:
		return false
	}
	if !c.allows(kind) {
		return false
	}
	if c.opaque {
		s.i = start
		return s.tree(c, depth)
	}
	return true
}

// integerBytes is isInteger for a number's bytes.
func integerBytes(raw []byte) bool {
	for _, c := range raw {
		if c == '.' || c == 'e' || c == 'E' {
			return isInteger(json.Number(raw))
		}
	}
	return true
}

// inBoundsBytes is inBounds for a number's bytes.
func (c *check) inBoundsBytes(raw []byte) bool {
	if c.intBounds == nil || len(raw) > 18 {
		return c.inBounds(json.Number(raw))
	}
	neg := raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	var i int64
	for _, d := range digits {
		if !isDigit(d) {
			return c.inBounds(json.Number(raw))
		}
		i = i*10 + int64(d-'0')
	}
	if neg {
		i = -i
	}
	b := c.intBounds
	return (!b.hasMin || i >= b.min) && (!b.hasMax || i <= b.max) &&
		(!b.hasExclMin || i > b.exclMin) && (!b.hasExclMax || i < b.exclMax)
}

// skip reads over one well-formed value, as encoding/json would accept it
// (depth as in value).
func (s *scanner) skip(depth int) bool {
	if s.i >= len(s.b) || depth > maxDepth {
		return false
	}
	switch ch := s.b[s.i]; {
	case ch == '{':
		if depth >= maxDepth {
			return false
		}
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return true
		}
		for {
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return false
			}
			if _, ok := s.skipString(); !ok {
				return false
			}
			s.space()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.i++
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case ch == '[':
		if depth >= maxDepth {
			return false
		}
		s.i++
		s.space()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return true
		}
		for {
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
			s.space()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	case ch == '"':
		_, ok := s.skipString()
		return ok
	case ch == '-' || isDigit(ch):
		return s.skipNumber()
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return true
			}
		}
		return false
	}
}

// skipString reads over the string at s.i (its opening quote) as
// parser.str accepts it, and reports whether its bytes are its value (no
// escapes, valid UTF-8).
func (s *scanner) skipString() (plain, ok bool) {
	s.i++ // opening quote
	start := s.i
	// Eight bytes at a time while none is a quote, a backslash, a control
	// character or part of a multi-byte character.
	for s.i+8 <= len(s.b) && !special(binary.LittleEndian.Uint64(s.b[s.i:])) {
		s.i += 8
	}
	escaped, high := false, false
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return !escaped && (!high || utf8.Valid(s.b[start:s.i-1])), true
		case c < 0x20:
			return false, false
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return false, false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 || !isHex(s.b[s.i+1]) || !isHex(s.b[s.i+2]) || !isHex(s.b[s.i+3]) || !isHex(s.b[s.i+4]) {
					return false, false
				}
				s.i += 5
			default:
				return false, false
			}
		default:
			if c >= 0x80 {
				high = true
			}
			s.i++
		}
	}
	return false, false
}

// special reports whether any of the eight bytes in x is a quote, a
// backslash, below 0x20 or above 0x7f (never false when one is; see
// "Determine if a word has a byte less than n" in Bit Twiddling Hacks).
func special(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	b := x ^ (ones * '\\')
	return (x|(x-ones*0x20)|(q-ones)&^q|(b-ones)&^b)&highs != 0
}

// skipNumber reads over a number by JSON's grammar, as parser.number.
func (s *scanner) skipNumber() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		n := 0
		for s.i < len(s.b) && isDigit(s.b[s.i]) {
			s.i++
			n++
		}
		return n
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if digits() == 0 {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}
