package catalog_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// TestStartRangeHoldsEveryEvent generates every event with its clock at
// both ends of its vendor's start range, and checks the payloads valid;
// one step outside is refused.
func TestStartRangeHoldsEveryEvent(t *testing.T) {
	reg := emulator.Vendors()
	for _, v := range reg.Vendors() {
		rg := catalog.StartRange(v)
		for _, at := range []time.Time{rg.From, rg.To.Add(-time.Second)} {
			if err := reg.CheckStart(v.ID(), at); err != nil {
				t.Errorf("%s: %v", v.ID(), err)
			}
			for _, e := range v.Events() {
				for seed := uint64(1); seed <= 3; seed++ {
					b, err := reg.Generate(fake.New(seed, at), e, catalog.Options{})
					if err == nil {
						err = reg.SelfCheck(e, b)
					}
					if err != nil {
						t.Errorf("%s at %s, seed %d: %v", e, at.Format(time.RFC3339), seed, err)
					}
				}
			}
		}
		for _, at := range []time.Time{rg.From.Add(-time.Second), rg.To} {
			var se *catalog.StartError
			err := reg.CheckStart(v.ID(), at)
			if !errors.As(err, &se) || se.Vendor != v.ID() || !strings.Contains(err.Error(), "the start must be from "+rg.From.Format(time.RFC3339)) {
				t.Errorf("%s at %s: got %v, want a *StartError naming the range", v.ID(), at.Format(time.RFC3339), err)
			}
		}
	}
	// A start given as the zero instant is a start like any other (callers
	// given none do not ask).
	if err := reg.CheckStart("cutover", time.Time{}); err == nil {
		t.Errorf("0001-01-01T00:00:00Z given as a start was taken")
	}
}
