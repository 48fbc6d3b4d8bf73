package schemas

// Agree reports whether the fast check and the general validator give the
// same verdict on payload, and that verdict. It is for tests only.
func Agree(vendor, slug string, payload []byte) (agree, valid bool, err error) {
	v, err := Decode(payload)
	if err != nil {
		return true, false, nil
	}
	if _, err := compileAll(); err != nil {
		return false, false, err
	}
	key := vendor + "/" + slug
	fast := checks[key].ok(v)
	full := compiled[key].Validate(v) == nil
	return fast == full, full, nil
}
