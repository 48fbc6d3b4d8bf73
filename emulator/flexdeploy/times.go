package flexdeploy

import (
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
)

// Times is the span FlexDeploy's payload times can say: from the epoch,
// since FlexDeploy 9.0's release dates are epoch milliseconds and the
// schemas refuse negative ones, to the end of four-digit years, which its
// "2020-12-16 15:12:41 -0500" timestamps write.
func (vendor) Times() catalog.TimeRange {
	return catalog.TimeRange{
		From: time.Unix(0, 0).UTC(),
		To:   time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}
