package rocketlane

import (
	"maps"
	"slices"
	"testing"

	"github.com/standin-dev/standin/emulator/catalog"
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

// TestVendorRegisters: a Registry accepts the vendor (id, event vendors
// and slugs) and its profile and event path are complete.
func TestVendorRegisters(t *testing.T) {
	r, err := catalog.NewRegistry(Vendor)
	if err != nil {
		t.Fatal(err)
	}
	p := r.Profiles()[Vendor.ID()]
	if p.Vendor != Vendor.ID() || !p.Success(200) || p.Success(500) || p.Notes == "" {
		t.Errorf("profile %+v", p)
	}
	for _, e := range Vendor.Events() {
		if _, ok := Vendor.Vocabulary().Events[e.Name]; !ok {
			t.Errorf("%s: not in the vocabulary", e)
		}
	}
	if got := Vendor.EventPath(); !slices.Equal(got, []string{"eventType"}) {
		t.Errorf("event path %v", got)
	}
}
