package catalog

import "testing"

func TestNearestIgnoresFarNames(t *testing.T) {
	if got := nearest("zzzzzzzz", []string{"task-created", "run-started"}); got != "" {
		t.Errorf("nearest = %q, want none", got)
	}
	if got := distance("kitten", "sitting"); got != 3 {
		t.Errorf("distance = %d", got)
	}
}
