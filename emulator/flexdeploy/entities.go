package flexdeploy

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// FlexDeploy's own actors: the administrator every installation has, and
// the system workers the documented samples name.
const (
	Admin                     = "fdadmin"
	BuildMonitorWorker        = "buildmonitorworker"
	ReleaseEventProcessor     = "releaseeventprocessor"
	CompletedSnapshotsMonitor = "completedsnapshotsmonitor"
)

// IDs hands out the ids of the objects a FlexDeploy server makes while it
// runs (snapshots, executions, requests, tasks, packages). FlexDeploy draws
// them from one database sequence, so an object made later has a larger id:
// a snapshot's id is below that of the pipeline execution it starts, whose
// stage and step executions follow. Configuration objects (environments,
// pipelines, projects, releases) get smaller ids from their constructors.
type IDs struct {
	src  *fake.Source
	next int
}

// NewIDs starts a sequence at a seeded point.
func NewIDs(src *fake.Source) *IDs { return &IDs{src: src, next: src.ID(500_000, 900_000)} }

// nextID returns the next id, a few above the previous one.
func (g *IDs) nextID() int {
	g.next += g.src.ID(1, 9)
	return g.next
}

// NewUserName returns the login of a FlexDeploy user: fdadmin, or a
// jsmith-style name.
func NewUserName(src *fake.Source) string {
	if src.Chance(0.3) {
		return Admin
	}
	return src.Person("").UserName
}

type envDef struct{ name, code string }

var environmentDefs = []envDef{
	{"Development", "DEV"}, {"QA", "QA"}, {"Test", "TEST"}, {"Production", "PROD"},
}

// NewEnvironment returns the environment with code (DEV, QA, TEST, PROD;
// "" picks one) and a seeded id.
func NewEnvironment(src *fake.Source, code string) Environment {
	d := fake.Pick(src, environmentDefs)
	for _, e := range environmentDefs {
		if e.code == code {
			d = e
		}
	}
	if code != "" && d.code != code {
		d = envDef{name: code, code: strings.ToUpper(code)}
	}
	return Environment{EnvironmentID: src.ID(10_000, 60_000), EnvironmentName: d.name, EnvironmentCode: d.code}
}

// NewEnvironments returns the environments with codes, in order, with
// distinct increasing ids: the stages of a pipeline such as DEV, QA, PROD.
func NewEnvironments(src *fake.Source, codes ...string) []Environment {
	out := make([]Environment, len(codes))
	id := src.ID(10_000, 60_000)
	for i, c := range codes {
		out[i] = NewEnvironment(src, c)
		out[i].EnvironmentID = id
		id += src.ID(1, 400)
	}
	return out
}

// build returns e as a release project's build environment.
func (e Environment) build() BuildEnvironment {
	return BuildEnvironment{EnvironmentID: ptr(e.EnvironmentID), EnvironmentName: ptr(e.EnvironmentName), EnvironmentCode: ptr(e.EnvironmentCode)}
}

// noBuildEnvironment is the build environment of a project that has none:
// every field null.
func noBuildEnvironment() BuildEnvironment { return BuildEnvironment{} }

var pipelineNames = []string{
	"Standard Release Pipeline", "EBS Release Pipeline", "SOA Pipeline", "Payroll Pipeline",
	"Platform Pipeline", "Quarterly Release Pipeline", "Integration Pipeline",
}

// NewPipeline returns a release pipeline.
func NewPipeline(src *fake.Source) Pipeline {
	return Pipeline{PipelineID: src.ID(10_000, 99_999), PipelineName: fake.Pick(src, pipelineNames)}
}

var releaseAreas = []string{
	"Payroll", "Platform", "HR", "Finance", "Order Management", "Procurement", "Integration", "Customer Portal",
}

