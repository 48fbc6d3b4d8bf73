package schemas

// Agree reports whether the fast checks and the general validator give the
// same verdict on payload, and that verdict. It is for tests only.
//
// check.ok must agree with the validator on every decoded payload. scan
// must never accept what the validator refuses or what Decode cannot read,
// and must agree with it on every payload whose object keys are all distinct
// and unescaped (it leaves the others to the slower checks, and may refuse
// them at a value that a later duplicate replaces).
func Agree(vendor, slug string, payload []byte) (agree, valid bool, err error) {
	if _, err := compileAll(); err != nil {
		return false, false, err
	}
	key := vendor + "/" + slug
	scanOK, sure := checks[key].scanVerdict(payload)
	v, err := Decode(payload)
	if err != nil {
		return !scanOK, false, nil
	}
	fast := checks[key].ok(v)
	full := compiled[key].Validate(v) == nil
	scanAgrees := full || !(scanOK && sure)
	if sure && plainKeys(&scanner{b: payload}) {
		scanAgrees = scanOK == full
	}
	return fast == full && scanAgrees, full, nil
}

// Scans reports whether scan reads b as one JSON document (against a schema
// with no keywords). It is for tests only.
func Scans(b []byte) bool {
	c, err := compileCheck(map[string]any{}, "#")
	if err != nil {
		panic(err)
	}
	return c.scan(b)
}

// ScanAccepts reports whether scan alone accepts payload as vendor's event
// slug. It is for tests only.
func ScanAccepts(vendor, slug string, payload []byte) bool {
	if _, err := compileAll(); err != nil {
		panic(err)
	}
	return byEvent[eventKey{vendor, slug}].scan(payload)
}

// plainKeys reports whether the well-formed document at s.i has only
// distinct, unescaped keys in each object.
func plainKeys(s *scanner) bool {
	s.space()
	switch s.b[s.i] {
	case '{':
		s.i++
		seen := map[string]bool{}
		for {
			s.space()
			if s.b[s.i] == '}' {
				s.i++
				return true
			}
			if s.b[s.i] == ',' {
				s.i++
				s.space()
			}
			ks := s.i + 1
			plain, _ := s.skipString()
			key := string(s.b[ks : s.i-1])
			if !plain || seen[key] {
				return false
			}
			seen[key] = true
			s.space()
			s.i++ // :
			if !plainKeys(s) {
				return false
			}
		}
	case '[':
		s.i++
		for {
			s.space()
			if s.b[s.i] == ']' {
				s.i++
				return true
			}
			if s.b[s.i] == ',' {
				s.i++
			}
			if !plainKeys(s) {
				return false
			}
		}
	default:
		return s.skip(0)
	}
}
