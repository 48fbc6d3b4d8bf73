package cutover

import (
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestGolden holds the scenario world and the generator to what they gave
// when the golden files were made: a change that should keep the bytes
// must not change one.
func TestGolden(t *testing.T) {
	catalogtest.Golden(t, Vendor, "testdata/scenario-ops.json", "testdata/scenario.golden", "testdata/generate.golden")
}

// TestGoldenWide holds the generator and the scenario world to the digests
// of what they gave over many seeds, starts and quirks settings.
func TestGoldenWide(t *testing.T) {
	catalogtest.Wide(t, Vendor, "testdata/scenario-ops.json", "testdata/wide.golden")
}
