package payload

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCovers(t *testing.T) {
	sample := `{"a":1,"b":null,"c":{"d":"x"},"e":[{"f":true}],"g":[1,"two"]}`
	tests := []struct {
		name, generated string
		want            []string
	}{
		{"same shape", `{"a":2,"b":"now set","c":{"d":"y"},"e":[{"f":false}],"g":["x",3]}`, nil},
		{"extra fields are not a shortfall", `{"a":2,"b":null,"c":{"d":"y","z":1},"e":[{"f":false}],"g":["x",3],"h":0}`, nil},
		{"missing field", `{"a":2,"b":null,"c":{},"e":[{"f":false}],"g":["x",3]}`, []string{"/c/d: missing"}},
		{"wrong type", `{"a":"2","b":null,"c":{"d":"y"},"e":[{"f":false}],"g":["x",3]}`, []string{"/a: generated string, sample has number"}},
		{"null where the sample has a value", `{"a":null,"b":null,"c":{"d":"y"},"e":[{"f":false}],"g":["x",3]}`, []string{"/a: generated null"}},
		{"empty array loses element fields", `{"a":2,"b":null,"c":{"d":"y"},"e":[],"g":["x",3]}`, []string{"/e/[]/f: missing", "/e/[]: missing"}},
		{"mixed array needs both types", `{"a":2,"b":null,"c":{"d":"y"},"e":[{"f":false}],"g":["x"]}`, []string{"/g/[]: generated string, sample has number|string"}},
	}
	want, err := ShapeOf([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ShapeOf([]byte(tt.generated))
			if err != nil {
				t.Fatal(err)
			}
			problems := Covers(want, got)
			if len(problems) != len(tt.want) {
				t.Fatalf("got %q, want %d problems like %q", problems, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(problems[i], w) {
					t.Errorf("problem %d = %q, want prefix %q", i, problems[i], w)
				}
			}
		})
	}
}

func TestMarshalDoesNotEscapeHTML(t *testing.T) {
	b, err := Marshal(map[string]string{"name": "Hamlin, Hamlin & McGill <HHM>"})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"name":"Hamlin, Hamlin & McGill <HHM>"}` {
		t.Fatalf("got %s", b)
	}
}

func TestMerge(t *testing.T) {
	base := `{"id":"1","meta":{"task":{"id":"3","name":"Old"},"user":"a"},"list":[1,2],"n":null}`
	tests := []struct {
		name, patch, want, wantErr string
	}{
		{"nested member", `{"meta":{"task":{"name":"New & <improved>"}}}`, `{"id":"1","meta":{"task":{"id":"3","name":"New & <improved>"},"user":"a"},"list":[1,2],"n":null}`, ""},
		{"arrays replace", `{"list":[3]}`, `{"id":"1","meta":{"task":{"id":"3","name":"Old"},"user":"a"},"list":[3],"n":null}`, ""},
		{"null sets null", `{"meta":{"user":null}}`, `{"id":"1","meta":{"task":{"id":"3","name":"Old"},"user":null},"list":[1,2],"n":null}`, ""},
		{"new members go last", `{"z":1.50,"a":true}`, `{"id":"1","meta":{"task":{"id":"3","name":"Old"},"user":"a"},"list":[1,2],"n":null,"z":1.50,"a":true}`, ""},
		{"object replaces scalar", `{"n":{"x":1}}`, `{"id":"1","meta":{"task":{"id":"3","name":"Old"},"user":"a"},"list":[1,2],"n":{"x":1}}`, ""},
		{"empty patch", `{}`, base, ""},
		{"not an object", `[1]`, "", "must be a JSON object, got an array"},
		{"bad JSON", `{"a":`, "", "invalid JSON"},
		{"trailing data", `{} {}`, "", "unexpected data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Merge([]byte(base), []byte(tt.patch))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s (%v)\nwant %s", got, err, tt.want)
			}
		})
	}
}

func FuzzMerge(f *testing.F) {
	f.Add(`{"a":{"b":1}}`, `{"a":{"c":2}}`)
	f.Add(`{"a":[1]}`, `{"a":null}`)
	f.Fuzz(func(t *testing.T, base, patch string) {
		out, err := Merge([]byte(base), []byte(patch))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("Merge(%q, %q) = %q, not JSON", base, patch, out)
		}
	})
}
