package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Merge lays patch, a JSON object, over base, a JSON object: objects merge
// member by member, anything else (arrays, scalars, null) replaces the
// value in base. base's member order is kept; new members go last, in the
// patch's order. Only the objects both sides have are decoded; every other
// value is copied as written. A patch with no members returns base as it
// is, without reading it. Either side nesting deeper than MaxDepth is a
// *DepthError.
func Merge(base, patch []byte) ([]byte, error) {
	if emptyObject(patch) {
		return base, nil
	}
	if err := CheckDepth(base, MaxDepth); err != nil {
		return nil, fmt.Errorf("base payload: %w", err)
	}
	if err := CheckDepth(patch, MaxDepth); err != nil {
		return nil, err
	}
	b, err := parse(base)
	if err != nil {
		return nil, fmt.Errorf("base payload: %w", err)
	}
	p, err := parse(patch)
	if err != nil {
		return nil, err
	}
	if k := kind(b); k != "an object" {
		return nil, errors.New("base payload is not a JSON object")
	}
	if k := kind(p); k != "an object" {
		return nil, fmt.Errorf("the override must be a JSON object, got %s", k)
	}
	merged, err := merge(b, p)
	if err != nil {
		return nil, err
	}
	return Marshal(merged)
}

// merge lays the object patch over the object base.
func merge(base, patch json.RawMessage) (json.RawMessage, error) {
	var dst, src Object
	if err := dst.UnmarshalJSON(base); err != nil {
		return nil, err
	}
	if err := src.UnmarshalJSON(patch); err != nil {
		return nil, err
	}
	for _, k := range src.keys {
		sv := src.vals[k]
		if dv, ok := dst.vals[k]; ok && kind(dv) == "an object" && kind(sv) == "an object" {
			m, err := merge(dv, sv)
			if err != nil {
				return nil, err
			}
			sv = m
		}
		dst.set(k, sv)
	}
	return dst.MarshalJSON()
}

// emptyObject reports whether b is a JSON object with no members.
func emptyObject(b []byte) bool {
	const ws = " \t\r\n"
	b = bytes.Trim(b, ws)
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && len(bytes.Trim(b[1:len(b)-1], ws)) == 0
}
