package flexdeploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/catalog/catalogtest"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/flexdeploy"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// The facts these tests hold the story to, as FlexDeploy's docs state them
// (vendor-docs/flexdeploy-events.txt, flexdeploy-events-9.0.txt,
// vendor-notes.md), not as standin prints them.
var (
	// docStageStatuses: "pipeline stage executions can end Success, Failed,
	// Rejected (by a user, usually at an approval gate), Aborted, Gates
	// Failed, Out of Date or Skipped", printed as the samples print
	// statuses (FAILED, RUNNING_GATES).
	docStageStatuses = []string{"SUCCESS", "FAILED", "REJECTED", "ABORTED", "GATES_FAILED", "OUT_OF_DATE", "SKIPPED"}
	// docSnapshotStatuses: the samples' INITIATED; "snapshots can fail to
	// build" (Failed).
	docSnapshotStatuses = []string{"INITIATED", "FAILED"}
	// docTaskStatuses: the Task Created, Approved and Rejected samples.
	docTaskStatuses = []string{"PENDING", "APPROVED", "REJECTED"}
	// docWorkflowStatuses: "whenever a workflow execution succeeds or
	// fails"; the samples' SUCCESS, the TEST sample's FAILED results.
	docWorkflowStatuses = []string{"SUCCESS", "FAILED"}
	// docWorkflowTypes: "Build, Deploy, Utility, etc.", the samples' DEPLOY
	// and TEST.
	docWorkflowTypes = []string{"BUILD", "DEPLOY", "TEST", "UTILITY"}
	// docPackageStatuses: Package Status Updated's "('Active', 'Inactive',
	// 'Completed')".
	docPackageStatuses = []string{"ACTIVE", "INACTIVE", "COMPLETED"}
	// docTestStatuses: the TEST sample's PASSED and FAILED.
	docTestStatuses = []string{"PASSED", "FAILED"}
)

// storySeeds is how many seeds the story is played with, per outcome.
var storySeeds = uint64(catalogtest.Seeds(200))

