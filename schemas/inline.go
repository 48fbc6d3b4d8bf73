package schemas

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
)

// inline returns a copy of the schema node found in file with every $ref
// to the embedded schemas replaced by the schema it points at. The files
// keep their $refs (so they read well and share their parts); the compiled
// form is flat because every $ref costs the validator a nested pass over the
// value, and validation runs on every emitted event.
//
// A $ref with sibling keywords is merged with them where that keeps the
// meaning (disjoint keywords, properties the referenced schema already
// lists); otherwise the result is {"allOf":[target], siblings…}.
func inline(docs map[string]any, file string, node any, stack []string) (any, error) {
	switch n := node.(type) {
	case []any:
		out := make([]any, len(n))
		for i, c := range n {
			v, err := inline(docs, file, c, stack)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		ref, isRef := n["$ref"].(string)
		out := make(map[string]any, len(n))
		for k, c := range n {
			if k == "$ref" && isRef {
				continue
			}
			if k == "const" || k == "enum" || k == "examples" || k == "default" {
				out[k] = c // values, not schemas
				continue
			}
			v, err := inline(docs, file, c, stack)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		if !isRef {
			return out, nil
		}
		tfile, target, err := resolve(docs, file, ref)
		if err != nil {
			return nil, err
		}
		key := tfile + "#" + ref
		if slices.Contains(stack, key) {
			return nil, fmt.Errorf("%s: $ref %q refers to itself", file, ref)
		}
		t, err := inline(docs, tfile, target, append(stack, key))
		if err != nil {
			return nil, err
		}
		tm, ok := t.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: $ref %q is not a schema object", file, ref)
		}
		delete(out, "$schema")
		if merged, ok := merge(tm, out); ok {
			return merged, nil
		}
		out["allOf"] = append([]any{tm}, asSlice(out["allOf"])...)
		return out, nil
	default:
		return node, nil
	}
}

// resolve finds the schema a $ref in file points at.
func resolve(docs map[string]any, file, ref string) (string, any, error) {
	f, ptr, _ := strings.Cut(ref, "#")
	tfile := file
	if f != "" {
		tfile = path.Join(path.Dir(file), f)
	}
	doc, ok := docs[tfile]
	if !ok {
		return "", nil, fmt.Errorf("%s: $ref %q: no embedded schema %s", file, ref, tfile)
	}
	cur := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return "", nil, fmt.Errorf("%s: $ref %q does not resolve", file, ref)
		}
		if cur, ok = m[tok]; !ok {
			return "", nil, fmt.Errorf("%s: $ref %q does not resolve", file, ref)
		}
	}
	return tfile, cur, nil
}

// annotations are keywords that do not validate; on a clash the referenced
// schema's are kept, unless only the other side has the pattern or format a
// description explains.
var annotations = map[string]bool{"title": true, "description": true, "$comment": true, "examples": true}

// merge combines schema a with the sibling keywords b of a $ref to a, when
// one schema object can say what the two said together.
func merge(a, b map[string]any) (map[string]any, bool) {
	out := maps.Clone(a)
	_, closed := a["additionalProperties"]
	for k, vb := range b {
		va, clash := a[k]
		switch {
		case !clash && k == "properties" && closed:
			return nil, false // new properties would change what additionalProperties allows
		case !clash:
			out[k] = vb
		case annotations[k]:
			if describesFormat(b) && !describesFormat(a) {
				out[k] = vb // a description goes with the pattern or format it explains
			}
		case k == "required":
			out[k] = union(asSlice(va), asSlice(vb))
		case k == "properties":
			pa, okA := va.(map[string]any)
			pb, okB := vb.(map[string]any)
			if !okA || !okB {
				return nil, false
			}
			props := maps.Clone(pa)
			for name, sb := range pb {
				sa, ok := pa[name]
				if !ok {
					if closed {
						return nil, false
					}
					props[name] = sb
					continue
				}
				ma, okA := sa.(map[string]any)
				mb, okB := sb.(map[string]any)
				if !okA || !okB {
					return nil, false
				}
				m, ok := merge(ma, mb)
				if !ok {
					return nil, false
				}
				props[name] = m
			}
			out[k] = props
		default:
			return nil, false
		}
	}
	return out, true
}

func describesFormat(s map[string]any) bool {
	_, p := s["pattern"]
	_, f := s["format"]
	return p || f
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func union(a, b []any) []any {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
