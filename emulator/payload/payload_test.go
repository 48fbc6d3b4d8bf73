package payload

import (
	"encoding/json"
	"errors"
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
		{"empty patch with whitespace", " {\n\t} ", base, ""},
		{"numbers and strings as written", `{"meta":{"task":{"x":1E+02, "y":"\u0041"}}}`, `{"id":"1","meta":{"task":{"id":"3","name":"Old","x":1E+02,"y":"\u0041"},"user":"a"},"list":[1,2],"n":null}`, ""},
		{"duplicate patch member: last wins", `{"z":1,"id":"2","z":{"q":[]}}`, `{"id":"2","meta":{"task":{"id":"3","name":"Old"},"user":"a"},"list":[1,2],"n":null,"z":{"q":[]}}`, ""},
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
	deep := strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200)
	f.Add(strings.Repeat(`{"a":`, 100)+`{"b":2}`+strings.Repeat(`}`, 100), deep)
	f.Add(`{"a":1}`, ` { } `)
	f.Add(`{"a":{"b":1}}`, `{"a":`+strings.Repeat(`[`, 100_000)+`}`)
	f.Add(`{"a":{"b":1}}`, strings.Repeat(`{"a":`, MaxDepth)+`1`+strings.Repeat(`}`, MaxDepth))
	f.Fuzz(func(t *testing.T, base, patch string) {
		out, err := Merge([]byte(base), []byte(patch))
		if err != nil {
			return
		}
		if err := CheckDepth(out, MaxDepth); err != nil && !emptyObject([]byte(patch)) {
			t.Fatalf("Merge(%q, %q) = %q, deeper than its inputs may be: %v", base, patch, out, err)
		}
		// An empty patch returns base unread, valid or not.
		if !json.Valid(out) && (json.Valid([]byte(base)) || string(out) != base) {
			t.Fatalf("Merge(%q, %q) = %q, not JSON", base, patch, out)
		}
	})
}

func TestMergeEmptyPatchLeavesBaseUnread(t *testing.T) {
	base := []byte(`not JSON at all`)
	got, err := Merge(base, []byte(" {\r\n } "))
	if err != nil || string(got) != string(base) {
		t.Fatalf("got %q, %v", got, err)
	}
	if _, err := Merge(base, []byte(`{"a":1}`)); err == nil || !strings.HasPrefix(err.Error(), "base payload: invalid JSON at byte 1") {
		t.Fatalf("a non-empty patch reads the base: %v", err)
	}
}

