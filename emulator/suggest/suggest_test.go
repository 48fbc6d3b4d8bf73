package suggest

import "testing"

func TestNearest(t *testing.T) {
	opts := []string{"task-created", "task-updated", "run-started", "url", "events"}
	tests := []struct{ in, want string }{
		{"task-crated", "task-created"},
		{"TASK-UPDATED", "task-updated"},
		{"run-st", "run-started"}, // a name started
		{"urll", "url"},
		{"evnets", "events"},
		{"zzzzzzzz", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := Nearest(tc.in, opts); got != tc.want {
			t.Errorf("Nearest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance(kitten, sitting) = %d, want 3", d)
	}
}
