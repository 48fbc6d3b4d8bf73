package schemas_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/schemas"
)

// sample is one doc sample from ../shared/vendor-docs, extracted into
// testdata/samples/<vendor>/<slug>[.<variant>].json.
type sample struct {
	vendor, slug, file string
	body               []byte
}

func samples(t testing.TB) []sample {
	t.Helper()
	var out []sample
	for _, v := range emulator.Vendors().IDs() {
		files, err := filepath.Glob(filepath.Join("testdata", "samples", v, "*.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			slug, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".json"), ".")
			out = append(out, sample{vendor: v, slug: slug, file: f, body: b})
		}
	}
	return out
}

func TestDocSamplesValidate(t *testing.T) {
	all := samples(t)
	if len(all) != 9+3+25 {
		t.Errorf("found %d doc samples, want 37 (9 Cutover, 3 Rocketlane, 25 FlexDeploy)", len(all))
	}
	for _, s := range all {
		t.Run(s.file, func(t *testing.T) {
			if err := schemas.Validate(s.vendor, s.slug, s.body); err != nil {
				t.Fatalf("doc sample rejected: %v", err)
			}
		})
	}
}

func TestEveryCatalogEventHasASchema(t *testing.T) {
	have, err := schemas.Events()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, e := range emulator.Vendors().Events() {
		want[e.Vendor+"/"+e.Slug] = true
		if _, err := schemas.Raw(e.Vendor, e.Slug); err != nil {
			t.Errorf("%s: %v", e, err)
		}
	}
	for _, h := range have {
		if !want[h] {
			t.Errorf("schema %s is not in the catalog", h)
		}
	}
	if len(have) != 50 {
		t.Errorf("%d event schemas, want 50", len(have))
	}
}

// TestSchemasAreDraft2020AndSelfIdentified checks every file's $schema and
// $id, so the files also work outside standin.
func TestSchemasAreDraft2020AndSelfIdentified(t *testing.T) {
	for _, v := range emulator.Vendors().IDs() {
		files, _ := filepath.Glob(filepath.Join(v, "*.schema.json"))
		if len(files) == 0 {
			t.Errorf("no schemas for %s", v)
		}
		for _, f := range files {
			var doc struct {
				Schema string `json:"$schema"`
				ID     string `json:"$id"`
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("%s: $schema %q", f, doc.Schema)
			}
			if want := schemas.BaseURL + filepath.ToSlash(f); doc.ID != want {
				t.Errorf("%s: $id %q, want %q", f, doc.ID, want)
			}
		}
	}
}

// edit is one change to a decoded sample: the value at a JSON pointer set
// (or deleted, when del).
type edit struct {
	ptr string
	val any
	del bool
}

func apply(t *testing.T, body []byte, e edit) []byte {
	t.Helper()
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	toks := strings.Split(strings.TrimPrefix(e.ptr, "/"), "/")
	cur := doc
	for i, tok := range toks {
		last := i == len(toks)-1
		switch n := cur.(type) {
		case map[string]any:
			if last {
				if e.del {
					delete(n, tok)
				} else {
					n[tok] = e.val
				}
			}
			cur = n[tok]
		case []any:
			k, err := strconv.Atoi(tok)
			if err != nil || k >= len(n) {
				t.Fatalf("bad pointer %s", e.ptr)
			}
			if last {
				n[k] = e.val
			}
			cur = n[k]
		default:
			t.Fatalf("pointer %s leaves the document", e.ptr)
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestBrokenSamplesAreRejectedWithTheirPlace(t *testing.T) {
	tests := []struct {
		name     string
		vendor   string
		file     string // under testdata/samples/<vendor>/
		slug     string // schema to validate against; default from file
		edit     edit
		wantPtr  string // the violation's JSON pointer
		wantText string // part of its message
	}{
		{"cutover missing entity", "cutover", "task-created.json", "", edit{ptr: "/relationships/entity", del: true}, "/relationships", "entity"},
		{"cutover numeric id", "cutover", "task-created.json", "", edit{ptr: "/meta/task/id", val: 4}, "/meta/task/id", "expected string"},
		{"cutover time without millis", "cutover", "task-started.json", "", edit{ptr: "/attributes/created_at", val: "2025-06-27T10:28:00Z"}, "/attributes/created_at", "milliseconds"},
		{"cutover local time", "cutover", "run-started.json", "", edit{ptr: "/meta/runbook/start_actual", val: "2025-06-27T10:02:56.384+01:00"}, "/meta/runbook/start_actual", "UTC"},
		{"cutover wrong event name", "cutover", "task-created.json", "", edit{ptr: "/attributes/type", val: "task.create"}, "/attributes/type", "task.created"},
		{"cutover sample checked as another event", "cutover", "task-created.json", "task-updated", edit{ptr: "/id", val: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"}, "/meta", "changes"},
		{"cutover wrong envelope type", "cutover", "runbook-updated.json", "", edit{ptr: "/type", val: "event"}, "/type", "core.event"},
		{"cutover run type", "cutover", "run-started.json", "", edit{ptr: "/meta/current_run/run_type", val: "dry-run"}, "/meta/current_run/run_type", "rehearsal"},
		{"cutover status as number", "cutover", "integrations-failed.json", "", edit{ptr: "/meta/debug_data/response_status", val: 500}, "/meta/debug_data/response_status", "expected string"},
		{"cutover entity type", "cutover", "task-updated.json", "", edit{ptr: "/relationships/entity/data/type", val: "core.runbook"}, "/relationships/entity/data/type", "core.task"},
		{"cutover unknown field", "cutover", "task-created.json", "", edit{ptr: "/meta/extra", val: "x"}, "/meta", "extra"},
		{"cutover changes not a pair", "cutover", "task-updated.json", "", edit{ptr: "/meta/changes/name", val: []any{"only one"}}, "/meta/changes/name", "2"},
		{"cutover url placeholder", "cutover", "integrations-failed.json", "", edit{ptr: "/meta/debug_data/url", val: "https://{customer}.service-now.com/api/now/table/change_request"}, "/meta/debug_data/url", "placeholder"},
		{"cutover url placeholder in the path", "cutover", "integrations-failed.json", "", edit{ptr: "/meta/debug_data/url", val: "https://dev.azure.com/{customer}/platform/_apis/pipelines/17/runs"}, "/meta/debug_data/url", "placeholder"},
		{"cutover url encoded placeholder", "cutover", "integrations-failed.json", "", edit{ptr: "/meta/debug_data/url", val: "https://dev.azure.com/%7Bcustomer%7D/platform"}, "/meta/debug_data/url", "placeholder"},
		{"cutover url not http", "cutover", "integrations-failed.json", "", edit{ptr: "/meta/debug_data/url", val: "ftp://example.com/x"}, "/meta/debug_data/url", "placeholder"},
		{"cutover run.started without start_actual", "cutover", "run-started.json", "", edit{ptr: "/meta/runbook/start_actual", val: nil}, "/meta/runbook/start_actual", "expected string"},

		{"rocketlane epoch as ISO", "rocketlane", "task-created.json", "", edit{ptr: "/eventOccurredAt", val: "2023-12-11T03:43:45.732Z"}, "/eventOccurredAt", "expected integer"},
		{"rocketlane slash date", "rocketlane", "task-created.json", "", edit{ptr: "/data/task/startDate", val: "2023/12/04"}, "/data/task/startDate", "YYYY-MM-DD"},
		{"rocketlane missing task id", "rocketlane", "task-updated.name.json", "", edit{ptr: "/data/task/taskId", del: true}, "/data/task", "taskId"},
		{"rocketlane stray period", "rocketlane", "task-updated.name.json", "", edit{ptr: "/eventType", val: "TASK_UPDATED."}, "/eventType", "TASK_UPDATED"},
		{"rocketlane update without changeLog", "rocketlane", "task-updated.assignee.json", "", edit{ptr: "/changeLog", del: true}, "", "changeLog"},
		{"rocketlane string user id", "rocketlane", "task-created.json", "", edit{ptr: "/source/actor/userId", val: "1"}, "/source/actor/userId", "expected integer"},

		{"flexdeploy ISO timestamp", "flexdeploy", "pipeline-stage-completed.json", "", edit{ptr: "/timestamp", val: "2020-12-16T15:12:41Z"}, "/timestamp", "2020-12-16 15:12:41 -0500"},
		{"flexdeploy string release id", "flexdeploy", "release-started.classic.json", "", edit{ptr: "/payload/release/releaseId", val: "54052"}, "/payload/release/releaseId", "expected integer"},
		{"flexdeploy missing actor", "flexdeploy", "user-created.json", "", edit{ptr: "/actor", del: true}, "", "actor"},
		{"flexdeploy wrong event name", "flexdeploy", "comment-deleted.json", "", edit{ptr: "/eventType", val: "Comment Updated"}, "/eventType", "Comment Deleted"},
		{"flexdeploy US date", "flexdeploy", "release-started.classic.json", "", edit{ptr: "/payload/startDate", val: "09/18/2020"}, "/payload/startDate", "2020"},
		{"flexdeploy package status", "flexdeploy", "package-created.json", "", edit{ptr: "/payload/packageStatus", val: "DONE"}, "/payload/packageStatus", "ACTIVE"},
		{"flexdeploy 9.0 start date as a date", "flexdeploy", "release-ended.9.0.json", "", edit{ptr: "/payload/startDate", val: 1.5}, "/payload/startDate", "integer"},
		{"flexdeploy classic sample checked as 9.0", "flexdeploy", "release-started.classic.json", "", edit{ptr: "/payload/startDate", val: 1600387200000}, "/payload/projects/0", "packageName"},
		{"flexdeploy branch object as name", "flexdeploy", "branch-created.json", "", edit{ptr: "/object", val: "new branch"}, "/object", "branch's id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join("testdata", "samples", tt.vendor, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			slug := tt.slug
			if slug == "" {
				slug, _, _ = strings.Cut(strings.TrimSuffix(tt.file, ".json"), ".")
			}
			body := apply(t, orig, tt.edit)
			err = schemas.Validate(tt.vendor, slug, body)
			var se *schemas.Error
			if !errors.As(err, &se) {
				t.Fatalf("broken payload accepted (err = %v)", err)
			}
			for _, v := range se.Violations {
				if v.Pointer == tt.wantPtr && strings.Contains(v.Message, tt.wantText) {
					return
				}
			}
			t.Errorf("no violation at %q mentioning %q; got:\n%v", tt.wantPtr, tt.wantText, se)
		})
	}
}

func TestSyntaxErrorsNameLineAndColumn(t *testing.T) {
	err := schemas.Validate("cutover", "task-created", []byte("{\n  \"id\": \"x\",\n  \"type\" \"core.event\"\n}"))
	var se *schemas.Error
	if !errors.As(err, &se) || se.Syntax == nil {
		t.Fatalf("want a syntax error, got %v", err)
	}
	if se.Syntax.Line != 3 || se.Syntax.Column != 10 {
		t.Errorf("syntax error at %d:%d, want 3:10 (%v)", se.Syntax.Line, se.Syntax.Column, se.Syntax)
	}
	for _, in := range []string{"", "{", `{"a":1} {"b":2}`} {
		var se *schemas.Error
		if err := schemas.Validate("cutover", "task-created", []byte(in)); !errors.As(err, &se) || se.Syntax == nil {
			t.Errorf("%q: want a syntax error, got %v", in, err)
		}
	}
}

func TestUnknownSchema(t *testing.T) {
	if err := schemas.Validate("cutover", "no-such-event", []byte(`{}`)); err == nil || !strings.Contains(err.Error(), "no schema") {
		t.Errorf("got %v", err)
	}
}

func TestValidateIsSafeConcurrently(t *testing.T) {
	all := samples(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, s := range all {
				if err := schemas.Validate(s.vendor, s.slug, s.body); err != nil {
					t.Errorf("%s: %v", s.file, err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestHugeNumbersAreViolationsNotPanics: the reference validator cannot
// read 1e10000000; the place is reported instead.
func TestHugeNumbersAreViolationsNotPanics(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "samples", "rocketlane", "task-created.json"))
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(strings.Replace(string(b), `"taskId": 278`, `"taskId": 1e10000000`, 1))
	if string(body) == string(b) {
		t.Fatal("the sample has no taskId to replace")
	}
	err = schemas.Validate("rocketlane", "task-created", body)
	var se *schemas.Error
	if !errors.As(err, &se) || len(se.Violations) != 1 || se.Violations[0].Pointer != "/data/task/taskId" || !strings.Contains(se.Violations[0].Message, "too large") {
		t.Fatalf("%v", err)
	}
}

// TestNestingLimit: encoding/json's 10,000 levels hold on every path.
func TestNestingLimit(t *testing.T) {
	deep := []byte(strings.Repeat("[", 10001) + strings.Repeat("]", 10001))
	if _, err := schemas.Decode(deep); err == nil {
		t.Error("Decode accepted 10,001 levels of nesting")
	}
	ok := []byte(strings.Repeat("[", 10000) + strings.Repeat("]", 10000))
	if _, err := schemas.Decode(ok); err != nil {
		t.Errorf("Decode refused 10,000 levels: %v", err)
	}
}

// samples90 are the samples FlexDeploy 9.0's page adds
// (vendor-docs/flexdeploy-events-9.0.txt): the whole ones, and the partly
// recovered ones as standin completed them (testdata/samples/flexdeploy/partial).
var samples90 = []string{
	"branch-activated.json", "branch-created.json", "pipeline-version-activated.json",
	"project-created.json", "project-deleted.json", "release-ended.9.0.json",
	"partial/release-content-changed.json", "partial/release-updated.json",
}

// TestPartialSamplesKeepTheRecoveredText: a completed sample starts with
// exactly the text the 9.0 file recovered (whitespace aside), so standin
// supplied only what comes after the cut.
func TestPartialSamplesKeepTheRecoveredText(t *testing.T) {
	squash := func(b []byte) string { return strings.Join(strings.Fields(string(b)), "") }
	for _, slug := range []string{"release-content-changed", "release-updated"} {
		dir := filepath.Join("testdata", "samples", "flexdeploy", "partial")
		rec, err := os.ReadFile(filepath.Join(dir, slug+".recovered.txt"))
		if err != nil {
			t.Fatal(err)
		}
		done, err := os.ReadFile(filepath.Join(dir, slug+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(squash(done), squash(rec)) {
			t.Errorf("%s: the completed sample does not start with the recovered text", slug)
		}
	}
}

// TestSamples90ValidateAndBrokenCopiesAreRefused: every 9.0 sample
// validates, and for each of its payload fields a copy without it, with a
// value of another type, and a copy with an unknown field are refused.
func TestSamples90ValidateAndBrokenCopiesAreRefused(t *testing.T) {
	optional := map[string]bool{"removedProjects": true, "removedWorkItems": true}
	for _, f := range samples90 {
		body, err := os.ReadFile(filepath.Join("testdata", "samples", "flexdeploy", f))
		if err != nil {
			t.Fatal(err)
		}
		slug, _, _ := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".json"), ".")
		if err := schemas.Validate("flexdeploy", slug, body); err != nil {
			t.Errorf("%s: doc sample rejected: %v", f, err)
			continue
		}
		var doc struct {
			Payload map[string]any `json:"payload"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatal(err)
		}
		edits := []edit{{ptr: "/payload/standinUnknown", val: "x"}, {ptr: "/actor", val: 7}, {ptr: "/eventType", del: true}}
		for k, v := range doc.Payload {
			if !optional[k] {
				edits = append(edits, edit{ptr: "/payload/" + k, del: true})
			}
			edits = append(edits, edit{ptr: "/payload/" + k, val: otherType(v)})
		}
		for _, e := range edits {
			if err := schemas.Validate("flexdeploy", slug, apply(t, body, e)); err == nil {
				t.Errorf("%s: broken copy accepted (%s deleted=%v value %v)", f, e.ptr, e.del, e.val)
			}
		}
	}
}

// otherType returns a value of another JSON type than v's, and not null.
func otherType(v any) any {
	switch v.(type) {
	case float64:
		return "12345"
	case bool:
		return "true"
	case map[string]any:
		return []any{}
	case []any, nil:
		return map[string]any{"x": 1}
	}
	return 12345 // strings
}
