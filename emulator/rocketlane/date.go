package rocketlane

import (
	"sync"
	"time"
)

// date is a Rocketlane calendar date, YYYY-MM-DD (startDate, dueDate).
type date string

// dateLayout is the layout of a date.
const dateLayout = "2006-01-02"

// The years whose dates come from a table, without parsing or formatting:
// those around fake.DefaultStart that generated events use. Dates outside
// them are parsed and formatted by package time.
const (
	firstTableYear = 2020
	lastTableYear  = 2035
)

// unixDay is the number of days from 1970-01-01 to a date.
type unixDay int64

// dateTable holds the text of every date of the table years, ten bytes a
// date in one string, and the unixDay of its first date.
type dateTable struct {
	text  string
	first unixDay
}

// dates is the date table, built on first use.
var dates = sync.OnceValue(func() dateTable {
	start := time.Date(firstTableYear, time.January, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(lastTableYear+1, time.January, 1, 0, 0, 0, 0, time.UTC)
	b := make([]byte, 0, int(end.Sub(start)/day)*len(dateLayout))
	for t := start; t.Before(end); t = t.AddDate(0, 0, 1) {
		b = t.AppendFormat(b, dateLayout)
	}
	return dateTable{text: string(b), first: unixDay(start.Unix() / 86400)}
})

// at returns the date of day u, and whether the table holds it.
func (dt dateTable) at(u unixDay) (date, bool) {
	i := int64(u-dt.first) * int64(len(dateLayout))
	if i < 0 || i >= int64(len(dt.text)) {
		return "", false
	}
	return date(dt.text[i : i+int64(len(dateLayout))]), true
}

// dayOfTime returns the UTC day of t.
func dayOfTime(t time.Time) unixDay {
	s := t.Unix()
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return unixDay(d)
}

// dateOf returns the UTC calendar date of t.
func dateOf(t time.Time) date {
	if d, ok := dates().at(dayOfTime(t)); ok {
		return d
	}
	return date(t.UTC().Format(dateLayout))
}

// day returns the unixDay of d when d is a well-formed date of the
// table years (the others are left to time.Parse).
func (d date) day() (unixDay, bool) {
	if len(d) != len(dateLayout) || d[4] != '-' || d[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(d[0:4])
	m, ok2 := digits(d[5:7])
	dd, ok3 := digits(d[8:10])
	if !ok1 || !ok2 || !ok3 || y < firstTableYear || y > lastTableYear || m < 1 || m > 12 || dd < 1 || dd > daysIn(time.Month(m), y) {
		return 0, false
	}
	return unixDay(time.Date(y, time.Month(m), dd, 0, 0, 0, 0, time.UTC).Unix() / 86400), true
}

// digits returns the number s spells in decimal digits, and whether it is
// one.
func digits(s date) (int, bool) {
	n := 0
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn returns the number of days of month m of year y.
func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Time parses d as midnight UTC.
func (d date) Time() (time.Time, error) {
	if u, ok := d.day(); ok {
		return time.Unix(int64(u)*86400, 0).UTC(), nil
	}
	return time.Parse(dateLayout, string(d))
}

// AddDays returns the date n days after d (before, for negative n). An
// unparsable d is returned unchanged.
func (d date) AddDays(n int) date {
	if u, ok := d.day(); ok {
		if out, ok := dates().at(u + unixDay(n)); ok {
			return out
		}
	}
	t, err := d.Time()
	if err != nil {
		return d
	}
	return dateOf(t.AddDate(0, 0, n))
}

// daysBetween returns the number of days from a to b, or 0 when either
// is unparsable.
func daysBetween(a, b date) int {
	ua, oka := a.day()
	ub, okb := b.day()
	if oka && okb {
		return int(ub - ua)
	}
	ta, err1 := a.Time()
	tb, err2 := b.Time()
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta) / day)
}
