package flexdeploy

import (
	"fmt"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
)

// Layouts of the time values FlexDeploy prints.
const (
	// timestampLayout is FlexDeploy's timestamp, yyyy-MM-dd HH:mm:ss Z:
	// 2020-12-16 15:12:41 -0500.
	timestampLayout = "2006-01-02 15:04:05 -0700"
	// quirkTimestampLayout is the same timestamp as older FlexDeploy
	// versions print it, with the minutes where the month belongs
	// (yyyy-mm-dd): 2020-23-14 14:23:39 -0500.
	quirkTimestampLayout = "2006-04-02 15:04:05 -0700"
	// dateLayout is a release's startDate and endDate: 2020-09-18.
	dateLayout = "2006-01-02"
	// snapshotNameLayout is the name FlexDeploy gives a snapshot, the time
	// it was taken as MM-dd-yyyy HH:mm:ss: 07-16-2020 15:12:18.
	snapshotNameLayout = "01-02-2006 15:04:05"
)

// timestamp formats t in zone the way FlexDeploy prints timestamps; with
// quirk, it reproduces the minute-in-month bug of the documented samples.
// A nil zone is UTC.
func timestamp(t time.Time, zone *time.Location, quirk bool) string {
	if zone == nil {
		zone = time.UTC
	}
	layout := timestampLayout
	if quirk {
		layout = quirkTimestampLayout
	}
	return t.In(zone).Format(layout)
}

// style says how one FlexDeploy server prints time: the zone of its clock
// and whether it has the minute-in-month bug. Give every event of a run the
// same style.
type style struct {
	// Zone is the server's fixed zone offset, such as -0500.
	Zone *time.Location
	// Quirks prints timestamps with the minutes in the month position.
	Quirks bool
}

// zoneOffsets are the server zones a style is drawn from, in minutes east
// of UTC; US Central (-0500, as in every doc sample) is the most common.
var zoneOffsets = []int{-300, -300, -300, -240, -360, -420, 0, 60, 330}

// newStyle draws the server's zone from src.
func newStyle(src *fake.Source, quirks bool) style {
	return style{Zone: zones()[fake.Pick(src, zoneOffsets)], Quirks: quirks}
}

// zones are the zones of zoneOffsets by offset, made once.
var zones = sync.OnceValue(func() map[int]*time.Location {
	m := make(map[int]*time.Location, len(zoneOffsets))
	for _, o := range zoneOffsets {
		m[o] = zone(o)
	}
	return m
})

// zone returns the fixed zone offsetMinutes east of UTC, named like
// FlexDeploy prints it (-0500).
func zone(offsetMinutes int) *time.Location {
	sign, m := '+', offsetMinutes
	if m < 0 {
		sign, m = '-', -m
	}
	return time.FixedZone(fmt.Sprintf("%c%02d%02d", sign, m/60, m%60), offsetMinutes*60)
}

// Time formats t as a FlexDeploy timestamp in the style's zone.
func (s style) Time(t time.Time) string { return timestamp(t, s.Zone, s.Quirks) }

// timePtr is Time for the fields that may also be null.
func (s style) timePtr(t time.Time) *string { return ptr(s.Time(t)) }

// testTime formats the times of test suite executions: the documented TEST
// sample prints them correctly even where its other timestamps carry the
// minute-in-month bug, so they never take the quirk.
func (s style) testTime(t time.Time) string { return timestamp(t, s.Zone, false) }

// Date formats t as a FlexDeploy date (yyyy-MM-dd) in the style's zone.
func (s style) Date(t time.Time) string { return t.In(s.zone()).Format(dateLayout) }

// DatePtr is Date for the fields that may also be null.
func (s style) DatePtr(t time.Time) *string { return ptr(s.Date(t)) }

// snapshotName is the name FlexDeploy gives a snapshot taken at t.
func (s style) snapshotName(t time.Time) string {
	return t.In(s.zone()).Format(snapshotNameLayout)
}

func (s style) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// audit holds the four audit fields most FlexDeploy payloads start with.
type audit struct {
	CreatedBy string `json:"createdBy"`
	CreatedOn string `json:"createdOn"`
	UpdatedBy string `json:"updatedBy"`
	UpdatedOn string `json:"updatedOn"`
}

// Audit returns the audit fields of an object created by createdBy at
// createdOn and not changed since.
func (s style) Audit(createdBy string, createdOn time.Time) audit {
	t := s.Time(createdOn)
	return audit{CreatedBy: createdBy, CreatedOn: t, UpdatedBy: createdBy, UpdatedOn: t}
}

// Touch returns a with the object last updated by by at at.
func (a audit) Touch(s style, by string, at time.Time) audit {
	a.UpdatedBy, a.UpdatedOn = by, s.Time(at)
	return a
}

func ptr[T any](v T) *T { return &v }
