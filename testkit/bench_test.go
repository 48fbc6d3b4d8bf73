package testkit_test

import (
	"context"
	"testing"

	"github.com/standin-dev/standin/testkit"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
)

// BenchmarkStart measures starting standin in the test process: until it
// listens (what Start returns after), and until it has answered a first
// request. Stopping it is left out of the timing.
//
//	go test ./testkit -run '^$' -bench Start -benchtime 200x -count 5
func BenchmarkStart(b *testing.B) {
	for _, firstRequest := range []bool{false, true} {
		name := "listening"
		if firstRequest {
			name = "first-request"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for range b.N {
				s, err := testkit.NewServer()
				if err != nil {
					b.Fatal(err)
				}
				if firstRequest {
					if _, err := s.Health(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkStartContainer measures StartContainer: creating and starting
// the image's container (on the host's network) until its health endpoint
// answers. Removing it is left out of the timing. It needs Docker and
// builds the image first (see testImage).
//
//	go test ./testkit -run '^$' -bench StartContainer -benchtime 10x
func BenchmarkStartContainer(b *testing.B) {
	img := testImage(b)
	ctx := context.Background()
	for range b.N {
		c, err := testkit.Run(ctx, img, testkit.WithHostNetwork(), testcontainers.WithLogger(tclog.NewNoopLogger()))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := testcontainers.TerminateContainer(c); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
