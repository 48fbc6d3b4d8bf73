package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/server"
	"github.com/standin-dev/standin/scenarios"
)

func TestEmitDryRunValidatesAndSendsNothing(t *testing.T) {
	_, base := start(t, server.Config{})
	rcv, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, url))

	type preview struct {
		DryRun  bool            `json:"dry_run"`
		Event   string          `json:"event"`
		Seed    uint64          `json:"seed"`
		Payload json.RawMessage `json:"payload"`
	}
	tests := []struct {
		name, query, body string
		status            int
		pointer           string // of the 422's first violation
		contains          string // in the previewed payload
	}{
		{name: "no override", query: "dry_run=true", status: 200},
		{name: "an override that keeps it valid", query: "dry_run=true", body: `{"meta":{"task":{"name":"Switch DNS"}}}`, status: 200, contains: `"name":"Switch DNS"`},
		{name: "an override that breaks the schema", query: "dry_run=true", body: `{"type":5}`, status: 422, pointer: "/type"},
		{name: "an override that is not JSON", query: "dry_run=true", body: `{"type":`, status: 400},
		{name: "dry_run that is not a boolean", query: "dry_run=maybe", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p preview
			var e errResp
			got := call(t, "POST", base+"/__admin/events/cutover/task-created?"+tt.query, tt.body, nil)
			if got != tt.status {
				t.Fatalf("status %d, want %d", got, tt.status)
			}
			switch tt.status {
			case 200:
				call(t, "POST", base+"/__admin/events/cutover/task-created?"+tt.query, tt.body, &p)
				if !p.DryRun || p.Event != "task.created" || !json.Valid(p.Payload) || !bytes.Contains(p.Payload, []byte(tt.contains)) {
					t.Errorf("preview %+v", p)
				}
			case 422:
				call(t, "POST", base+"/__admin/events/cutover/task-created?"+tt.query, tt.body, &e)
				var vs []struct{ Pointer string }
				if err := json.Unmarshal(e.Error.Details, &vs); err != nil || len(vs) == 0 || vs[0].Pointer != tt.pointer {
					t.Errorf("422 details %s, want the pointer %s", e.Error.Details, tt.pointer)
				}
			}
		})
	}
	var ds []deliveryDoc
	call(t, "GET", base+"/__admin/deliveries", "", &ds)
	if len(ds) != 0 || rcv.calls.Load() != 0 {
		t.Fatalf("dry runs made %d deliveries and %d requests", len(ds), rcv.calls.Load())
	}

	// A dry run leaves the server's seed: the emit after it sends what it showed.
	var p preview
	var em emitted
	call(t, "POST", base+"/__admin/events/cutover/task-created?dry_run=true", "", &p)
	if got := call(t, "POST", base+"/__admin/events/cutover/task-created", "", &em); got != 202 {
		t.Fatalf("emit: %d", got)
	}
	if !bytes.Equal(p.Payload, em.Payload) {
		t.Errorf("the dry run showed\n%s\nand the emit sent\n%s", p.Payload, em.Payload)
	}
}

// violation is one item of a schema check's violations.
type violation struct {
	Pointer string `json:"pointer"`
}

