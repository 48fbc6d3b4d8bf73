package testkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// FieldError is a field of a delivered body that is missing or not of the
// type asked for.
type FieldError struct {
	Delivery, Path string
	// Want is the type asked for: "an integer", "a string", ...
	Want string
	// Got is the value found, as JSON; empty when the field is missing.
	Got string
	// Err is why the field could not be read or parsed.
	Err error
}

func (e *FieldError) Error() string {
	if e.Got == "" {
		return fmt.Sprintf("delivery %s %s: %v", e.Delivery, e.Path, e.Err)
	}
	s := fmt.Sprintf("delivery %s %s: want %s, got %s", e.Delivery, e.Path, e.Want, e.Got)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FieldError) Unwrap() error { return e.Err }

// typed reads the field at path exactly (numbers as json.Number).
func (d Delivery) typed(path, want string) (any, *FieldError) {
	v, err := d.field(path, true)
	if err != nil {
		return nil, &FieldError{Delivery: d.ID, Path: path, Want: want, Err: err}
	}
	return v, nil
}

func (d Delivery) mismatch(path, want string, got any, err error) *FieldError {
	return &FieldError{Delivery: d.ID, Path: path, Want: want, Got: compact(got), Err: err}
}

// Int returns the integer at path in the delivered body: a JSON number
// with no fraction that fits an int64. A string, even of digits, is not
// one (IDs are strings in Cutover's payloads: use Text).
func (d Delivery) Int(path string) (int64, error) {
	v, ferr := d.typed(path, "an integer")
	if ferr != nil {
		return 0, ferr
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, d.mismatch(path, "an integer", v, nil)
	}
	i, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		return 0, d.mismatch(path, "an integer", v, errors.New("not a whole number that fits 64 bits"))
	}
	return i, nil
}

// Text returns the string at path in the delivered body. (Delivery's
// String describes the delivery, as fmt's Stringer.)
func (d Delivery) Text(path string) (string, error) {
	v, ferr := d.typed(path, "a string")
	if ferr != nil {
		return "", ferr
	}
	s, ok := v.(string)
	if !ok {
		return "", d.mismatch(path, "a string", v, nil)
	}
	return s, nil
}

// Bool returns the boolean at path in the delivered body.
func (d Delivery) Bool(path string) (bool, error) {
	v, ferr := d.typed(path, "a boolean")
	if ferr != nil {
		return false, ferr
	}
	b, ok := v.(bool)
	if !ok {
		return false, d.mismatch(path, "a boolean", v, nil)
	}
	return b, nil
}

// timeLayouts are the string forms of the vendors' times: RFC 3339
// (Cutover, with milliseconds), FlexDeploy's "2020-12-16 15:12:41 -0500",
// and a date (Rocketlane's "YYYY-MM-DD", as midnight UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05 -0700", time.DateOnly}

// Time returns the time at path in the delivered body: a string in RFC
// 3339, FlexDeploy's "2006-01-02 15:04:05 -0700" or a date
// ("2006-01-02"), or a number of milliseconds since the Unix epoch
// (Rocketlane's eventTriggeredAt).
func (d Delivery) Time(path string) (time.Time, error) {
	const want = "a time (RFC 3339, \"2006-01-02 15:04:05 -0700\", a date or epoch milliseconds)"
	v, ferr := d.typed(path, want)
	if ferr != nil {
		return time.Time{}, ferr
	}
	switch x := v.(type) {
	case json.Number:
		ms, err := strconv.ParseInt(x.String(), 10, 64)
		if err != nil {
			return time.Time{}, d.mismatch(path, want, v, errors.New("epoch milliseconds are a whole number"))
		}
		return time.UnixMilli(ms).UTC(), nil
	case string:
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, x); err == nil {
				return t, nil
			}
		}
		// FlexDeploy's quirk puts the minutes where the month belongs.
		if len(x) > 7 && x[4] == '-' {
			if m, err := strconv.Atoi(x[5:7]); err == nil && m > 12 {
				return time.Time{}, d.mismatch(path, want, v, fmt.Errorf("month %d: FlexDeploy's yyyy-mm-dd quirk writes the minutes there", m))
			}
		}
		return time.Time{}, d.mismatch(path, want, v, nil)
	}
	return time.Time{}, d.mismatch(path, want, v, nil)
}

// MustInt is Int for tests: it fails t (and ends the test) when the field
// is missing or not an integer.
func (d Delivery) MustInt(t testing.TB, path string) int64 {
	t.Helper()
	return must(t, d.Int, path)
}

// MustText is Text for tests.
func (d Delivery) MustText(t testing.TB, path string) string {
	t.Helper()
	return must(t, d.Text, path)
}

// MustBool is Bool for tests.
func (d Delivery) MustBool(t testing.TB, path string) bool {
	t.Helper()
	return must(t, d.Bool, path)
}

// MustTime is Time for tests.
func (d Delivery) MustTime(t testing.TB, path string) time.Time {
	t.Helper()
	return must(t, d.Time, path)
}

func must[T any](t testing.TB, get func(string) (T, error), path string) T {
	t.Helper()
	v, err := get(path)
	if err != nil {
		t.Fatalf("testkit: %v", err)
	}
	return v
}
