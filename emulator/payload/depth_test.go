package payload

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCheckDepth(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		limit  int
		offset int64 // -1: within the limit
	}{
		{"flat", `{"a":1}`, 1, -1},
		{"at the limit", `{"a":[{"b":[]}]}`, 4, -1},
		{"one past", `{"a":[{"b":[]}]}`, 3, 11},
		{"brackets in strings do not count", `{"a":"[[[[{{{{","b":"\"[[[["}`, 1, -1},
		{"escaped backslash ends the string", `{"a":"\\","b":[[1]]}`, 2, 15},
		{"unclosed", strings.Repeat("[", 10), 5, 5},
		{"closing brackets free the level", `[[]][[]][[]]`, 2, -1},
		{"not JSON is not its business", `}}}}[`, 1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckDepth([]byte(tt.doc), tt.limit)
			var de *DepthError
			switch {
			case tt.offset < 0 && err != nil:
				t.Fatalf("got %v, want nil", err)
			case tt.offset >= 0 && !errors.As(err, &de):
				t.Fatalf("got %v, want a *DepthError", err)
			case tt.offset >= 0 && (de.Offset != tt.offset || de.Limit != tt.limit):
				t.Fatalf("got %+v, want limit %d at offset %d", de, tt.limit, tt.offset)
			}
		})
	}
}

func TestDeepInputsAreRefusedBeforeDecoding(t *testing.T) {
	deepArray := strings.Repeat("[", 1<<20)
	deepObject := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	base := `{"a":{"b":1}}`
	tests := []struct {
		name string
		run  func() error
	}{
		{"merge patch of nested arrays", func() error { _, err := Merge([]byte(base), []byte(`{"a":`+deepArray+`}`)); return err }},
		{"merge patch of nested objects", func() error { _, err := Merge([]byte(base), []byte(deepObject)); return err }},
		{"merge base", func() error { _, err := Merge([]byte(deepObject), []byte(`{"a":1}`)); return err }},
		{"set path value", func() error { _, err := SetPath([]byte(base), []string{"a"}, []byte(deepArray)); return err }},
		{"set path document", func() error { _, err := SetPath([]byte(deepObject), []string{"a"}, []byte(`1`)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var de *DepthError
			if err := tt.run(); !errors.As(err, &de) || de.Limit != MaxDepth {
				t.Fatalf("got %v, want a *DepthError at the limit %d", err, MaxDepth)
			}
		})
	}
	var pe *PathError
	if _, err := SetPath([]byte(base), strings.Split(strings.Repeat("a/", MaxDepth)+"a", "/"), []byte(`1`)); !errors.As(err, &pe) || !strings.Contains(pe.Msg, "at most 64") {
		t.Errorf("a path of %d segments: %v", MaxDepth+1, err)
	}
}

// depthOf is the nesting of a decoded JSON value, for checking CheckDepth
// against encoding/json.
func depthOf(v any) int {
	d := 0
	switch x := v.(type) {
	case map[string]any:
		for _, c := range x {
			d = max(d, depthOf(c))
		}
		return d + 1
	case []any:
		for _, c := range x {
			d = max(d, depthOf(c))
		}
		return d + 1
	}
	return 0
}

// FuzzCheckDepth checks that, on valid JSON, CheckDepth refuses exactly the
// documents that nest deeper than the limit.
func FuzzCheckDepth(f *testing.F) {
	f.Add(`{"a":[1,{"b":"]]]}"}]}`, 2)
	f.Add(`"\\\"[["`, 0)
	f.Add(strings.Repeat("[", 70)+strings.Repeat("]", 70), 64)
	f.Add(strings.Repeat(`{"k":`, 65)+`null`+strings.Repeat("}", 65), 64)
	f.Fuzz(func(t *testing.T, doc string, limit int) {
		if limit < 0 || limit > 200 {
			return
		}
		var v any
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return
		}
		err := CheckDepth([]byte(doc), limit)
		if d := depthOf(v); (d > limit) != (err != nil) {
			t.Fatalf("CheckDepth(%q, %d) = %v, but the document nests %d deep", doc, limit, err, d)
		}
	})
}