// NewRelease returns a release named after the virtual date, such as
// "Q3 Payroll Release" or "2026.04 Platform Release".
func NewRelease(src *fake.Source) Release {
	now, area := src.Now(), fake.Pick(src, releaseAreas)
	var name string
	if src.Chance(0.5) {
		name = fmt.Sprintf("Q%d %s Release", (int(now.Month())+2)/3, area)
	} else {
		name = fmt.Sprintf("%d.%02d %s Release", now.Year(), int(now.Month()), area)
	}
	var desc *string
	if src.Chance(0.4) {
		desc = ptr(fmt.Sprintf("%s changes for %s %d", area, now.Month(), now.Year()))
	}
	return Release{ReleaseID: src.ID(10_000, 499_999), ReleaseName: name, ReleaseDescription: desc}
}

// Ref returns the release's id and name.
func (r Release) Ref() ReleaseRef {
	return ReleaseRef{ReleaseID: r.ReleaseID, ReleaseName: r.ReleaseName}
}

// Task returns the release as a task event shows it.
func (r Release) Task() TaskRelease { return TaskRelease{Release: r} }

// forWorkflow returns the release as Workflow Completed shows it.
func (r Release) forWorkflow() *WorkflowRelease {
	return &WorkflowRelease{ReleaseID: ptr(r.ReleaseID), ReleaseName: ptr(r.ReleaseName)}
}

// outsideRelease is a Workflow Completed release for a workflow that ran
// outside a release, as the DEPLOY sample shows it: every field null.
func outsideRelease() *WorkflowRelease { return &WorkflowRelease{} }

// Snapshot statuses. The docs show INITIATED, in Snapshot Completed and
// Pipeline Stage Completed alike, and say a snapshot can fail to build
// (FAILED); standin keeps INITIATED on a snapshot that completed.
const (
	SnapshotInitiated = "INITIATED"
	SnapshotFailed    = "FAILED"
)

// NewSnapshot returns the snapshot of release r taken at takenAt (named
// after that time), with status INITIATED as the docs show it.
func NewSnapshot(ids *IDs, st Style, r Release, takenAt time.Time) Snapshot {
	return Snapshot{
		SnapshotID:     ids.nextID(),
		SnapshotName:   st.snapshotName(takenAt),
		SnapshotStatus: SnapshotInitiated,
		ReleaseID:      r.ReleaseID,
	}
}

// forWorkflow returns the snapshot as Workflow Completed shows it.
func (s Snapshot) forWorkflow() *WorkflowSnapshot {
	return &WorkflowSnapshot{
		SnapshotID: ptr(s.SnapshotID), SnapshotName: ptr(s.SnapshotName), SnapshotStatus: ptr(s.SnapshotStatus),
		Description: s.Description, ReleaseID: ptr(s.ReleaseID),
	}
}

// outsideSnapshot is a Workflow Completed snapshot for a workflow that ran
// outside a release: every field null.
func outsideSnapshot() *WorkflowSnapshot { return &WorkflowSnapshot{} }

var projectNames = []string{
	"XXHR", "XXAP", "XXGL", "XXPO", "XXOM", "XXPAY", "PayrollService", "OrderAPI",
	"InvoiceSOA", "HRIntegration", "CustomerPortal", "InventorySync",
}

var streamNames = []string{"master", "master", "main", "develop"}

// newProject returns a project with an Oracle EBS or SOA style name.
func newProject(src *fake.Source) Project {
	return Project{ProjectID: src.ID(10_000, 499_999), ProjectName: fake.Pick(src, projectNames)}
}

// NewReleaseProjects returns n distinct projects on their streams; when
// build is not nil some of them build in it, the others have no build
// environment.
func NewReleaseProjects(src *fake.Source, n int, build *Environment) []ReleaseProject {
	names := pickDistinct(src, projectNames, n)
	out := make([]ReleaseProject, len(names))
	for i, name := range names {
		p := ReleaseProject{
			ProjectID:        src.ID(10_000, 499_999),
			ProjectName:      name,
			StreamName:       fake.Pick(src, streamNames),
			BuildEnvironment: noBuildEnvironment(),
			StreamID:         src.ID(10_000, 499_999),
		}
		if build != nil && src.Chance(0.5) {
			p.BuildEnvironment = build.build()
		}
		out[i] = p
	}
	return out
}