func TestDeliveryDetailSaysIfThePayloadIsValid(t *testing.T) {
	srv, base := start(t, server.Config{})
	_, url := newReceiver(t)
	subscribe(t, base, fmt.Sprintf(`{"vendor":"cutover","url":%q}`, url))
	var em emitted
	if got := call(t, "POST", base+"/__admin/events/cutover/task-created", "", &em); got != 202 {
		t.Fatalf("emit: %d", got)
	}
	// What a world could hand the engine without validation (the engine
	// delivers what it is given).
	bad, err := srv.Engine().Emit(context.Background(), delivery.Event{ID: delivery.NewEventID(), Vendor: "cutover", Name: "task.created", Body: []byte(`{"type":5}`)})
	if err != nil || len(bad) != 1 {
		t.Fatalf("emit into the engine: %v %v", bad, err)
	}
	type detail struct {
		Payload json.RawMessage `json:"payload"`
		Schema  *struct {
			Valid      bool        `json:"valid"`
			Violations []violation `json:"violations"`
		} `json:"schema"`
	}
	tests := []struct {
		name    string
		id      string
		payload []byte
		valid   bool
		pointer string
	}{
		{name: "a generated payload", id: em.Deliveries[0].ID, payload: em.Payload, valid: true},
		{name: "a payload its schema refuses", id: bad[0].ID, payload: []byte(`{"type":5}`), pointer: "/type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d detail
			if got := call(t, "GET", base+"/__admin/deliveries/"+tt.id, "", &d); got != 200 {
				t.Fatalf("status %d", got)
			}
			if !bytes.Equal(d.Payload, tt.payload) {
				t.Errorf("payload %s, want %s", d.Payload, tt.payload)
			}
			if d.Schema == nil || d.Schema.Valid != tt.valid {
				t.Fatalf("schema %+v, want valid=%v", d.Schema, tt.valid)
			}
			if tt.pointer != "" && !slices.ContainsFunc(d.Schema.Violations, func(v violation) bool { return v.Pointer == tt.pointer }) {
				t.Errorf("violations %+v, want one at %s", d.Schema.Violations, tt.pointer)
			}
		})
	}
}

func TestBuiltinScenariosAreListed(t *testing.T) {
	_, base := start(t, server.Config{AdminToken: "s3cret"})
	auth := []string{"Authorization", "Bearer s3cret"}
	type info struct {
		Name, Vendor, Description, Source string
	}
	var list []info
	if got := call(t, "GET", base+"/__admin/scenarios", "", &list, auth...); got != 200 {
		t.Fatalf("list: %d", got)
	}
	names := scenarios.Names()
	if len(list) != len(names) {
		t.Fatalf("listed %d scenarios, want %d", len(list), len(names))
	}
	for i, s := range list {
		sc, err := scenarios.Builtin(names[i])
		if err != nil {
			t.Fatal(err)
		}
		if s.Name != sc.Name || s.Vendor != sc.Vendor || s.Description != sc.Description || s.Source != "" {
			t.Errorf("item %d: %+v", i, s)
		}
		var one info
		if got := call(t, "GET", base+"/__admin/scenarios/"+s.Name, "", &one, auth...); got != 200 || one.Source != string(sc.Source) {
			t.Errorf("GET %s: %d, source of %d bytes, want %d", s.Name, got, len(one.Source), len(sc.Source))
		}
	}
	var e errResp
	if got := call(t, "GET", base+"/__admin/scenarios/nope", "", &e, auth...); got != 404 || e.Error.Code != "unknown_scenario" {
		t.Errorf("unknown scenario: %d %+v", got, e)
	}
	if got := call(t, "GET", base+"/__admin/scenarios", "", nil); got != 401 {
		t.Errorf("without the token: %d", got)
	}
}

func TestInspectorIsServedAtRoot(t *testing.T) {
	// Behind an admin token too: the page asks for it, the API checks it.
	_, base := start(t, server.Config{AdminToken: "s3cret"})
	tests := []struct {
		path     string
		status   int
		ctype    string
		contains string
	}{
		{"/", 200, "text/html", `<script src="/__inspector/app.js"`},
		{"/__inspector/app.js", 200, "text/javascript", "/__admin/stream"},
		{"/__inspector/app.css", 200, "text/css", ".attempt"},
		{"/__inspector/", 404, "application/json", `"not_found"`},
		{"/__inspector/index.html", 404, "application/json", `"not_found"`},
		{"/__inspector/nope.js", 404, "application/json", `"not_found"`},
		{"/index.html", 404, "application/json", `"not_found"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res, err := http.Get(base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.status || !strings.HasPrefix(res.Header.Get("Content-Type"), tt.ctype) || !strings.Contains(string(b), tt.contains) {
				t.Fatalf("%d %s, want %d %s containing %q:\n%.200s", res.StatusCode, res.Header.Get("Content-Type"), tt.status, tt.ctype, tt.contains, b)
			}
			if tt.status == 200 && !strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self'") {
				t.Errorf("Content-Security-Policy %q", res.Header.Get("Content-Security-Policy"))
			}
		})
	}
}
