//go:build !unix

package server_test

import "time"

// processCPU is 0 where getrusage is missing: BenchmarkEmitToDelivered
// then reports no CPU per event.
func processCPU() time.Duration { return 0 }
