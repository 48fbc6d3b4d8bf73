package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/server"
	"github.com/standin-dev/standin/schemas"
)

// acme is a fifth vendor, added through the registry alone: one event, one
// schema, one entity kind. Nothing of standin's own code names it.
type acme struct{}

var acmeSchemas = schemas.NewSet("acme", fstest.MapFS{
	"widget-made.schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://standin.dev/schemas/acme/widget-made.schema.json",
  "type": "object",
  "additionalProperties": false,
  "required": ["type", "id", "name", "made_at"],
  "properties": {
    "type": {"const": "widget.made"},
    "id": {"type": "string", "pattern": "^w-[0-9]+$"},
    "name": {"type": "string", "minLength": 1},
    "made_at": {"type": "string", "format": "date-time"}
  }
}`)},
})

func (acme) ID() string          { return "acme" }
func (acme) Name() string        { return "Acme" }
func (acme) EventPath() []string { return []string{"type"} }
func (acme) Events() []catalog.Event {
	return []catalog.Event{{Vendor: "acme", Name: "widget.made", Slug: "widget-made"}}
}
func (acme) Schemas() *schemas.Set { return acmeSchemas }
func (acme) Profile() catalog.Profile {
	return catalog.Profile{Method: "POST", Headers: map[string]string{"Content-Type": "application/json"}, Timeout: 5 * time.Second, Notes: "a test vendor"}
}
func (acme) Vocabulary() catalog.Vocabulary {
	return catalog.Vocabulary{
		Kinds:  []catalog.Kind{{Name: "widget", Doc: "a widget", Attrs: []catalog.Field{catalog.Str("name", "its name")}, Readable: []string{"id", "name"}}},
		Events: map[string]catalog.EventSpec{"widget.made": {About: "widget"}},
	}
}

// widget is the payload of widget.made.
type widget struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	MadeAt string `json:"made_at"`
}

func (acme) Generate(src *fake.Source, e catalog.Event, _ catalog.Options) ([]byte, error) {
	return payload.Marshal(widget{Type: e.Name, ID: fmt.Sprintf("w-%d", src.ID(1, 999)), Name: "Sprocket", MadeAt: src.Now().Format(time.RFC3339)})
}

func (acme) NewWorld(src *fake.Source) catalog.World {
	return &acmeWorld{src: src, names: map[string]string{}}
}

type acmeWorld struct {
	src   *fake.Source
	names map[string]string
	last  string // the entity a step that names none is about
}

func (w *acmeWorld) Declare(name, kind string, attrs map[string]any) error {
	w.names[name] = catalog.AttrString(attrs, "name", "Widget "+name)
	w.last = name
	return nil
}

func (w *acmeWorld) Attr(entity, name string) (any, error) {
	return catalog.AttrTable[string]{"id": func(n string) any { return "w-1" }, "name": func(n string) any { return n }}.Get(entity, "widget", name, w.names[entity])
}

func (w *acmeWorld) Build(s *catalog.Step) ([]byte, error) {
	entity := s.Entity
	if entity == "" {
		entity = w.last
	}
	return payload.Marshal(widget{Type: s.Event.Name, ID: "w-1", Name: w.names[entity], MadeAt: s.At.UTC().Format(time.RFC3339)})
}

// TestAFifthVendorThroughTheRegistryAlone plays a one-step scenario and an
// emit of a vendor that only the registry knows.
func TestAFifthVendorThroughTheRegistryAlone(t *testing.T) {
	reg, err := catalog.NewRegistry(append(emulator.Vendors().Vendors(), acme{})...)
	if err != nil {
		t.Fatal(err)
	}
	_, base := start(t, server.Config{Vendors: reg, SelfCheck: true})
	rc, url := newReceiver(t, 200)

	var evs []catalog.Event
	call(t, "GET", base+"/__admin/events?vendor=acme", "", &evs)
	if len(evs) != 1 || evs[0].Name != "widget.made" {
		t.Fatalf("catalog: %+v", evs)
	}
	if code := call(t, "POST", base+"/__admin/subscriptions", `{"vendor":"acme","url":"`+url+`"}`, nil); code != 201 {
		t.Fatalf("subscribe: %d", code)
	}

	var emitted struct {
		Payload json.RawMessage `json:"payload"`
	}
	if code := call(t, "POST", base+"/__admin/events/acme/widget-made", `{"name":"Gear"}`, &emitted); code != 202 {
		t.Fatalf("emit: %d", code)
	}
	if !strings.Contains(string(emitted.Payload), `"name":"Gear"`) {
		t.Errorf("the override is not in the payload: %s", emitted.Payload)
	}
	var bad errResp
	if code := call(t, "POST", base+"/__admin/events/acme/widget.made", `{"id":"gear"}`, &bad); code != 422 || !strings.Contains(bad.Error.Message, "/id") {
		t.Errorf("an override breaking the acme schema: %d %s", code, bad.Error.Message)
	}

	script := "name: one\nvendor: acme\nentities:\n  w: {kind: widget, name: Cog}\nsteps:\n  - event: widget.made\n"
	var run struct{ ID string }
	if code := call(t, "POST", base+"/__admin/runs", fmt.Sprintf(`{"script":%q}`, script), &run); code != 202 {
		t.Fatalf("run: %d", code)
	}
	var rep struct {
		Status string
		Error  string
	}
	call(t, "GET", base+"/__admin/runs/"+run.ID+"?wait=10s", "", &rep)
	if rep.Status != "succeeded" {
		t.Fatalf("run: %s %s", rep.Status, rep.Error)
	}
	if code := call(t, "GET", base+"/__admin/deliveries/wait?vendor=acme&count=2&timeout=10s", "", nil); code != 200 {
		t.Fatalf("waiting for both deliveries: %d", code)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	// The emit's delivery and the run's may arrive in either order.
	all := strings.Join(rc.bodies, "\n")
	if len(rc.bodies) != 2 || !strings.Contains(all, `"name":"Gear"`) || !strings.Contains(all, `"name":"Cog"`) {
		t.Errorf("the receiver got %q", rc.bodies)
	}
}
