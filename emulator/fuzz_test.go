package emulator_test

import (
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
)

// FuzzEventOf reads event names out of arbitrary payloads: no panics, and an
// event it returns is in the catalog.
func FuzzEventOf(f *testing.F) {
	f.Add("cutover", []byte(`{"attributes":{"type":"task.created"}}`))
	f.Add("rocketlane", []byte(`{"eventType":"TASK_UPDATED."}`))
	f.Add("flexdeploy", []byte(`{"eventType":null}`))
	f.Add("FlexDeploy", []byte(`{"eventType":"Release Started"}`))
	f.Fuzz(func(t *testing.T, vendor string, doc []byte) {
		e, err := emulator.Vendors().EventOf(vendor, doc)
		if err != nil {
			return
		}
		if _, err := emulator.Vendors().Lookup(e.Vendor, e.Name); err != nil {
			t.Fatalf("EventOf returned %v, not in the catalog: %v", e, err)
		}
	})
}

// FuzzLookup resolves arbitrary names: no panics, and a match is an event of
// the asked vendor whose slug equals the input's.
func FuzzLookup(f *testing.F) {
	f.Add("cutover", "task.created")
	f.Add("flexdeploy", "RELEASE_STARTED")
	f.Add("rocketlane", "")
	f.Fuzz(func(t *testing.T, vendor, name string) {
		e, err := emulator.Vendors().Lookup(vendor, name)
		if err != nil {
			return
		}
		if catalog.Slug(name) != e.Slug {
			t.Fatalf("Lookup(%q, %q) = %v", vendor, name, e)
		}
	})
}
