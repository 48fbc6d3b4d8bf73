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
	admin                     = "fdadmin"
	buildMonitorWorker        = "buildmonitorworker"
	releaseEventProcessor     = "releaseeventprocessor"
	completedSnapshotsMonitor = "completedsnapshotsmonitor"
)

// idSeq hands out the ids of the objects a FlexDeploy server makes while it
// runs (snapshots, executions, requests, tasks, packages). FlexDeploy draws
// them from one database sequence, so an object made later has a larger id:
// a snapshot's id is below that of the pipeline execution it starts, whose
// stage and step executions follow. Configuration objects (environments,
// pipelines, projects, releases) get smaller ids from their constructors.
type idSeq struct {
	src  *fake.Source
	next int
}

// newIDs starts a sequence at a seeded point.
func newIDs(src *fake.Source) *idSeq { return &idSeq{src: src, next: src.ID(500_000, 900_000)} }

// nextID returns the next id, a few above the previous one.
func (g *idSeq) nextID() int {
	g.next += g.src.ID(1, 9)
	return g.next
}

// newUserName returns the login of a FlexDeploy user: fdadmin, or a
// jsmith-style name.
func newUserName(src *fake.Source) string {
	if src.Chance(0.3) {
		return admin
	}
	return src.Person("").UserName
}

type envDef struct{ name, code string }

var environmentDefs = []envDef{
	{"Development", "DEV"}, {"QA", "QA"}, {"Test", "TEST"}, {"Production", "PROD"},
}

// newEnvironment returns the environment with code (DEV, QA, TEST, PROD;
// "" picks one) and a seeded id.
func newEnvironment(src *fake.Source, code string) environment {
	d := fake.Pick(src, environmentDefs)
	for _, e := range environmentDefs {
		if e.code == code {
			d = e
		}
	}
	if code != "" && d.code != code {
		d = envDef{name: code, code: strings.ToUpper(code)}
	}
	return environment{EnvironmentID: src.ID(10_000, 60_000), EnvironmentName: d.name, EnvironmentCode: d.code}
}

// newEnvironments returns the environments with codes, in order, with
// distinct increasing ids: the stages of a pipeline such as DEV, QA, PROD.
func newEnvironments(src *fake.Source, codes ...string) []environment {
	out := make([]environment, len(codes))
	id := src.ID(10_000, 60_000)
	for i, c := range codes {
		out[i] = newEnvironment(src, c)
		out[i].EnvironmentID = id
		id += src.ID(1, 400)
	}
	return out
}

// build returns e as a release project's build environment.
func (e environment) build() buildEnvironment {
	return buildEnvironment{EnvironmentID: ptr(e.EnvironmentID), EnvironmentName: ptr(e.EnvironmentName), EnvironmentCode: ptr(e.EnvironmentCode)}
}

// noBuildEnvironment is the build environment of a project that has none:
// every field null.
func noBuildEnvironment() buildEnvironment { return buildEnvironment{} }

var pipelineNames = []string{
	"Standard Release Pipeline", "EBS Release Pipeline", "SOA Pipeline", "Payroll Pipeline",
	"Platform Pipeline", "Quarterly Release Pipeline", "Integration Pipeline",
}

// newPipeline returns a release pipeline.
func newPipeline(src *fake.Source) pipeline {
	return pipeline{PipelineID: src.ID(10_000, 99_999), PipelineName: fake.Pick(src, pipelineNames)}
}

var releaseAreas = []string{
	"Payroll", "Platform", "HR", "Finance", "Order Management", "Procurement", "Integration", "Customer Portal",
}

// newRelease returns a release named after the virtual date, such as
// "Q3 Payroll Release" or "2026.04 Platform Release".
func newRelease(src *fake.Source) release {
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
	return release{ReleaseID: src.ID(10_000, 499_999), ReleaseName: name, ReleaseDescription: desc}
}

// Ref returns the release's id and name.
func (r release) Ref() releaseRef {
	return releaseRef{ReleaseID: r.ReleaseID, ReleaseName: r.ReleaseName}
}

