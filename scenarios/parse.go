package scenarios

import (
	"errors"
	"fmt"
	"math"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/suggest"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
)

// Limits on what a script may ask.
const (
	maxErrors = 20
	maxAfter  = 30 * 24 * time.Hour
	maxDelay  = time.Hour
	// MaxSteps bounds the steps one run plays, loops unrolled.
	MaxSteps = 10_000
	// maxDurationValue bounds duration attributes (an action's timeout).
	maxDurationValue = time.Hour
	// MaxEvents bounds the events one run emits (a refired action emits
	// several per step).
	MaxEvents = 20_000
	// MaxIterations bounds the repetitions of every each: loop of a run
	// together, those whose steps' when: skips them included.
	MaxIterations = 100_000
)

// reserved names cannot be vars, entities or loop variables.
var reserved = []string{"index", "vars", "run", "seed"}

// Parse reads a scenario script of one of the vendors standin emulates
// (emulator.Vendors); file names it in errors. The error is Errors, every
// problem with its line and column.
func Parse(file string, src []byte) (*Scenario, error) {
	return ParseFor(emulator.Vendors(), file, src)
}

// ParseFor is Parse for the vendors of reg.
func ParseFor(reg *catalog.Registry, file string, src []byte) (*Scenario, error) {
	root, err := parseYAML(file, src)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, Errors{e}
		}
		return nil, err
	}
	p := &parser{file: file, reg: reg, sc: &Scenario{File: file, Source: src}}
	p.top(root)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b *Error) int {
			if a.Pos.Line != b.Pos.Line {
				return a.Pos.Line - b.Pos.Line
			}
			return a.Pos.Col - b.Pos.Col
		})
		return nil, p.errs
	}
	return p.sc, nil
}

type parser struct {
	file   string
	reg    *catalog.Registry
	sc     *Scenario
	vendor catalog.Vendor
	vocab  catalog.Vocabulary
	errs   Errors
	// deferred are checks that need every entity declared first.
	deferred []func()
	// varsOnly is set while entity attributes are read: they may refer to
	// vars only.
	varsOnly bool
}

func (p *parser) fail(pos Pos, format string, args ...any) {
	if len(p.errs) < maxErrors {
		p.errs = append(p.errs, &Error{File: p.file, Pos: pos, Msg: fmt.Sprintf(format, args...)})
	}
}

// keys checks a mapping's keys against the allowed ones.
func (p *parser) keys(n *node, where string, allowed ...string) {
	for _, k := range n.keys {
		key := k.scalar.(string)
		if slices.Contains(allowed, key) {
			continue
		}
		msg := fmt.Sprintf("unknown key %q in %s; valid keys: %s", key, where, strings.Join(allowed, ", "))
		if near := suggest.Nearest(key, allowed); near != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", near)
		}
		p.fail(k.pos, "%s", msg)
	}
}

func (p *parser) wantMap(n *node, what string) bool {
	if n.kind != mapNode {
		p.fail(n.pos, "%s must be a mapping, got %s", what, n.kindName())
		return false
	}
	return true
}

func (p *parser) str(n *node, what string) (string, bool) {
	if n.kind == scalarNode {
		if s, ok := n.scalar.(string); ok {
			return s, true
		}
	}
	p.fail(n.pos, "%s must be a string, got %s", what, n.kindName())
	return "", false
}

