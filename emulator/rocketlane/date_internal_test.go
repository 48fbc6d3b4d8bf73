package rocketlane

import (
	"fmt"
	"testing"
	"time"
)

// TestDateMatchesPackageTime: the table of dates gives what parsing and
// formatting with package time give, inside the table years, at their
// edges and outside them, for well-formed and malformed dates.
func TestDateMatchesPackageTime(t *testing.T) {
	tests := []struct {
		d    date
		days []int
	}{
		{"2026-03-02", []int{0, 1, -1, 28, -62, 365, 366}},
		{"2024-02-28", []int{1, 2, 365}},
		{"2020-01-01", []int{-1, 0, 1}},
		{"2035-12-31", []int{-1, 0, 1}},
		{"2019-12-31", []int{0, 1, 2}},
		{"2036-01-01", []int{-2, -1, 0}},
		{"1999-06-15", []int{10}},
		{"2026-02-29", []int{1}},
		{"2026-13-01", []int{1}},
		{"2026-00-10", []int{1}},
		{"2026-1-01", []int{1}},
		{"2026/01/01", []int{1}},
		{"", []int{1}},
		{"soon", []int{1}},
	}
	for _, tt := range tests {
		t.Run(string(tt.d), func(t *testing.T) {
			want, werr := time.Parse(dateLayout, string(tt.d))
			got, gerr := tt.d.Time()
			if (werr == nil) != (gerr == nil) || !got.Equal(want) || got.Location() != want.Location() {
				t.Errorf("Time() = %v %v, want %v %v", got, gerr, want, werr)
			}
			for _, n := range tt.days {
				w := tt.d
				if werr == nil {
					w = date(want.AddDate(0, 0, n).Format(dateLayout))
				}
				if g := tt.d.AddDays(n); g != w {
					t.Errorf("AddDays(%d) = %q, want %q", n, g, w)
				}
				if werr == nil {
					if g := daysBetween(tt.d, w); g != n {
						t.Errorf("daysBetween(%q, %q) = %d, want %d", tt.d, w, g, n)
					}
				}
			}
		})
	}
}

// TestDateOfMatchesFormat: dateOf is the UTC date of any time, in any zone.
func TestDateOfMatchesFormat(t *testing.T) {
	zone := time.FixedZone("", -7*3600)
	for _, tm := range []time.Time{
		time.Date(2026, 3, 2, 23, 59, 59, 999, time.UTC),
		time.Date(2026, 3, 2, 20, 0, 0, 0, zone),
		time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2019, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1969, 12, 31, 12, 0, 0, 0, time.UTC),
		{},
	} {
		if got, want := dateOf(tm), date(tm.UTC().Format(dateLayout)); got != want {
			t.Errorf("dateOf(%v) = %q, want %q", tm, got, want)
		}
	}
}

// TestZeroPaddedMatchesSprintf: zeroPadded is fmt's %0*d after the prefix.
func TestZeroPaddedMatchesSprintf(t *testing.T) {
	for _, tt := range []struct{ n, width int }{
		{0, 6}, {7, 6}, {99999, 6}, {100000, 6}, {999999, 6}, {1234567, 6}, {-42, 6}, {5, 0},
	} {
		if got, want := zeroPadded("SF-", tt.n, tt.width), fmt.Sprintf("SF-%0*d", tt.width, tt.n); got != want {
			t.Errorf("zeroPadded(%d, %d) = %q, want %q", tt.n, tt.width, got, want)
		}
	}
}

// TestDomainOf: the ASCII path and the rune path (lower-casing rune by
// rune) give the same domains.
func TestDomainOf(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"Margie's Travel", "margies-travel.com"},
		{"Blue Yonder Travel", "blue-yonder-travel.com"},
		{"  A&B  Co. 2 ", "a-b-co-2.com"},
		{"Ünïcode Straße", "n-code-stra-e.com"},
		{"ÀB", "b.com"},
		{"", ".com"},
	} {
		if got := domainOf(tt.name); got != tt.want {
			t.Errorf("domainOf(%q) = %q, want %q", tt.name, got, tt.want)
		}
		if got := domainOfRunes(tt.name); got != tt.want {
			t.Errorf("domainOfRunes(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
