// Package emulator generates vendor payloads by vendor and event name and
// checks each against its schema before handing it out. The vendors' own
// packages (cutover, rocketlane, flexdeploy) build the payloads; the
// delivery engine and the server live in sub-packages.
package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/rocketlane"
	"github.com/standin-dev/standin/schemas"
)

// generators maps a vendor id to its payload builder.
var generators = map[string]func(*fake.Source, catalog.Event, payload.Options) ([]byte, error){
	catalog.Cutover:    cutover.Generate,
	catalog.Rocketlane: rocketlane.Generate,
	catalog.FlexDeploy: flexdeploy.Generate,
}

// Generate builds the payload of e from src and validates it against e's
// schema; a payload that fails its schema is an error, never returned.
func Generate(src *fake.Source, e catalog.Event, opts payload.Options) ([]byte, error) {
	gen, ok := generators[e.Vendor]
	if !ok {
		return nil, fmt.Errorf("no generator for vendor %q", e.Vendor)
	}
	b, err := gen(src, e, opts)
	if err != nil {
		return nil, fmt.Errorf("generate %s: %w", e, err)
	}
	if err := schemas.Validate(e.Vendor, e.Slug, b); err != nil {
		return nil, fmt.Errorf("generated %s payload fails its schema (a standin bug): %w", e, err)
	}
	return b, nil
}

// Sample resolves vendor and event (name or slug) and generates one payload
// from seed, its clock starting at start (zero: a seeded default).
func Sample(vendor, event string, seed uint64, start time.Time, opts payload.Options) ([]byte, catalog.Event, error) {
	e, err := catalog.Lookup(vendor, event)
	if err != nil {
		return nil, catalog.Event{}, err
	}
	b, err := Generate(fake.New(seed, start), e, opts)
	return b, e, err
}

// eventField is where each vendor's payload names its event.
var eventField = map[string][]string{
	catalog.Cutover:    {"attributes", "type"},
	catalog.Rocketlane: {"eventType"},
	catalog.FlexDeploy: {"eventType"},
}

// EventOf reads the event a vendor payload says it is (Cutover
// attributes.type, Rocketlane and FlexDeploy eventType) and resolves it in
// the catalog.
func EventOf(vendor string, doc []byte) (catalog.Event, error) {
	v, err := catalog.LookupVendor(vendor)
	if err != nil {
		return catalog.Event{}, err
	}
	var cur any
	d := json.NewDecoder(bytes.NewReader(doc))
	if err := d.Decode(&cur); err != nil {
		return catalog.Event{}, fmt.Errorf("read the event name: %w", err)
	}
	path := eventField[v]
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			cur = nil
			break
		}
		cur = m[k]
	}
	name, ok := cur.(string)
	if !ok || name == "" {
		return catalog.Event{}, fmt.Errorf("the payload has no %s event name at /%s; give the event explicitly", v, strings.Join(path, "/"))
	}
	return catalog.Lookup(v, name)
}
