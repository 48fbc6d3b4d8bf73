package flexdeploy

import (
	"fmt"
	"strconv"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
)

// The events of FlexDeploy 9.0's Events page beyond the 18 of the older
// page (vendor-docs/flexdeploy-events-9.0.txt), as FlexDeploy spells them.
const (
	branchActivated          = "Branch Activated"
	branchCreated            = "Branch Created"
	branchDeleted            = "Branch Deleted"
	branchInactivated        = "Branch Inactivated"
	errorOccurred            = "Error Occurred"
	pipelineVersionActivated = "Pipeline Version Activated"
	projectCreated           = "Project Created"
	projectActivated         = "Project Activated"
	projectInactivated       = "Project Inactivated"
	projectDeleted           = "Project Deleted"
	releaseContentChanged    = "Release Content Changed"
	releaseUpdated           = "Release Updated"
	workflowVersionActivated = "Workflow Version Activated"
)

// Variants of the release events (catalog.Event.Variants).
const (
	// variantClassic is the shape of the older Events page
	// (vendor-docs/flexdeploy-events.txt): startDate a yyyy-MM-dd date,
	// projects without packageName.
	variantClassic = "classic"
	// variant90 is the shape of FlexDeploy 9.0's page: startDate in epoch
	// milliseconds, projects with packageName and their build environment,
	// actors that may be e-mail addresses.
	variant90 = "9.0"
)

// branch is the payload of the branch events: a project's branch, in the
// order of the branch Activated and branch Created samples.
type branch struct {
	audit
	Project     project `json:"project"`
	Description *string `json:"description"`
	// VersionSyntax is the Groovy expression that names the branch's
	// versions: "1.0." + SequenceNumber.
	VersionSyntax    string  `json:"versionSyntax"`
	ProjectBranchID  int     `json:"projectBranchId"`
	Attribute1       *string `json:"attribute1"`
	MainBranchFlag   bool    `json:"mainBranchFlag"`
	Attribute3       *string `json:"attribute3"`
	Attribute2       *string `json:"attribute2"`
	BranchName       string  `json:"branchName"`
	LastDiscoveredOn *string `json:"lastDiscoveredOn"`
}

// branchEvent builds a branch event about b; its object is the branch id,
// as in the samples.
func branchEvent(st style, name string, b branch, actor string, at time.Time) (envelope, error) {
	if err := checkName("BranchEvent", name, branchActivated, branchCreated, branchDeleted, branchInactivated); err != nil {
		return envelope{}, err
	}
	return newEvent(name, actor, strconv.Itoa(b.ProjectBranchID), st.timePtr(at), b), nil
}

// pipelineVersion is the payload of Pipeline Version Activated, in the
// sample's order.
type pipelineVersion struct {
	audit
	Pipeline          pipeline `json:"pipeline"`
	Description       *string  `json:"description"`
	PipelineVersionID int      `json:"pipelineVersionId"`
	// PipelineVersion is the version number as a string ("1").
	PipelineVersion string `json:"pipelineVersion"`
}

// workflowRef is a workflow as Workflow Version Activated shows it: id and
// name (standin's inference from Pipeline Version Activated's pipeline).
type workflowRef struct {
	WorkflowID   int    `json:"workflowId"`
	WorkflowName string `json:"workflowName"`
}

// workflowVersion is the payload of Workflow Version Activated. No sample
// was recovered: standin gives it Pipeline Version Activated's shape with
// workflow in place of pipeline.
type workflowVersion struct {
	audit
	Workflow          workflowRef `json:"workflow"`
	Description       *string     `json:"description"`
	WorkflowVersionID int         `json:"workflowVersionId"`
	WorkflowVersion   string      `json:"workflowVersion"`
}

// pipelineVersionActivatedEvent builds Pipeline Version Activated; its
// object is the version id, as in the sample.
func pipelineVersionActivatedEvent(st style, v pipelineVersion, actor string, at time.Time) envelope {
	return newEvent(pipelineVersionActivated, actor, strconv.Itoa(v.PipelineVersionID), st.timePtr(at), v)
}

// workflowVersionActivatedEvent builds Workflow Version Activated; its
// object is the version id, like Pipeline Version Activated's.
func workflowVersionActivatedEvent(st style, v workflowVersion, actor string, at time.Time) envelope {
	return newEvent(workflowVersionActivated, actor, strconv.Itoa(v.WorkflowVersionID), st.timePtr(at), v)
}

// folder is the folder a project sits in.
type folder struct {
	FolderID int `json:"folderId"`
	// FolderPath is the path from the root: FlexDeploy / HumanResources / HRApp.
	FolderPath string `json:"folderPath"`
}