// Task returns the release as a task event shows it.
func (r release) Task() taskRelease { return taskRelease{release: r} }

// forWorkflow returns the release as Workflow Completed shows it.
func (r release) forWorkflow() *workflowRelease {
	return &workflowRelease{ReleaseID: ptr(r.ReleaseID), ReleaseName: ptr(r.ReleaseName)}
}

// outsideRelease is a Workflow Completed release for a workflow that ran
// outside a release, as the DEPLOY sample shows it: every field null.
func outsideRelease() *workflowRelease { return &workflowRelease{} }

// Snapshot statuses. The docs show INITIATED, in Snapshot Completed and
// Pipeline Stage Completed alike, and say a snapshot can fail to build
// (FAILED); standin keeps INITIATED on a snapshot that completed.
const (
	snapshotInitiated = "INITIATED"
	snapshotFailed    = "FAILED"
)

// newSnapshot returns the snapshot of release r taken at takenAt (named
// after that time), with status INITIATED as the docs show it.
func newSnapshot(ids *idSeq, st style, r release, takenAt time.Time) snapshot {
	return snapshot{
		SnapshotID:     ids.nextID(),
		SnapshotName:   st.snapshotName(takenAt),
		SnapshotStatus: snapshotInitiated,
		ReleaseID:      r.ReleaseID,
	}
}

// forWorkflow returns the snapshot as Workflow Completed shows it.
func (s snapshot) forWorkflow() *workflowSnapshot {
	return &workflowSnapshot{
		SnapshotID: ptr(s.SnapshotID), SnapshotName: ptr(s.SnapshotName), SnapshotStatus: ptr(s.SnapshotStatus),
		Description: s.Description, ReleaseID: ptr(s.ReleaseID),
	}
}

// outsideSnapshot is a Workflow Completed snapshot for a workflow that ran
// outside a release: every field null.
func outsideSnapshot() *workflowSnapshot { return &workflowSnapshot{} }

var projectNames = []string{
	"XXHR", "XXAP", "XXGL", "XXPO", "XXOM", "XXPAY", "PayrollService", "OrderAPI",
	"InvoiceSOA", "HRIntegration", "CustomerPortal", "InventorySync",
}

var streamNames = []string{"master", "master", "main", "develop"}

// newProject returns a project with an Oracle EBS or SOA style name.
func newProject(src *fake.Source) project {
	return project{ProjectID: src.ID(10_000, 499_999), ProjectName: fake.Pick(src, projectNames)}
}

