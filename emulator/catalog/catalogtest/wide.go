package catalogtest

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// WideSeeds is how many seeds Wide plays for each event, variant, start
// and quirks setting, and for each run of the ops file.
const WideSeeds = 40

// Wide holds v's generator and scenario world to a golden file of
// digests over many more seeds than Golden: every event and variant (and
// "") for seeds 0 to WideSeeds-1, started at the zero time and at
// fake.DefaultStart, plain and with quirks, and every run of the ops file
// with WideSeeds seeds. Each line names what it covers and the SHA-256 of
// its bytes, so a change of any byte names the case that changed.
func Wide(t *testing.T, v catalog.Vendor, opsFile, golden string) {
	t.Helper()
	Check(t, golden, WideText(t, v, opsFile))
}

// WideText returns what Wide compares with its golden file.
func WideText(t testing.TB, v catalog.Vendor, opsFile string) string {
	t.Helper()
	var b strings.Builder
	for _, e := range v.Events() {
		for _, variant := range append([]string{""}, e.Variants...) {
			for _, start := range []time.Time{{}, fake.DefaultStart} {
				for seed := range uint64(WideSeeds) {
					for _, quirks := range []bool{false, true} {
						body, err := v.Generate(fake.New(seed, start), e, catalog.Options{Variant: variant, Quirks: quirks})
						fmt.Fprintf(&b, "generate %s %q %s %d %v: %x %v\n", e.Name, variant, start.Format(time.RFC3339), seed, quirks, sha256.Sum256(body), err)
					}
				}
			}
		}
	}
	for seed := range uint64(WideSeeds) {
		for i, run := range strings.SplitAfter(playOpsSeeded(t, v, opsFile, 100+seed*31), "\nrun ") {
			fmt.Fprintf(&b, "scenario seed %d run %d: %x\n", seed, i, sha256.Sum256([]byte(run)))
		}
	}
	return b.String()
}