// playStory plays the built-in release story with seed and outcome, with
// no receiver (the payloads are the run's), every payload validated.
func playStory(t *testing.T, seed uint64, outcome string) []map[string]any {
	t.Helper()
	sc, err := scenarios.Builtin("flexdeploy-release-pipeline")
	if err != nil {
		t.Fatal(err)
	}
	e := delivery.New(delivery.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer func() { _ = e.Shutdown(context.Background()) }()
	r, err := runs.New(sc, e, runs.Options{Seed: &seed, Vars: map[string]string{"outcome": outcome}, SelfCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep := r.Play(ctx)
	if rep.Status != runs.Succeeded {
		t.Fatalf("seed %d %s: %s: %s", seed, outcome, rep.Status, rep.Error)
	}
	out := make([]map[string]any, len(rep.Events))
	for i, ev := range rep.Events {
		out[i] = decode(t, ev.Payload)
	}
	return out
}

// story is one played story with what the checks look up.
type story struct {
	t       *testing.T
	name    string
	events  []map[string]any
	outcome string
}

func (s story) fail(i int, format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s event %d (%s): %s\n%v", s.name, i, str(s.events[i], "/eventType"), fmt.Sprintf(format, args...), s.events[i])
}

// index returns the positions of the events named name.
func (s story) index(name string) []int {
	var out []int
	for i, e := range s.events {
		if str(e, "/eventType") == name {
			out = append(out, i)
		}
	}
	return out
}

// sameness checks that a key (an id) always goes with the same value (a
// name, a version) across the story's events, at every place fn finds
// pairs.
type sameness struct {
	what string
	seen map[string]string
}

func (m *sameness) add(s story, i int, key, val any) {
	s.t.Helper()
	if key == nil {
		return
	}
	k, v := fmt.Sprint(key), fmt.Sprint(val)
	if m.seen == nil {
		m.seen = map[string]string{}
	}
	if old, ok := m.seen[k]; ok && old != v {
		s.fail(i, "%s %s is %q here and %q before", m.what, k, v, old)
	}
	m.seen[k] = v
}

// TestStoryFidelity plays the release story over many seeds and every
// outcome and holds each run to FlexDeploy's facts across its events.
func TestStoryFidelity(t *testing.T) {
	for _, outcome := range []string{"approved", "rejected", "prod_failed", "quality_failed", "snapshot_failed"} {
		t.Run(outcome, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= storySeeds; seed++ {
				s := story{t: t, name: fmt.Sprintf("seed %d %s", seed, outcome), events: playStory(t, seed, outcome), outcome: outcome}
				checkStory(s)
			}
		})
	}
}

func checkStory(s story) {
	t := s.t
	t.Helper()
	evs := s.events
	releaseName := sameness{what: "release id"}
	envCode := sameness{what: "environment id"}
	envOfCode := sameness{what: "environment code"}
	projectName := sameness{what: "project id"}
	version := sameness{what: "project version of project"}
	versionName := sameness{what: "project version id"}
	pkg := sameness{what: "package of project"}
	pipeline := sameness{what: "pipeline id"}
	snapshots := map[string]bool{}
	executions := map[string]bool{}
	stageOfEnv := sameness{what: "stage execution of environment"}
	var last time.Time
	env := func(i int, e any) {
		m, _ := e.(map[string]any)
		if m == nil || m["environmentId"] == nil {
			return
		}
		envCode.add(s, i, m["environmentId"], m["environmentCode"])
		envOfCode.add(s, i, m["environmentCode"], m["environmentId"])
	}
	for i, e := range evs {
		name := str(e, "/eventType")
		ts := str(e, "/timestamp")
		if ts == "" {
			ts = str(e, "/payload/updatedOn") // Snapshot Completed: timestamp null, as documented
		}
		when := parseTS(t, ts)
		if when.Before(last) {
			s.fail(i, "timestamp %s before the previous event's %s", when, last)
		}
		last = when
		checkTimes(t, 0, e) // inside the payload: created <= updated <= the event, one zone
		if id := at(e, "/payload/release/releaseId"); id != nil {
			releaseName.add(s, i, id, str(e, "/payload/release/releaseName"))
		}
		if id := at(e, "/payload/pipeline/pipelineId"); id != nil {
			pipeline.add(s, i, id, str(e, "/payload/pipeline/pipelineName"))
		}
		env(i, at(e, "/payload/environment"))
		projects, _ := at(e, "/payload/projects").([]any)
		for _, p := range projects {
			env(i, p.(map[string]any)["buildEnvironment"])
			projectName.add(s, i, p.(map[string]any)["projectId"], p.(map[string]any)["projectName"])
			pkg.add(s, i, p.(map[string]any)["projectId"], p.(map[string]any)["packageName"])
		}
		if id := at(e, "/payload/snapshot/snapshotId"); id != nil {
			snapshots[fmt.Sprint(id)] = true
			if got := fmt.Sprint(at(e, "/payload/snapshot/releaseId")); got != fmt.Sprint(at(e, "/payload/release/releaseId")) && at(e, "/payload/release/releaseId") != nil {
				s.fail(i, "snapshot of release %s in an event about release %v", got, at(e, "/payload/release/releaseId"))
			}
			if st := str(e, "/payload/snapshot/snapshotStatus"); !slices.Contains(docSnapshotStatuses, st) {
				s.fail(i, "snapshot status %q is not one of %v", st, docSnapshotStatuses)
			}
		}
		switch name {
		case "Workflow Completed":
			pid := at(e, "/payload/project/projectId")
			projectName.add(s, i, pid, str(e, "/payload/project/projectName"))
			version.add(s, i, pid, fmt.Sprint(at(e, "/payload/projectVersionId"))+" "+str(e, "/payload/projectVersionName"))
			versionName.add(s, i, at(e, "/payload/projectVersionId"), str(e, "/payload/projectVersionName"))
			if p, ok := at(e, "/payload/packageName").(string); ok {
				pkg.add(s, i, pid, p)
			}
			if st := str(e, "/payload/executionStatus"); !slices.Contains(docWorkflowStatuses, st) {
				s.fail(i, "workflow status %q", st)
			}
			if wt := str(e, "/payload/workflow/workflowType"); !slices.Contains(docWorkflowTypes, wt) {
				s.fail(i, "workflow type %q", wt)
			}
			if str(e, "/payload/endTime") != str(e, "/timestamp") || parseTS(t, str(e, "/payload/startTime")).After(when) {
				s.fail(i, "workflow times out of order")
			}
		case "Pipeline Stage Completed":
			if st := str(e, "/payload/pipelineStageExecution/executionStatus"); !slices.Contains(docStageStatuses, st) {
				s.fail(i, "stage status %q is not one of %v", st, docStageStatuses)
			}
			if fmt.Sprint(at(e, "/payload/pipelineStageExecution/environmentId")) != fmt.Sprint(at(e, "/payload/environment/environmentId")) {
				s.fail(i, "stage execution in another environment than the event's")
			}
			executions[fmt.Sprint(at(e, "/payload/pipelineExecutionId"))] = true
			stageOfEnv.add(s, i, at(e, "/payload/environment/environmentId"), at(e, "/payload/pipelineStageExecution/stageExecutionId"))
		case "Task Created", "Task Approved", "Task Rejected":
			if st := str(e, "/payload/taskStatus"); !slices.Contains(docTaskStatuses, st) {
				s.fail(i, "task status %q", st)
			}
			if fmt.Sprint(at(e, "/payload/pipelineExecution/activeStageExecution/environmentId")) != fmt.Sprint(at(e, "/payload/environment/environmentId")) {
				s.fail(i, "gate's stage in another environment than the task's")
			}
			snapshots[fmt.Sprint(at(e, "/payload/snapshotId"))] = true
			executions[fmt.Sprint(at(e, "/payload/pipelineExecution/pipelineExecutionId"))] = true
			stageOfEnv.add(s, i, at(e, "/payload/environment/environmentId"), at(e, "/payload/pipelineExecution/activeStageExecution/stageExecutionId"))
		case "Release Started", "Release Ended", "Release Updated":
			// 9.0: startDate is the start instant in epoch ms, the
			// Release Started timestamp.
			started := evs[s.index("Release Started")[0]]
			want := parseTS(t, str(started, "/timestamp")).UnixMilli()
			if got, err := at(e, "/payload/startDate").(json.Number).Int64(); err != nil || got != want {
				s.fail(i, "startDate %v, want the release's start %d", at(e, "/payload/startDate"), want)
			}
		}
	}
	if len(snapshots) != 1 {
		t.Fatalf("%s: snapshots %v, want one", s.name, snapshots)
	}
	if len(executions) > 1 {
		t.Fatalf("%s: pipeline executions %v, want one", s.name, executions)
	}

	// The release's content comes before its start; its projects are the
	// release's projects throughout.
	rcc, started := s.index("Release Content Changed"), s.index("Release Started")
	if len(rcc) != 1 || len(started) != 1 || rcc[0] > started[0] {
		t.Fatalf("%s: Release Content Changed at %v, Release Started at %v", s.name, rcc, started)
	}
	projects := ids(evs[started[0]], "/payload/projects", "projectId")
	if len(projects) != 2 || !slices.Equal(projects, ids(evs[rcc[0]], "/payload/addedProjects", "projectId")) {
		t.Fatalf("%s: release projects %v, added %v", s.name, projects, ids(evs[rcc[0]], "/payload/addedProjects", "projectId"))
	}

	// Each project is built once for the snapshot, in the build
	// environment, before the snapshot completes; the snapshot fails with
	// a failed build.
	snap := s.index("Snapshot Completed")
	if len(snap) != 1 {
		t.Fatalf("%s: %d Snapshot Completed", s.name, len(snap))
	}
	var built []string
	buildFailed := false
	for i, e := range evs {
		if str(e, "/payload/workflow/workflowType") != "BUILD" {
			continue
		}
		if i > snap[0] || i < started[0] {
			s.fail(i, "a BUILD outside the snapshot's making (Release Started %d, Snapshot Completed %d)", started[0], snap[0])
		}
		built = append(built, fmt.Sprint(at(e, "/payload/project/projectId")))
		buildFailed = buildFailed || str(e, "/payload/executionStatus") == "FAILED"
		if fmt.Sprint(at(e, "/payload/environment/environmentId")) != fmt.Sprint(at(evs[started[0]], "/payload/projects/0/buildEnvironment/environmentId")) {
			s.fail(i, "BUILD outside the release's build environment")
		}
	}
	if !slices.Equal(built, projects) {
		t.Fatalf("%s: built %v, want each of %v once", s.name, built, projects)
	}
	snapStatus := str(evs[snap[0]], "/payload/snapshot/snapshotStatus")
	if (snapStatus == "FAILED") != buildFailed || (s.outcome == "snapshot_failed") != buildFailed {
		t.Fatalf("%s: snapshot %s after builds that failed=%v", s.name, snapStatus, buildFailed)
	}
	if buildFailed {
		if len(evs) != snap[0]+1 {
			t.Fatalf("%s: %d events after a failed snapshot", s.name, len(evs)-snap[0]-1)
		}
		return
	}

	// Every stage deploys (and tests) the snapshot's version of each
	// project, after the snapshot, before the stage completes.
	stageEnd := map[string]int{}
	stageStatus := map[string]string{}
	for _, i := range s.index("Pipeline Stage Completed") {
		code := str(evs[i], "/payload/environment/environmentCode")
		stageEnd[code], stageStatus[code] = i, str(evs[i], "/payload/pipelineStageExecution/executionStatus")
	}
	deployed := map[string][]string{}
	for i, e := range evs {
		wt := str(e, "/payload/workflow/workflowType")
		if wt != "DEPLOY" && wt != "TEST" {
			continue
		}
		code := str(e, "/payload/environment/environmentCode")
		if i < snap[0] || i > stageEnd[code] {
			s.fail(i, "%s in %s outside its stage (snapshot %d, stage end %d)", wt, code, snap[0], stageEnd[code])
		}
		if wt == "DEPLOY" {
			deployed[code] = append(deployed[code], fmt.Sprint(at(e, "/payload/project/projectId")))
		}
	}
	stages := []string{"DEV", "QA", "PROD"}
	want := map[string][]string{"DEV": projects, "QA": projects, "PROD": projects}
	wantStatus := map[string]string{"DEV": "SUCCESS", "QA": "SUCCESS", "PROD": "SUCCESS"}
	switch s.outcome {
	case "rejected":
		want["PROD"], wantStatus["PROD"] = nil, "REJECTED"
	case "prod_failed":
		want["PROD"], wantStatus["PROD"] = projects[:1], "FAILED"
	case "quality_failed":
		// QA's quality gate refuses the snapshot DEV's tests failed on;
		// the pipeline stops there.
		want["QA"], wantStatus["QA"] = nil, "GATES_FAILED"
		want["PROD"], wantStatus["PROD"] = nil, ""
	}
	for _, code := range stages {
		if !slices.Equal(deployed[code], want[code]) {
			t.Fatalf("%s: %s deployed %v, want %v", s.name, code, deployed[code], want[code])
		}
		if stageStatus[code] != wantStatus[code] {
			t.Fatalf("%s: %s stage ended %q, want %q", s.name, code, stageStatus[code], wantStatus[code])
		}
	}
	if s.outcome == "quality_failed" {
		failed := false
		for _, e := range evs {
			if str(e, "/payload/environment/environmentCode") == "DEV" && str(e, "/payload/workflow/workflowType") == "TEST" {
				failed = failed || str(e, "/payload/testSuiteExec/0/status") == "FAILED" || len(at(e, "/payload/testSuiteExec").([]any)) > 1 && str(e, "/payload/testSuiteExec/1/status") == "FAILED"
			}
		}
		if !failed || len(s.index("Task Created")) != 0 || stageEnd["QA"] != len(evs)-1 {
			t.Fatalf("%s: a failed quality gate needs a failed DEV test before it and ends the story", s.name)
		}
		return
	}
	// The approval gate before PROD: created, decided, then the stage.
	created, approved, rejected := s.index("Task Created"), s.index("Task Approved"), s.index("Task Rejected")
	decided := append(approved, rejected...)
	if len(created) != 1 || len(decided) != 1 || created[0] > decided[0] || decided[0] > stageEnd["PROD"] || created[0] < stageEnd["QA"] {
		t.Fatalf("%s: gate created %v, decided %v, PROD ended %d", s.name, created, decided, stageEnd["PROD"])
	}
	if (len(rejected) == 1) != (s.outcome == "rejected") {
		t.Fatalf("%s: rejected %v", s.name, rejected)
	}
	if ended := s.index("Release Ended"); (len(ended) == 1) != (s.outcome == "approved") {
		t.Fatalf("%s: Release Ended at %v", s.name, ended)
	}
}

// ids lists the key of every object of the array at ptr.
func ids(doc map[string]any, ptr, key string) []string {
	var out []string
	xs, _ := at(doc, ptr).([]any)
	for _, x := range xs {
		out = append(out, fmt.Sprint(x.(map[string]any)[key]))
	}
	return out
}

// TestDocumentedEnums generates every FlexDeploy event and variant over
// many seeds and holds each status field to the values the docs give.
func TestDocumentedEnums(t *testing.T) {
	fields := []struct {
		ptr    string
		values []string
	}{
		{"/payload/pipelineStageExecution/executionStatus", docStageStatuses},
		{"/payload/snapshot/snapshotStatus", docSnapshotStatuses},
		{"/payload/taskStatus", docTaskStatuses},
		{"/payload/executionStatus", docWorkflowStatuses},
		{"/payload/workflow/workflowType", docWorkflowTypes},
		{"/payload/packageStatus", docPackageStatuses},
		// The task samples: a gate's stage runs its gates, the step waits.
		{"/payload/pipelineExecution/executionStatus", []string{"RUNNING"}},
		{"/payload/pipelineExecution/activeStageExecution/executionStatus", []string{"RUNNING_GATES"}},
		{"/payload/pipelineExecution/activeStageExecution/activeStep/executionStatus", []string{"PENDING_APPROVAL"}},
		{"/payload/taskType", []string{"APPROVAL"}},
	}
	for _, k := range events(t) {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			for seed := uint64(1); seed <= uint64(catalogtest.Seeds(300)); seed++ {
				b, err := flexdeploy.Vendor.Generate(fake.New(seed, time.Time{}), k.event, catalog.Options{Variant: k.variant})
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				doc := decode(t, b)
				for _, f := range fields {
					if v, ok := at(doc, f.ptr).(string); ok && !slices.Contains(f.values, v) {
						t.Fatalf("seed %d: %s = %q, not one of %v", seed, f.ptr, v, f.values)
					}
				}
				suites, _ := at(doc, "/payload/testSuiteExec").([]any)
				for _, su := range suites {
					if st := su.(map[string]any)["status"].(string); !slices.Contains(docTestStatuses, st) {
						t.Fatalf("seed %d: test suite status %q", seed, st)
					}
				}
				if strings.HasPrefix(k.event.Name, "Project ") {
					// Project Inactivated is the one event about an inactive project.
					if active := at(doc, "/payload/active").(bool); active == (k.event.Name == "Project Inactivated") {
						t.Fatalf("seed %d: %s with active %v", seed, k.event.Name, active)
					}
				}
			}
		})
	}
}