// newReleaseProjects returns n distinct projects on their streams; when
// build is not nil some of them build in it, the others have no build
// environment.
func newReleaseProjects(src *fake.Source, n int, build *environment) []releaseProject {
	names := pickDistinct(src, projectNames, n)
	out := make([]releaseProject, len(names))
	for i, name := range names {
		p := releaseProject{
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
func (p releaseProject) Project() project {
	return project{ProjectID: p.ProjectID, ProjectName: p.ProjectName}
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

// newWorkflow returns a workflow of workflowType (DEPLOY, TEST, BUILD) and
// the version of it that runs.
func newWorkflow(src *fake.Source, workflowType string) workflow {
	names := workflowNames[workflowType]
	if len(names) == 0 {
		names = []string{"Utility"}
	}
	id := src.ID(1_000, 99_999)
	return workflow{
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

// newInstance returns an instance (target group) such as SOA Server (SOA).
func newInstance(src *fake.Source) instance {
	d := fake.Pick(src, instances)
	return instance{InstanceID: src.ID(1_000, 99_999), InstanceName: d.name, InstanceCode: d.code}
}

// newPipelineExecution starts an execution of pipeline p whose first stage,
// in env, waits at the approval gate whose step id is gateStepID: the
// pipeline execution the task events show.
func newPipelineExecution(ids *idSeq, p pipeline, env environment, gateStepID int) pipelineExecution {
	pe := pipelineExecution{PipelineID: p.PipelineID, PipelineExecutionID: ids.nextID(), ExecutionStatus: "RUNNING"}
	return pe.NextStage(ids, env, gateStepID)
}

// NextStage returns pe moved on to the stage of env, waiting at the gate
// gateStepID, with a new stage execution id.
func (pe pipelineExecution) NextStage(ids *idSeq, env environment, gateStepID int) pipelineExecution {
	stageID := ids.nextID()
	pe.ActiveStageExecution = stageExecution{
		StageExecutionID: stageID,
		EnvironmentID:    env.EnvironmentID,
		ExecutionStatus:  "RUNNING_GATES",
		ActiveStep: &activeStep{
			ID: gateStepID, ExecutionID: ids.nextID(), ExecutionStatus: "PENDING_APPROVAL", IsGate: true,
		},
	}
	return pe
}

// Complete returns the stage execution finished with status (SUCCESS or
// FAILED) after running from start to end.
func (s stageExecution) Complete(st style, status string, start, end time.Time) stageExecution {
	s.ExecutionStatus, s.StartTime, s.EndTime, s.ActiveStep = status, st.timePtr(start), st.timePtr(end), nil
	return s
}

// newApprovalTask is the human approval task FlexDeploy creates when pe
// reaches a gate: PENDING, created by by (completedsnapshotsmonitor or
// releaseeventprocessor) at at, for release r in env.
func newApprovalTask(src *fake.Source, ids *idSeq, st style, r release, env environment, pe pipelineExecution, snapshotID int, by string, at time.Time) task {
	group := 1 // FD Administrators
	if src.Chance(0.5) {
		group = src.ID(10_000, 99_999)
	}
	return task{
		audit:             st.Audit(by, at),
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
func (t task) Decide(st style, approve bool, notes, by string, at time.Time) task {
	t.TaskStatus = "REJECTED"
	if approve {
		t.TaskStatus = "APPROVED"
	}
	t.TaskNotes = ptr(notes)
	t.audit = t.audit.Touch(st, by, at)
	return t
}

var approvalNotes = []string{
	"", "", "Approved for the weekend change window.", "Smoke tests passed in QA.",
	"CAB approved, CHG ticket attached.", "Rejected: payroll close is in progress.",
	"Please rerun after the DBA fixes the index.",
}

// workflowRun describes one workflow execution for newWorkflowExecution.
type workflowRun struct {
	Workflow workflow
	// Project is the project and stream the workflow ran for.
	Project releaseProject
	// Version is the project version name; "" draws one such as 1.0.37.
	Version string
	// VersionID is the project version's id; 0 draws the next one.
	VersionID int
	// PackageName is the package deployed; "" for none.
	PackageName string
	Instance    instance
	Environment environment
	// Release and Snapshot are nil when the workflow ran outside a release.
	Release  *release
	Snapshot *snapshot
	// Status is SUCCESS or FAILED.
	Status string
	// RequestedBy is the user who requested the execution.
	RequestedBy string
	Start, End  time.Time
}

// newWorkflowExecution returns the execution described by run. A TEST
// workflow gets test suite executions between Start and End. Outside a
// release, release and snapshot are as the docs show them: objects of nulls
// for DEPLOY and other types, null for TEST.
func newWorkflowExecution(src *fake.Source, ids *idSeq, st style, run workflowRun) workflowExecution {
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
	w := workflowExecution{
		audit:               st.Audit(run.RequestedBy, created).Touch(st, run.RequestedBy, run.End),
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
		WorkflowRequest: workflowRequest{
			WorkflowRequestID: ids.nextID(),
			TriggerType:       "MANUAL",
			FlexFields:        make([]*string, 10),
		},
		IssueNumbers:  []string{},
		CmsTickets:    []string{},
		TestSuiteExec: []testSuiteExecution{},
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

// newPackageName returns a package name in the style of project's, such
// as XXHR-10089.
func newPackageName(src *fake.Source, project string) string {
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
func newTestSuiteExecution(src *fake.Source, ids *idSeq, st style, start, end time.Time) testSuiteExecution {
	suiteStart := start.Add(src.Duration(0, end.Sub(start)/4))
	s := testSuiteExecution{
		TestSuiteExecutionID: ids.nextID(),
		Status:               "PASSED",
		StartTime:            st.testTime(suiteStart),
		EndTime:              st.testTime(end.Add(-src.Duration(0, end.Sub(suiteStart)/4))),
	}
	for _, tool := range pickDistinct(src, testTools, 1+src.IntN(3)) {
		ex := testExecution{Name: fake.Pick(src, tool.names), Status: "PASSED", ToolName: tool.tool}
		for i, n := 0, 1+src.IntN(4); i < n; i++ {
			r := testResult{TestCaseName: tool.cases(src, i), Status: "PASSED", Duration: src.IntN(40), ExecutionCount: 1}
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
func failOne(src *fake.Source, suites []testSuiteExecution) {
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

// richText encodes plain text the way FlexDeploy stores comments: a
// JSON-encoded rich-text document,
// {"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"..."}]}]}.
func richText(text string) string {
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

// newComment returns a comment with text on the object objectID of
// objectType (WORK_ITEM), written by by at at.
func newComment(src *fake.Source, st style, objectID int, objectType, text, by string, at time.Time) comment {
	return comment{
		audit:       st.Audit(by, at),
		CommentID:   src.ID(1_000, 99_999),
		CommentText: ptr(richText(text)),
		ObjectID:    objectID,
		ObjectType:  objectType,
	}
}

// Edit returns c with its text changed to text by by at at; the previous
// text becomes oldCommentText.
func (c comment) Edit(st style, text, by string, at time.Time) comment {
	c.OldCommentText, c.CommentText = c.CommentText, ptr(richText(text))
	c.audit = c.audit.Touch(st, by, at)
	return c
}

// Delete returns c as Comment Deleted shows it: the last text in
// oldCommentText, commentText null, the audit fields unchanged.
func (c comment) Delete() comment {
	c.OldCommentText, c.CommentText = c.CommentText, nil
	return c
}

var packageDescriptions = []string{
	"\n", "\n", "Overtime rule changes\n", "Fix for the invoice rounding defect", "New approval workflow for leave requests\n",
}

// newPackage returns an ACTIVE, user-managed package of project, created
// by by at at.
func newPackage(src *fake.Source, ids *idSeq, st style, project project, by string, at time.Time) packageInfo {
	return packageInfo{
		audit:            st.Audit(by, at),
		ProjectPackageID: ids.nextID(),
		Description:      fake.Pick(src, packageDescriptions),
		PackageName:      newPackageName(src, project.ProjectName),
		PackageStatus:    "ACTIVE",
		PackageType:      "USER_MANAGED",
		ProjectID:        project.ProjectID,
		Project:          project,
	}
}

// setStatus returns p with status (ACTIVE, INACTIVE, COMPLETED) set by by
// at at.
func (p packageInfo) setStatus(st style, status, by string, at time.Time) packageInfo {
	p.PackageStatus = status
	p.audit = p.audit.Touch(st, by, at)
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
func newTag(src *fake.Source) tag {
	light := fake.Pick(src, tagColours)
	style, err := json.Marshal(struct {
		Dark  string `json:"dark"`
		Light string `json:"light"`
	}{tint(light, 0.44), light})
	if err != nil { // cannot happen: two strings
		panic(err)
	}
	return tag{TagID: src.ID(10_000, 99_999), TagStyle: string(style), TagKey: fake.Pick(src, tagKeys)}
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
func newTagAssignment(ids *idSeq, st style, tag tag, objectID int, objectType, by string, at time.Time) tagAssignment {
	return tagAssignment{
		audit: st.Audit(by, at), TagAssignmentID: ids.nextID(), TagID: tag.TagID, Tag: tag,
		ObjectID: objectID, ObjectType: objectType,
	}
}

var userGroups = []group{
	{GroupName: "Developers", Description: "Application developers"},
	{GroupName: "Release Managers", Description: "Manage releases and approve deployments"},
	{GroupName: "Payroll Team", Description: "Payroll application owners"},
	{GroupName: "DBA", Description: "Database administrators"},
}

// adminGroup is FlexDeploy's built-in administrators group.
var adminGroup = group{GroupID: 1, GroupName: "FD Administrators", Description: "Admin Users", IsActive: true, IsAdminGroup: true}

// newUser returns a new local user made by by at at, in one or two groups.
func newUser(src *fake.Source, st style, by string, at time.Time) user {
	p := src.Person("")
	var groups []group
	if src.Chance(0.3) {
		groups = append(groups, adminGroup)
	}
	for _, g := range pickDistinct(src, userGroups, 1+src.IntN(2)-len(groups)) {
		g.GroupID, g.IsActive = src.ID(10_000, 99_999), true
		groups = append(groups, g)
	}
	return user{
		audit: st.Audit(by, at), UserID: src.ID(10_000, 30_000_000), Email: p.Email,
		FirstName: p.First, IsActive: true, LastName: p.Last, LocalUser: true, UserName: p.UserName,
		Groups: groups, ExtGroups: []string{},
	}
}

var (
	workItemTypes = []workItemType{
		{"Story", "STORY"}, {"Bug", "BUG"}, {"Task", "TASK"}, {"Enhancement", "ENHANCEMENT"},
	}
	// workItemStatuses are the statuses work items move through.
	workItemStatuses = []workItemStatus{{1, "TODO"}, {2, "IN_PROGRESS"}, {3, "DONE"}}
	workItemTitles   = []string{
		"Add overtime rule to payroll calculation", "Invoice totals rounded incorrectly",
		"Expose order status in OrderAPI", "Upgrade SOA composite to 12.2.1.4",
		"New approval step for leave requests", "Fix XXHR concurrent program timeout",
	}
	customFieldNames = []string{"PRIORITY", "SEVERITY", "TARGET_RELEASE", "COMPONENT"}
)

// newWorkItemUser returns a user to assign work items to.
func newWorkItemUser(src *fake.Source) workItemUser {
	p := src.Person("")
	return workItemUser{ID: src.ID(2, 5_000), UserName: p.UserName, Email: p.Email}
}

// newWorkItem returns a TODO work item assigned to assignee, created by by
// at at, with a PRIORITY custom field and up to two others.
func newWorkItem(src *fake.Source, st style, assignee workItemUser, by string, at time.Time) workItem {
	id := src.ID(1_000, 99_999)
	title := fake.Pick(src, workItemTitles)
	w := workItem{
		audit: st.Audit(by, at), FlxWorkItemID: id, WorkItemNumber: strconv.Itoa(id), Title: title,
		Description: title + ".", Type: fake.Pick(src, workItemTypes), Status: workItemStatuses[0],
		Assignee: assignee, CustomFields: []customField{},
	}
	w.CustomFields = append(w.CustomFields, customField{FieldName: "PRIORITY", FieldValue: ptr(customFieldValue(src, "PRIORITY"))})
	for _, name := range pickDistinct(src, customFieldNames[1:], src.IntN(3)) {
		var v *string
		if src.Chance(0.6) {
			v = ptr(customFieldValue(src, name))
		}
		w.CustomFields = append(w.CustomFields, customField{FieldName: name, FieldValue: v})
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
func (w workItem) update(st style, by string, at time.Time, changes ...workItemChange) workItem {
	w.CustomFields = append([]customField(nil), w.CustomFields...)
	w.WorkItemUpdates = []workItemUpdate{}
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
				w.CustomFields = append(w.CustomFields, customField{FieldName: c.Field, FieldValue: ptr(c.Value)})
			}
		}
		w.WorkItemUpdates = append(w.WorkItemUpdates, workItemUpdate{FieldName: c.Field, NewValue: ptr(c.Value), OldValue: old})
	}
	w.audit = w.audit.Touch(st, by, at)
	return w
}
