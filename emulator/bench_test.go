package emulator_test

import (
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/schemas"
)

// BenchmarkGenerateAndValidate measures one payload generated from a fresh
// seed and validated against its schema (what every emitted event costs),
// cycling through each vendor's events.
func BenchmarkGenerateAndValidate(b *testing.B) {
	for _, v := range catalog.Vendors() {
		evs, err := catalog.ForVendor(v)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			var n uint64
			for b.Loop() {
				e := evs[n%uint64(len(evs))]
				if _, err := emulator.Generate(fake.New(n, fake.DefaultStart), e, payload.Options{}); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}

// BenchmarkValidate measures schema validation alone, per vendor.
func BenchmarkValidate(b *testing.B) {
	for _, v := range catalog.Vendors() {
		evs, _ := catalog.ForVendor(v)
		bodies := make([][]byte, len(evs))
		for i, e := range evs {
			var err error
			if bodies[i], err = emulator.Generate(fake.New(uint64(i), fake.DefaultStart), e, payload.Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e := evs[i%len(evs)]
				if err := schemas.Validate(e.Vendor, e.Slug, bodies[i%len(evs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