// Project returns the project's id and name.
func (p ReleaseProject) Project() Project {
	return Project{ProjectID: p.ProjectID, ProjectName: p.ProjectName}
}

// pickDistinct returns n distinct elements of xs (all of them when n is
// larger), in a seeded order.
func pickDistinct[T any](src *fake.Source, xs []T, n int) []T {
	c := append([]T(nil), xs...)
	if n > len(c) {
		n = len(c)
	}
	for i := 0; i < n; i++ {
		j := i + src.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:n]
}

var workflowNames = map[string][]string{
	"DEPLOY": {"EBSDeploy", "SOADeploy", "WebLogicDeploy", "DeployPartial", "DatabaseDeploy"},
	"TEST":   {"PostmanTests", "RegressionTests", "JUnitTests", "SmokeTests"},
	"BUILD":  {"EBSBuild", "MavenBuild", "SOABuild"},
}

// NewWorkflow returns a workflow of workflowType (DEPLOY, TEST, BUILD) and
// the version of it that runs.
func NewWorkflow(src *fake.Source, workflowType string) Workflow {
	names := workflowNames[workflowType]
	if len(names) == 0 {
		names = []string{"Utility"}
	}
	id := src.ID(1_000, 99_999)
	return Workflow{
		WorkflowID:        id,
		WorkflowName:      fake.Pick(src, names),
		WorkflowType:      workflowType,
		WorkflowVersionID: id + src.ID(1, 30),
	}
}

var instances = []struct{ name, code string }{
	{"EBS", "EBS"}, {"SOA Server", "SOA"}, {"WebLogic Cluster", "WLS"},
	{"Oracle Database", "ORADB"}, {"Tomcat", "TOMCAT"},
}

// NewInstance returns an instance (target group) such as SOA Server (SOA).
func NewInstance(src *fake.Source) Instance {
	d := fake.Pick(src, instances)
	return Instance{InstanceID: src.ID(1_000, 99_999), InstanceName: d.name, InstanceCode: d.code}
}

// NewPipelineExecution starts an execution of pipeline p whose first stage,
// in env, waits at the approval gate whose step id is gateStepID: the
// pipeline execution the task events show.
func NewPipelineExecution(ids *IDs, p Pipeline, env Environment, gateStepID int) PipelineExecution {
	pe := PipelineExecution{PipelineID: p.PipelineID, PipelineExecutionID: ids.nextID(), ExecutionStatus: "RUNNING"}
	return pe.NextStage(ids, env, gateStepID)
}

// NextStage returns pe moved on to the stage of env, waiting at the gate
// gateStepID, with a new stage execution id.
func (pe PipelineExecution) NextStage(ids *IDs, env Environment, gateStepID int) PipelineExecution {
	stageID := ids.nextID()
	pe.ActiveStageExecution = StageExecution{
		StageExecutionID: stageID,
		EnvironmentID:    env.EnvironmentID,
		ExecutionStatus:  "RUNNING_GATES",
		ActiveStep: &ActiveStep{
			ID: gateStepID, ExecutionID: ids.nextID(), ExecutionStatus: "PENDING_APPROVAL", IsGate: true,
		},
	}
	return pe
}

// Complete returns the stage execution finished with status (SUCCESS or
// FAILED) after running from start to end.
func (s StageExecution) Complete(st Style, status string, start, end time.Time) StageExecution {
	s.ExecutionStatus, s.StartTime, s.EndTime, s.ActiveStep = status, st.timePtr(start), st.timePtr(end), nil
	return s
}

// NewApprovalTask is the human approval task FlexDeploy creates when pe
// reaches a gate: PENDING, created by by (completedsnapshotsmonitor or
// releaseeventprocessor) at at, for release r in env.
func NewApprovalTask(src *fake.Source, ids *IDs, st Style, r Release, env Environment, pe PipelineExecution, snapshotID int, by string, at time.Time) Task {
	group := 1 // FD Administrators
	if src.Chance(0.5) {
		group = src.ID(10_000, 99_999)
	}
	return Task{
		Audit:             st.Audit(by, at),
		TaskID:            ids.nextID(),
		TaskStatus:        "PENDING",
		TaskIdentifier:    ptr(src.UUID()),
		TaskType:          ptr("APPROVAL"),
		GroupID:           group,
		RoleID:            src.ID(10_000, 99_999),
		Environment:       env,
		Release:           r.Task(),
		PipelineExecution: pe,
		SnapshotID:        snapshotID,
	}
}

