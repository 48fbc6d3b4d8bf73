package payload

import "fmt"

// MaxDepth is how deeply a JSON input standin reads may nest arrays and
// objects: every vendor's payload nests far less, and the recursive code
// here (Merge, SetPath) and the decoders after it never see deeper input.
const MaxDepth = 64

// DepthError says that a JSON document nests deeper than a limit.
type DepthError struct {
	// Limit is the deepest nesting allowed.
	Limit int
	// Offset is the byte, from 0, of the bracket that crosses the limit.
	Offset int64
}

// Error names the limit and the place.
func (e *DepthError) Error() string {
	return fmt.Sprintf("JSON nests deeper than %d levels at offset %d", e.Limit, e.Offset)
}

// CheckDepth returns a *DepthError when b nests arrays and objects deeper
// than limit. It reads b once, without decoding or allocating, counting the
// brackets outside strings, and stops at the first one past the limit; it
// does not check that b is valid JSON (the decoder after it does).
func CheckDepth(b []byte, limit int) error {
	depth := 0
	inString, escaped := false, false
	for i, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > limit {
				return &DepthError{Limit: limit, Offset: int64(i)}
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}
