package emulator_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// seeds is how many seeds the property test tries per event and variant.
func seeds() int {
	if testing.Short() {
		return 50
	}
	return 1000
}

// variants returns "" (seed's choice) and each documented variant of e.
func variants(e catalog.Event) []string { return append([]string{""}, e.Variants...) }

// TestEveryPayloadValidates is the property test: for every event, variant
// and quirk setting, payloads from many seeds all pass their schema.
func TestEveryPayloadValidates(t *testing.T) {
	for _, e := range emulator.Vendors().Events() {
		for _, v := range variants(e) {
			for _, quirks := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s/%s/%s/quirks=%v", e.Vendor, e.Slug, v, quirks), func(t *testing.T) {
					t.Parallel()
					opts := catalog.Options{Variant: v, Quirks: quirks}
					for seed := range uint64(seeds()) {
						b, err := emulator.Vendors().Generate(fake.New(seed, time.Time{}), e, opts)
						if err != nil {
							t.Fatalf("seed %d: %v", seed, err)
						}
						if quirks {
							// Where quirks change nothing (most events), the
							// bytes are the quirks=false subtest's, checked there.
							plain, err := emulator.Vendors().Generate(fake.New(seed, time.Time{}), e, catalog.Options{Variant: v})
							if err == nil && bytes.Equal(plain, b) {
								continue
							}
						}
						// Generate does not validate: payloads standin builds
						// are correct by construction, and this proves it.
						if err := emulator.Vendors().Validate(e, b); err != nil {
							t.Fatalf("seed %d: %v\n%s", seed, err, b)
						}
					}
				})
			}
		}
	}
}

func TestSameSeedSameBytesOtherSeedOtherBytes(t *testing.T) {
	for _, e := range emulator.Vendors().Events() {
		t.Run(e.Vendor+"/"+e.Slug, func(t *testing.T) {
			a, _, err := emulator.Vendors().Sample(e.Vendor, e.Name, 42, time.Time{}, catalog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := emulator.Vendors().Sample(e.Vendor, e.Slug, 42, time.Time{}, catalog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("seed 42 gave two different payloads:\n%s\n%s", a, b)
			}
			c, _, err := emulator.Vendors().Sample(e.Vendor, e.Name, 43, time.Time{}, catalog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a, c) {
				t.Errorf("seeds 42 and 43 gave the same payload:\n%s", a)
			}
		})
	}
}

// TestPayloadsCoverTheirDocSample checks generated payloads have the doc
// sample's shape: every field of the sample, with the same JSON types.
func TestPayloadsCoverTheirDocSample(t *testing.T) {
	files, err := filepath.Glob("../schemas/testdata/samples/*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no doc samples found (%v)", err)
	}
	for _, f := range files {
		vendor := filepath.Base(filepath.Dir(f))
		slug, variant, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".json"), ".")
		t.Run(vendor+"/"+filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := payload.ShapeOf(raw)
			if err != nil {
				t.Fatal(err)
			}
			for seed := range uint64(20) {
				b, _, err := emulator.Vendors().Sample(vendor, slug, seed, time.Time{}, catalog.Options{Variant: variant})
				if err != nil {
					t.Fatal(err)
				}
				got, err := payload.ShapeOf(b)
				if err != nil {
					t.Fatal(err)
				}
				if p := payload.Covers(want, got); len(p) > 0 {
					t.Fatalf("seed %d: generated payload differs from the doc sample:\n  %s\n%s", seed, strings.Join(p, "\n  "), b)
				}
			}
		})
	}
}

func TestEventOf(t *testing.T) {
	tests := []struct {
		vendor, doc, want, wantErr string
	}{
		{"cutover", `{"attributes":{"type":"task.created"}}`, "task.created", ""},
		{"rocketlane", `{"eventType":"PHASE_UPDATED"}`, "PHASE_UPDATED", ""},
		{"FlexDeploy", `{"eventType":"Release Started"}`, "Release Started", ""},
		{"flexdeploy", `{"eventType":"Release Begun"}`, "", `unknown flexdeploy event "Release Begun"`},
		{"cutover", `{"eventType":"task.created"}`, "", "/attributes/type"},
		{"cutover", `[1]`, "", "/attributes/type"},
		{"cutover", `{`, "", "invalid JSON at line 1, column 2"},
		{"jira", `{}`, "", `unknown vendor "jira"`},
	}
	for _, tt := range tests {
		t.Run(tt.vendor+tt.doc, func(t *testing.T) {
			e, err := emulator.Vendors().EventOf(tt.vendor, []byte(tt.doc))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || e.Name != tt.want {
				t.Fatalf("got %v, %v; want %s", e, err, tt.want)
			}
		})
	}
}

func TestUnknownVariantIsRefused(t *testing.T) {
	_, _, err := emulator.Vendors().Sample("flexdeploy", "workflow-completed", 1, time.Time{}, catalog.Options{Variant: "build"})
	if err == nil || !strings.Contains(err.Error(), "deploy, test") {
		t.Fatalf("err = %v, want the valid variants listed", err)
	}
	_, _, err = emulator.Vendors().Sample("cutover", "task-created", 1, time.Time{}, catalog.Options{Variant: "x"})
	if err == nil || !strings.Contains(err.Error(), "no variants") {
		t.Fatalf("err = %v", err)
	}
}
