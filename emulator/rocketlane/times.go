package rocketlane

import (
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
)

// Times is the span of Rocketlane's epoch-millisecond dates that its
// schemas accept (schemas/rocketlane/common.schema.json: 2000 to 2100).
func (vendor) Times() catalog.TimeRange {
	return catalog.TimeRange{
		From: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		To:   time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}
