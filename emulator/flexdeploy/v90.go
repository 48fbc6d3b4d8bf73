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
	BranchActivated          = "Branch Activated"
	BranchCreated            = "Branch Created"
	BranchDeleted            = "Branch Deleted"
	BranchInactivated        = "Branch Inactivated"
	ErrorOccurred            = "Error Occurred"
	PipelineVersionActivated = "Pipeline Version Activated"
	ProjectCreated           = "Project Created"
	ProjectActivated         = "Project Activated"
	ProjectInactivated       = "Project Inactivated"
	ProjectDeleted           = "Project Deleted"
	ReleaseContentChanged    = "Release Content Changed"
	ReleaseUpdated           = "Release Updated"
	WorkflowVersionActivated = "Workflow Version Activated"
)

// Variants of the release events (catalog.Event.Variants).
const (
	// VariantClassic is the shape of the older Events page
	// (vendor-docs/flexdeploy-events.txt): startDate a yyyy-MM-dd date,
	// projects without packageName.
	VariantClassic = "classic"
	// Variant90 is the shape of FlexDeploy 9.0's page: startDate in epoch
	// milliseconds, projects with packageName and their build environment,
	// actors that may be e-mail addresses.
	Variant90 = "9.0"
)

// Branch is the payload of the branch events: a project's branch, in the
// order of the Branch Activated and Branch Created samples.
type Branch struct {
	Audit
	Project     Project `json:"project"`
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

// BranchEvent builds a branch event about b; its object is the branch id,
// as in the samples.
func BranchEvent(st Style, name string, b Branch, actor string, at time.Time) (Event, error) {
	if err := checkName("BranchEvent", name, BranchActivated, BranchCreated, BranchDeleted, BranchInactivated); err != nil {
		return Event{}, err
	}
	return newEvent(name, actor, strconv.Itoa(b.ProjectBranchID), st.timePtr(at), b), nil
}

// PipelineVersion is the payload of Pipeline Version Activated, in the
// sample's order.
type PipelineVersion struct {
	Audit
	Pipeline          Pipeline `json:"pipeline"`
	Description       *string  `json:"description"`
	PipelineVersionID int      `json:"pipelineVersionId"`
	// PipelineVersion is the version number as a string ("1").
	PipelineVersion string `json:"pipelineVersion"`
}

// WorkflowRef is a workflow as Workflow Version Activated shows it: id and
// name (standin's inference from Pipeline Version Activated's pipeline).
type WorkflowRef struct {
	WorkflowID   int    `json:"workflowId"`
	WorkflowName string `json:"workflowName"`
}

// WorkflowVersion is the payload of Workflow Version Activated. No sample
// was recovered: standin gives it Pipeline Version Activated's shape with
// workflow in place of pipeline.
type WorkflowVersion struct {
	Audit
	Workflow          WorkflowRef `json:"workflow"`
	Description       *string     `json:"description"`
	WorkflowVersionID int         `json:"workflowVersionId"`
	WorkflowVersion   string      `json:"workflowVersion"`
}

// PipelineVersionActivatedEvent builds Pipeline Version Activated; its
// object is the version id, as in the sample.
func PipelineVersionActivatedEvent(st Style, v PipelineVersion, actor string, at time.Time) Event {
	return newEvent(PipelineVersionActivated, actor, strconv.Itoa(v.PipelineVersionID), st.timePtr(at), v)
}

// WorkflowVersionActivatedEvent builds Workflow Version Activated; its
// object is the version id, like Pipeline Version Activated's.
func WorkflowVersionActivatedEvent(st Style, v WorkflowVersion, actor string, at time.Time) Event {
	return newEvent(WorkflowVersionActivated, actor, strconv.Itoa(v.WorkflowVersionID), st.timePtr(at), v)
}

// Folder is the folder a project sits in.
type Folder struct {
	FolderID int `json:"folderId"`
	// FolderPath is the path from the root: FlexDeploy / HumanResources / HRApp.
	FolderPath string `json:"folderPath"`
}

// ProjectInfo is the payload of the project events, in the order of the
// Project Created and Project Deleted samples; it has no audit fields.
type ProjectInfo struct {
	Description *string `json:"description"`
	Active      bool    `json:"active"`
	Folder      Folder  `json:"folder"`
	ProjectName string  `json:"projectName"`
	ProjectID   int     `json:"projectId"`
	// ProjectType is such as PARTIAL_JDBC, or null.
	ProjectType *string `json:"projectType"`
	// ScmType is such as GIT.
	ScmType string `json:"scmType"`
}

// ProjectEvent builds a project event about p; its object is the project
// id, as in the samples.
func ProjectEvent(st Style, name string, p ProjectInfo, actor string, at time.Time) (Event, error) {
	if err := checkName("ProjectEvent", name, ProjectCreated, ProjectActivated, ProjectInactivated, ProjectDeleted); err != nil {
		return Event{}, err
	}
	return newEvent(name, actor, strconv.Itoa(p.ProjectID), st.timePtr(at), p), nil
}

// ReleaseProject90 is a release project as FlexDeploy 9.0 shows it: with
// the package it takes part with (null for the whole project) and a
// stream that may be null.
type ReleaseProject90 struct {
	ProjectID        int              `json:"projectId"`
	ProjectName      string           `json:"projectName"`
	PackageName      *string          `json:"packageName"`
	StreamName       *string          `json:"streamName"`
	BuildEnvironment BuildEnvironment `json:"buildEnvironment"`
	GroupName        *string          `json:"groupName"`
}

// v90 returns p as FlexDeploy 9.0 shows it, taking part with pkg ("" for
// the whole project).
func (p ReleaseProject) v90(pkg string) ReleaseProject90 {
	out := ReleaseProject90{
		ProjectID: p.ProjectID, ProjectName: p.ProjectName, StreamName: ptr(p.StreamName),
		BuildEnvironment: p.BuildEnvironment, GroupName: p.GroupName,
	}
	if pkg != "" {
		out.PackageName = ptr(pkg)
	}
	return out
}

// ReleasePayload90 is the payload of Release Started, Ended (variant 9.0)
// and Updated: startDate and endDate in epoch milliseconds.
type ReleasePayload90 struct {
	Release Release `json:"release"`
	// StartDate is the instant the release started, in epoch milliseconds
	// (null while it has not started).
	StartDate *int64 `json:"startDate"`
	// EndDate is null in every 9.0 sample, the ended release's included.
	EndDate  *int64             `json:"endDate"`
	Projects []ReleaseProject90 `json:"projects"`
	Pipeline Pipeline           `json:"pipeline"`
}

// epochMillis is t in epoch milliseconds, as 9.0 prints release dates.
func epochMillis(t time.Time) *int64 { return ptr(t.Truncate(time.Second).UnixMilli()) }

// ReleaseEvent90 builds Release Started, Release Ended or Release Updated
// in FlexDeploy 9.0's shape; its object is the release name.
func ReleaseEvent90(st Style, name string, p ReleasePayload90, actor string, at time.Time) (Event, error) {
	if err := checkName("ReleaseEvent90", name, ReleaseStarted, ReleaseEnded, ReleaseUpdated); err != nil {
		return Event{}, err
	}
	if p.Projects == nil {
		p.Projects = []ReleaseProject90{}
	}
	return newEvent(name, actor, p.Release.ReleaseName, st.timePtr(at), p), nil
}

// WorkItemRef is a work item as Release Content Changed lists it.
type WorkItemRef struct {
	WorkItemID int `json:"workItemId"`
}

// ReleaseContent is the payload of Release Content Changed: the release's
// whole content after the change (projects, workItems) and what the change
// added. The recovered sample is cut inside addedWorkItems; removedProjects
// and removedWorkItems are standin's, from the description ("added or
// removed"), and are left out when nothing was removed.
type ReleaseContent struct {
	Release          Release            `json:"release"`
	Projects         []ReleaseProject90 `json:"projects"`
	WorkItems        []WorkItemRef      `json:"workItems"`
	AddedProjects    []ReleaseProject90 `json:"addedProjects"`
	AddedWorkItems   []WorkItemRef      `json:"addedWorkItems"`
	RemovedProjects  []ReleaseProject90 `json:"removedProjects,omitempty"`
	RemovedWorkItems []WorkItemRef      `json:"removedWorkItems,omitempty"`
}

// ReleaseContentChangedEvent builds Release Content Changed; its object is
// the release name, as in the sample.
func ReleaseContentChangedEvent(st Style, c ReleaseContent, actor string, at time.Time) Event {
	for _, l := range []*[]ReleaseProject90{&c.Projects, &c.AddedProjects} {
		if *l == nil {
			*l = []ReleaseProject90{}
		}
	}
	for _, l := range []*[]WorkItemRef{&c.WorkItems, &c.AddedWorkItems} {
		if *l == nil {
			*l = []WorkItemRef{}
		}
	}
	return newEvent(ReleaseContentChanged, actor, c.Release.ReleaseName, st.timePtr(at), c)
}

// ErrorInfo is the payload of Error Occurred. Neither description nor
// sample was recovered: standin gives it the shape of the events about an
// object (the comment events: audit fields, then objectId and objectType)
// with the error's id, code and message.
type ErrorInfo struct {
	Audit
	ErrorID int `json:"errorId"`
	// ErrorCode is FlexDeploy's message code, such as FDWF-00017.
	ErrorCode    string `json:"errorCode"`
	ErrorMessage string `json:"errorMessage"`
	ObjectID     int    `json:"objectId"`
	// ObjectType is what failed: WORKFLOW_EXECUTION, PIPELINE_EXECUTION,
	// WEBHOOK_LISTENER.
	ObjectType string `json:"objectType"`
}

// ErrorOccurredEvent builds Error Occurred; its object is "Error - <id>",
// like the comment events' "Comment - <id>".
func ErrorOccurredEvent(st Style, e ErrorInfo, actor string, at time.Time) Event {
	return newEvent(ErrorOccurred, actor, "Error - "+strconv.Itoa(e.ErrorID), st.timePtr(at), e)
}

// NewActor90 returns the login of a FlexDeploy 9.0 user: fdadmin, a
// jsmith-style name, or (as the 9.0 samples show) an e-mail address.
func NewActor90(src *fake.Source) string {
	if src.Chance(0.4) {
		return src.Person("").Email
	}
	return NewUserName(src)
}

var versionSyntaxes = []string{`"1.0." + SequenceNumber`, `"2.1." + SequenceNumber`, `BranchName + "." + SequenceNumber`, `"3.0." + SequenceNumber`}

var branchNames = []string{"release-2026.04", "hotfix-payroll", "feature/leave-approval", "develop", "testBranch", "sprint-42"}

// newBranch returns a branch of project created by by at created.
func newBranch(src *fake.Source, ids *IDs, st Style, project Project, by string, created time.Time) Branch {
	b := Branch{
		Audit:           st.Audit(by, created),
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
func newProjectInfo(src *fake.Source) ProjectInfo {
	p := newProject(src)
	info := ProjectInfo{
		Active:      true,
		Folder:      Folder{FolderID: src.ID(10_000, 999_999), FolderPath: fake.Pick(src, folderPaths)},
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
func newErrorInfo(src *fake.Source, ids *IDs, st Style, by string, at time.Time) ErrorInfo {
	k := fake.Pick(src, errorKinds)
	return ErrorInfo{
		Audit: st.Audit(by, at), ErrorID: ids.nextID(), ErrorCode: k.code, ErrorMessage: k.message,
		ObjectID: src.ID(10_000, 999_999), ObjectType: k.objectType,
	}
}

// event90 builds the one-shot events of the 9.0 page.
func (g *oneShot) event90(name string) (Event, bool, error) {
	src, st, at := g.src, g.st, g.at
	switch name {
	case BranchCreated, BranchActivated, BranchDeleted, BranchInactivated:
		by := NewActor90(src)
		created := at
		if name != BranchCreated {
			created = g.before(time.Hour, 365*24*time.Hour)
		}
		b := newBranch(src, g.ids, st, newProject(src), NewActor90(src), created)
		if name == BranchCreated {
			b.Audit = st.Audit(by, at)
		} else {
			b.Audit = b.Audit.Touch(st, by, at.Add(-src.Duration(0, 2*time.Second)))
		}
		if name != BranchCreated && src.Chance(0.5) {
			b.LastDiscoveredOn = st.timePtr(g.before(time.Hour, 30*24*time.Hour))
		}
		ev, err := BranchEvent(st, name, b, by, at)
		return ev, true, err

	case PipelineVersionActivated, WorkflowVersionActivated:
		by := NewActor90(src)
		created := g.before(time.Hour, 180*24*time.Hour)
		audit := st.Audit(NewActor90(src), created).Touch(st, by, g.before(time.Minute, at.Sub(created)))
		number := strconv.Itoa(1 + src.IntN(12))
		if name == PipelineVersionActivated {
			pipe := NewPipeline(src)
			v := PipelineVersion{Audit: audit, Pipeline: pipe, PipelineVersionID: pipe.PipelineID + src.ID(1, 30), PipelineVersion: number}
			return PipelineVersionActivatedEvent(st, v, by, at), true, nil
		}
		wf := NewWorkflow(src, fake.Pick(src, []string{"BUILD", "DEPLOY", "TEST"}))
		v := WorkflowVersion{
			Audit: audit, Workflow: WorkflowRef{WorkflowID: wf.WorkflowID, WorkflowName: wf.WorkflowName},
			WorkflowVersionID: wf.WorkflowVersionID, WorkflowVersion: number,
		}
		if src.Chance(0.3) {
			v.Description = ptr("Adds a smoke test step")
		}
		return WorkflowVersionActivatedEvent(st, v, by, at), true, nil

	case ProjectCreated, ProjectActivated, ProjectInactivated, ProjectDeleted:
		p := newProjectInfo(src)
		if name == ProjectDeleted && p.ProjectType == nil {
			// As the sample shows: a project deleted has its type.
			p.ProjectType = ptr(fake.Pick(src, projectTypes))
		}
		// Project Deleted's sample shows "active": true; an inactivated
		// project is inactive.
		p.Active = name != ProjectInactivated
		ev, err := ProjectEvent(st, name, p, NewActor90(src), at)
		return ev, true, err

	case ReleaseContentChanged:
		rel := release90(NewRelease(src))
		build := NewEnvironment(src, "DEV")
		all := projects90(src, NewReleaseProjects(src, 1+src.IntN(3), nil), build)
		var items []WorkItemRef
		for range 1 + src.IntN(3) {
			items = append(items, WorkItemRef{WorkItemID: src.ID(1, 9_999)})
		}
		c := ReleaseContent{Release: rel, Projects: all, WorkItems: items, AddedProjects: all[:1], AddedWorkItems: []WorkItemRef{}}
		if src.Chance(0.5) {
			c.AddedWorkItems = items[len(items)-1:]
		}
		return ReleaseContentChangedEvent(st, c, NewActor90(src), at), true, nil

	case ErrorOccurred:
		by := fake.Pick(src, []string{BuildMonitorWorker, Admin, ReleaseEventProcessor})
		return ErrorOccurredEvent(st, newErrorInfo(src, g.ids, st, by, at), by, at), true, nil
	}
	return Event{}, false, nil
}

// projects90 returns ps as 9.0 shows them, building in build (every 9.0
// sample's project has a build environment), each with a package about
// half the time.
func projects90(src *fake.Source, ps []ReleaseProject, build Environment) []ReleaseProject90 {
	out := make([]ReleaseProject90, len(ps))
	for i, p := range ps {
		pkg := ""
		if i == 0 || src.Chance(0.5) {
			pkg = NewPackageName(src, p.ProjectName)
		}
		p.BuildEnvironment = build.build()
		out[i] = p.v90(pkg)
	}
	return out
}

// release90 returns r as the 9.0 samples show a release: a description
// that is "" rather than null when there is none.
func release90(r Release) Release {
	if r.ReleaseDescription == nil {
		r.ReleaseDescription = ptr("")
	}
	return r
}

// release90 is a one-shot Release Started, Ended or Updated in 9.0's shape.
func (g *oneShot) release90(name string) (Event, error) {
	src, st, at := g.src, g.st, g.at
	rel, pipe := release90(NewRelease(src)), NewPipeline(src)
	dev := NewEnvironment(src, "DEV")
	p := ReleasePayload90{Release: rel, Projects: projects90(src, NewReleaseProjects(src, 1+src.IntN(4), nil), dev), Pipeline: pipe}
	switch name {
	case ReleaseStarted:
		p.StartDate = epochMillis(at)
	case ReleaseEnded:
		p.StartDate = epochMillis(g.before(7*24*time.Hour, 90*24*time.Hour))
	default: // Release Updated, as its sample: a started release edited
		p.StartDate = epochMillis(g.before(time.Minute, 30*24*time.Hour))
	}
	return ReleaseEvent90(st, name, p, NewActor90(src), at)
}
