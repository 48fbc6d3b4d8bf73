package catalog

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Type is the type of an entity attribute, a with option, an update field
// or a step kind's value.
type Type struct {
	// Base is "string", "int", "bool", "date" (YYYY-MM-DD), "duration"
	// (30s, 5m), "url" (absolute http or https), "enum", "ref" (the name
	// of another entity) or "map" (a mapping of Fields).
	Base string
	// Enum lists the values of an "enum".
	Enum []string
	// Kind is the entity kind a "ref" names.
	Kind string
	// Min and Max bound an "int" when Max > Min.
	Min, Max int64
	// MaxDuration bounds a "duration" (default: an hour).
	MaxDuration time.Duration
	// Fields are the keys of a "map".
	Fields []Field
}

// Describe says what a value of t looks like.
func (t Type) Describe() string {
	switch t.Base {
	case "enum":
		return "one of " + strings.Join(t.Enum, ", ")
	case "ref":
		return "the name of " + Article(t.Kind) + " " + t.Kind + " entity"
	case "date":
		return "a date such as 2026-03-02"
	case "duration":
		return "a duration such as 30s"
	case "url":
		return "an absolute http(s) URL"
	case "int":
		if t.Max > t.Min {
			return fmt.Sprintf("an integer from %d to %d", t.Min, t.Max)
		}
		return "an integer"
	case "bool":
		return "true or false"
	case "map":
		return "a mapping of " + strings.Join(FieldNames(t.Fields), ", ")
	}
	return "a string"
}

// Field describes one attribute, option or updatable field.
type Field struct {
	Name string
	Type Type
	Doc  string
	// Required fields must be given (in a "map").
	Required bool
}

// Kind is a kind of entity a vendor's scenarios can declare.
type Kind struct {
	Name  string
	Doc   string
	Attrs []Field
	// Readable are the attributes ${entity.attr} can read (secrets such as
	// tokens are not among them).
	Readable []string
	// Max, when above 0, is how many entities of the kind a scenario may
	// declare (a Cutover scenario runs one runbook).
	Max int
}

// EventSpec is what a step emitting one event may say.
type EventSpec struct {
	// About is the kind of entity the event is about; "" when the event is
	// generated fresh, not tied to the run's entities.
	About string
	// With are the event's options.
	With []Field
	// Update are the fields an update event changes; the event needs at
	// least one when NeedsUpdate.
	Update      []Field
	NeedsUpdate bool
}

// StepKind is a kind of step a vendor adds to event steps and blocks,
// played by its World's Act (see Actor). The step's key names the kind and
// holds its value: fire: TASK.
type StepKind struct {
	Name string
	Doc  string
	// Label says what the kind is, for messages ("integration action").
	Label string
	// Value is the type of the value under the kind's key.
	Value Type
	// Keys are the other keys a step of the kind may have (actor, refire).
	Keys []Field
	// Emits says what the step emits, for messages ("the events Cutover
	// would").
	Emits string
}

// Vocabulary is everything a vendor's scenarios can name: entity kinds,
// what each event step may say, and the vendor's own step kinds.
type Vocabulary struct {
	Kinds  []Kind
	Events map[string]EventSpec // by the vendor's event name
	Steps  []StepKind
}

