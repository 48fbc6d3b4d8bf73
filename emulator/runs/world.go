package runs

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/scenarios"
)

// world is one vendor's state during a run: the entities the script
// declared, as they are now, and how to turn a step into the vendor's
// payload. It is used from the run's goroutine only.
type world interface {
	// declare adds an entity, in declaration order, before any step.
	declare(e scenarios.Entity, attrs map[string]any) error
	// attr returns an entity's attribute for ${entity.attr}.
	attr(entity, name string) (any, error)
	// build changes the world as the step says and returns the payload of
	// its event, compact JSON.
	build(s *step) ([]byte, error)
}

// step is one event step ready to build: references expanded, values
// typed.
type step struct {
	event catalog.Event
	spec  scenarios.EventSpec
	// entity is the entity the event is about ("" for events generated
	// fresh); actor the acting user entity ("" for the default).
	entity, actor string
	with          map[string]any
	update        []field
	at            time.Time
	src           *fake.Source
	// debug is integrations.failed's record of a real exchange (nil: the
	// world draws a simulated one).
	debug *cutover.DebugData
}

// field is one update, in script order.
type field struct {
	name  string
	value any
}

func (s *step) withString(key, def string) string {
	if v, ok := s.with[key].(string); ok && v != "" {
		return v
	}
	return def
}

func (s *step) withInt(key string) (int, bool) {
	v, ok := s.with[key].(int64)
	return int(v), ok
}

// entities tracks the names and kinds a world knows, and the default
// entity of each kind when a step names none.
type entities struct {
	vendor string
	kinds  map[string]string   // entity -> kind
	byKind map[string][]string // kind -> entities, declaration order
}

func newEntities(vendor string) entities {
	return entities{vendor: vendor, kinds: map[string]string{}, byKind: map[string][]string{}}
}

func (es *entities) add(name, kind string) {
	es.kinds[name] = kind
	es.byKind[kind] = append(es.byKind[kind], name)
}

// resolve returns the entity of kind a step is about: the one it names,
// or the only one of the kind. ok is false when the kind has none yet
// (the world makes one).
func (es *entities) resolve(name, kind string) (string, bool, error) {
	if name != "" {
		k, ok := es.kinds[name]
		switch {
		case !ok:
			return "", false, fmt.Errorf("no entity %q is declared", name)
		case k != kind:
			return "", false, fmt.Errorf("entity %q is %s %s; this event is about %s %s", name, scenarios.Article(k), k, scenarios.Article(kind), kind)
		}
		return name, true, nil
	}
	switch names := es.byKind[kind]; len(names) {
	case 0:
		return kind, false, nil
	case 1:
		return names[0], true, nil
	default:
		return "", false, fmt.Errorf("there are %d %s entities (%s); name one with entity:", len(names), kind, strings.Join(names, ", "))
	}
}

// only returns the only entity of kind, for options such as release:
// that default to it.
func (es *entities) only(kind string) (string, error) {
	name, ok, err := es.resolve("", kind)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no %s entity is declared", kind)
	}
	return name, nil
}

func (es *entities) has(name string) bool { _, ok := es.kinds[name]; return ok }

// attrString returns a declared string attribute, or def.
func attrString(attrs map[string]any, key, def string) string {
	if v, ok := attrs[key].(string); ok && v != "" {
		return v
	}
	return def
}

func attrBool(attrs map[string]any, key string) bool {
	v, _ := attrs[key].(bool)
	return v
}

// attrTable reads the attributes of one kind of entity, by name, for
// ${entity.attr} references.
type attrTable[T any] map[string]func(T) any

// get returns the attribute name of v, the entity called entity.
func (tbl attrTable[T]) get(entity, kind, name string, v T) (any, error) {
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

// newWorld makes the world of a vendor.
func newWorld(vendor string, src *fake.Source) (world, error) {
	switch vendor {
	case catalog.Cutover:
		return newCutoverWorld(src), nil
	case catalog.Rocketlane:
		return newRocketlaneWorld(src), nil
	case catalog.FlexDeploy:
		return newFlexDeployWorld(src), nil
	}
	return nil, fmt.Errorf("no scenario world for vendor %q", vendor)
}
