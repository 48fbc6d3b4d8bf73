package flexdeploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/schemas"
)

const sampleDir = "../../schemas/testdata/samples/flexdeploy"

// seeds is how many seeds the property tests try per event and variant.
const seeds = 1000

// kind is one FlexDeploy event with one of its variants ("" when it has
// none), and the doc sample of that shape: its own, or (shapeFrom) the
// sample of the documented event its shape follows; nil when there is
// none (Error Occurred, Workflow Version Activated).
type kind struct {
	event   catalog.Event
	variant string
	sample  []byte
	// own says the sample is the event's own doc sample.
	own bool
}

// shapeFrom names, for the kinds with no whole doc sample of their own, the
// sample file (under sampleDir) whose shape they follow: partly recovered
// samples as standin completed them, or the nearest documented relative.
var shapeFrom = map[string]string{
	"release-started.9.0":        "release-ended.9.0.json",
	"branch-deleted":             "branch-activated.json",
	"branch-inactivated":         "branch-activated.json",
	"project-activated":          "project-created.json",
	"project-inactivated":        "project-created.json",
	"release-content-changed":    "partial/release-content-changed.json",
	"release-updated":            "partial/release-updated.json",
	"error-occurred":             "",
	"workflow-version-activated": "",
}

func (k kind) name() string {
	if k.variant == "" {
		return k.event.Slug
	}
	return k.event.Slug + "." + k.variant
}

func kinds(t testing.TB) []kind {
	t.Helper()
	var out []kind
	for _, e := range Vendor.Events() {
		variants := e.Variants
		if len(variants) == 0 {
			variants = []string{""}
		}
		for _, v := range variants {
			k := kind{event: e, variant: v, own: true}
			file, borrowed := shapeFrom[k.name()]
			if borrowed {
				k.own = false
			} else {
				file = k.name() + ".json"
			}
			if file != "" {
				b, err := os.ReadFile(filepath.Join(sampleDir, file))
				if err != nil {
					t.Fatalf("doc sample of %s: %v", k.name(), err)
				}
				k.sample = b
			}
			out = append(out, k)
		}
	}
	if len(out) != 34 {
		t.Fatalf("%d FlexDeploy events and variants, want 34", len(out))
	}
	return out
}

// withEventType returns sample with its eventType set to name: a borrowed
// sample checked against the event that borrows its shape.
func withEventType(t testing.TB, sample []byte, name string) []byte {
	t.Helper()
	doc := decode(t, sample)
	doc["eventType"] = name
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func generateKind(t testing.TB, seed uint64, k kind, quirks bool) []byte {
	t.Helper()
	b, err := Vendor.Generate(fake.New(seed, time.Time{}), k.event, catalog.Options{Variant: k.variant, Quirks: quirks})
	if err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	return b
}

func decode(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	return m
}

// TestDocSamplesValidate checks the mended doc samples against the schemas
// (the schemas package's golden test does too; this keeps the generator's
// tests self-contained).
func TestDocSamplesValidate(t *testing.T) {
	for _, k := range kinds(t) {
		if k.sample == nil {
			continue
		}
		if err := schemas.Validate("flexdeploy", k.event.Slug, withEventType(t, k.sample, k.event.Name)); err != nil {
			t.Errorf("%s: %v", k.name(), err)
		}
	}
}

// TestGenerated checks, for every event and variant, with and without
// quirks, over many seeds: the payload validates, has the doc sample's
// shape, and is reproducible from its seed.
func TestGenerated(t *testing.T) {
	for _, k := range kinds(t) {
		var sampleShape payload.Shape
		if k.sample != nil {
			var err error
			if sampleShape, err = payload.ShapeOf(k.sample); err != nil {
				t.Fatal(err)
			}
		}
		for _, quirks := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/quirks=%v", k.name(), quirks), func(t *testing.T) {
				t.Parallel()
				distinct := map[string]bool{}
				for seed := uint64(1); seed <= seeds; seed++ {
					b := generateKind(t, seed, k, quirks)
					if err := schemas.Validate("flexdeploy", k.event.Slug, b); err != nil {
						t.Fatalf("seed %d: %v\n%s", seed, err, b)
					}
					shape, err := payload.ShapeOf(b)
					if err != nil {
						t.Fatal(err)
					}
					if gaps := payload.Covers(sampleShape, shape); k.sample != nil && len(gaps) > 0 {
						t.Fatalf("seed %d does not cover the doc sample:\n%s\n%s", seed, strings.Join(gaps, "\n"), b)
					}
					if again := generateKind(t, seed, k, quirks); !bytes.Equal(b, again) {
						t.Fatalf("seed %d gave different bytes:\n%s\n%s", seed, b, again)
					}
					distinct[string(b)] = true
				}
				if len(distinct) != seeds {
					t.Errorf("%d seeds gave %d distinct payloads", seeds, len(distinct))
				}
			})
		}
	}
}

var tsRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$`)

// walk, at and str read decoded payloads by JSON pointer.
var walk, at, str = catalogtest.Walk, catalogtest.At, catalogtest.Str

func num(doc any, ptr string) int64 {
	n, ok := at(doc, ptr).(json.Number)
	if !ok {
		return -1
	}
	i, _ := n.Int64()
	return i
}

func parseTS(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(timestampLayout, s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return tm
}

// TestConsistency checks that the ids inside one payload agree and that
// its times are in order, over many seeds.
func TestConsistency(t *testing.T) {
	type check struct {
		what string
		ok   func(doc map[string]any) bool
	}
	eq := func(a, b string) check {
		return check{a + " = " + b, func(d map[string]any) bool {
			return fmt.Sprint(at(d, a)) == fmt.Sprint(at(d, b)) && at(d, a) != nil
		}}
	}
	less := func(a, b string) check {
		return check{a + " < " + b, func(d map[string]any) bool { return num(d, a) >= 0 && num(d, a) < num(d, b) }}
	}
	prefix := func(a, b string) check {
		return check{a + " starts with " + b, func(d map[string]any) bool { return strings.HasPrefix(str(d, a), str(d, b)+"-") }}
	}
	checks := map[string][]check{
		"comment-added": {{"object is Comment - commentId", func(d map[string]any) bool {
			return str(d, "/object") == "Comment - "+string(at(d, "/payload/commentId").(json.Number))
		}}},
		"comment-updated": {{"old text differs", func(d map[string]any) bool {
			return str(d, "/payload/oldCommentText") != str(d, "/payload/commentText")
		}}},
		"package-created":        {eq("/object", "/payload/packageName"), eq("/payload/projectId", "/payload/project/projectId"), prefix("/payload/packageName", "/payload/project/projectName")},
		"package-status-updated": {eq("/object", "/payload/packageName"), eq("/payload/projectId", "/payload/project/projectId")},
		"pipeline-stage-completed": {
			eq("/object", "/payload/release/releaseName"),
			eq("/payload/environment/environmentId", "/payload/pipelineStageExecution/environmentId"),
			eq("/payload/snapshot/releaseId", "/payload/release/releaseId"),
			eq("/payload/pipelineStageExecution/endTime", "/timestamp"),
			less("/payload/snapshot/snapshotId", "/payload/pipelineStageExecution/stageExecutionId"),
		},
		"release-started":    {eq("/object", "/payload/release/releaseName")},
		"release-ended":      {eq("/object", "/payload/release/releaseName")},
		"snapshot-completed": {eq("/object", "/payload/snapshot/snapshotName")},
		"tag-assigned":       {eq("/object", "/payload/tag/tagKey"), eq("/payload/tagId", "/payload/tag/tagId")},
		"tag-unassigned":     {eq("/object", "/payload/tag/tagKey"), eq("/payload/tagId", "/payload/tag/tagId")},
		"task-created": {
			eq("/object", "/payload/release/releaseName"), eq("/actor", "/payload/createdBy"),
			eq("/payload/environment/environmentId", "/payload/pipelineExecution/activeStageExecution/environmentId"),
			less("/payload/snapshotId", "/payload/pipelineExecution/pipelineExecutionId"),
			less("/payload/pipelineExecution/pipelineExecutionId", "/payload/pipelineExecution/activeStageExecution/stageExecutionId"),
			less("/payload/pipelineExecution/activeStageExecution/stageExecutionId", "/payload/pipelineExecution/activeStageExecution/activeStep/executionId"),
		},
		"task-approved": {
			eq("/object", "/payload/release/releaseName"), eq("/actor", "/payload/updatedBy"),
			eq("/payload/environment/environmentId", "/payload/pipelineExecution/activeStageExecution/environmentId"),
			less("/payload/snapshotId", "/payload/pipelineExecution/pipelineExecutionId"),
		},
		"task-rejected": {
			eq("/object", "/payload/release/releaseName"), eq("/actor", "/payload/updatedBy"),
			eq("/payload/environment/environmentId", "/payload/pipelineExecution/activeStageExecution/environmentId"),
		},
		"user-created":       {eq("/object", "/payload/userName")},
		"branch-activated":   {eq("/object", "/payload/projectBranchId"), eq("/actor", "/payload/updatedBy")},
		"branch-created":     {eq("/object", "/payload/projectBranchId"), eq("/actor", "/payload/createdBy"), eq("/payload/createdOn", "/timestamp")},
		"branch-deleted":     {eq("/object", "/payload/projectBranchId"), eq("/actor", "/payload/updatedBy")},
		"branch-inactivated": {eq("/object", "/payload/projectBranchId"), eq("/actor", "/payload/updatedBy")},
		"error-occurred": {{"object is Error - errorId", func(d map[string]any) bool {
			return str(d, "/object") == "Error - "+string(at(d, "/payload/errorId").(json.Number))
		}}, eq("/actor", "/payload/createdBy")},
		"pipeline-version-activated": {eq("/object", "/payload/pipelineVersionId"), eq("/actor", "/payload/updatedBy"), less("/payload/pipeline/pipelineId", "/payload/pipelineVersionId")},
		"workflow-version-activated": {eq("/object", "/payload/workflowVersionId"), eq("/actor", "/payload/updatedBy"), less("/payload/workflow/workflowId", "/payload/workflowVersionId")},
		"project-created":            {eq("/object", "/payload/projectId")},
		"project-activated":          {eq("/object", "/payload/projectId")},
		"project-inactivated":        {eq("/object", "/payload/projectId")},
		"project-deleted":            {eq("/object", "/payload/projectId")},
		"release-updated":            {eq("/object", "/payload/release/releaseName")},
		"release-content-changed": {eq("/object", "/payload/release/releaseName"), {"added projects and work items are in the content", func(d map[string]any) bool {
			in := func(part, whole string) bool {
				all := fmt.Sprint(at(d, whole))
				for _, x := range at(d, part).([]any) {
					if !strings.Contains(all, fmt.Sprint(x)) {
						return false
					}
				}
				return true
			}
			return in("/payload/addedProjects", "/payload/projects") && in("/payload/addedWorkItems", "/payload/workItems")
		}}},
		"work-item-created": {eq("/object", "/payload/workItemNumber"), eq("/payload/workItemNumber", "/payload/flxWorkItemId")},
		"work-item-updated": {eq("/object", "/payload/workItemNumber"), eq("/actor", "/payload/updatedBy")},
		"workflow-completed": {
			eq("/object", "/payload/project/projectName"), eq("/payload/endTime", "/timestamp"),
			eq("/payload/updatedOn", "/payload/endTime"),
			{"snapshot belongs to the release", func(d map[string]any) bool {
				return fmt.Sprint(at(d, "/payload/snapshot/releaseId")) == fmt.Sprint(at(d, "/payload/release/releaseId"))
			}},
			{"packageName only for DEPLOY, named after the project", func(d map[string]any) bool {
				_, has := at(d, "/payload").(map[string]any)["packageName"]
				deploy := str(d, "/payload/workflow/workflowType") == "DEPLOY"
				return has == deploy && (!deploy || strings.HasPrefix(str(d, "/payload/packageName"), str(d, "/payload/project/projectName")+"-"))
			}},
		},
	}
	// 9.0's startDate is the release's start instant: Release Started's
	// timestamp.
	checks["release-started"] = append(checks["release-started"], check{"startDate is the timestamp in epoch ms", func(d map[string]any) bool {
		n, ok := at(d, "/payload/startDate").(json.Number)
		if !ok {
			return true // the classic shape: a date
		}
		ms, err := n.Int64()
		ts, perr := time.Parse(timestampLayout, str(d, "/timestamp"))
		return err == nil && perr == nil && ms == ts.UnixMilli()
	}})
	for _, k := range kinds(t) {
		t.Run(k.name(), func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= seeds; seed++ {
				doc := decode(t, generateKind(t, seed, k, false))
				for _, c := range checks[k.event.Slug] {
					if !c.ok(doc) {
						t.Fatalf("seed %d: want %s:\n%v", seed, c.what, doc)
					}
				}
				checkTimes(t, seed, doc)
			}
		})
	}
}

// checkTimes checks createdOn <= updatedOn <= timestamp, startTime <=
// endTime <= timestamp, test suites inside their workflow, and that every
// timestamp of one payload has the same zone.
func checkTimes(t *testing.T, seed uint64, doc map[string]any) {
	t.Helper()
	event := time.Time{}
	if s := str(doc, "/timestamp"); s != "" {
		event = parseTS(t, s)
	} else {
		event = parseTS(t, str(doc, "/payload/updatedOn"))
	}
	zone := ""
	walk("", doc, func(ptr string, v any) {
		if s, ok := v.(string); ok && tsRE.MatchString(s) {
			if zone == "" {
				zone = s[len(s)-5:]
			} else if s[len(s)-5:] != zone {
				t.Fatalf("seed %d: %s in zone %s, others in %s", seed, ptr, s[len(s)-5:], zone)
			}
			if parseTS(t, s).After(event) {
				t.Fatalf("seed %d: %s %s is after the event (%s)", seed, ptr, s, event)
			}
		}
	})
	order := func(a, b string) {
		sa, sb := str(doc, a), str(doc, b)
		if sa == "" || sb == "" {
			return
		}
		if parseTS(t, sa).After(parseTS(t, sb)) {
			t.Fatalf("seed %d: %s %s after %s %s", seed, a, sa, b, sb)
		}
	}
	order("/payload/createdOn", "/payload/updatedOn")
	order("/payload/startTime", "/payload/endTime")
	order("/payload/createdOn", "/payload/startTime")
	order("/payload/pipelineStageExecution/startTime", "/payload/pipelineStageExecution/endTime")
	suites, _ := at(doc, "/payload/testSuiteExec").([]any)
	for i := range suites {
		p := "/payload/testSuiteExec/" + strconv.Itoa(i)
		order("/payload/startTime", p+"/startTime")
		order(p+"/startTime", p+"/endTime")
		order(p+"/endTime", "/payload/endTime")
	}
	if name := str(doc, "/payload/snapshot/snapshotName"); name != "" && str(doc, "/payload/createdOn") != "" && str(doc, "/eventType") == snapshotCompleted {
		taken, err := time.ParseInLocation(snapshotNameLayout, name, parseTS(t, str(doc, "/payload/createdOn")).Location())
		if err != nil {
			t.Fatalf("seed %d: snapshot name %q: %v", seed, name, err)
		}
		if taken.Before(parseTS(t, str(doc, "/payload/createdOn"))) || taken.After(event) {
			t.Fatalf("seed %d: snapshot named %q outside its creation %s .. %s", seed, name, str(doc, "/payload/createdOn"), event)
		}
	}
}

// TestQuirkPutsMinutesInTheMonth generates every event with the same seed
// with and without Quirks: the payloads must be the same except that every
// timestamp (but the test suites', correct in the docs) has the minutes
// where the month belongs.
func TestQuirkPutsMinutesInTheMonth(t *testing.T) {
	for _, k := range kinds(t) {
		t.Run(k.name(), func(t *testing.T) {
			for seed := uint64(1); seed <= 200; seed++ {
				plain, quirky := decode(t, generateKind(t, seed, k, false)), decode(t, generateKind(t, seed, k, true))
				stamps := 0
				walk("", plain, func(ptr string, v any) {
					q := at(quirky, ptr)
					s, ok := v.(string)
					if !ok || !tsRE.MatchString(s) {
						if _, scalar := v.(string); scalar && fmt.Sprint(q) != s {
							t.Fatalf("seed %d: %s is %q with quirks, %q without", seed, ptr, q, s)
						}
						return
					}
					qs, _ := q.(string)
					if strings.Contains(ptr, "/testSuiteExec/") {
						if qs != s {
							t.Fatalf("seed %d: test suite time %s changed by quirks: %q vs %q", seed, ptr, qs, s)
						}
						return
					}
					stamps++
					if want := s[:5] + s[14:16] + s[7:]; qs != want {
						t.Fatalf("seed %d: %s with quirks is %q, want %q (from %q)", seed, ptr, qs, want, s)
					}
					if _, err := time.Parse(quirkTimestampLayout, qs); err != nil {
						t.Fatalf("seed %d: %s: %v", seed, ptr, err)
					}
				})
				if stamps == 0 {
					t.Fatalf("seed %d: no timestamps", seed)
				}
			}
		})
	}
}

func TestTimestamp(t *testing.T) {
	tm := time.Date(2020, time.July, 16, 20, 12, 41, 0, time.UTC)
	tests := []struct {
		zone  *time.Location
		quirk bool
		want  string
	}{
		{zone(-300), false, "2020-07-16 15:12:41 -0500"},
		{zone(-300), true, "2020-12-16 15:12:41 -0500"},
		{zone(330), false, "2020-07-17 01:42:41 +0530"},
		{zone(330), true, "2020-42-17 01:42:41 +0530"},
		{nil, false, "2020-07-16 20:12:41 +0000"},
	}
	for _, tt := range tests {
		if got := timestamp(tm, tt.zone, tt.quirk); got != tt.want {
			t.Errorf("Timestamp(%v, %v) = %q, want %q", tt.zone, tt.quirk, got, tt.want)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	wc, err := catalog.LookupIn(Vendor, "Workflow Completed")
	if err != nil {
		t.Fatal(err)
	}
	ra, err := catalog.LookupIn(Vendor, "User Created")
	if err != nil {
		t.Fatal(err)
	}
	co := catalog.Event{Vendor: "cutover", Name: "task.created", Slug: "task-created"}
	tests := []struct {
		name string
		ev   catalog.Event
		opts catalog.Options
	}{
		{"unknown event", catalog.Event{Vendor: "flexdeploy", Name: "Branch Renamed", Slug: "branch-renamed"}, catalog.Options{}},
		{"other vendor", co, catalog.Options{}},
		{"unknown variant", wc, catalog.Options{Variant: "build"}},
		{"variant of an event without", ra, catalog.Options{Variant: "deploy"}},
		{"release variant of another event", wc, catalog.Options{Variant: "9.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if b, err := Vendor.Generate(fake.New(1, time.Time{}), tt.ev, tt.opts); err == nil {
				t.Errorf("no error; got %s", b)
			}
		})
	}
}

// edit is one change to a payload: the value at a JSON pointer set, or the
// member deleted.
type edit struct {
	ptr string
	val any
	del bool
}

func apply(t *testing.T, body []byte, e edit) []byte {
	t.Helper()
	doc := any(decode(t, body))
	toks := strings.Split(strings.TrimPrefix(e.ptr, "/"), "/")
	parent := at(doc, "/"+strings.Join(toks[:len(toks)-1], "/"))
	if len(toks) == 1 {
		parent = doc
	}
	last := toks[len(toks)-1]
	switch n := parent.(type) {
	case map[string]any:
		if e.del {
			if _, ok := n[last]; !ok {
				t.Fatalf("nothing to delete at %s", e.ptr)
			}
			delete(n, last)
		} else {
			n[last] = e.val
		}
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i >= len(n) {
			t.Fatalf("bad pointer %s", e.ptr)
		}
		n[i] = e.val
	default:
		t.Fatalf("pointer %s leaves the document", e.ptr)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBrokenPayloadsAreRejected breaks one thing in a doc sample or a
// generated payload and expects a violation at the right JSON pointer
// whose message says what was expected.
func TestBrokenPayloadsAreRejected(t *testing.T) {
	byName := map[string]kind{}
	for _, k := range kinds(t) {
		byName[k.name()] = k
	}
	sample := func(n string) func(*testing.T) []byte { return func(*testing.T) []byte { return byName[n].sample } }
	generated := func(n string) func(*testing.T) []byte {
		return func(t *testing.T) []byte { return generateKind(t, 42, byName[n], false) }
	}
	tests := []struct {
		name     string
		kind     string
		body     func(*testing.T) []byte
		edit     edit
		wantPtr  string
		wantText string
	}{
		{"missing release id", "release-started.classic", sample("release-started.classic"), edit{ptr: "/payload/release/releaseId", del: true}, "/payload/release", "releaseId"},
		{"missing actor", "user-created", generated("user-created"), edit{ptr: "/actor", del: true}, "", "actor"},
		{"missing taskIdentifier in Task Approved", "task-approved", generated("task-approved"), edit{ptr: "/payload/taskIdentifier", del: true}, "/payload", "taskIdentifier"},
		{"missing releaseDescription in Task Rejected", "task-rejected", sample("task-rejected"), edit{ptr: "/payload/release/releaseDescription", del: true}, "/payload/release", "releaseDescription"},
		{"missing testResults", "workflow-completed.test", generated("workflow-completed.test"), edit{ptr: "/payload/testSuiteExec/0/testExecutions/0/testResults", del: true}, "/payload/testSuiteExec/0/testExecutions/0", "testResults"},
		{"release id as a string", "release-started.classic", sample("release-started.classic"), edit{ptr: "/payload/release/releaseId", val: "54052"}, "/payload/release/releaseId", "expected integer"},
		{"stage id as a string", "pipeline-stage-completed", generated("pipeline-stage-completed"), edit{ptr: "/payload/pipelineStageExecution/stageExecutionId", val: "104516"}, "/payload/pipelineStageExecution/stageExecutionId", "expected integer"},
		{"ISO-8601 timestamp", "pipeline-stage-completed", sample("pipeline-stage-completed"), edit{ptr: "/timestamp", val: "2020-12-16T15:12:41Z"}, "/timestamp", "2020-12-16 15:12:41 -0500"},
		{"ISO-8601 createdOn", "comment-added", generated("comment-added"), edit{ptr: "/payload/createdOn", val: "2020-12-16T15:12:41Z"}, "/payload/createdOn", "yyyy-MM-dd HH:mm:ss Z"},
		{"minute 60 in the month", "snapshot-completed", sample("snapshot-completed"), edit{ptr: "/payload/createdOn", val: "2020-60-16 15:58:57 -0500"}, "/payload/createdOn", "FlexDeploy timestamp"},
		{"null timestamp outside Snapshot Completed", "tag-assigned", sample("tag-assigned"), edit{ptr: "/timestamp", val: nil}, "/timestamp", "expected string"},
		{"US start date", "release-started.classic", sample("release-started.classic"), edit{ptr: "/payload/startDate", val: "09/18/2020"}, "/payload/startDate", "yyyy-MM-dd"},
		{"wrong eventType", "comment-deleted", sample("comment-deleted"), edit{ptr: "/eventType", val: "Comment Updated"}, "/eventType", "Comment Deleted"},
		{"unknown payload field", "package-created", generated("package-created"), edit{ptr: "/payload/packageVersion", val: "1.0.3"}, "/payload", "packageVersion"},
		{"unknown envelope field", "release-ended.classic", sample("release-ended.classic"), edit{ptr: "/eventId", val: "x"}, "", "eventId"},
		{"unknown nested field", "workflow-completed.deploy", sample("workflow-completed.deploy"), edit{ptr: "/payload/workflowRequest/requestedBy", val: "fdadmin"}, "/payload/workflowRequest", "requestedBy"},
		{"package status DONE", "package-status-updated", sample("package-status-updated"), edit{ptr: "/payload/packageStatus", val: "DONE"}, "/payload/packageStatus", "ACTIVE"},
		{"workflow still running", "workflow-completed.deploy", generated("workflow-completed.deploy"), edit{ptr: "/payload/executionStatus", val: "RUNNING"}, "/payload/executionStatus", "SUCCESS"},
		{"stage status", "pipeline-stage-completed", sample("pipeline-stage-completed"), edit{ptr: "/payload/pipelineStageExecution/executionStatus", val: "RUNNING"}, "/payload/pipelineStageExecution/executionStatus", "FAILED"},
		{"created task already approved", "task-created", sample("task-created"), edit{ptr: "/payload/taskStatus", val: "APPROVED"}, "/payload/taskStatus", "PENDING"},
		{"lower-case test status", "workflow-completed.test", sample("workflow-completed.test"), edit{ptr: "/payload/testSuiteExec/0/status", val: "failed"}, "/payload/testSuiteExec/0/status", "upper case"},
		{"lower-case environment code", "task-approved", generated("task-approved"), edit{ptr: "/payload/environment/environmentCode", val: "dev"}, "/payload/environment/environmentCode", "DEV"},
		{"plain-text comment", "comment-updated", sample("comment-updated"), edit{ptr: "/payload/commentText", val: "test4"}, "/payload/commentText", "rich-text"},
		{"task identifier not a UUID", "task-approved", sample("task-approved"), edit{ptr: "/payload/taskIdentifier", val: "274103"}, "/payload/taskIdentifier", "UUID"},
		{"null workflow in Workflow Completed", "workflow-completed.test", generated("workflow-completed.test"), edit{ptr: "/payload/workflow", val: nil}, "/payload/workflow", "expected object"},
		{"active step not an object", "pipeline-stage-completed", sample("pipeline-stage-completed"), edit{ptr: "/payload/pipelineStageExecution/activeStep", val: "gate"}, "/payload/pipelineStageExecution/activeStep", "expected object"},
		{"flex field as a number", "workflow-completed.deploy", sample("workflow-completed.deploy"), edit{ptr: "/payload/workflowRequest/flexFields/3", val: 7}, "/payload/workflowRequest/flexFields/3", "expected string"},
		{"tag style not JSON", "tag-unassigned", generated("tag-unassigned"), edit{ptr: "/payload/tag/tagStyle", val: "indigo"}, "/payload/tag/tagStyle", "colours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := byName[tt.kind]
			if !ok {
				t.Fatalf("no kind %s", tt.kind)
			}
			body := tt.body(t)
			if err := schemas.Validate("flexdeploy", k.event.Slug, body); err != nil {
				t.Fatalf("unbroken payload rejected: %v", err)
			}
			err := schemas.Validate("flexdeploy", k.event.Slug, apply(t, body, tt.edit))
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
