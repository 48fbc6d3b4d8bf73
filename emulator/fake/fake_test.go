package fake

import (
	"strings"
	"testing"
	"time"
)

func TestSameSeedSameValues(t *testing.T) {
	a, b := New(7, time.Time{}), New(7, time.Time{})
	if !a.Now().Equal(b.Now()) || a.Person("").Email != b.Person("").Email || a.UUID() != b.UUID() {
		t.Fatal("two sources with one seed differ")
	}
	if New(7, time.Time{}).Now().Equal(New(8, time.Time{}).Now()) {
		t.Error("seeds 7 and 8 start at the same time")
	}
}

func TestClockNeverGoesBack(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(1, start)
	if !s.Now().Equal(start) {
		t.Fatalf("start %v, want %v", s.Now(), start)
	}
	s.Advance(-time.Hour)
	if !s.Now().Equal(start) {
		t.Fatal("Advance went backwards")
	}
	prev := s.Now()
	for range 100 {
		now := s.Tick(0, time.Second)
		if now.Before(prev) {
			t.Fatalf("Tick went back from %v to %v", prev, now)
		}
		prev = now
	}
	if d := s.Duration(time.Second, time.Second); d != time.Second {
		t.Errorf("Duration(1s,1s) = %v", d)
	}
}

func TestPerson(t *testing.T) {
	p := New(3, time.Time{}).Person("contoso.com")
	if !strings.HasSuffix(p.Email, "@contoso.com") || p.First == "" || p.Last == "" || strings.ContainsAny(p.Email, " '") {
		t.Fatalf("person %+v", p)
	}
}

func TestPickN(t *testing.T) {
	s := New(1, time.Time{})
	got := PickN(s, []int{1, 2, 3, 4, 5}, 3)
	seen := map[int]bool{}
	for _, x := range got {
		if seen[x] {
			t.Fatalf("PickN repeated %d: %v", x, got)
		}
		seen[x] = true
	}
	if len(got) != 3 || len(PickN(s, []int{1}, 5)) != 1 {
		t.Fatalf("PickN sizes wrong: %v", got)
	}
}
