package schemas

import (
	"io/fs"
	"testing"
)

func compiledCount(s *Set) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.compiled)
}

// TestListingCompilesNothing: Events, Slugs and Raw read files only; a
// schema is compiled when it is first used, and only it.
func TestListingCompilesNothing(t *testing.T) {
	sub, err := fs.Sub(files, "cutover")
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet("cutover", sub)
	if len(s.Slugs()) == 0 {
		t.Fatal("no cutover slugs")
	}
	if _, err := s.Raw("task-created"); err != nil {
		t.Fatal(err)
	}
	if n := compiledCount(s); n != 0 || s.c != nil {
		t.Fatalf("Slugs and Raw compiled %d schemas", n)
	}
	if err := s.Validate("task-created", []byte(`{}`)); err == nil {
		t.Fatal("{} is a valid task.created")
	}
	if n := compiledCount(s); n != 1 {
		t.Errorf("one Validate compiled %d schemas, want 1", n)
	}

	vendors := []string{"cutover", "rocketlane", "flexdeploy"}
	before := map[string]int{}
	for _, v := range vendors {
		before[v] = compiledCount(Vendor(v))
	}
	if _, err := Events(); err != nil {
		t.Fatal(err)
	}
	if _, err := Raw("flexdeploy", "release-started"); err != nil {
		t.Fatal(err)
	}
	for _, v := range vendors {
		if n := compiledCount(Vendor(v)); n != before[v] {
			t.Errorf("Events and Raw compiled %d %s schemas", n-before[v], v)
		}
	}
}
