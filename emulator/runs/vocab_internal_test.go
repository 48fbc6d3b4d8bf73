package runs

import (
	"maps"
	"slices"
	"testing"

	"github.com/standin-dev/standin/scenarios"
)

// TestAttributeTablesMatchTheVocabulary: what ${entity.attr} can read at
// run time is what the parser lets a script name.
func TestAttributeTablesMatchTheVocabulary(t *testing.T) {
	tables := map[string]map[string][]string{
		"cutover": {
			"runbook": slices.Collect(maps.Keys(cutoverRunbookAttrs)),
			"task":    slices.Collect(maps.Keys(cutoverTaskAttrs)),
			"user":    slices.Collect(maps.Keys(cutoverUserAttrs)),
		},
		"rocketlane": {
			"user":    slices.Collect(maps.Keys(rlUserAttrs)),
			"project": slices.Collect(maps.Keys(rlProjectAttrs)),
			"phase":   slices.Collect(maps.Keys(rlPhaseAttrs)),
			"task":    slices.Collect(maps.Keys(rlTaskAttrs)),
		},
		"flexdeploy": {
			"release":     slices.Collect(maps.Keys(fdReleaseAttrs)),
			"environment": slices.Collect(maps.Keys(fdEnvironmentAttrs)),
			"user":        slices.Collect(maps.Keys(fdUserAttrs)),
		},
	}
	for vendor, v := range scenarios.Vocabularies() {
		for _, k := range v.Kinds {
			got := tables[vendor][k.Name]
			slices.Sort(got)
			want := slices.Sorted(slices.Values(k.Readable))
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: the world reads %v, the vocabulary says %v", vendor, k.Name, got, want)
			}
		}
	}
}
