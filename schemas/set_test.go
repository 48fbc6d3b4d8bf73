package schemas_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/standin-dev/standin/schemas"
)

// fakeVendor is a vendor that is not embedded: one event schema, which
// takes its timestamp from the shared file by a relative $ref.
func fakeVendor() fstest.MapFS {
	return fstest.MapFS{
		"thing-made.schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://standin.dev/schemas/acme/thing-made.schema.json",
  "type": "object",
  "required": ["event", "at"],
  "additionalProperties": false,
  "properties": {
    "event": {"const": "thing.made"},
    "at": {"$ref": "common.schema.json#/$defs/timestamp"},
    "count": {"type": "integer", "minimum": 1, "description": "how many things, at least one"}
  }
}`)},
		"common.schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://standin.dev/schemas/acme/common.schema.json",
  "$defs": {
    "timestamp": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z$", "description": "an ACME time such as 2025-01-02T03:04Z"}
  }
}`)},
		"external.schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://standin.dev/schemas/acme/external.schema.json",
  "$ref": "https://example.com/elsewhere.schema.json"
}`)},
	}
}

func TestSetFromAnyFS(t *testing.T) {
	s := schemas.NewSet("acme", fakeVendor())
	if got, want := s.Slugs(), []string{"external", "thing-made"}; !slices.Equal(got, want) {
		t.Errorf("Slugs() = %v, want %v", got, want)
	}
	if err := s.Validate("thing-made", []byte(`{"event":"thing.made","at":"2025-01-02T03:04Z","count":2}`)); err != nil {
		t.Errorf("valid payload rejected: %v", err)
	}
	for _, tt := range []struct{ body, ptr, text string }{
		{`{"event":"thing.made","at":"2025-01-02 03:04"}`, "/at", "an ACME time such as"},
		{`{"event":"thing.made","at":"2025-01-02T03:04Z","count":0}`, "/count", "at least one"},
		{`{"event":"thing.lost","at":"2025-01-02T03:04Z"}`, "/event", "thing.made"},
		{`{"at":"2025-01-02T03:04Z","x":1}`, "", "event"},
	} {
		err := s.Validate("thing-made", []byte(tt.body))
		var se *schemas.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: want *schemas.Error, got %v", tt.body, err)
			continue
		}
		if se.Vendor != "acme" || se.Event != "thing-made" {
			t.Errorf("%s: error names %s/%s", tt.body, se.Vendor, se.Event)
		}
		if !slices.ContainsFunc(se.Violations, func(v schemas.Violation) bool {
			return v.Pointer == tt.ptr && strings.Contains(v.Message, tt.text)
		}) {
			t.Errorf("%s: no violation at %q mentioning %q: %v", tt.body, tt.ptr, tt.text, se)
		}
	}
	if err := s.ValidateValue("thing-made", map[string]any{"event": "thing.made", "at": "2025-01-02T03:04Z"}); err != nil {
		t.Errorf("ValidateValue: %v", err)
	}
	for _, slug := range []string{"common", "no-such", "../acme/thing-made", ""} {
		if err := s.Validate(slug, []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "no schema") {
			t.Errorf("Validate(%q) = %v, want no schema", slug, err)
		}
	}
	if b, err := s.Raw("thing-made"); err != nil || !strings.Contains(string(b), `"thing.made"`) {
		t.Errorf("Raw = %q, %v", b, err)
	}
	if _, err := s.Raw("no-such"); err == nil {
		t.Error("Raw of a missing schema succeeded")
	}
	// Nothing outside the set is fetched.
	err := s.Validate("external", []byte(`{}`))
	var se *schemas.Error
	if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), "example.com") {
		t.Errorf("a $ref out of the set: got %v, want a compile error naming it", err)
	}
}

func TestSetIsSafeConcurrently(t *testing.T) {
	s := schemas.NewSet("acme", fakeVendor())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			body := `{"event":"thing.made","at":"2025-01-02T03:04Z"}`
			if i%2 == 1 {
				body = `{"event":"thing.made","at":"soon"}`
			}
			for range 50 {
				err := s.Validate("thing-made", []byte(body))
				if (err == nil) != (i%2 == 0) {
					t.Errorf("body %s: %v", body, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestVendorIsMadeOnce(t *testing.T) {
	first, second := schemas.Vendor("cutover"), schemas.Vendor("cutover")
	if first != second {
		t.Error("two Sets for cutover")
	}
	if got := schemas.Vendor("cutover").Slugs(); !slices.Contains(got, "task-created") || slices.Contains(got, "common") {
		t.Errorf("cutover slugs %v", got)
	}
	if err := schemas.Validate("no-such-vendor", "task-created", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "no schema") {
		t.Errorf("unknown vendor: %v", err)
	}
}
