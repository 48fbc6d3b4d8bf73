// Package fake is the seeded source of every generated value: one
// gofakeit.Faker and one virtual clock per run, so the same seed gives the
// same payload bytes, and no payload ever reads the wall clock.
package fake

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/brianvoe/gofakeit/v7/data"
)

// DefaultStart is the virtual time a run starts from when the caller gives
// none; New moves it forward by a seeded offset of up to 60 days.
var DefaultStart = time.Date(2026, time.March, 2, 8, 0, 0, 0, time.UTC)

// Source hands out seeded fake data and virtual time. It is not safe for
// concurrent use: give every run its own Source.
type Source struct {
	*gofakeit.Faker
	now time.Time
}

// New returns a Source seeded with seed whose clock starts at start, or, when
// start is zero, at DefaultStart plus a seeded offset (so different seeds
// also give different times).
func New(seed uint64, start time.Time) *Source {
	// One allocation holds the Source, its Faker and the Faker's PCG.
	a := &struct {
		s   Source
		f   gofakeit.Faker
		pcg rand.PCG
	}{}
	// What gofakeit.New does with a seed other than 0; gofakeit.New(0)
	// draws a random seed from crypto/rand, which would make a run with
	// seed 0 impossible to repeat, so 0 is seeded like any other.
	a.pcg.Seed(seed, seed)
	a.f.Rand, a.f.Locked = &a.pcg, true
	s := &a.s
	s.Faker = &a.f
	if start.IsZero() {
		off := time.Duration(s.IntN(60*24*60)) * time.Minute
		off += time.Duration(s.IntN(60_000)) * time.Millisecond
		start = DefaultStart.Add(off)
	}
	s.now = start.UTC()
	return s
}

// Now returns the virtual time.
func (s *Source) Now() time.Time { return s.now }

// Advance moves the virtual clock forward by d (never backward) and returns
// the new time.
func (s *Source) Advance(d time.Duration) time.Time {
	if d > 0 {
		s.now = s.now.Add(d)
	}
	return s.now
}

// Tick advances the clock by a random duration in [lo, hi] with millisecond
// precision, and returns the new time: the gap between two things a person
// or a system does.
func (s *Source) Tick(lo, hi time.Duration) time.Time {
	return s.Advance(s.Duration(lo, hi))
}

// Duration returns a random duration in [lo, hi] with millisecond precision.
func (s *Source) Duration(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	ms := int((hi - lo) / time.Millisecond)
	return lo + time.Duration(s.IntN(ms+1))*time.Millisecond
}

// Before returns a random time in [t-hi, t-lo], with millisecond precision:
// when something that already existed was made.
func (s *Source) Before(t time.Time, lo, hi time.Duration) time.Time {
	return t.Add(-s.Duration(lo, hi))
}

// ID returns a random integer in [lo, hi], for vendors' numeric ids.
func (s *Source) ID(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + s.IntN(hi-lo+1)
}

// Person is a user of a vendor's product.
type Person struct {
	First, Last string
	// Email is first.last at the company domain, lower case.
	Email string
	// UserName is a login name such as jsmith.
	UserName string
}

// Person returns a person working at the company whose mail domain is
// domain (a seeded one when domain is "").
func (s *Source) Person(domain string) Person {
	if domain == "" {
		domain = s.Domain()
	}
	first, last := s.firstName(), s.lastName()
	// The e-mail address and the user name are built in one buffer and
	// share one string.
	var buf [128]byte
	b := appendLocal(buf[:0], first)
	b = append(b, '.')
	b = appendLocal(b, last)
	b = append(b, '@')
	b = append(b, domain...)
	at := len(b)
	b = appendUserName(b, first, last)
	both := string(b)
	return Person{
		First:    first,
		Last:     last,
		Email:    both[:at],
		UserName: both[at:],
	}
}