// projectInfo is the payload of the project events, in the order of the
// Project Created and Project Deleted samples; it has no audit fields.
type projectInfo struct {
	Description *string `json:"description"`
	Active      bool    `json:"active"`
	Folder      folder  `json:"folder"`
	ProjectName string  `json:"projectName"`
	ProjectID   int     `json:"projectId"`
	// ProjectType is such as PARTIAL_JDBC, or null.
	ProjectType *string `json:"projectType"`
	// ScmType is such as GIT.
	ScmType string `json:"scmType"`
}

// projectEvent builds a project event about p; its object is the project
// id, as in the samples.
func projectEvent(st style, name string, p projectInfo, actor string, at time.Time) (envelope, error) {
	if err := checkName("ProjectEvent", name, projectCreated, projectActivated, projectInactivated, projectDeleted); err != nil {
		return envelope{}, err
	}
	return newEvent(name, actor, strconv.Itoa(p.ProjectID), st.timePtr(at), p), nil
}

// releaseProject90 is a release project as FlexDeploy 9.0 shows it: with
// the package it takes part with (null for the whole project) and a
// stream that may be null.
type releaseProject90 struct {
	ProjectID        int              `json:"projectId"`
	ProjectName      string           `json:"projectName"`
	PackageName      *string          `json:"packageName"`
	StreamName       *string          `json:"streamName"`
	BuildEnvironment buildEnvironment `json:"buildEnvironment"`
	GroupName        *string          `json:"groupName"`
}

// v90 returns p as FlexDeploy 9.0 shows it, taking part with pkg ("" for
// the whole project).
func (p releaseProject) v90(pkg string) releaseProject90 {
	out := releaseProject90{
		ProjectID: p.ProjectID, ProjectName: p.ProjectName, StreamName: ptr(p.StreamName),
		BuildEnvironment: p.BuildEnvironment, GroupName: p.GroupName,
	}
	if pkg != "" {
		out.PackageName = ptr(pkg)
	}
	return out
}

// releasePayload90 is the payload of Release Started, Ended (variant 9.0)
// and Updated: startDate and endDate in epoch milliseconds.
type releasePayload90 struct {
	Release release `json:"release"`
	// StartDate is the instant the release started, in epoch milliseconds
	// (null while it has not started).
	StartDate *int64 `json:"startDate"`
	// EndDate is null in every 9.0 sample, the ended release's included.
	EndDate  *int64             `json:"endDate"`
	Projects []releaseProject90 `json:"projects"`
	Pipeline pipeline           `json:"pipeline"`
}

// epochMillis is t in epoch milliseconds, as 9.0 prints release dates.
func epochMillis(t time.Time) *int64 { return ptr(t.Truncate(time.Second).UnixMilli()) }

// releaseEvent90 builds Release Started, Release Ended or Release Updated
// in FlexDeploy 9.0's shape; its object is the release name.
func releaseEvent90(st style, name string, p releasePayload90, actor string, at time.Time) (envelope, error) {
	if err := checkName("ReleaseEvent90", name, releaseStarted, releaseEnded, releaseUpdated); err != nil {
		return envelope{}, err
	}
	if p.Projects == nil {
		p.Projects = []releaseProject90{}
	}
	return newEvent(name, actor, p.Release.ReleaseName, st.timePtr(at), p), nil
}

// workItemRef is a work item as Release Content Changed lists it.
type workItemRef struct {
	WorkItemID int `json:"workItemId"`
}

// releaseContent is the payload of Release Content Changed: the release's
// whole content after the change (projects, workItems) and what the change
// added. The recovered sample is cut inside addedWorkItems; removedProjects
// and removedWorkItems are standin's, from the description ("added or
// removed"), and are left out when nothing was removed.
type releaseContent struct {
	Release          release            `json:"release"`
	Projects         []releaseProject90 `json:"projects"`
	WorkItems        []workItemRef      `json:"workItems"`
	AddedProjects    []releaseProject90 `json:"addedProjects"`
	AddedWorkItems   []workItemRef      `json:"addedWorkItems"`
	RemovedProjects  []releaseProject90 `json:"removedProjects,omitempty"`
	RemovedWorkItems []workItemRef      `json:"removedWorkItems,omitempty"`
}

// releaseContentChangedEvent builds Release Content Changed; its object is
// the release name, as in the sample.
func releaseContentChangedEvent(st style, c releaseContent, actor string, at time.Time) envelope {
	for _, l := range []*[]releaseProject90{&c.Projects, &c.AddedProjects} {
		if *l == nil {
			*l = []releaseProject90{}
		}
	}
	for _, l := range []*[]workItemRef{&c.WorkItems, &c.AddedWorkItems} {
		if *l == nil {
			*l = []workItemRef{}
		}
	}
	return newEvent(releaseContentChanged, actor, c.Release.ReleaseName, st.timePtr(at), c)
}

