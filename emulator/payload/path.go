package payload

import (
	"bytes"
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
// is added last; an array index must exist. Errors are *PathError.
func SetPath(doc []byte, path []string, value []byte) ([]byte, error) {
	if len(path) == 0 {
		return nil, errors.New("empty path")
	}
	root, err := decodeOrdered(doc)
	if err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	v, err := decodeOrdered(value)
	if err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	cur := root
	ptr := ""
	for i, seg := range path {
		last := i == len(path)-1
		ptr += "/" + escapePointer(seg)
		switch c := cur.(type) {
		case *object:
			if last {
				if _, ok := c.vals[seg]; !ok {
					c.keys = append(c.keys, seg)
				}
				c.vals[seg] = v
				continue
			}
			next, ok := c.vals[seg]
			switch {
			case !ok && len(c.keys) == 0:
				return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("no member %q here: the object is empty", seg)}
			case !ok:
				return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("no member %q here; members: %s", seg, strings.Join(c.keys, ", "))}
			}
			cur = next
		case []any:
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(c) {
				return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("%q is not an index of this array of %d", seg, len(c))}
			}
			if last {
				c[n] = v
				continue
			}
			cur = c[n]
		default:
			return nil, &PathError{Pointer: ptr, Msg: fmt.Sprintf("the path goes into %s, which has no members", kind(cur))}
		}
	}
	var out bytes.Buffer
	if err := encodeOrdered(&out, root); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
