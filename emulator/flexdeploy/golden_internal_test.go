package flexdeploy

import (
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestGolden holds the scenario world and the generator to what they gave
// before they moved into this package (emulator/runs at 2a2e723, with the
// same ops and seeds): the move must not change a byte.
func TestGolden(t *testing.T) {
	catalogtest.Golden(t, Vendor, "testdata/scenario-ops.json", "testdata/scenario.golden", "testdata/generate.golden")
}

// TestGoldenWide holds the generator and the scenario world to the digests
// of what they gave over many seeds, starts and quirks settings.
func TestGoldenWide(t *testing.T) {
	catalogtest.Wide(t, Vendor, "testdata/scenario-ops.json", "testdata/wide.golden")
}
