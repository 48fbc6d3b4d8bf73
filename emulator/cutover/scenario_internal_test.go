package cutover

import (
	"slices"
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestAttributeTablesMatchTheVocabulary: what ${entity.attr} can read at
// run time is what the parser lets a script name.
func TestAttributeTablesMatchTheVocabulary(t *testing.T) {
	catalogtest.AttrTables(t, Vendor, map[string][]string{
		"runbook": runbookAttrs.Names(),
		"task":    taskAttrs.Names(),
		"user":    userAttrs.Names(),
	})
}

// TestVendorRegisters: a Registry accepts the vendor, its profile is
// complete, every event has a vocabulary entry, and payloads name their
// event where EventPath says.
func TestVendorRegisters(t *testing.T) {
	catalogtest.Registers(t, Vendor)
	if got := Vendor.EventPath(); !slices.Equal(got, []string{"attributes", "type"}) {
		t.Errorf("event path %v", got)
	}
}