// errorInfo is the payload of Error Occurred. Neither description nor
// sample was recovered: standin gives it the shape of the events about an
// object (the comment events: audit fields, then objectId and objectType)
// with the error's id, code and message.
type errorInfo struct {
	audit
	ErrorID int `json:"errorId"`
	// ErrorCode is FlexDeploy's message code, such as FDWF-00017.
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	ObjectID     int    `json:"objectId"`
	// ObjectType is what failed: WORKFLOW_EXECUTION, PIPELINE_EXECUTION,
	// WEBHOOK_LISTENER.
	ObjectType string `json:"objectType"`
}

// errorOccurredEvent builds Error Occurred; its object is "Error - <id>",
// like the comment events' "Comment - <id>".
func errorOccurredEvent(st style, e errorInfo, actor string, at time.Time) envelope {
	return newEvent(errorOccurred, actor, "Error - "+strconv.Itoa(e.ErrorID), st.timePtr(at), e)
}

// newActor90 returns the login of a FlexDeploy 9.0 user: fdadmin, a
// jsmith-style name, or (as the 9.0 samples show) an e-mail address.
func newActor90(src *fake.Source) string {
	if src.Chance(0.4) {
		return src.Person("").Email
	}
	return newUserName(src)
}

var versionSyntaxes = []string{`"1.0." + SequenceNumber`, `"2.1." + SequenceNumber`, `BranchName + "." + SequenceNumber`, `"3.0." + SequenceNumber`}

var branchNames = []string{"release-2026.04", "hotfix-payroll", "feature/leave-approval", "develop", "testBranch", "sprint-42"}

// newBranch returns a branch of project created by by at created.
func newBranch(src *fake.Source, ids *idSeq, st style, project project, by string, created time.Time) branch {
	b := branch{
		audit:           st.Audit(by, created),
		Project:         project,
		VersionSyntax:   fake.Pick(src, versionSyntaxes),
		ProjectBranchID: ids.nextID(),
		BranchName:      fake.Pick(src, branchNames),
	}
	if src.Chance(0.3) {
		b.Description = ptr(fmt.Sprintf("Branch for %s", b.BranchName))
	}
	return b
}

var folderPaths = []string{"FlexDeploy / HumanResources / HRApp", "FlexDeploy / Finance", "FlexDeploy / Payroll / Services", "FlexDeploy / Integration / SOA", "FlexDeploy / Platform"}

var (
	projectTypes = []string{"PARTIAL_JDBC", "PARTIAL_FILE", "EBS", "SOA", "JAVA"}
	scmTypes     = []string{"GIT", "GIT", "GIT", "SVN", "TFVC"}
)

// newProjectInfo returns an active project in a folder.
func newProjectInfo(src *fake.Source) projectInfo {
	p := newProject(src)
	info := projectInfo{
		Active:      true,
		Folder:      folder{FolderID: src.ID(10_000, 999_999), FolderPath: fake.Pick(src, folderPaths)},
		ProjectName: p.ProjectName,
		ProjectID:   p.ProjectID,
		ScmType:     fake.Pick(src, scmTypes),
	}
	info.Description = ptr(fmt.Sprintf("%s objects", p.ProjectName))
	if src.Chance(0.5) {
		info.ProjectType = ptr(fake.Pick(src, projectTypes))
	}
	return info
}

var errorKinds = []struct{ objectType, code, message string }{
	{"WORKFLOW_EXECUTION", "FDWF-00017", "Workflow execution failed: step deployPackage ended with exit code 1"},
	{"PIPELINE_EXECUTION", "FDPL-00034", "Pipeline stage execution failed: no endpoint is available for the environment"},
	{"WEBHOOK_LISTENER", "FDWH-00005", "Webhook listener script failed: java.net.ConnectException: Connection refused"},
	{"PLUGIN_EXECUTION", "FDPE-00011", "Plugin operation timed out after 3600 seconds"},
}

// newErrorInfo returns an error on an object, recorded by by at at.
func newErrorInfo(src *fake.Source, ids *idSeq, st style, by string, at time.Time) errorInfo {
	k := fake.Pick(src, errorKinds)
	return errorInfo{
		audit: st.Audit(by, at), ErrorID: ids.nextID(), ErrorCode: k.code, ErrorMessage: k.message,
		ObjectID: src.ID(10_000, 999_999), ObjectType: k.objectType,
	}
}