// Decide returns t approved (or rejected) by by at at, with notes.
func (t Task) Decide(st Style, approve bool, notes, by string, at time.Time) Task {
	t.TaskStatus = "REJECTED"
	if approve {
		t.TaskStatus = "APPROVED"
	}
	t.TaskNotes = ptr(notes)
	t.Audit = t.Audit.Touch(st, by, at)
	return t
}

var approvalNotes = []string{
	"", "", "Approved for the weekend change window.", "Smoke tests passed in QA.",
	"CAB approved, CHG ticket attached.", "Rejected: payroll close is in progress.",
	"Please rerun after the DBA fixes the index.",
}

// WorkflowRun describes one workflow execution for NewWorkflowExecution.
type WorkflowRun struct {
	Workflow Workflow
	// Project is the project and stream the workflow ran for.
	Project ReleaseProject
	// Version is the project version name; "" draws one such as 1.0.37.
	Version string
	// VersionID is the project version's id; 0 draws the next one.
	VersionID int
	// PackageName is the package deployed; "" for none.
	PackageName string
	Instance    Instance
	Environment Environment
	// Release and Snapshot are nil when the workflow ran outside a release.
	Release  *Release
	Snapshot *Snapshot
	// Status is SUCCESS or FAILED.
	Status string
	// RequestedBy is the user who requested the execution.
	RequestedBy string
	Start, End  time.Time
}

// NewWorkflowExecution returns the execution described by run. A TEST
// workflow gets test suite executions between Start and End. Outside a
// release, release and snapshot are as the docs show them: objects of nulls
// for DEPLOY and other types, null for TEST.
func NewWorkflowExecution(src *fake.Source, ids *IDs, st Style, run WorkflowRun) WorkflowExecution {
	version := run.Version
	if version == "" {
		version = "1.0." + strconv.Itoa(src.ID(1, 250))
	}
	versionID := run.VersionID
	if versionID == 0 {
		versionID = ids.nextID()
	}
	created := run.Start.Add(-src.Duration(0, 2*time.Second))
	isTest := run.Workflow.WorkflowType == "TEST"
	w := WorkflowExecution{
		Audit:               st.Audit(run.RequestedBy, created).Touch(st, run.RequestedBy, run.End),
		ExecutionStatus:     run.Status,
		WorkflowExecutionID: ids.nextID(),
		StartTime:           st.Time(run.Start),
		EndTime:             st.Time(run.End),
		Workflow:            run.Workflow,
		Project:             run.Project.Project(),
		ProjectVersionID:    versionID,
		ProjectVersionName:  version,
		ProjectStreamID:     run.Project.StreamID,
		ProjectStreamName:   run.Project.StreamName,
		Instance:            run.Instance,
		Environment:         run.Environment,
		WorkflowRequest: WorkflowRequest{
			WorkflowRequestID: ids.nextID(),
			TriggerType:       "MANUAL",
			FlexFields:        make([]*string, 10),
		},
		IssueNumbers:  []string{},
		CmsTickets:    []string{},
		TestSuiteExec: []TestSuiteExecution{},
	}
	if run.PackageName != "" {
		w.PackageName = ptr(run.PackageName)
	}
	if !isTest {
		w.WorkflowRequest.ForceDeploy = src.Chance(0.4)
		w.WorkflowRequest.Priority = ptr(1)
		w.WorkflowRequest.AllFilesRequested = src.Chance(0.15)
	}
	switch {
	case run.Release != nil:
		w.Release = run.Release.forWorkflow()
		w.Snapshot = outsideSnapshot()
		if run.Snapshot != nil {
			w.Snapshot = run.Snapshot.forWorkflow()
		}
	case !isTest:
		w.Release, w.Snapshot = outsideRelease(), outsideSnapshot()
	}
	if isTest {
		n := 1
		if src.Chance(0.25) {
			n = 2
		}
		span := run.End.Sub(run.Start) / time.Duration(n)
		for i := 0; i < n; i++ {
			from := run.Start.Add(time.Duration(i) * span)
			w.TestSuiteExec = append(w.TestSuiteExec, newTestSuiteExecution(src, ids, st, from, from.Add(span)))
		}
	}
	return w
}

