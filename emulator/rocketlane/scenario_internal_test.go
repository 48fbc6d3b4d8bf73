package rocketlane

import (
	"slices"
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestAttributeTablesMatchTheVocabulary: what ${entity.attr} can read at
// run time is what the parser lets a script name.
func TestAttributeTablesMatchTheVocabulary(t *testing.T) {
	catalogtest.AttrTables(t, Vendor, map[string][]string{
		"user":    userAttrs.Names(),
		"project": projectAttrs.Names(),
		"phase":   phaseAttrs.Names(),
		"task":    taskAttrs.Names(),
	})
}

// TestVendorRegisters: a Registry accepts the vendor, its profile is
// complete, every event has a vocabulary entry, and payloads name their
// event where EventPath says.
func TestVendorRegisters(t *testing.T) {
	catalogtest.Registers(t, Vendor)
	if got := Vendor.EventPath(); !slices.Equal(got, []string{"eventType"}) {
		t.Errorf("event path %v", got)
	}
}