// This file plays the story through emulator/runs, which imports the
// vendor registry and so this package: it is an external test, and what
// it reads of the payloads it reads with its own helpers below, from the
// docs' formats.

const (
	// docTimestampLayout: the docs' "yyyy-MM-dd HH:mm:ss Z".
	docTimestampLayout = "2006-01-02 15:04:05 -0700"
	// docSnapshotNameLayout: a snapshot is named for when it was taken,
	// as the samples' "07-16-2020 15:12:18".
	docSnapshotNameLayout = "01-02-2006 15:04:05"
)

// kind is one event, or one variant of an event, the vendor generates.
type kind struct {
	name    string // its slug, and .variant for a variant
	event   catalog.Event
	variant string
}

// events lists every event and variant the vendor says it generates.
func events(t testing.TB) []kind {
	t.Helper()
	var out []kind
	for _, e := range flexdeploy.Vendor.Events() {
		if len(e.Variants) == 0 {
			out = append(out, kind{name: e.Slug, event: e})
		}
		for _, v := range e.Variants {
			out = append(out, kind{name: e.Slug + "." + v, event: e, variant: v})
		}
	}
	if len(out) == 0 {
		t.Fatal("FlexDeploy lists no events")
	}
	return out
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

var tsRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$`)

// walk, at and str read decoded payloads by JSON pointer.
var walk, at, str = catalogtest.Walk, catalogtest.At, catalogtest.Str

func parseTS(t testing.TB, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(docTimestampLayout, s)
	if err != nil {
		t.Fatalf("timestamp %q: %v", s, err)
	}
	return tm
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
	if name := str(doc, "/payload/snapshot/snapshotName"); name != "" && str(doc, "/payload/createdOn") != "" && str(doc, "/eventType") == "Snapshot Completed" {
		taken, err := time.ParseInLocation(docSnapshotNameLayout, name, parseTS(t, str(doc, "/payload/createdOn")).Location())
		if err != nil {
			t.Fatalf("seed %d: snapshot name %q: %v", seed, name, err)
		}
		if taken.Before(parseTS(t, str(doc, "/payload/createdOn"))) || taken.After(event) {
			t.Fatalf("seed %d: snapshot named %q outside its creation %s .. %s", seed, name, str(doc, "/payload/createdOn"), event)
		}
	}
}