// firstName and lastName draw a name the way gofakeit's FirstName and
// LastName do (one IntN over the same list, so the same seed gives the same
// names), from the lists read once instead of through their six map
// lookups.
func (s *Source) firstName() string {
	if list := personNames().first; len(list) > 0 {
		return list[s.IntN(len(list))]
	}
	return s.FirstName()
}

func (s *Source) lastName() string {
	if list := personNames().last; len(list) > 0 {
		return list[s.IntN(len(list))]
	}
	return s.LastName()
}

// personNames are gofakeit's first and last names, read on first use.
var personNames = sync.OnceValue(func() struct{ first, last []string } {
	p := data.Data["person"]
	return struct{ first, last []string }{p["first"], p["last"]}
})

// appendUserName appends emailLocal(first[:1] + last) to b, without
// building the argument when both are ASCII.
func appendUserName(b []byte, first, last string) []byte {
	if !isASCII(first[:1]) || !isASCII(last) {
		return append(b, emailLocal(first[:1]+last)...)
	}
	return appendLocalASCII(b, first[:1], last)
}

// Domain returns a company mail domain such as northwind-logistics.com.
func (s *Source) Domain() string { return Pick(s, companyDomains) }

// companyDomains are the mail domains of companies, in the same order.
var companyDomains = func() []string {
	out := make([]string, len(companies))
	for i, c := range companies {
		out[i] = emailLocal(c) + ".com"
	}
	return out
}()

// Company returns a plausible customer company name.
func (s *Source) Company() string { return Pick(s, companies) }

func emailLocal(s string) string {
	if isASCII(s) {
		var buf [64]byte
		return string(appendLocalASCII(buf[:0], s))
	}
	return emailLocalRunes(s)
}

// appendLocal appends emailLocal(s) to b.
func appendLocal(b []byte, s string) []byte {
	if isASCII(s) {
		return appendLocalASCII(b, s)
	}
	return append(b, emailLocalRunes(s)...)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// appendLocalASCII appends emailLocal of the concatenated ASCII parts to b,
// byte by byte: what emailLocalRunes gives for ASCII input.
func appendLocalASCII(b []byte, parts ...string) []byte {
	start := len(b)
	for _, s := range parts {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b = append(b, c)
			case c == ' ' || c == '-' || c == '&':
				if len(b) > start && b[len(b)-1] != '-' {
					b = append(b, '-')
				}
			}
		}
	}
	// A hyphen is never first; drop a last one.
	if len(b) > start && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return b
}

// emailLocalRunes lower-cases s (Unicode-aware), keeps ASCII letters and
// digits, turns runs of spaces, hyphens and ampersands into one hyphen, and
// trims hyphens from both ends.
func emailLocalRunes(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '&':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}

// Pick returns one element of xs chosen by s. xs must not be empty.
func Pick[T any](s *Source, xs []T) T {
	return xs[s.IntN(len(xs))]
}

// Chance reports true with probability p.
func (s *Source) Chance(p float64) bool { return s.Float64() < p }

// Version returns a release version such as 2.14.3.
func (s *Source) Version() string {
	return fmt.Sprintf("%d.%d.%d", s.IntN(5)+1, s.IntN(30), s.IntN(20))
}

// companies are customer and employer names used across vendors.
var companies = []string{
	"Northwind Logistics", "Contoso Bank", "Fabrikam Insurance", "Globex Retail",
	"Initech Payments", "Umbrella Health", "Stark Manufacturing", "Wayne Energy",
	"Acme Telecom", "Tailspin Airlines", "Woodgrove Capital", "Litware Software",
	"Adventure Works", "Blue Yonder Travel", "Proseware Media", "Lucerne Publishing",
	"Wide World Importers", "Coho Vineyard", "Alpine Ski House", "Margie's Travel",
}

// PickN returns n distinct elements of xs (all of them, shuffled, when n >=
// len(xs)), chosen by s.
func PickN[T any](s *Source, xs []T, n int) []T {
	c := append([]T(nil), xs...)
	n = min(n, len(c))
	for i := range n {
		j := i + s.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:n]
}