func (p *parser) top(root *node) {
	if !p.wantMap(root, "a scenario") {
		return
	}
	p.keys(root, "the scenario", "name", "description", "vendor", "seed", "start", "vars", "entities", "steps")
	if n := root.get("name"); n == nil {
		p.fail(root.pos, "the scenario needs a name:")
	} else if s, ok := p.str(n, "name"); ok {
		if strings.TrimSpace(s) == "" {
			p.fail(n.pos, "name must not be empty")
		}
		p.sc.Name = s
	}
	if n := root.get("description"); n != nil {
		p.sc.Description, _ = p.str(n, "description")
	}
	n := root.get("vendor")
	if n == nil {
		p.fail(root.pos, "the scenario needs a vendor: (one of %s)", strings.Join(p.reg.IDs(), ", "))
		return
	}
	s, ok := p.str(n, "vendor")
	if !ok {
		return
	}
	v, err := p.reg.Vendor(s)
	if err != nil {
		p.fail(n.pos, "%v", err)
		return
	}
	p.sc.Vendor, p.sc.Def = v.ID(), v
	p.vendor, p.vocab = v, v.Vocabulary()
	if n := root.get("seed"); n != nil {
		if i, ok := n.scalar.(int64); ok && n.kind == scalarNode && i >= 0 {
			u := uint64(i)
			p.sc.Seed = &u
		} else {
			p.fail(n.pos, "seed must be a non-negative integer, got %s", n.kindName())
		}
	}
	if n := root.get("start"); n != nil {
		if s, ok := p.str(n, "start"); ok {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				p.fail(n.pos, "start %q: want an RFC 3339 time such as 2026-03-02T09:00:00Z", s)
			} else if err := p.reg.CheckStart(p.sc.Vendor, t); err != nil {
				p.fail(n.pos, "start %v", err)
			}
			p.sc.Start = t.UTC()
		}
	}
	if n := root.get("vars"); n != nil {
		p.vars(n)
	}
	if n := root.get("entities"); n != nil {
		p.entities(n)
	}
	n = root.get("steps")
	if n == nil {
		p.fail(root.pos, "the scenario needs steps: a list of events to emit")
	} else if n.kind != seqNode || len(n.vals) == 0 {
		p.fail(n.pos, "steps must be a non-empty list, got %s%s", n.kindName(), listHint(n))
	} else {
		p.sc.Steps = p.steps(n, nil)
	}
	for _, f := range p.deferred {
		f()
	}
}

func (p *parser) name(k *node, what string) (string, bool) {
	name := k.scalar.(string)
	switch {
	case !identRE.MatchString(name):
		p.fail(k.pos, "%s name %q: use letters, digits, _ and -, starting with a letter", what, name)
	case slices.Contains(reserved, name):
		p.fail(k.pos, "%s name %q is reserved", what, name)
	default:
		return name, true
	}
	return "", false
}

func (p *parser) vars(n *node) {
	if !p.wantMap(n, "vars") {
		return
	}
	for i, k := range n.keys {
		name, ok := p.name(k, "var")
		if !ok {
			continue
		}
		v := n.vals[i]
		decl := Var{Name: name, Pos: k.pos}
		if v.kind == mapNode {
			// The long form: default, values, description.
			p.keys(v, "var "+name, "default", "values", "description", "secret")
			if d := v.get("description"); d != nil {
				decl.Description, _ = p.str(d, "description")
			}
			if sv := v.get("secret"); sv != nil {
				if b, ok := sv.scalar.(bool); ok && sv.kind == scalarNode {
					decl.Secret = b
				} else {
					p.fail(sv.pos, "var %s: secret is true or false, got %s", name, sv.kindName())
				}
			}
			if vs := v.get("values"); vs != nil {
				if vs.kind != seqNode || len(vs.vals) == 0 {
					p.fail(vs.pos, "var %s: values is a non-empty list of the values it may take", name)
				}
				for _, x := range vs.vals {
					if x.kind != scalarNode || x.scalar == nil {
						p.fail(x.pos, "var %s: values must be scalars", name)
						continue
					}
					decl.Values = append(decl.Values, fmt.Sprint(x.scalar))
				}
			}
			d := v.get("default")
			if d == nil {
				p.fail(v.pos, "var %s needs a default:", name)
				continue
			}
			v = d
			if len(decl.Values) > 0 && (v.kind != scalarNode || !slices.Contains(decl.Values, fmt.Sprint(v.scalar))) {
				p.fail(v.pos, "var %s: the default is not one of its values (%s)", name, strings.Join(decl.Values, ", "))
			}
		}
		switch v.kind {
		case mapNode:
			p.fail(v.pos, "var %s: a default is a scalar or a list, got a mapping", name)
			continue
		case seqNode:
			for _, x := range v.vals {
				if x.kind != scalarNode {
					p.fail(x.pos, "var %s: list items must be scalars, got %s", name, x.kindName())
				}
			}
		}
		decl.Default = value(v)
		p.sc.Vars = append(p.sc.Vars, decl)
	}
}

func (p *parser) isVar(name string) bool {
	return slices.ContainsFunc(p.sc.Vars, func(v Var) bool { return v.Name == name })
}

func (p *parser) entity(name string) (Entity, bool) {
	for _, e := range p.sc.Entities {
		if e.Name == name {
			return e, true
		}
	}
	return Entity{}, false
}

