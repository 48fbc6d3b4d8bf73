package emulator_test

import (
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// BenchmarkGenerate measures generation alone, per vendor, cycling through
// the vendor's events: what an emitted event without an override costs.
func BenchmarkGenerate(b *testing.B) {
	for _, v := range emulator.Vendors().Vendors() {
		evs := v.Events()
		b.Run(v.ID(), func(b *testing.B) {
			b.ReportAllocs()
			var n uint64 = 1
			for b.Loop() {
				e := evs[n%uint64(len(evs))]
				if _, err := v.Generate(fake.New(n, fake.DefaultStart), e, catalog.Options{}); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}

// BenchmarkValidate measures schema validation alone, per vendor: what a
// payload shaped by an override, or any payload under --self-check, adds.
func BenchmarkValidate(b *testing.B) {
	reg := emulator.Vendors()
	for _, v := range reg.Vendors() {
		evs := v.Events()
		bodies := make([][]byte, len(evs))
		for i, e := range evs {
			var err error
			if bodies[i], err = v.Generate(fake.New(uint64(i), fake.DefaultStart), e, catalog.Options{}); err != nil {
				b.Fatal(err)
			}
			if err := reg.Validate(e, bodies[i]); err != nil { // compiles the schema before timing
				b.Fatal(err)
			}
		}
		b.Run(v.ID(), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := reg.Validate(evs[i%len(evs)], bodies[i%len(evs)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