// event90 builds the one-shot events of the 9.0 page.
func (g *oneShot) event90(name string) (envelope, bool, error) {
	src, st, at := g.src, g.st, g.at
	switch name {
	case branchCreated, branchActivated, branchDeleted, branchInactivated:
		by := newActor90(src)
		created := at
		if name != branchCreated {
			created = g.before(time.Hour, 365*24*time.Hour)
		}
		b := newBranch(src, g.ids, st, newProject(src), newActor90(src), created)
		if name == branchCreated {
			b.audit = st.Audit(by, at)
		} else {
			b.audit = b.audit.Touch(st, by, at.Add(-src.Duration(0, 2*time.Second)))
		}
		if name != branchCreated && src.Chance(0.5) {
			b.LastDiscoveredOn = st.timePtr(g.before(time.Hour, 30*24*time.Hour))
		}
		ev, err := branchEvent(st, name, b, by, at)
		return ev, true, err

	case pipelineVersionActivated, workflowVersionActivated:
		by := newActor90(src)
		created := g.before(time.Hour, 180*24*time.Hour)
		audit := st.Audit(newActor90(src), created).Touch(st, by, g.before(time.Minute, at.Sub(created)))
		number := strconv.Itoa(1 + src.IntN(12))
		if name == pipelineVersionActivated {
			pipe := newPipeline(src)
			v := pipelineVersion{audit: audit, Pipeline: pipe, PipelineVersionID: pipe.PipelineID + src.ID(1, 30), PipelineVersion: number}
			return pipelineVersionActivatedEvent(st, v, by, at), true, nil
		}
		wf := newWorkflow(src, fake.Pick(src, []string{"BUILD", "DEPLOY", "TEST"}))
		v := workflowVersion{
			audit: audit, Workflow: workflowRef{WorkflowID: wf.WorkflowID, WorkflowName: wf.WorkflowName},
			WorkflowVersionID: wf.WorkflowVersionID, WorkflowVersion: number,
		}
		if src.Chance(0.3) {
			v.Description = ptr("Adds a smoke test step")
		}
		return workflowVersionActivatedEvent(st, v, by, at), true, nil

	case projectCreated, projectActivated, projectInactivated, projectDeleted:
		p := newProjectInfo(src)
		if name == projectDeleted && p.ProjectType == nil {
			// As the sample shows: a project deleted has its type.
			p.ProjectType = ptr(fake.Pick(src, projectTypes))
		}
		// Project Deleted's sample shows "active": true; an inactivated
		// project is inactive.
		p.Active = name != projectInactivated
		ev, err := projectEvent(st, name, p, newActor90(src), at)
		return ev, true, err

	case releaseContentChanged:
		rel := release90(newRelease(src))
		build := newEnvironment(src, "DEV")
		all := projects90(src, newReleaseProjects(src, 1+src.IntN(3), nil), build)
		var items []workItemRef
		for range 1 + src.IntN(3) {
			items = append(items, workItemRef{WorkItemID: src.ID(1, 9_999)})
		}
		c := releaseContent{Release: rel, Projects: all, WorkItems: items, AddedProjects: all[:1], AddedWorkItems: []workItemRef{}}
		if src.Chance(0.5) {
			c.AddedWorkItems = items[len(items)-1:]
		}
		return releaseContentChangedEvent(st, c, newActor90(src), at), true, nil

	case errorOccurred:
		by := fake.Pick(src, []string{buildMonitorWorker, admin, releaseEventProcessor})
		return errorOccurredEvent(st, newErrorInfo(src, g.ids, st, by, at), by, at), true, nil
	}
	return envelope{}, false, nil
}

// projects90 returns ps as 9.0 shows them, building in build (every 9.0
// sample's project has a build environment), each with a package about
// half the time.
func projects90(src *fake.Source, ps []releaseProject, build environment) []releaseProject90 {
	out := make([]releaseProject90, len(ps))
	for i, p := range ps {
		pkg := ""
		if i == 0 || src.Chance(0.5) {
			pkg = newPackageName(src, p.ProjectName)
		}
		p.BuildEnvironment = build.build()
		out[i] = p.v90(pkg)
	}
	return out
}

// release90 returns r as the 9.0 samples show a release: a description
// that is "" rather than null when there is none.
func release90(r release) release {
	if r.ReleaseDescription == nil {
		r.ReleaseDescription = ptr("")
	}
	return r
}

// release90 is a one-shot Release Started, Ended or Updated in 9.0's shape.
func (g *oneShot) release90(name string) (envelope, error) {
	src, st, at := g.src, g.st, g.at
	rel, pipe := release90(newRelease(src)), newPipeline(src)
	dev := newEnvironment(src, "DEV")
	p := releasePayload90{Release: rel, Projects: projects90(src, newReleaseProjects(src, 1+src.IntN(4), nil), dev), Pipeline: pipe}
	switch name {
	case releaseStarted:
		p.StartDate = epochMillis(at)
	case releaseEnded:
		p.StartDate = epochMillis(g.before(7*24*time.Hour, 90*24*time.Hour))
	default: // Release Updated, as its sample: a started release edited
		p.StartDate = epochMillis(g.before(time.Minute, 30*24*time.Hour))
	}
	return releaseEvent90(st, name, p, newActor90(src), at)
}