// NewPackageName returns a package name in the style of project's, such
// as XXHR-10089.
func NewPackageName(src *fake.Source, project string) string {
	return fmt.Sprintf("%s-%d", project, src.ID(10_000, 19_999))
}

type testTool struct {
	tool  string
	names []string
	cases func(src *fake.Source, i int) string
	fail  func(src *fake.Source) string
}

var testTools = []testTool{
	{"Postman", []string{"SmokeCollection", "RegressionCollection", "APIContractTests"}, func(src *fake.Source, _ int) string {
		return fmt.Sprintf("http://%s:%d/%s/%s", fake.Pick(src, testHosts), fake.Pick(src, []int{8000, 8080, 7003, 443}),
			fake.Pick(src, []string{"PayrollApp", "OrderService", "HRPortal", "InvoiceApp"}),
			fake.Pick(src, []string{"employees", "orders", "invoices", "health", "payslips"}))
	}, func(src *fake.Source) string {
		return fake.Pick(src, []string{"Status code is 200", "Response time is less than 2000ms", "Body matches schema"}) + " - AssertionFailure - null"
	}},
	{"JUnit", []string{"PayrollUnitTests", "ParameterizedTest", "CalculatorTests"}, func(src *fake.Source, i int) string {
		return fmt.Sprintf("com.%s.%s.%sTest.%s[%d]", fake.Pick(src, testOrgs), fake.Pick(src, []string{"payroll", "orders", "hr", "billing"}),
			fake.Pick(src, []string{"TaxCalculator", "Overtime", "InvoiceTotal", "LeaveBalance"}),
			fake.Pick(src, []string{"testRounding", "testMultiplication", "testBoundary", "testNullInput"}), i)
	}, func(src *fake.Source) string {
		n := src.ID(100, 5000)
		return fmt.Sprintf("expected:<%d.00> but was:<%d.00>", n, n-src.ID(1, 99))
	}},
	{"TestNG", []string{"CheckoutIntegrationTests", "ApprovalFlowTests"}, func(src *fake.Source, i int) string {
		return fmt.Sprintf("com.%s.it.%sIT.verify%s", fake.Pick(src, testOrgs),
			fake.Pick(src, []string{"Checkout", "Login", "Payslip", "Approval"}),
			fake.Pick(src, []string{"Totals", "Status", "Redirect", "Permissions"}))
	}, func(src *fake.Source) string {
		return "java.lang.AssertionError: expected [true] but found [false]"
	}},
}

var (
	testHosts = []string{"payroll-qa.internal", "soa-test01", "ebs-dev.corp.local", "localhost"}
	testOrgs  = []string{"northwind", "contoso", "fabrikam", "globex", "initech"}
)

// newTestSuiteExecution returns a test suite run between start and end
// with one to three test executions (Postman, JUnit, TestNG) and their
// results; the suite and each execution fail when any result fails.
func newTestSuiteExecution(src *fake.Source, ids *IDs, st Style, start, end time.Time) TestSuiteExecution {
	suiteStart := start.Add(src.Duration(0, end.Sub(start)/4))
	s := TestSuiteExecution{
		TestSuiteExecutionID: ids.nextID(),
		Status:               "PASSED",
		StartTime:            st.testTime(suiteStart),
		EndTime:              st.testTime(end.Add(-src.Duration(0, end.Sub(suiteStart)/4))),
	}
	for _, tool := range pickDistinct(src, testTools, 1+src.IntN(3)) {
		ex := TestExecution{Name: fake.Pick(src, tool.names), Status: "PASSED", ToolName: tool.tool}
		for i, n := 0, 1+src.IntN(4); i < n; i++ {
			r := TestResult{TestCaseName: tool.cases(src, i), Status: "PASSED", Duration: src.IntN(40), ExecutionCount: 1}
			if src.Chance(0.2) {
				r.Status, r.Message = "FAILED", ptr(tool.fail(src))
				ex.Status, s.Status = "FAILED", "FAILED"
			}
			ex.TestResults = append(ex.TestResults, r)
		}
		s.TestExecutions = append(s.TestExecutions, ex)
	}
	return s
}

