package flexdeploy

import (
	"testing"
	"time"
)

// TestZoneMatchesFixedZone holds Zone's shared zones to a fresh
// time.FixedZone of the same name and offset.
func TestZoneMatchesFixedZone(t *testing.T) {
	at := time.Date(2020, 12, 16, 20, 12, 41, 0, time.UTC)
	for _, off := range []int{-maxZoneOffset - 1, -maxZoneOffset, -720, -300, -1, 0, 1, 330, 345, 840, maxZoneOffset, maxZoneOffset + 60} {
		for range 2 { // the second call reads the cache
			z, want := Zone(off), newZone(off)
			if z.String() != want.String() || at.In(z).Format(TimestampLayout) != at.In(want).Format(TimestampLayout) {
				t.Fatalf("Zone(%d) = %s (%s), want %s (%s)", off, z, at.In(z).Format(TimestampLayout), want, at.In(want).Format(TimestampLayout))
			}
		}
	}
	if Zone(-300) != Zone(-300) {
		t.Error("Zone(-300) is not shared")
	}
}
