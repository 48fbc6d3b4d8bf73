package schemas_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/emulator/rocketlane"
	"github.com/standin-dev/standin/schemas"
)

// TestScanAcceptsValidPayloads keeps valid payloads on the one-pass path:
// every doc sample and generated payload must be accepted by scan itself,
// not only by the slower checks behind it.
func TestScanAcceptsValidPayloads(t *testing.T) {
	for _, s := range samples(t) {
		if !schemas.ScanAccepts(s.vendor, s.slug, s.body) {
			t.Errorf("%s: scan does not accept the doc sample", s.file)
		}
	}
	gens := map[string]func(*fake.Source, catalog.Event, payload.Options) ([]byte, error){
		catalog.Cutover: cutover.Generate, catalog.Rocketlane: rocketlane.Generate, catalog.FlexDeploy: flexdeploy.Generate,
	}
	for _, e := range catalog.All() {
		for _, v := range append([]string{""}, e.Variants...) {
			for _, quirks := range []bool{false, true} {
				for seed := uint64(1); seed <= 40; seed++ {
					b, err := gens[e.Vendor](fake.New(seed, time.Time{}), e, payload.Options{Variant: v, Quirks: quirks})
					if err != nil {
						t.Fatalf("%s seed %d: %v", e, seed, err)
					}
					if !schemas.ScanAccepts(e.Vendor, e.Slug, b) {
						t.Errorf("%s/%s quirks=%v seed %d: scan does not accept\n%s", e, v, quirks, seed, b)
					}
					if agree, _, err := schemas.Agree(e.Vendor, e.Slug, b); err != nil || !agree {
						t.Errorf("%s seed %d: the checks disagree (%v)", e, seed, err)
					}
				}
			}
		}
	}
}

// TestScanEdgeCases puts scan to what it reads differently from a decoded
// value: duplicate and escaped keys, escaped strings, whitespace, unique
// items, and documents that are not JSON.
func TestScanEdgeCases(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "samples", "rocketlane", "task-updated.name.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(body)
	edits := []struct {
		name, old, new string
		valid          bool
	}{
		{"as is", "", "", true},
		{"duplicate key, last valid", `"eventType"`, `"eventType": 7, "eventType"`, true},
		{"duplicate key, last invalid", `"eventType": "TASK_UPDATED"`, `"eventType": "TASK_UPDATED", "eventType": 7`, false},
		{"escaped key", `"eventType"`, `"event\u0054ype"`, true},
		{"escaped key, unknown", `"eventType"`, `"event\u0058ype"`, false},
		{"escaped value", `"TASK_UPDATED"`, `"TASK_\u0055PDATED"`, true},
		{"escaped value, wrong", `"TASK_UPDATED"`, `"TASK_\u0055PDATEX"`, false},
		{"unique items repeated", `"changedFields": [`, `"changedFields": ["taskName", `, false},
		{"unique items escaped", `"changedFields": [`, `"changedFields": ["task\u004eame", `, false},
		{"unique items escaped, distinct", `"changedFields": [`, `"changedFields": ["task\u004eam", `, true},
		{"trailing data", "", "", false},
		{"truncated", "", "", false},
	}
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			b := doc
			switch e.name {
			case "trailing data":
				b += " {}"
			case "truncated":
				b = b[:len(b)/2]
			default:
				if e.old != "" {
					if !strings.Contains(b, e.old) {
						t.Fatalf("the sample has no %s", e.old)
					}
					b = strings.Replace(b, e.old, e.new, 1)
				}
			}
			agree, valid, err := schemas.Agree("rocketlane", "task-updated", []byte(b))
			if err != nil || !agree {
				t.Fatalf("the checks disagree (%v) on\n%s", err, b)
			}
			if valid != e.valid {
				t.Errorf("valid = %v, want %v", valid, e.valid)
			}
			if got := schemas.ScanAccepts("rocketlane", "task-updated", []byte(b)); got && !e.valid {
				t.Errorf("scan accepts an invalid payload")
			}
			if gotErr := schemas.Validate("rocketlane", "task-updated", []byte(b)); (gotErr == nil) != e.valid {
				t.Errorf("Validate: %v, want valid=%v", gotErr, e.valid)
			}
		})
	}
	for i, s := range []string{"", " ", "{", `{"a":1,}`, `[1 2]`, `"\u12"`, "\"\x01\"", `01`, `-`, `1.`, `1e`, `tru`, `nul`, `{"a" 1}`, `{1:2}`, `[`, `]`, `{"a":[1,{"b":}]}`} {
		if schemas.Scans([]byte(s)) {
			t.Errorf("%d: scan reads %q as JSON", i, s)
		}
	}
	for i, s := range []string{`{}`, `[]`, ` {"a" : [1, -0.5e+3, "\u00e9\n", true, false, null]} `, `"\ud83d"`, "\"\xff\"", `{"a":1,"a":2}`, fmt.Sprint(strings.Repeat("[", 100), strings.Repeat("]", 100))} {
		if !schemas.Scans([]byte(s)) {
			t.Errorf("%d: scan does not read %q", i, s)
		}
	}
}
