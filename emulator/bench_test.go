package emulator_test

import (
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/rocketlane"
	"github.com/standin-dev/standin/schemas"
)

// BenchmarkGenerateAndValidate measures one payload generated from a fresh
// seed and validated against its schema (what every emitted event costs),
// cycling through each vendor's events.
func BenchmarkGenerateAndValidate(b *testing.B) {
	compileSchemas(b)
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

// compileSchemas compiles the schemas (once per process) before the timed
// loops, so that the first benchmark does not carry it.
func compileSchemas(b *testing.B) {
	b.Helper()
	if _, err := schemas.Events(); err != nil {
		b.Fatal(err)
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

// BenchmarkGenerate measures generation alone, per vendor: the vendor's
// generator without the schema check Generate adds.
func BenchmarkGenerate(b *testing.B) {
	compileSchemas(b)
	gens := map[string]func(*fake.Source, catalog.Event, payload.Options) ([]byte, error){
		catalog.Cutover:    cutover.Generate,
		catalog.Rocketlane: rocketlane.Generate,
		catalog.FlexDeploy: flexdeploy.Generate,
	}
	for _, v := range catalog.Vendors() {
		evs, err := catalog.ForVendor(v)
		if err != nil {
			b.Fatal(err)
		}
		gen := gens[v]
		b.Run(v, func(b *testing.B) {
			b.ReportAllocs()
			var n uint64 = 1
			for b.Loop() {
				e := evs[n%uint64(len(evs))]
				if _, err := gen(fake.New(n, fake.DefaultStart), e, payload.Options{}); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
	}
}