// Kind returns the kind named name.
func (v Vocabulary) Kind(name string) (Kind, bool) {
	for _, k := range v.Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// KindNames lists the kinds' names.
func (v Vocabulary) KindNames() []string {
	var out []string
	for _, k := range v.Kinds {
		out = append(out, k.Name)
	}
	return out
}

// Step returns the step kind named name.
func (v Vocabulary) Step(name string) (StepKind, bool) {
	for _, s := range v.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return StepKind{}, false
}

// FindField returns the field named name.
func FindField(fs []Field, name string) (Field, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// FieldNames lists the fields' names, sorted.
func FieldNames(fs []Field) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

// Article is the indefinite article of an entity kind or a vendor's name:
// "an" before a, e, i and o ("an environment"), else "a" ("a user").
func Article(word string) string {
	if word != "" && strings.ContainsRune("aeioAEIO", rune(word[0])) {
		return "an"
	}
	return "a"
}

// Field constructors, for vocabularies.

// Str is a string field.
func Str(name, doc string) Field { return Field{Name: name, Type: Type{Base: "string"}, Doc: doc} }

// Ref is the name of an entity of kind.
func Ref(name, kind, doc string) Field {
	return Field{Name: name, Type: Type{Base: "ref", Kind: kind}, Doc: doc}
}

// Enum is one of values.
func Enum(name, doc string, values ...string) Field {
	return Field{Name: name, Type: Type{Base: "enum", Enum: values}, Doc: doc}
}

// Int is an integer from lo to hi.
func Int(name string, lo, hi int64, doc string) Field {
	return Field{Name: name, Type: Type{Base: "int", Min: lo, Max: hi}, Doc: doc}
}

// Bool is true or false.
func Bool(name, doc string) Field { return Field{Name: name, Type: Type{Base: "bool"}, Doc: doc} }

// Date is a YYYY-MM-DD date.
func Date(name, doc string) Field { return Field{Name: name, Type: Type{Base: "date"}, Doc: doc} }

// Duration is a duration of at most max (0: an hour).
func Duration(name string, max time.Duration, doc string) Field {
	return Field{Name: name, Type: Type{Base: "duration", MaxDuration: max}, Doc: doc}
}

// URL is an absolute http(s) URL.
func URL(name, doc string) Field { return Field{Name: name, Type: Type{Base: "url"}, Doc: doc} }

// Entities tracks the names and kinds a world knows, and the default
// entity of each kind when a step names none.
type Entities struct {
	kinds  map[string]string   // entity -> kind
	byKind map[string][]string // kind -> entities, declaration order
}

// NewEntities returns an empty tracker.
func NewEntities() Entities {
	return Entities{kinds: map[string]string{}, byKind: map[string][]string{}}
}

// Add records an entity of kind.
func (es *Entities) Add(name, kind string) {
	es.kinds[name] = kind
	es.byKind[kind] = append(es.byKind[kind], name)
}

// KindOf returns the kind of entity name.
func (es *Entities) KindOf(name string) (string, bool) {
	k, ok := es.kinds[name]
	return k, ok
}

// OfKind returns the entities of kind, in declaration order.
func (es *Entities) OfKind(kind string) []string { return es.byKind[kind] }

// Has reports whether name is an entity.
func (es *Entities) Has(name string) bool { _, ok := es.kinds[name]; return ok }

// Resolve returns the entity of kind a step is about: the one it names,
// or the only one of the kind. ok is false when the kind has none yet
// (the world makes one, named after the kind).
func (es *Entities) Resolve(name, kind string) (string, bool, error) {
	if name != "" {
		k, ok := es.kinds[name]
		switch {
		case !ok:
			return "", false, fmt.Errorf("no entity %q is declared", name)
		case k != kind:
			return "", false, fmt.Errorf("entity %q is %s %s; this event is about %s %s", name, Article(k), k, Article(kind), kind)
		}
		return name, true, nil
	}
	switch names := es.byKind[kind]; len(names) {
	case 0:
		return kind, false, nil
	case 1:
		return names[0], true, nil
	default:
		return "", false, fmt.Errorf("there are %d %s entities (%s); name the one meant with entity: in the step", len(names), kind, strings.Join(names, ", "))
	}
}

// Only returns the only entity of kind, for options that default to it.
func (es *Entities) Only(kind string) (string, error) {
	name, ok, err := es.Resolve("", kind)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no %s entity is declared", kind)
	}
	return name, nil
}

// AttrString returns a declared string attribute, or def.
func AttrString(attrs map[string]any, key, def string) string {
	if v, ok := attrs[key].(string); ok && v != "" {
		return v
	}
	return def
}

// AttrBool returns a declared boolean attribute, or def.
func AttrBool(attrs map[string]any, key string, def bool) bool {
	if v, ok := attrs[key].(bool); ok {
		return v
	}
	return def
}

// AttrTable reads the attributes of one kind of entity, by name, for
// ${entity.attr} references.
type AttrTable[T any] map[string]func(T) any

// Get returns the attribute name of v, the entity called entity of kind.
func (tbl AttrTable[T]) Get(entity, kind, name string, v T) (any, error) {
	f, ok := tbl[name]
	if !ok {
		valid := make([]string, 0, len(tbl))
		for k := range tbl {
			valid = append(valid, k)
		}
		slices.Sort(valid)
		return nil, fmt.Errorf("${%s.%s}: a %s has no attribute %s; valid: %s", entity, name, kind, name, strings.Join(valid, ", "))
	}
	return f(v), nil
}

// Names lists the attributes the table reads, sorted.
func (tbl AttrTable[T]) Names() []string {
	out := make([]string, 0, len(tbl))
	for k := range tbl {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
