package schemas_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/standin-dev/standin/schemas"
)

// FuzzValidate feeds arbitrary bytes to the validator: it must never panic,
// and must answer nil or a *schemas.Error that says where the problem is: a
// syntax error exactly when the bytes are not one JSON document, violations
// otherwise.
func FuzzValidate(f *testing.F) {
	for _, s := range samples(f) {
		f.Add(s.vendor, s.slug, s.body)
	}
	f.Add("cutover", "task-created", []byte(`{"id":`))
	f.Add("rocketlane", "task-created", []byte(`[]`))
	f.Add("flexdeploy", "release-started", []byte("\xff"))
	f.Add("rocketlane", "task-created", []byte(`{"eventOccurredAt": 1e10000000}`))
	events, err := schemas.Events()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, vendor, slug string, body []byte) {
		// Map arbitrary names onto real schemas so the fuzzer explores payloads.
		e := events[(len(vendor)*31+len(slug))%len(events)]
		v, s, _ := strings.Cut(e, "/")
		_, derr := schemas.Decode(body)
		err := schemas.Validate(v, s, body)
		if err == nil {
			if derr != nil {
				t.Fatalf("Validate accepted what Decode refuses (%v): %q", derr, body)
			}
			return
		}
		var se *schemas.Error
		if !errors.As(err, &se) {
			t.Fatalf("Validate returned %T %v, want *schemas.Error", err, err)
		}
		if (se.Syntax != nil) != (derr != nil) {
			t.Fatalf("syntax error %v, but Decode says %v: %q", se.Syntax, derr, body)
		}
		if se.Syntax == nil && len(se.Violations) == 0 {
			t.Fatalf("an error with neither a syntax error nor violations: %v", err)
		}
		if se.Syntax != nil && (se.Syntax.Line < 1 || se.Syntax.Column < 1) {
			t.Fatalf("syntax error without a place: %+v", se.Syntax)
		}
		for _, v := range se.Violations {
			if v.Message == "" || (v.Pointer != "" && !strings.HasPrefix(v.Pointer, "/")) {
				t.Fatalf("violation without a message or a pointer: %+v", v)
			}
		}
	})
}
