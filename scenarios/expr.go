package scenarios

import (
	"fmt"
	"regexp"
	"strings"
)

// Ref is one ${...} reference in a string: a var or loop variable
// (${stage}, ${index}), or an entity attribute (${release.id}).
type Ref struct {
	Name string
	// Attr is the attribute after the dot; "" for a var.
	Attr string
	// Start and End delimit ${...} in the string.
	Start, End int
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// refs finds the references in s. "$${" writes a literal "${".
func refs(s string) ([]Ref, error) {
	var out []Ref
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) || s[i+1] != '{' {
			continue
		}
		if i > 0 && s[i-1] == '$' {
			continue // escaped
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return nil, fmt.Errorf("%q: ${ without a closing }", s)
		}
		inner := strings.TrimSpace(s[i+2 : i+end])
		name, attr, dotted := strings.Cut(inner, ".")
		if !identRE.MatchString(name) || (dotted && !identRE.MatchString(attr)) {
			return nil, fmt.Errorf("%q: ${%s} is not a reference; write ${var} or ${entity.attribute}", s, inner)
		}
		out = append(out, Ref{Name: name, Attr: attr, Start: i, End: i + end + 1})
		i += end
	}
	return out, nil
}

// Resolver answers the value of a reference: a var (attr "") or an
// entity's attribute.
type Resolver func(name, attr string) (any, error)

// Expand replaces the references in s. A string that is exactly one
// reference takes the referenced value with its type (an integer id stays
// an integer); otherwise values are written into the string.
func Expand(s string, resolve Resolver) (any, error) {
	rs, err := refs(s)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return unescape(s), nil
	}
	if len(rs) == 1 && rs[0].Start == 0 && rs[0].End == len(s) {
		return resolve(rs[0].Name, rs[0].Attr)
	}
	var b strings.Builder
	last := 0
	for _, r := range rs {
		b.WriteString(unescape(s[last:r.Start]))
		v, err := resolve(r.Name, r.Attr)
		if err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case []any, []Value, map[string]any:
			return nil, fmt.Errorf("%q: ${%s} is a list; it cannot be written into a string", s, refText(r))
		case nil:
		default:
			fmt.Fprint(&b, x)
		}
		last = r.End
	}
	b.WriteString(unescape(s[last:]))
	return b.String(), nil
}

func refText(r Ref) string {
	if r.Attr != "" {
		return r.Name + "." + r.Attr
	}
	return r.Name
}

func unescape(s string) string { return strings.ReplaceAll(s, "$${", "${") }

// HasRefs reports whether s needs Expand: it holds a ${...} reference or
// an escaped $${.
func HasRefs(s string) bool { return strings.Contains(s, "${") }

// parseCond reads a when: condition: "var == value", "var != value" or
// "var in [a, b]".
func parseCond(text string) (*Cond, error) {
	t := strings.TrimSpace(text)
	for _, op := range []string{"==", "!=", " in "} {
		i := strings.Index(t, op)
		if i < 0 {
			continue
		}
		name := strings.TrimSpace(t[:i])
		rest := strings.TrimSpace(t[i+len(op):])
		name = strings.TrimSuffix(strings.TrimPrefix(name, "${"), "}")
		if !identRE.MatchString(name) {
			return nil, fmt.Errorf("when: %q: the left side must be a var name", text)
		}
		c := &Cond{Var: name, Op: strings.TrimSpace(op), Text: t}
		if c.Op == "in" {
			if !strings.HasPrefix(rest, "[") || !strings.HasSuffix(rest, "]") {
				return nil, fmt.Errorf("when: %q: in takes a list such as [rejected, failed]", text)
			}
			for _, v := range strings.Split(rest[1:len(rest)-1], ",") {
				if v = unquote(strings.TrimSpace(v)); v != "" {
					c.Values = append(c.Values, v)
				}
			}
			if len(c.Values) == 0 {
				return nil, fmt.Errorf("when: %q: the list is empty", text)
			}
		} else {
			c.Values = []string{unquote(rest)}
		}
		return c, nil
	}
	return nil, fmt.Errorf("when: %q: want var == value, var != value or var in [a, b]", text)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}