// failOne marks one test result of suites failed when none is, so that a
// TEST workflow shows a failure message as the documented sample does.
func failOne(src *fake.Source, suites []TestSuiteExecution) {
	for _, s := range suites {
		if s.Status == "FAILED" {
			return
		}
	}
	if len(suites) == 0 {
		return
	}
	s := &suites[src.IntN(len(suites))]
	ex := &s.TestExecutions[src.IntN(len(s.TestExecutions))]
	r := &ex.TestResults[src.IntN(len(ex.TestResults))]
	for _, t := range testTools {
		if t.tool == ex.ToolName {
			r.Message = ptr(t.fail(src))
		}
	}
	r.Status, ex.Status, s.Status = "FAILED", "FAILED", "FAILED"
}

var commentTexts = []string{
	"Deployed to QA, please verify the payslip totals.",
	"Raised Jira PAY-1432 for the overtime rounding issue.",
	"Waiting on the DBA to approve the index change.",
	"Retested after the hotfix, looks good to me.",
	"Can we hold this until after payroll close?",
	"Jira ticket needed: the SOA composite fails on large files.",
	"Rolled back in DEV, see the workflow log.",
	"Approved by the business owner in today's stand-up.",
}

// newCommentText returns a plausible comment, in plain text, other than
// any of not (the text a comment had before an edit).
func newCommentText(src *fake.Source, not ...string) string {
	var pool []string
	for _, c := range commentTexts {
		if !slices.Contains(not, c) {
			pool = append(pool, c)
		}
	}
	if len(pool) == 0 {
		return "Edited: " + not[0]
	}
	return fake.Pick(src, pool)
}

// RichText encodes plain text the way FlexDeploy stores comments: a
// JSON-encoded rich-text document,
// {"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"..."}]}]}.
func RichText(text string) string {
	type node struct {
		Type    string `json:"type"`
		Text    string `json:"text,omitempty"`
		Content []node `json:"content,omitempty"`
	}
	doc := node{Type: "doc", Content: []node{{Type: "paragraph", Content: []node{{Type: "text", Text: text}}}}}
	b, err := payload.Marshal(doc)
	if err != nil { // cannot happen: the document is plain structs and strings
		panic(err)
	}
	return string(b)
}

// NewComment returns a comment with text on the object objectID of
// objectType (WORK_ITEM), written by by at at.
func NewComment(src *fake.Source, st Style, objectID int, objectType, text, by string, at time.Time) Comment {
	return Comment{
		Audit:       st.Audit(by, at),
		CommentID:   src.ID(1_000, 99_999),
		CommentText: ptr(RichText(text)),
		ObjectID:    objectID,
		ObjectType:  objectType,
	}
}

// Edit returns c with its text changed to text by by at at; the previous
// text becomes oldCommentText.
func (c Comment) Edit(st Style, text, by string, at time.Time) Comment {
	c.OldCommentText, c.CommentText = c.CommentText, ptr(RichText(text))
	c.Audit = c.Audit.Touch(st, by, at)
	return c
}

// Delete returns c as Comment Deleted shows it: the last text in
// oldCommentText, commentText null, the audit fields unchanged.
func (c Comment) Delete() Comment {
	c.OldCommentText, c.CommentText = c.CommentText, nil
	return c
}

var packageDescriptions = []string{
	"\n", "\n", "Overtime rule changes\n", "Fix for the invoice rounding defect", "New approval workflow for leave requests\n",
}

