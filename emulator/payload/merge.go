package payload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// object is a JSON object that keeps its members' order, so a payload
// edited by a user still lists its fields the way the vendor does.
type object struct {
	keys []string
	vals map[string]any
}

// Merge lays patch, a JSON object, over base, a JSON object: objects merge
// member by member, anything else (arrays, scalars, null) replaces the
// value in base. base's member order is kept; new members go last.
func Merge(base, patch []byte) ([]byte, error) {
	b, err := decodeOrdered(base)
	if err != nil {
		return nil, fmt.Errorf("base payload: %w", err)
	}
	p, err := decodeOrdered(patch)
	if err != nil {
		return nil, err
	}
	bo, ok := b.(*object)
	if !ok {
		return nil, errors.New("base payload is not a JSON object")
	}
	po, ok := p.(*object)
	if !ok {
		return nil, fmt.Errorf("the override must be a JSON object, got %s", kind(p))
	}
	mergeInto(bo, po)
	var out bytes.Buffer
	if err := encodeOrdered(&out, bo); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func mergeInto(dst, src *object) {
	for _, k := range src.keys {
		sv := src.vals[k]
		if dv, ok := dst.vals[k]; ok {
			do, dok := dv.(*object)
			so, sok := sv.(*object)
			if dok && sok {
				mergeInto(do, so)
				continue
			}
		} else {
			dst.keys = append(dst.keys, k)
		}
		dst.vals[k] = sv
	}
}

func kind(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	default:
		return "null"
	}
}

// decodeOrdered parses one JSON value, objects as *object, numbers as
// json.Number, and rejects trailing data.
func decodeOrdered(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON at byte %d: %w", d.InputOffset(), err)
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON at byte %d: unexpected data after the value", d.InputOffset())
	}
	return v, nil
}

func decodeValue(d *json.Decoder) (any, error) {
	t, err := d.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; !dup {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for d.More() {
				v, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := d.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

func encodeOrdered(w *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case *object:
		w.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := encodeOrdered(w, k); err != nil {
				return err
			}
			w.WriteByte(':')
			if err := encodeOrdered(w, x.vals[k]); err != nil {
				return err
			}
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := encodeOrdered(w, e); err != nil {
				return err
			}
		}
		w.WriteByte(']')
	case json.Number:
		w.WriteString(string(x))
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	default:
		b, err := Marshal(x)
		if err != nil {
			return err
		}
		w.Write(b)
	}
	return nil
}
