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

// TestSeedZeroIsRepeatable: gofakeit.New(0) seeds itself from crypto/rand;
// New must not, or seed 0 would give a different payload every run.
func TestSeedZeroIsRepeatable(t *testing.T) {
	a, b := New(0, time.Time{}), New(0, time.Time{})
	if !a.Now().Equal(b.Now()) || a.UUID() != b.UUID() || a.Person("").Email != b.Person("").Email {
		t.Fatal("two sources with seed 0 differ")
	}
	if New(0, time.Time{}).UUID() == New(1, time.Time{}).UUID() {
		t.Error("seeds 0 and 1 give the same values")
	}
}

// TestPersonDrawsLikeGofakeit holds Person's quick name draws to gofakeit's
// FirstName and LastName, and its fields to their definitions, so that the
// same seed keeps giving the same people.
func TestPersonDrawsLikeGofakeit(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		got, ref := New(seed, time.Time{}), New(seed, time.Time{})
		for _, domain := range []string{"contoso.com", ""} {
			p := got.Person(domain)
			if domain == "" {
				domain = ref.Domain()
			}
			first, last := ref.FirstName(), ref.LastName()
			want := Person{
				First:    first,
				Last:     last,
				Email:    emailLocalRunes(first) + "." + emailLocalRunes(last) + "@" + domain,
				UserName: emailLocalRunes(first[:1] + last),
			}
			if p != want {
				t.Fatalf("seed %d: Person = %+v, want %+v", seed, p, want)
			}
		}
		if got.UUID() != ref.UUID() {
			t.Fatalf("seed %d: Person drew a different number of values", seed)
		}
	}
}

var localCases = []string{
	"", "Jane", "O'Neil", "Mary-Kate", "Anne  Marie", "-Lead-", "A & B", "Procter&Gamble", "x--y", "  ", "&", "Zoë", "José", "Łukasz",
	"\u212aelvin", "İstanbul", "ÅSA", "\xff\xfeab", "a\xffb", "Wide World Importers", "Margie's Travel", "R2-D2 ", "1st-Choice",
}

func TestEmailLocalMatchesRunes(t *testing.T) {
	for _, s := range localCases {
		checkEmailLocal(t, s)
	}
}

// FuzzEmailLocal holds emailLocal's ASCII path to the Unicode-aware one.
func FuzzEmailLocal(f *testing.F) {
	for _, s := range localCases {
		f.Add(s, "Smith")
	}
	f.Fuzz(func(t *testing.T, s, u string) {
		checkEmailLocal(t, s)
		if s != "" {
			if got, want := string(appendUserName([]byte("x"), s, u)), "x"+emailLocalRunes(s[:1]+u); got != want {
				t.Fatalf("appendUserName(%q, %q) = %q, want %q", s, u, got, want)
			}
		}
	})
}

func checkEmailLocal(t *testing.T, s string) {
	t.Helper()
	want := emailLocalRunes(s)
	if got := emailLocal(s); got != want {
		t.Fatalf("emailLocal(%q) = %q, want %q", s, got, want)
	}
	if got := string(appendLocal([]byte("x."), s)); got != "x."+want {
		t.Fatalf("appendLocal(%q) = %q, want %q", s, got, "x."+want)
	}
}