// newPackage returns an ACTIVE, user-managed package of project, created
// by by at at.
func newPackage(src *fake.Source, ids *IDs, st Style, project Project, by string, at time.Time) Package {
	return Package{
		Audit:            st.Audit(by, at),
		ProjectPackageID: ids.nextID(),
		Description:      fake.Pick(src, packageDescriptions),
		PackageName:      NewPackageName(src, project.ProjectName),
		PackageStatus:    "ACTIVE",
		PackageType:      "USER_MANAGED",
		ProjectID:        project.ProjectID,
		Project:          project,
	}
}

// setStatus returns p with status (ACTIVE, INACTIVE, COMPLETED) set by by
// at at.
func (p Package) setStatus(st Style, status, by string, at time.Time) Package {
	p.PackageStatus = status
	p.Audit = p.Audit.Touch(st, by, at)
	return p
}

var (
	tagKeys    = []string{"alpha", "beta", "ebs", "soa", "payroll", "hotfix", "pci", "sox", "critical", "customer-facing"}
	tagColours = []string{"#3F51B5", "#F44336", "#4CAF50", "#FF9800", "#9C27B0", "#009688", "#2196F3", "#795548", "#607D8B", "#E91E63"}
	// tagObjectTypes are the kinds of object the docs say tags go on.
	tagObjectTypes = []string{"PROJECT", "ENVIRONMENT", "TARGET_GROUP"}
)

// newTag returns a tag whose style pairs a light-theme colour with a
// lighter tint of it for the dark theme, as in the docs'
// {"dark":"#949FDA","light":"#3F51B5"}.
func newTag(src *fake.Source) Tag {
	light := fake.Pick(src, tagColours)
	style, err := json.Marshal(struct {
		Dark  string `json:"dark"`
		Light string `json:"light"`
	}{tint(light, 0.44), light})
	if err != nil { // cannot happen: two strings
		panic(err)
	}
	return Tag{TagID: src.ID(10_000, 99_999), TagStyle: string(style), TagKey: fake.Pick(src, tagKeys)}
}

// tint mixes the colour #RRGGBB with white by f.
func tint(hex string, f float64) string {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	out := "#"
	for _, shift := range []uint{16, 8, 0} {
		c := float64((v >> shift) & 0xff)
		out += fmt.Sprintf("%02X", int(c+(255-c)*f+0.5))
	}
	return out
}

// newTagAssignment returns tag assigned to the object objectID of
// objectType by by at at.
func newTagAssignment(ids *IDs, st Style, tag Tag, objectID int, objectType, by string, at time.Time) TagAssignment {
	return TagAssignment{
		Audit: st.Audit(by, at), TagAssignmentID: ids.nextID(), TagID: tag.TagID, Tag: tag,
		ObjectID: objectID, ObjectType: objectType,
	}
}

var userGroups = []Group{
	{GroupName: "Developers", Description: "Application developers"},
	{GroupName: "Release Managers", Description: "Manage releases and approve deployments"},
	{GroupName: "Payroll Team", Description: "Payroll application owners"},
	{GroupName: "DBA", Description: "Database administrators"},
}

// adminGroup is FlexDeploy's built-in administrators group.
var adminGroup = Group{GroupID: 1, GroupName: "FD Administrators", Description: "Admin Users", IsActive: true, IsAdminGroup: true}

// newUser returns a new local user made by by at at, in one or two groups.
func newUser(src *fake.Source, st Style, by string, at time.Time) User {
	p := src.Person("")
	var groups []Group
	if src.Chance(0.3) {
		groups = append(groups, adminGroup)
	}
	for _, g := range pickDistinct(src, userGroups, 1+src.IntN(2)-len(groups)) {
		g.GroupID, g.IsActive = src.ID(10_000, 99_999), true
		groups = append(groups, g)
	}
	return User{
		Audit: st.Audit(by, at), UserID: src.ID(10_000, 30_000_000), Email: p.Email,
		FirstName: p.First, IsActive: true, LastName: p.Last, LocalUser: true, UserName: p.UserName,
		Groups: groups, ExtGroups: []string{},
	}
}

