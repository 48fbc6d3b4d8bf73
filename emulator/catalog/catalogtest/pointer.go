package catalogtest

import (
	"strconv"
	"strings"
)

// Walk calls f for every value of doc (decoded JSON) with its JSON
// pointer, doc itself at ptr.
func Walk(ptr string, doc any, f func(ptr string, v any)) {
	f(ptr, doc)
	switch n := doc.(type) {
	case map[string]any:
		for k, c := range n {
			Walk(ptr+"/"+k, c, f)
		}
	case []any:
		for i, c := range n {
			Walk(ptr+"/"+strconv.Itoa(i), c, f)
		}
	}
}

// At returns the value at a JSON pointer of doc (decoded JSON), or nil.
func At(doc any, ptr string) any {
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		switch n := cur.(type) {
		case map[string]any:
			cur = n[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			cur = n[i]
		default:
			return nil
		}
	}
	return cur
}

// Str returns the string at a JSON pointer of doc, or "".
func Str(doc any, ptr string) string {
	s, _ := At(doc, ptr).(string)
	return s
}