func (p *parser) entities(n *node) {
	if !p.wantMap(n, "entities") {
		return
	}
	for i, k := range n.keys {
		name, ok := p.name(k, "entity")
		if !ok {
			continue
		}
		if p.isVar(name) {
			p.fail(k.pos, "entity %s has the name of a var", name)
			continue
		}
		body := n.vals[i]
		if !p.wantMap(body, "entity "+name) {
			continue
		}
		kn := body.get("kind")
		if kn == nil {
			p.fail(body.pos, "entity %s needs a kind: (one of %s)", name, strings.Join(p.vocab.KindNames(), ", "))
			continue
		}
		ks, ok := p.str(kn, "kind")
		if !ok {
			continue
		}
		kind, ok := p.vocab.Kind(ks)
		if !ok {
			msg := fmt.Sprintf("entity %s: %s has no kind %q; valid: %s", name, p.sc.Vendor, ks, strings.Join(p.vocab.KindNames(), ", "))
			if near := suggest.Nearest(ks, p.vocab.KindNames()); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			p.fail(kn.pos, "%s", msg)
			continue
		}
		if kind.Max > 0 {
			var prev []string
			for _, x := range p.sc.Entities {
				if x.Kind == kind.Name {
					prev = append(prev, x.Name)
				}
			}
			if len(prev) >= kind.Max {
				if kind.Max == 1 {
					p.fail(k.pos, "entity %s: %s %s scenario runs one %s, and %s is already it", name, catalog.Article(p.vendor.Name()), p.vendor.Name(), kind.Name, prev[0])
				} else {
					p.fail(k.pos, "entity %s: %s %s scenario runs at most %d %ss (%s)", name, catalog.Article(p.vendor.Name()), p.vendor.Name(), kind.Max, kind.Name, strings.Join(prev, ", "))
				}
				continue
			}
		}
		allowed := append([]string{"kind"}, catalog.FieldNames(kind.Attrs)...)
		p.keys(body, catalog.Article(kind.Name)+" "+kind.Name+" entity", allowed...)
		e := Entity{Name: name, Kind: kind.Name, Pos: k.pos}
		for j, ak := range body.keys {
			key := ak.scalar.(string)
			f, ok := catalog.FindField(kind.Attrs, key)
			if !ok {
				continue
			}
			v := value(body.vals[j])
			p.varsOnly = true
			p.typed(&v, f.Type, fmt.Sprintf("entity %s: %s", name, key), nil)
			p.varsOnly = false
			e.Attrs = append(e.Attrs, Assign{Key: key, Pos: ak.pos, Value: v})
		}
		p.sc.Entities = append(p.sc.Entities, e)
	}
}

// value turns a node into a Value.
func value(n *node) Value {
	switch n.kind {
	case seqNode:
		out := make([]Value, len(n.vals))
		for i, x := range n.vals {
			out[i] = value(x)
		}
		return Value{V: out, Pos: n.pos}
	case mapNode:
		out := make([]Assign, len(n.keys))
		for i, k := range n.keys {
			out[i] = Assign{Key: k.scalar.(string), Pos: k.pos, Value: value(n.vals[i])}
		}
		return Value{V: out, Pos: n.pos}
	}
	return Value{V: n.scalar, Pos: n.pos}
}

// typed checks a literal value against t, normalising it in place (an
// integer written for a string field becomes its digits; an enum takes its
// canonical case). Strings with ${...} are checked when the run expands
// them; their references are checked now against scope.
func (p *parser) typed(v *Value, t catalog.Type, what string, scope []string) {
	if s, ok := v.V.(string); ok && HasRefs(s) {
		p.checkRefs(s, v.Pos, scope)
		return
	}
	if err := CheckValue(v, t, func(name string) (string, bool) {
		e, ok := p.entity(name)
		return e.Kind, ok
	}); err != nil {
		// Entity references resolve once every entity is declared.
		if t.Base == "ref" {
			vv := *v
			p.deferred = append(p.deferred, func() {
				if err := CheckValue(&vv, t, func(name string) (string, bool) {
					e, ok := p.entity(name)
					return e.Kind, ok
				}); err != nil {
					p.fail(vv.Pos, "%s: %v", what, err)
				}
			})
			return
		}
		p.fail(v.Pos, "%s: %v", what, err)
	}
}