var (
	workItemTypes = []WorkItemType{
		{"Story", "STORY"}, {"Bug", "BUG"}, {"Task", "TASK"}, {"Enhancement", "ENHANCEMENT"},
	}
	// workItemStatuses are the statuses work items move through.
	workItemStatuses = []WorkItemStatus{{1, "TODO"}, {2, "IN_PROGRESS"}, {3, "DONE"}}
	workItemTitles   = []string{
		"Add overtime rule to payroll calculation", "Invoice totals rounded incorrectly",
		"Expose order status in OrderAPI", "Upgrade SOA composite to 12.2.1.4",
		"New approval step for leave requests", "Fix XXHR concurrent program timeout",
	}
	customFieldNames = []string{"PRIORITY", "SEVERITY", "TARGET_RELEASE", "COMPONENT"}
)

// newWorkItemUser returns a user to assign work items to.
func newWorkItemUser(src *fake.Source) WorkItemUser {
	p := src.Person("")
	return WorkItemUser{ID: src.ID(2, 5_000), UserName: p.UserName, Email: p.Email}
}

// newWorkItem returns a TODO work item assigned to assignee, created by by
// at at, with a PRIORITY custom field and up to two others.
func newWorkItem(src *fake.Source, st Style, assignee WorkItemUser, by string, at time.Time) WorkItem {
	id := src.ID(1_000, 99_999)
	title := fake.Pick(src, workItemTitles)
	w := WorkItem{
		Audit: st.Audit(by, at), FlxWorkItemID: id, WorkItemNumber: strconv.Itoa(id), Title: title,
		Description: title + ".", Type: fake.Pick(src, workItemTypes), Status: workItemStatuses[0],
		Assignee: assignee, CustomFields: []CustomField{},
	}
	w.CustomFields = append(w.CustomFields, CustomField{FieldName: "PRIORITY", FieldValue: ptr(customFieldValue(src, "PRIORITY"))})
	for _, name := range pickDistinct(src, customFieldNames[1:], src.IntN(3)) {
		var v *string
		if src.Chance(0.6) {
			v = ptr(customFieldValue(src, name))
		}
		w.CustomFields = append(w.CustomFields, CustomField{FieldName: name, FieldValue: v})
	}
	return w
}

func customFieldValue(src *fake.Source, name string) string {
	switch name {
	case "PRIORITY":
		return "Priority" + strconv.Itoa(1+src.IntN(4))
	case "SEVERITY":
		return fake.Pick(src, []string{"Low", "Medium", "High"})
	case "TARGET_RELEASE":
		return fmt.Sprintf("%d.%02d", src.Now().Year(), 1+src.IntN(12))
	default:
		return fake.Pick(src, []string{"Payroll", "Billing", "Integration"})
	}
}

// workItemChange is one change to a work item: Field is Title,
// Description, Status (Value a status name) or a custom field name.
type workItemChange struct {
	Field, Value string
}

// update returns w changed by by at at; workItemUpdates lists each change
// with its old and new value.
func (w WorkItem) update(st Style, by string, at time.Time, changes ...workItemChange) WorkItem {
	w.CustomFields = append([]CustomField(nil), w.CustomFields...)
	w.WorkItemUpdates = []WorkItemUpdate{}
	for _, c := range changes {
		var old *string
		switch c.Field {
		case "Title":
			old, w.Title = ptr(w.Title), c.Value
		case "Description":
			old, w.Description = ptr(w.Description), c.Value
		case "Status":
			old = ptr(w.Status.Name)
			for _, s := range workItemStatuses {
				if s.Name == c.Value {
					w.Status = s
				}
			}
		default:
			found := false
			for i, f := range w.CustomFields {
				if f.FieldName == c.Field {
					old, w.CustomFields[i].FieldValue, found = f.FieldValue, ptr(c.Value), true
				}
			}
			if !found {
				w.CustomFields = append(w.CustomFields, CustomField{FieldName: c.Field, FieldValue: ptr(c.Value)})
			}
		}
		w.WorkItemUpdates = append(w.WorkItemUpdates, WorkItemUpdate{FieldName: c.Field, NewValue: ptr(c.Value), OldValue: old})
	}
	w.Audit = w.Audit.Touch(st, by, at)
	return w
}
