package flexdeploy

import (
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestGolden holds the generator and the scenario world to what they gave
// when the golden files were made (the narrow ones before the vendor moved
// into this package, emulator/runs at 2a2e723): a change that should keep
// the bytes must not change one.
func TestGolden(t *testing.T) { catalogtest.Goldens(t, Vendor) }
