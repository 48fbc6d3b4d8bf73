package catalog

import (
	"fmt"
	"time"
)

// TimeRange is a span of time, From included, To not.
type TimeRange struct {
	From, To time.Time
}

// Contains reports whether t is in the range.
func (r TimeRange) Contains(t time.Time) bool { return !t.Before(r.From) && t.Before(r.To) }

// Timed is a Vendor whose payloads can say only the times of a range
// (Rocketlane's epoch-millisecond dates). Vendors that are not Timed can
// say DefaultTimes.
type Timed interface {
	Vendor
	// Times is the range the vendor's payload times can be in.
	Times() TimeRange
}

// DefaultTimes is what an RFC 3339 time with a four-digit year can say.
var DefaultTimes = TimeRange{
	From: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	To:   time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
}

// startMargin is kept inside both ends of a vendor's range for a start:
// a payload says times before its clock's start (an entity's creation) and
// a scenario's clock moves on from it.
const startMargin = 1 // year

// StartError is a payload clock's start outside what the vendor's
// payloads can say.
type StartError struct {
	Vendor string
	Start  time.Time
	// Range is where a start may be.
	Range TimeRange
}

// Error names the range.
func (e *StartError) Error() string {
	return fmt.Sprintf("%s is outside what %s payloads can say: the start must be from %s to before %s",
		e.Start.UTC().Format(time.RFC3339), e.Vendor, e.Range.From.Format(time.RFC3339), e.Range.To.Format(time.RFC3339))
}

// StartRange is where the clock of a vendor's payloads may start: the
// vendor's times with a year kept at each end.
func StartRange(v Vendor) TimeRange {
	r := DefaultTimes
	if t, ok := v.(Timed); ok {
		r = t.Times()
	}
	return TimeRange{From: r.From.AddDate(startMargin, 0, 0), To: r.To.AddDate(-startMargin, 0, 0)}
}

// CheckStart returns a *StartError when start, the start of a payload's or
// a scenario's clock that a user gave, is outside the StartRange of vendor
// (an id).
func (r *Registry) CheckStart(vendor string, start time.Time) error {
	v, err := r.Vendor(vendor)
	if err != nil {
		return err
	}
	// The zero instant (0001-01-01T00:00:00Z) is checked too: a caller
	// that was given no start does not call CheckStart.
	if rg := StartRange(v); !rg.Contains(start) {
		return &StartError{Vendor: v.ID(), Start: start, Range: rg}
	}
	return nil
}
