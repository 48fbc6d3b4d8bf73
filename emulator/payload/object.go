package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// Object is a JSON object that keeps its members in document order; member
// values stay raw JSON until something needs to look inside them. It is the
// one representation of an ordered object the vendors' payloads share: a
// payload edited by a user (Merge, SetPath) still lists its fields the way
// the vendor does, and objects whose members come in a meaningful order
// (a Rocketlane changeLog's from and to, Cutover's changes) are written in
// that order.
//
// The zero Object is an empty object, ready to use.
type Object struct {
	keys []string
	vals map[string]json.RawMessage
}

// UnmarshalJSON decodes a JSON object one level deep: member values are
// kept as the raw JSON the document holds. With a duplicate key, the last
// value wins and the key keeps its first position. null leaves o as it is.
func (o *Object) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	t, err := d.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil // null, by encoding/json's convention
	}
	if t != json.Delim('{') {
		return fmt.Errorf("payload: want a JSON object, got %s", kind(b))
	}
	*o = Object{}
	for d.More() {
		kt, err := d.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage // Decode copies the value out of b
		if err := d.Decode(&raw); err != nil {
			return err
		}
		o.set(kt.(string), raw)
	}
	if _, err := d.Token(); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("payload: unexpected data after the object")
	}
	return nil
}

// MarshalJSON writes the members in order, keys encoded as Marshal encodes
// strings and values as they are (an empty value as null).
func (o Object) MarshalJSON() ([]byte, error) {
	n := 2
	for _, k := range o.keys {
		n += len(k) + 4 + len(o.vals[k])
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range o.keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendMarshal(b, k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if v := o.vals[k]; len(v) > 0 {
			b = append(b, v...)
		} else {
			b = append(b, "null"...)
		}
	}
	return append(b, '}'), nil
}

// Set sets key to a copy of the JSON value raw, appending key if it is new.
func (o *Object) Set(key string, raw json.RawMessage) { o.set(key, slices.Clone(raw)) }

// set is Set without the copy, for values o may keep.
func (o *Object) set(key string, raw json.RawMessage) {
	if o.vals == nil {
		o.vals = map[string]json.RawMessage{}
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = raw
}

// Get returns the raw JSON value of key.
func (o Object) Get(key string) (json.RawMessage, bool) {
	raw, ok := o.vals[key]
	return raw, ok
}

// Keys returns the keys in order.
func (o Object) Keys() []string { return slices.Clone(o.keys) }

// kind names the type of the JSON value raw starts with.
func kind(raw []byte) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	default:
		return "a number"
	}
}

// parse checks that b holds exactly one JSON value and returns it (a copy,
// without the surrounding whitespace).
func parse(b []byte) (json.RawMessage, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := d.Decode(&raw); err != nil {
		offset := d.InputOffset()
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			offset = max(se.Offset-1, 0) // the offending byte, from 0
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			offset, err = int64(len(bytes.TrimRight(b, " \t\r\n"))), io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("invalid JSON at byte %d: %w", offset, err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON at byte %d: unexpected data after the value", d.InputOffset())
	}
	return raw, nil
}
