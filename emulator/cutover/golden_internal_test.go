package cutover

import (
	"testing"

	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
)

// TestGolden holds the generator and the scenario world to what they gave
// when the golden files were made: a change that should keep the bytes
// must not change one.
func TestGolden(t *testing.T) { catalogtest.Goldens(t, Vendor) }
