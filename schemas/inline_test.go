package schemas

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestInline(t *testing.T) {
	docs := map[string]any{}
	must := func(s string) any {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	docs["v/common.schema.json"] = must(`{"$defs":{
		"id":{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"},
		"closed":{"type":"object","required":["a"],"additionalProperties":false,"properties":{"a":{"type":"string"},"b":{"$ref":"#/$defs/id"}}},
		"loop":{"$ref":"#/$defs/loop"}}}`)
	tests := []struct {
		name, schema, want, wantErr string
	}{
		{"plain ref", `{"$ref":"common.schema.json#/$defs/id"}`,
			`{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"}`, ""},
		{"nested refs in the target resolve in the target's file", `{"$ref":"common.schema.json#/$defs/closed"}`,
			`{"type":"object","required":["a"],"additionalProperties":false,"properties":{"a":{"type":"string"},"b":{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"}}}`, ""},
		{"siblings narrowing known properties merge", `{"$ref":"common.schema.json#/$defs/closed","required":["b"],"properties":{"a":{"const":"x"}}}`,
			`{"type":"object","required":["a","b"],"additionalProperties":false,"properties":{"a":{"type":"string","const":"x"},"b":{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"}}}`, ""},
		{"a new property under additionalProperties false stays apart", `{"$ref":"common.schema.json#/$defs/closed","properties":{"c":{"type":"string"}}}`,
			`{"allOf":[{"type":"object","required":["a"],"additionalProperties":false,"properties":{"a":{"type":"string"},"b":{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"}}}],"properties":{"c":{"type":"string"}}}`, ""},
		{"the description stays with its pattern", `{"description":"the event's id","$ref":"common.schema.json#/$defs/id"}`,
			`{"type":"string","pattern":"^[0-9]+$","description":"a numeric id"}`, ""},
		{"missing file", `{"$ref":"other.schema.json#/x"}`, "", "no embedded schema"},
		{"missing pointer", `{"$ref":"common.schema.json#/$defs/nope"}`, "", "does not resolve"},
		{"cycle", `{"$ref":"common.schema.json#/$defs/loop"}`, "", "refers to itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := inline(docs, "v/x.schema.json", must(tt.schema), nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, must(tt.want)) {
				g, _ := json.Marshal(got)
				t.Fatalf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}
