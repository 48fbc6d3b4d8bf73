package rocketlane

import (
	"maps"
	"slices"
	"testing"
)

// TestAttributeTablesMatchTheVocabulary: what ${entity.attr} can read at
// run time is what the parser lets a script name.
func TestAttributeTablesMatchTheVocabulary(t *testing.T) {
	tables := map[string][]string{
		"user":    slices.Collect(maps.Keys(userAttrs)),
		"project": slices.Collect(maps.Keys(projectAttrs)),
		"phase":   slices.Collect(maps.Keys(phaseAttrs)),
		"task":    slices.Collect(maps.Keys(taskAttrs)),
	}
	for _, k := range Vendor.Vocabulary().Kinds {
		got, ok := tables[k.Name]
		if !ok {
			t.Errorf("%s: the world has no attribute table", k.Name)
			continue
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(k.Readable))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the world reads %v, the vocabulary says %v", k.Name, got, want)
		}
	}
}
