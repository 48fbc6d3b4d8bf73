package payload

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// PathError says why a value could not be set at a path.
type PathError struct {
	// Pointer is the JSON pointer of the part of the path that failed.
	Pointer string
	Msg     string
}

// Error writes the pointer and the reason.
func (e *PathError) Error() string { return e.Pointer + ": " + e.Msg }

// SetPath sets the value at path (object keys and array indexes, such as
// ["meta", "task", "name"] or ["data", "task", "assignees", "members", "0"])
// in doc, a JSON object, to value, a JSON document, and returns the new
// document with every other member in its place. A missing object member
// is added last; an array index must exist. Only the objects and arrays
// along the path are decoded. Errors are *PathError, or *DepthError when
// doc or value nests deeper than MaxDepth; a path may have at most
// MaxDepth segments.
func SetPath(doc []byte, path []string, value []byte) ([]byte, error) {
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	if len(path) > MaxDepth {
		return nil, &PathError{Pointer: "", Msg: fmt.Sprintf("the path has %d segments; at most %d", len(path), MaxDepth)}
	}
	if err := CheckDepth(doc, MaxDepth); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if err := CheckDepth(value, MaxDepth); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	root, err := parse(doc)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	v, err := parse(value)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	out, err := setIn(root, path, v, "")
	if err != nil {
		return nil, err
	}
	return Marshal(out)
}

// setIn returns cur with the value at path set to v; ptr is the pointer of
// cur.
func setIn(cur json.RawMessage, path []string, v json.RawMessage, ptr string) (json.RawMessage, error) {
	seg, rest := path[0], path[1:]
	ptr += "/" + escapePointer(seg)
	switch k := kind(cur); k {
	case "an object":
		var o Object
		if err := o.UnmarshalJSON(cur); err != nil {
			return nil, err
		}
		if len(rest) > 0 {
			next, ok := o.Get(seg)
			switch {
			case !ok && len(o.keys) == 0:
				return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("no member %q here: the object is empty", seg)}
			case !ok:
				return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("no member %q here; members: %s", seg, strings.Join(o.keys, ", "))}
			}
			var err error
			if v, err = setIn(next, rest, v, ptr); err != nil {
				return nil, err
			}
		}
		o.set(seg, v)
		return o.MarshalJSON()
	case "an array":
		var arr []json.RawMessage
		if err := json.Unmarshal(cur, &arr); err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(seg)
		if err != nil || n < 0 || n >= len(arr) {
			return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("%q is not an index of this array of %d", seg, len(arr))}
		}
		if len(rest) > 0 {
			if v, err = setIn(arr[n], rest, v, ptr); err != nil {
				return nil, err
			}
		}
		arr[n] = v
		return Marshal(arr)
	default:
		return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("the path goes into %s, which has no members", k)}
	}
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
