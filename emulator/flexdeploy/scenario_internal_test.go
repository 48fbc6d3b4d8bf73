package flexdeploy

import (
	"maps"
	"slices"
	"testing"
)

// TestAttributeTablesMatchTheVocabulary: what ${entity.attr} can read at
// run time is what the parser lets a script name.
func TestAttributeTablesMatchTheVocabulary(t *testing.T) {
	tables := map[string][]string{
		"release":     slices.Collect(maps.Keys(releaseAttrs)),
		"environment": slices.Collect(maps.Keys(environmentAttrs)),
		"user":        slices.Collect(maps.Keys(userAttrs)),
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