// CheckValue checks v against t, normalising it in place; kindOf tells the
// kind of a named entity, for refs.
func CheckValue(v *Value, t catalog.Type, kindOf func(name string) (string, bool)) error {
	switch t.Base {
	case "string":
		switch x := v.V.(type) {
		case string:
			return nil
		case int64:
			v.V = strconv.FormatInt(x, 10)
			return nil
		}
	case "int":
		x, ok := v.V.(int64)
		if !ok {
			if s, isStr := v.V.(string); isStr {
				if i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
					x, ok = i, true
				}
			}
		}
		if ok {
			if t.Max > t.Min && (x < t.Min || x > t.Max) {
				return fmt.Errorf("%d is out of range; want %s", x, t.Describe())
			}
			v.V = x
			return nil
		}
	case "bool":
		if _, ok := v.V.(bool); ok {
			return nil
		}
		if s, ok := v.V.(string); ok {
			if b, err := strconv.ParseBool(s); err == nil {
				v.V = b
				return nil
			}
		}
	case "date":
		if s, ok := v.V.(string); ok {
			if _, err := time.Parse("2006-01-02", s); err == nil {
				return nil
			}
			return fmt.Errorf("%q is not a date; want %s", s, t.Describe())
		}
	case "duration":
		if s, ok := v.V.(string); ok {
			d, err := ParseDuration(s)
			if err != nil || d < 0 {
				return fmt.Errorf("%q is not a duration; want %s", s, t.Describe())
			}
			if limit := cmpOr(t.MaxDuration, maxDurationValue); d > limit {
				return fmt.Errorf("%s is too long; at most %s", d, limit)
			}
			v.V = d
			return nil
		}
	case "url":
		if s, ok := v.V.(string); ok {
			if s == "" {
				return nil // an empty var leaves it unset
			}
			u, err := neturl.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return fmt.Errorf("%q is not an absolute http(s) URL", s)
			}
			return nil
		}
	case "enum":
		if s, ok := v.V.(string); ok {
			for _, e := range t.Enum {
				if strings.EqualFold(e, s) {
					v.V = e
					return nil
				}
			}
			return fmt.Errorf("%q is not valid; want %s", s, t.Describe())
		}
	case "ref":
		if s, ok := v.V.(string); ok {
			kind, found := kindOf(s)
			switch {
			case !found:
				return fmt.Errorf("no entity %q is declared; want %s", s, t.Describe())
			case kind != t.Kind:
				return fmt.Errorf("entity %q is %s %s; want %s", s, catalog.Article(kind), kind, t.Describe())
			}
			return nil
		}
	}
	return fmt.Errorf("got %s; want %s", describe(v.V), t.Describe())
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case []Value, []any:
		return "a list"
	case []Assign, map[string]any:
		return "a mapping"
	default:
		return fmt.Sprintf("the number %v", x)
	}
}

// checkRefs checks that the references in s name a var, a loop variable
// in scope, index, or an entity's attribute.
func (p *parser) checkRefs(s string, pos Pos, scope []string) {
	rs, err := refs(s)
	if err != nil {
		p.fail(pos, "%v", err)
		return
	}
	for _, r := range rs {
		switch {
		case r.Name == "index" || slices.Contains(scope, r.Name):
			if r.Name == "index" && r.Attr != "" {
				p.fail(pos, "${index.%s}: index is a number and has no attributes", r.Attr)
			}
		case p.isVar(r.Name):
			if r.Attr != "" {
				p.fail(pos, "${%s.%s}: %s is a var and has no attributes", r.Name, r.Attr, r.Name)
			}
		case p.varsOnly:
			p.fail(pos, "${%s}: entity attributes can refer to vars only (declared under vars:)", refText(r))
		default:
			e, ok := p.entity(r.Name)
			if !ok {
				p.fail(pos, "${%s}: no var, loop variable or entity is called %s", refText(r), r.Name)
				continue
			}
			if r.Attr == "" {
				p.fail(pos, "${%s}: name an attribute of the %s, such as ${%s.id} or ${%s.name}", r.Name, e.Kind, r.Name, r.Name)
				continue
			}
			kind, _ := p.vocab.Kind(e.Kind)
			if !slices.Contains(kind.Readable, r.Attr) {
				valid := slices.Sorted(slices.Values(kind.Readable))
				p.fail(pos, "${%s.%s}: a %s has no readable attribute %s; valid: %s", r.Name, r.Attr, e.Kind, r.Attr, strings.Join(valid, ", "))
			}
		}
	}
}

// baseStepKeys are the keys of event steps and blocks; a vendor's step
// kinds add their own (see catalog.StepKind).
var baseStepKeys = []string{"event", "steps", "entity", "actor", "after", "when", "each", "var", "with", "update", "set", "fault"}

// stepKeys are the keys a step of the scenario's vendor may have.
func (p *parser) stepKeys() []string {
	keys := slices.Clone(baseStepKeys)
	for _, k := range p.vocab.Steps {
		keys = append(keys, k.Name)
		for _, f := range k.Keys {
			if !slices.Contains(keys, f.Name) {
				keys = append(keys, f.Name)
			}
		}
	}
	return keys
}