func TestSetPath(t *testing.T) {
	doc := `{"meta":{"task":{"id":3,"name":"Old"},"empty":{}},"list":[{"a":1},"s"],"n":1.50}`
	tests := []struct {
		path          string
		value         string
		want, wantErr string
	}{
		{"meta/task/name", `"New & <b>"`, `{"meta":{"task":{"id":3,"name":"New & <b>"},"empty":{}},"list":[{"a":1},"s"],"n":1.50}`, ""},
		{"meta/task/extra", ` [ 1 , 2 ] `, `{"meta":{"task":{"id":3,"name":"Old","extra":[1,2]},"empty":{}},"list":[{"a":1},"s"],"n":1.50}`, ""},
		{"list/0/a", `2.0`, `{"meta":{"task":{"id":3,"name":"Old"},"empty":{}},"list":[{"a":2.0},"s"],"n":1.50}`, ""},
		{"list/1", `null`, `{"meta":{"task":{"id":3,"name":"Old"},"empty":{}},"list":[{"a":1},null],"n":1.50}`, ""},
		{"new", `{}`, `{"meta":{"task":{"id":3,"name":"Old"},"empty":{}},"list":[{"a":1},"s"],"n":1.50,"new":{}}`, ""},
		{"meta/x/y", `1`, "", `/meta/x: no member "x" here; members: task, empty`},
		{"meta/empty/x/y", `1`, "", `/meta/empty/x: no member "x" here: the object is empty`},
		{"list/2/a", `1`, "", `/list/2: "2" is not an index of this array of 2`},
		{"list/-1", `1`, "", `/list/-1: "-1" is not an index of this array of 2`},
		{"list/1/x", `1`, "", `/list/1/x: the path goes into a string, which has no members`},
		{"n/x", `1`, "", `/n/x: the path goes into a number, which has no members`},
		{"meta/a~b/c", `1`, "", `/meta/a~0b: no member`},
		{"meta/task/name", `{"a":`, "", `value: invalid JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			got, err := SetPath([]byte(doc), strings.Split(tt.path, "/"), []byte(tt.value))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %s (%v)\nwant %s", got, err, tt.want)
			}
		})
	}
	var pe *PathError
	if _, err := SetPath([]byte(doc), []string{"list", "9"}, []byte(`1`)); !errors.As(err, &pe) || pe.Pointer != "/list/9" {
		t.Errorf("want a *PathError at /list/9, got %v", err)
	}
	if _, err := SetPath([]byte(`{} x`), []string{"a"}, []byte(`1`)); err == nil || !strings.Contains(err.Error(), "payload: invalid JSON at byte 3: unexpected data after the value") {
		t.Errorf("trailing data in the document: %v", err)
	}
}

func FuzzSetPath(f *testing.F) {
	f.Add(`{"a":{"b":[1,{"c":2}]}}`, "a/b/1/c", `"x"`)
	f.Add(`{"a":[1]}`, "a/0", `{"k":null}`)
	f.Add(`{"a":"s"}`, "a/x", `1`)
	f.Add(`[[1],[2]]`, "1/0", `3`)
	f.Add(strings.Repeat(`{"a":`, 100)+`{}`+strings.Repeat(`}`, 100), strings.Repeat("a/", 100)+"b", `[true]`)
	f.Add(`{"a":{}}`, "a/b", strings.Repeat(`[`, 100_000))
	f.Add(strings.Repeat(`[`, 100_000), "0", `1`)
	f.Fuzz(func(t *testing.T, doc, path, value string) {
		out, err := SetPath([]byte(doc), strings.Split(path, "/"), []byte(value))
		if err != nil {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("SetPath(%q, %q, %q) = %q, not JSON", doc, path, value, out)
		}
	})
}

func TestObject(t *testing.T) {
	var o Object
	if b, err := o.MarshalJSON(); err != nil || string(b) != `{}` {
		t.Fatalf("zero Object: %s, %v", b, err)
	}
	in := `{ "z" : 1.0, "a":{"x" : [1, 2]}, "<&>":"v", "z":"again" }`
	if err := json.Unmarshal([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(o.Keys(), ","); got != "z,a,<&>" {
		t.Errorf("keys %s", got)
	}
	if raw, ok := o.Get("a"); !ok || string(raw) != `{"x" : [1, 2]}` {
		t.Errorf("a = %s, %v", raw, ok)
	}
	raw := json.RawMessage(`true`)
	o.Set("new", raw)
	raw[0] = 'X' // Set keeps a copy
	got, err := Marshal(struct {
		O Object `json:"o"`
	}{o})
	if err != nil || string(got) != `{"o":{"z":"again","a":{"x":[1,2]},"<&>":"v","new":true}}` {
		t.Errorf("Marshal: %s, %v", got, err)
	}
	var back Object
	if err := json.Unmarshal(got[5:len(got)-1], &back); err != nil || strings.Join(back.Keys(), ",") != "z,a,<&>,new" {
		t.Errorf("round trip: %v %v", back.Keys(), err)
	}
	if err := json.Unmarshal([]byte(`null`), &back); err != nil || len(back.Keys()) != 4 {
		t.Errorf("null should leave the object alone: %v %v", back.Keys(), err)
	}
	if err := json.Unmarshal([]byte(`[1]`), &back); err == nil || !strings.Contains(err.Error(), "want a JSON object, got an array") {
		t.Errorf("array: %v", err)
	}
}
