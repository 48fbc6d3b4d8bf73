// Package emulator lists the vendors standin emulates. It is the one place
// that names them: the catalog, samples, validation, delivery, scenarios,
// runs, the server and the testkit iterate its Vendors. The engine and the
// server live in sub-packages, each vendor in its own.
package emulator

import (
	"sync"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/emulator/rocketlane"
)

// Vendors returns the registry of every vendor standin emulates, in the
// order the catalog lists them. To add a vendor, add its package's Vendor
// here.
func Vendors() *catalog.Registry { return registry() }

var registry = sync.OnceValue(func() *catalog.Registry {
	r, err := catalog.NewRegistry(cutover.Vendor, rocketlane.Vendor, flexdeploy.Vendor)
	if err != nil {
		panic(err) // the vendors' own packages are wrong; their tests say how
	}
	return r
})