// otherVendorsStep finds a step kind of another vendor called name, for
// the message of a step the scenario's vendor cannot play.
func (p *parser) otherVendorsStep(name string) (catalog.Vendor, catalog.StepKind, bool) {
	for _, v := range p.reg.Vendors() {
		if v.ID() == p.sc.Vendor {
			continue
		}
		if k, ok := v.Vocabulary().Step(name); ok {
			return v, k, true
		}
	}
	return nil, catalog.StepKind{}, false
}

func (p *parser) steps(n *node, scope []string) []Step {
	var out []Step
	for _, item := range n.vals {
		if s, ok := p.step(item, scope); ok {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) step(n *node, scope []string) (Step, bool) {
	if !p.wantMap(n, "a step") {
		return Step{}, false
	}
	s := Step{Pos: n.pos, Var: "item"}
	allowed := p.stepKeys()
	for i, k := range n.keys {
		key := k.scalar.(string)
		if slices.Contains(allowed, key) {
			continue
		}
		if v, kind, ok := p.otherVendorsStep(key); ok {
			p.fail(n.vals[i].pos, "%s: is %s %s %s; %s scenarios have none", key, catalog.Article(v.Name()), v.Name(), kind.Label, p.sc.Vendor)
			return s, false
		}
	}
	p.keys(n, "a step", allowed...)
	ev, block := n.get("event"), n.get("steps")
	var kinds []string
	for _, k := range []string{"event", "steps"} {
		if n.get(k) != nil {
			kinds = append(kinds, k+":")
		}
	}
	var action *catalog.StepKind
	for i, k := range p.vocab.Steps {
		if n.get(k.Name) != nil {
			kinds = append(kinds, k.Name+":")
			action = &p.vocab.Steps[i]
		}
	}
	switch {
	case len(kinds) > 1:
		p.fail(n.pos, "a step has one of %s; this one has %s", p.stepKindsText(), strings.Join(kinds, " and "))
		return s, false
	case len(kinds) == 0:
		p.fail(n.pos, "a step needs event: (the event to emit) or steps: (a block of steps)")
		return s, false
	}

	if w := n.get("when"); w != nil {
		if text, ok := p.str(w, "when"); ok {
			c, err := parseCond(text)
			if err != nil {
				p.fail(w.pos, "%v", err)
			} else if !p.isVar(c.Var) && !slices.Contains(scope, c.Var) {
				p.fail(w.pos, "when: %q: no var %s is declared under vars:", text, c.Var)
			} else {
				c.Pos = w.pos
				s.When = c
			}
		}
	}
	if a := n.get("after"); a != nil {
		s.After, s.AfterSet = p.duration(a, "after", maxAfter)
	}
	inner := scope
	if e := n.get("each"); e != nil {
		if vn := n.get("var"); vn != nil {
			if name, ok := p.str(vn, "var"); ok {
				k := &node{kind: scalarNode, pos: vn.pos, scalar: name}
				if name, ok = p.name(k, "loop variable"); ok {
					if p.isVar(name) || slices.ContainsFunc(p.sc.Entities, func(x Entity) bool { return x.Name == name }) {
						p.fail(vn.pos, "loop variable %s has the name of a var or an entity", name)
					}
					s.Var = name
				}
			}
		}
		v := value(e)
		switch x := v.V.(type) {
		case []Value:
			if len(x) == 0 {
				p.fail(e.pos, "each: the list is empty")
			}
			for _, item := range x {
				if _, isList := item.V.([]Value); isList {
					p.fail(item.Pos, "each: items must be scalars")
				} else if _, isMap := item.V.([]Assign); isMap {
					p.fail(item.Pos, "each: items must be scalars")
				}
			}
		case string:
			rs, err := refs(x)
			if err != nil || len(rs) != 1 || rs[0].Attr != "" || rs[0].Start != 0 || rs[0].End != len(x) || !p.isVar(rs[0].Name) {
				p.fail(e.pos, "each: want a list such as [DEV, QA, PROD] or a list var such as ${stages}")
			}
		default:
			p.fail(e.pos, "each: want a list such as [DEV, QA, PROD] or a list var such as ${stages}, got %s", describe(v.V))
		}
		s.Each = &v
		inner = append(slices.Clone(scope), s.Var)
	} else if vn := n.get("var"); vn != nil {
		p.fail(vn.pos, "var: names the loop variable of each:, and this step has no each:")
	}

	// A step kind's own keys belong on a step of that kind.
	for _, k := range p.vocab.Steps {
		if action != nil && action.Name == k.Name {
			continue
		}
		for _, f := range k.Keys {
			if slices.Contains(baseStepKeys, f.Name) {
				continue
			}
			if x := n.get(f.Name); x != nil {
				p.fail(x.pos, "%s: belongs on a %s: step", f.Name, k.Name)
			}
		}
	}
	if action != nil {
		return p.actionStep(n, *action, s, inner)
	}
	if block != nil {
		for _, k := range []string{"entity", "actor", "with", "update", "set", "fault"} {
			if x := n.get(k); x != nil {
				p.fail(x.pos, "%s: belongs on an event step, not on a block (steps:)", k)
			}
		}
		if block.kind != seqNode || len(block.vals) == 0 {
			p.fail(block.pos, "steps must be a non-empty list, got %s%s", block.kindName(), listHint(block))
			return s, false
		}
		s.Steps = p.steps(block, inner)
		return s, true
	}
	return p.eventStep(n, ev, s, inner)
}

// stepKindsText lists what a step can be, for messages.
func (p *parser) stepKindsText() string {
	if len(p.vocab.Steps) == 0 {
		return "event: (emit one event) or steps: (a block)"
	}
	var labels []string
	byLabel := map[string][]string{}
	for _, k := range p.vocab.Steps {
		if _, ok := byLabel[k.Label]; !ok {
			labels = append(labels, k.Label)
		}
		byLabel[k.Label] = append(byLabel[k.Label], k.Name+":")
	}
	parts := []string{"event: (emit one event)", "steps: (a block)"}
	for _, l := range labels {
		parts = append(parts, fmt.Sprintf("%s %s (%s)", catalog.Article(l), l, strings.Join(byLabel[l], ", ")))
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func (p *parser) eventStep(n, ev *node, s Step, scope []string) (Step, bool) {
	name, ok := p.str(ev, "event")
	if !ok {
		return s, false
	}
	e, err := catalog.LookupIn(p.vendor, name)
	if err != nil {
		p.fail(ev.pos, "%v", err)
		return s, false
	}
	s.Event = e.Name
	spec := p.vocab.Events[e.Name]

	if en := n.get("entity"); en != nil {
		v := value(en)
		if spec.About == "" {
			p.fail(en.pos, "%s is generated fresh in scenarios and is not about an entity; remove entity:", e.Name)
		} else {
			p.typed(&v, catalog.Type{Base: "ref", Kind: spec.About}, "entity", scope)
		}
		s.Entity = &v
	}
	if an := n.get("actor"); an != nil {
		v := value(an)
		if _, ok := p.vocab.Kind("user"); ok {
			p.typed(&v, catalog.Type{Base: "ref", Kind: "user"}, "actor", scope)
		}
		s.Actor = &v
	}
	if wn := n.get("with"); wn != nil {
		s.With = p.fields(wn, spec.With, "with", e.Name, scope)
	}
	if un := n.get("update"); un != nil {
		if len(spec.Update) == 0 {
			p.fail(un.pos, "%s changes nothing; update: applies to events that change an entity", e.Name)
		} else {
			s.Update = p.fields(un, spec.Update, "update", e.Name, scope)
		}
	} else if spec.NeedsUpdate {
		p.fail(ev.pos, "%s needs update: with the fields that change (%s)", e.Name, strings.Join(catalog.FieldNames(spec.Update), ", "))
	}
	if sn := n.get("set"); sn != nil && p.wantMap(sn, "set") {
		for i, k := range sn.keys {
			path := k.scalar.(string)
			if _, err := SplitPath(path); err != nil {
				p.fail(k.pos, "set: %v", err)
				continue
			}
			v := value(sn.vals[i])
			p.refsIn(v, scope)
			s.Set = append(s.Set, Assign{Key: path, Pos: k.pos, Value: v})
		}
	}
	if fn := n.get("fault"); fn != nil && p.wantMap(fn, "fault") {
		p.keys(fn, "fault", "duplicate", "delay", "out_of_order")
		for i, k := range fn.keys {
			v := fn.vals[i]
			switch k.scalar {
			case "duplicate", "out_of_order":
				b, ok := v.scalar.(bool)
				if v.kind != scalarNode || !ok {
					p.fail(v.pos, "fault.%s must be true or false, got %s", k.scalar, v.kindName())
				}
				if k.scalar == "duplicate" {
					s.Fault.Duplicate = b
				} else {
					s.Fault.Reorder = b
				}
			case "delay":
				s.Fault.Delay, _ = p.duration(v, "fault.delay", maxDelay)
			}
		}
	}
	return s, true
}

// actionStep reads a step of one of the vendor's own kinds (Cutover's
// fire:, cancel:, await:).
func (p *parser) actionStep(n *node, kind catalog.StepKind, s Step, scope []string) (Step, bool) {
	s.Action = kind.Name
	for _, k := range []string{"entity", "with", "update", "set", "fault"} {
		if x := n.get(k); x != nil {
			p.fail(x.pos, "%s: does not go with %s: (%s %s emits %s)", k, kind.Name, catalog.Article(kind.Label), kind.Label, kind.Emits)
		}
	}
	if a := n.get("actor"); a != nil {
		if _, ok := catalog.FindField(kind.Keys, "actor"); !ok {
			p.fail(a.pos, "actor: does not go with %s: (the receiver acts)", kind.Name)
		}
	}
	an := n.get(kind.Name)
	v := value(an)
	if !p.typedDeep(&v, an, kind.Value, kind.Name, scope) {
		return s, false
	}
	s.ActionValue = &v
	for _, f := range kind.Keys {
		kn := n.get(f.Name)
		if kn == nil {
			continue
		}
		kv := value(kn)
		p.typedDeep(&kv, kn, f.Type, f.Name, scope)
		s.ActionKeys = append(s.ActionKeys, Assign{Key: f.Name, Pos: kn.pos, Value: kv})
	}
	return s, true
}

// typedDeep is typed for a step kind's values, which may be mappings of
// typed fields (await: {task: c, timeout: 10s}). It reports whether the
// value has the right shape to play.
func (p *parser) typedDeep(v *Value, n *node, t catalog.Type, what string, scope []string) bool {
	if t.Base != "map" {
		if t.Base == "duration" {
			d, ok := p.duration(n, what, cmpOr(t.MaxDuration, maxDurationValue))
			if ok {
				v.V = d
			}
			return ok
		}
		if t.Base == "int" && t.Max > t.Min {
			if i, ok := n.scalar.(int64); !ok || n.kind != scalarNode || i < t.Min || i > t.Max {
				got := n.kindName()
				if ok {
					got = strconv.FormatInt(i, 10)
				}
				p.fail(n.pos, "%s: want %s, got %s", what, t.Describe(), got)
				return false
			}
			return true
		}
		p.typed(v, t, what, scope)
		return true
	}
	if !p.wantMap(n, what) {
		return false
	}
	p.keys(n, what, catalog.FieldNames(t.Fields)...)
	ok := true
	for _, f := range t.Fields {
		if f.Required && n.get(f.Name) == nil {
			p.fail(n.pos, "%s needs %s: %s", what, f.Name, f.Doc)
			ok = false
		}
	}
	var out []Assign
	for i, k := range n.keys {
		key := k.scalar.(string)
		f, known := catalog.FindField(t.Fields, key)
		if !known {
			continue
		}
		fv := value(n.vals[i])
		if !p.typedDeep(&fv, n.vals[i], f.Type, what+"."+key, scope) {
			ok = false
		}
		out = append(out, Assign{Key: key, Pos: k.pos, Value: fv})
	}
	v.V = out
	return ok
}

func cmpOr[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

// refsIn checks the references in every string of v.
func (p *parser) refsIn(v Value, scope []string) {
	switch x := v.V.(type) {
	case string:
		if HasRefs(x) {
			p.checkRefs(x, v.Pos, scope)
		}
	case []Value:
		for _, item := range x {
			p.refsIn(item, scope)
		}
	case []Assign:
		for _, a := range x {
			p.refsIn(a.Value, scope)
		}
	}
}

func (p *parser) fields(n *node, allowed []catalog.Field, what, event string, scope []string) []Assign {
	if !p.wantMap(n, what) {
		return nil
	}
	if len(allowed) == 0 {
		p.fail(n.pos, "%s takes no %s: options", event, what)
		return nil
	}
	p.keys(n, what+" of "+event, catalog.FieldNames(allowed)...)
	var out []Assign
	for i, k := range n.keys {
		key := k.scalar.(string)
		f, ok := catalog.FindField(allowed, key)
		if !ok {
			continue
		}
		v := value(n.vals[i])
		p.typed(&v, f.Type, what+"."+key, scope)
		out = append(out, Assign{Key: key, Pos: k.pos, Value: v})
	}
	return out
}

func (p *parser) duration(n *node, what string, limit time.Duration) (time.Duration, bool) {
	var d time.Duration
	switch x := n.scalar.(type) {
	case string:
		var err error
		if d, err = ParseDuration(x); err != nil {
			p.fail(n.pos, "%s: %q is not a duration; want one such as 30s, 5m, 1h30m or 2d", what, x)
			return 0, false
		}
	case int64:
		if x != 0 {
			p.fail(n.pos, "%s: %d has no unit; want a duration such as %ds", what, x, x)
			return 0, false
		}
	default:
		p.fail(n.pos, "%s: want a duration such as 30s, got %s", what, n.kindName())
		return 0, false
	}
	if d < 0 || d > limit {
		p.fail(n.pos, "%s: %s is out of range; want 0s to %s", what, d, limit)
		return 0, false
	}
	return d, true
}

// ParseDuration reads a Go duration (300ms, 30s, 1h30m) that may start with
// whole days (2d, 1d12h).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var days time.Duration
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("%q: bad number of days", s)
		}
		days, s = time.Duration(n)*24*time.Hour, s[i+1:]
		if s == "" {
			return days, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if days > 0 && d < 0 {
		return 0, fmt.Errorf("%q: mixed signs", s)
	}
	return days + d, nil
}

// SplitPath splits a set: path such as meta.task.name or
// data.task.assignees.members.0.emailId into its segments.
func SplitPath(path string) ([]string, error) {
	if strings.TrimSpace(path) == "" {
		return nil, errors.New("the path is empty; write a dot path such as meta.task.name")
	}
	segs := strings.Split(path, ".")
	for _, s := range segs {
		if s == "" {
			return nil, fmt.Errorf("path %q has an empty segment; write a dot path such as meta.task.name", path)
		}
	}
	return segs, nil
}

// ResolveVars returns the run's vars: each declared var's default, or the
// override given for it. An override is read in the default's type: a
// number, true or false, or a comma-separated list. Unknown names are an
// error listing the declared vars.
func (sc *Scenario) ResolveVars(overrides map[string]string) (map[string]any, error) {
	out := map[string]any{}
	for _, v := range sc.Vars {
		out[v.Name] = plain(v.Default)
	}
	var declared []string
	for _, v := range sc.Vars {
		declared = append(declared, v.Name)
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s := overrides[k]
		def, ok := out[k]
		if ok {
			for _, v := range sc.Vars {
				if v.Name == k && len(v.Values) > 0 && !slices.Contains(v.Values, s) {
					return nil, fmt.Errorf("var %s=%q: want one of %s", k, s, strings.Join(v.Values, ", "))
				}
			}
		}
		if !ok {
			if len(declared) == 0 {
				return nil, fmt.Errorf("var %s: scenario %s declares no vars", k, sc.Name)
			}
			msg := fmt.Sprintf("var %s: scenario %s declares no such var; valid: %s", k, sc.Name, strings.Join(declared, ", "))
			if near := suggest.Nearest(k, declared); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			return nil, errors.New(msg)
		}
		switch def.(type) {
		case int64:
			i, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("var %s=%q: want an integer like its default", k, s)
			}
			out[k] = i
		case float64:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return nil, fmt.Errorf("var %s=%q: want a number like its default", k, s)
			}
			out[k] = f
		case bool:
			b, err := strconv.ParseBool(s)
			if err != nil {
				return nil, fmt.Errorf("var %s=%q: want true or false like its default", k, s)
			}
			out[k] = b
		case []any:
			var list []any
			for _, item := range strings.Split(s, ",") {
				if item = strings.TrimSpace(item); item != "" {
					list = append(list, item)
				}
			}
			if len(list) == 0 {
				return nil, fmt.Errorf("var %s=%q: want a comma-separated list", k, s)
			}
			out[k] = list
		default:
			out[k] = s
		}
	}
	return out, nil
}

// plain turns a Value into plain Go values ([]any for lists, map for
// mappings).
func plain(v Value) any {
	switch x := v.V.(type) {
	case []Value:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = plain(item)
		}
		return out
	case []Assign:
		out := make(map[string]any, len(x))
		for _, a := range x {
			out[a.Key] = plain(a.Value)
		}
		return out
	}
	return v.V
}

// listHint is what to write instead when a mapping stands where a list
// belongs.
func listHint(n *node) string {
	if n.kind == mapNode {
		return `; start each step with "- " (- event: task.created)`
	}
	return ""
}
