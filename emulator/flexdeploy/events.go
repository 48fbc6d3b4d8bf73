package flexdeploy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/standin-dev/standin/emulator/payload"
)

// Names of the FlexDeploy events standin emulates, as FlexDeploy spells
// them in eventType.
const (
	CommentAdded           = "Comment Added"
	CommentUpdated         = "Comment Updated"
	CommentDeleted         = "Comment Deleted"
	PackageCreated         = "Package Created"
	PackageStatusUpdated   = "Package Status Updated"
	PipelineStageCompleted = "Pipeline Stage Completed"
	ReleaseStarted         = "Release Started"
	ReleaseEnded           = "Release Ended"
	SnapshotCompleted      = "Snapshot Completed"
	TagAssigned            = "Tag Assigned"
	TagUnassigned          = "Tag Unassigned"
	TaskCreated            = "Task Created"
	TaskApproved           = "Task Approved"
	TaskRejected           = "Task Rejected"
	UserCreated            = "User Created"
	WorkflowCompleted      = "Workflow Completed"
	WorkItemCreated        = "Work Item Created"
	WorkItemUpdated        = "Work Item Updated"
)

// Event is the envelope of every FlexDeploy event.
type Event struct {
	EventType string `json:"eventType"`
	// Actor is the user (or system worker) that triggered the event.
	Actor string `json:"actor"`
	// Object names what the event occurred on: a release, project, package,
	// snapshot or tag name, a user name, or an id.
	Object string `json:"object"`
	// Timestamp is when the event occurred; null in Snapshot Completed.
	Timestamp *string `json:"timestamp"`
	// Payload is one of the payload types of this package.
	Payload any `json:"payload"`
}

// JSON returns the event as compact JSON, fields in the documented order.
func (e Event) JSON() ([]byte, error) { return payload.Marshal(e) }

func newEvent(name, actor, object string, ts *string, p any) Event {
	return Event{EventType: name, Actor: actor, Object: object, Timestamp: ts, Payload: p}
}

func checkName(builder, name string, valid ...string) error {
	for _, v := range valid {
		if name == v {
			return nil
		}
	}
	return fmt.Errorf("flexdeploy: %s cannot build %q; valid: %s", builder, name, strings.Join(valid, ", "))
}

// Comment is the payload of Comment Added, Updated and Deleted.
type Comment struct {
	Audit
	CommentID int `json:"commentId"`
	// OldCommentText is the text before the change (rich text, see
	// RichText); null when the comment is added.
	OldCommentText *string `json:"oldCommentText"`
	// CommentText is the comment's rich text; null once deleted.
	CommentText *string `json:"commentText"`
	ObjectID    int     `json:"objectId"`
	// ObjectType is what the comment is on, such as WORK_ITEM.
	ObjectType string `json:"objectType"`
}

// CommentEvent builds Comment Added, Comment Updated or Comment Deleted
// about c, triggered by actor at at.
func CommentEvent(st Style, name string, c Comment, actor string, at time.Time) (Event, error) {
	if err := checkName("CommentEvent", name, CommentAdded, CommentUpdated, CommentDeleted); err != nil {
		return Event{}, err
	}
	return newEvent(name, actor, "Comment - "+strconv.Itoa(c.CommentID), st.timePtr(at), c), nil
}

// Package is the payload of Package Created and Package Status Updated.
type Package struct {
	Audit
	ProjectPackageID int     `json:"projectPackageId"`
	Description      string  `json:"description"`
	ExcludePath      *string `json:"excludePath"`
	IncludePath      *string `json:"includePath"`
	PackageName      string  `json:"packageName"`
	PackagePath      *string `json:"packagePath"`
	// PackageStatus is ACTIVE, INACTIVE or COMPLETED.
	PackageStatus string `json:"packageStatus"`
	// PackageType is such as USER_MANAGED.
	PackageType string `json:"packageType"`
	ProjectID   int    `json:"projectId"`
	// Tests is null in the docs, whose form of it is unknown.
	Tests         any     `json:"tests"`
	TestLevel     *string `json:"testLevel"`
	VersionSyntax *string `json:"versionSyntax"`
	Project       Project `json:"project"`
}

// PackageEvent builds Package Created or Package Status Updated about p.
func PackageEvent(st Style, name string, p Package, actor string, at time.Time) (Event, error) {
	if err := checkName("PackageEvent", name, PackageCreated, PackageStatusUpdated); err != nil {
		return Event{}, err
	}
	return newEvent(name, actor, p.PackageName, st.timePtr(at), p), nil
}

// StagePayload is the payload of Pipeline Stage Completed.
type StagePayload struct {
	// PipelineExecutionID is null in the documented sample.
	PipelineExecutionID    *int           `json:"pipelineExecutionId"`
	PipelineStageExecution StageExecution `json:"pipelineStageExecution"`
	Pipeline               Pipeline       `json:"pipeline"`
	Environment            Environment    `json:"environment"`
	Release                ReleaseRef     `json:"release"`
	Snapshot               Snapshot       `json:"snapshot"`
}

// PipelineStageCompletedEvent builds Pipeline Stage Completed; its object
// is the release name. FlexDeploy's actor here is buildmonitorworker.
func PipelineStageCompletedEvent(st Style, p StagePayload, actor string, at time.Time) Event {
	return newEvent(PipelineStageCompleted, actor, p.Release.ReleaseName, st.timePtr(at), p)
}

// ReleasePayload is the payload of Release Started and Release Ended.
type ReleasePayload struct {
	Release Release `json:"release"`
	// StartDate and EndDate are dates (Style.Date); EndDate is null unless
	// the release has a planned end.
	StartDate string           `json:"startDate"`
	EndDate   *string          `json:"endDate"`
	Projects  []ReleaseProject `json:"projects"`
	Pipeline  Pipeline         `json:"pipeline"`
}

// ReleaseEvent builds Release Started or Release Ended; its object is the
// release name.
func ReleaseEvent(st Style, name string, p ReleasePayload, actor string, at time.Time) (Event, error) {
	if err := checkName("ReleaseEvent", name, ReleaseStarted, ReleaseEnded); err != nil {
		return Event{}, err
	}
	if p.Projects == nil {
		p.Projects = []ReleaseProject{}
	}
	return newEvent(name, actor, p.Release.ReleaseName, st.timePtr(at), p), nil
}

// SnapshotPayload is the payload of Snapshot Completed: created by the user
// who asked for the snapshot, updated by completedsnapshotsmonitor.
type SnapshotPayload struct {
	Audit
	Snapshot Snapshot `json:"snapshot"`
}

// SnapshotCompletedEvent builds Snapshot Completed. Its object is the
// snapshot name and, as documented, its timestamp is null: the time is in
// the payload's updatedOn.
func SnapshotCompletedEvent(p SnapshotPayload, actor string) Event {
	return newEvent(SnapshotCompleted, actor, p.Snapshot.SnapshotName, nil, p)
}

// TagAssignment is the payload of Tag Assigned and Tag Unassigned.
type TagAssignment struct {
	Audit
	TagAssignmentID int `json:"tagAssignmentId"`
	TagID           int `json:"tagId"`
	Tag             Tag `json:"tag"`
	ObjectID        int `json:"objectId"`
	// ObjectType is what the tag is on: PROJECT, ENVIRONMENT, TARGET_GROUP.
	ObjectType string `json:"objectType"`
}

// TagEvent builds Tag Assigned or Tag Unassigned; its object is the tag key.
// Unassigning keeps the assignment's audit fields: only the timestamp
// moves.
func TagEvent(st Style, name string, a TagAssignment, actor string, at time.Time) (Event, error) {
	if err := checkName("TagEvent", name, TagAssigned, TagUnassigned); err != nil {
		return Event{}, err
	}
	return newEvent(name, actor, a.Tag.TagKey, st.timePtr(at), a), nil
}

// Task is the payload of Task Created, Approved and Rejected: a human task
// such as a pipeline approval gate.
type Task struct {
	Audit
	TaskID int `json:"taskId"`
	// TaskStatus is PENDING, APPROVED or REJECTED.
	TaskStatus string `json:"taskStatus"`
	// TaskIdentifier (a UUID) and TaskType (APPROVAL) appear in Task
	// Approved and Rejected; TaskEvent leaves them out of Task Created, as
	// its documented sample does.
	TaskIdentifier     *string `json:"taskIdentifier,omitempty"`
	TaskType           *string `json:"taskType,omitempty"`
	ExternalID         *string `json:"externalId"`
	ExternalSystemID   *int    `json:"externalSystemId"`
	ExternalSystemType *string `json:"externalSystemType"`
	// TaskNotes is null until someone decides the task.
	TaskNotes         *string           `json:"taskNotes"`
	GroupID           int               `json:"groupId"`
	RoleID            int               `json:"roleId"`
	Environment       Environment       `json:"environment"`
	Release           TaskRelease       `json:"release"`
	PipelineExecution PipelineExecution `json:"pipelineExecution"`
	SnapshotID        int               `json:"snapshotId"`
	Workflow          *Workflow         `json:"workflow"`
	WorkflowRequestID *int              `json:"workflowRequestId"`
	Project           *Project          `json:"project"`
}

// TaskRelease is the release of a task event. Task Created shows it without
// releaseDescription (OmitDescription, set by TaskEvent), Task Approved and
// Rejected with it.
type TaskRelease struct {
	Release
	OmitDescription bool `json:"-"`
}

// MarshalJSON writes the release with or without its description.
func (r TaskRelease) MarshalJSON() ([]byte, error) {
	if r.OmitDescription {
		return payload.Marshal(ReleaseRef{ReleaseID: r.ReleaseID, ReleaseName: r.ReleaseName})
	}
	return payload.Marshal(r.Release)
}

// taskStatusOf is the status each task event shows.
var taskStatusOf = map[string]string{TaskCreated: "PENDING", TaskApproved: "APPROVED", TaskRejected: "REJECTED"}

// TaskEvent builds Task Created, Task Approved or Task Rejected about t;
// its object is the release name. The task's status must be the event's
// (PENDING, APPROVED, REJECTED). For Task Created it drops taskIdentifier,
// taskType and releaseDescription, as the documented sample has none.
func TaskEvent(st Style, name string, t Task, actor string, at time.Time) (Event, error) {
	if err := checkName("TaskEvent", name, TaskCreated, TaskApproved, TaskRejected); err != nil {
		return Event{}, err
	}
	if want := taskStatusOf[name]; t.TaskStatus != want {
		return Event{}, fmt.Errorf("flexdeploy: %s needs a task with status %s, not %q", name, want, t.TaskStatus)
	}
	t.Release.OmitDescription = name == TaskCreated
	if name == TaskCreated {
		t.TaskIdentifier, t.TaskType = nil, nil
	}
	object := t.Release.ReleaseName
	if object == "" && t.Project != nil {
		object = t.Project.ProjectName
	}
	return newEvent(name, actor, object, st.timePtr(at), t), nil
}

// User is the payload of User Created.
type User struct {
	Audit
	UserID              int     `json:"userId"`
	Email               string  `json:"email"`
	FirstName           string  `json:"firstName"`
	IsActive            bool    `json:"isActive"`
	LastName            string  `json:"lastName"`
	LocalUser           bool    `json:"localUser"`
	UserName            string  `json:"userName"`
	LoginFailedAttempts *int    `json:"loginFailedAttempts"`
	Groups              []Group `json:"groups"`
	// ExtGroups lists external (SSO) groups; the docs show only [].
	ExtGroups []string `json:"extGroups"`
}

// userCreatedEvent builds User Created; its object is the user name.
func userCreatedEvent(st Style, u User, actor string, at time.Time) Event {
	if u.Groups == nil {
		u.Groups = []Group{}
	}
	if u.ExtGroups == nil {
		u.ExtGroups = []string{}
	}
	return newEvent(UserCreated, actor, u.UserName, st.timePtr(at), u)
}

// WorkflowExecution is the payload of Workflow Completed.
type WorkflowExecution struct {
	Audit
	// ExecutionStatus is SUCCESS or FAILED.
	ExecutionStatus     string   `json:"executionStatus"`
	WorkflowExecutionID int      `json:"workflowExecutionId"`
	StartTime           string   `json:"startTime"`
	EndTime             string   `json:"endTime"`
	Workflow            Workflow `json:"workflow"`
	Project             Project  `json:"project"`
	ProjectVersionID    int      `json:"projectVersionId"`
	ProjectVersionName  string   `json:"projectVersionName"`
	// PackageName is the package a DEPLOY workflow deployed; left out when
	// nil (the TEST sample has none).
	PackageName       *string           `json:"packageName,omitempty"`
	ProjectStreamID   int               `json:"projectStreamId"`
	ProjectStreamName string            `json:"projectStreamName"`
	Instance          Instance          `json:"instance"`
	Environment       Environment       `json:"environment"`
	Release           *WorkflowRelease  `json:"release"`
	Snapshot          *WorkflowSnapshot `json:"snapshot"`
	WorkflowRequest   WorkflowRequest   `json:"workflowRequest"`
	// IssueNumbers and CmsTickets are [] in the docs.
	IssueNumbers  []string             `json:"issueNumbers"`
	CmsTickets    []string             `json:"cmsTickets"`
	TestSuiteExec []TestSuiteExecution `json:"testSuiteExec"`
}

// WorkflowCompletedEvent builds Workflow Completed; its object is the
// project name.
func WorkflowCompletedEvent(st Style, w WorkflowExecution, actor string, at time.Time) Event {
	if w.IssueNumbers == nil {
		w.IssueNumbers = []string{}
	}
	if w.CmsTickets == nil {
		w.CmsTickets = []string{}
	}
	if w.TestSuiteExec == nil {
		w.TestSuiteExec = []TestSuiteExecution{}
	}
	if w.WorkflowRequest.FlexFields == nil {
		w.WorkflowRequest.FlexFields = make([]*string, 10)
	}
	return newEvent(WorkflowCompleted, actor, w.Project.ProjectName, st.timePtr(at), w)
}

// WorkItem is the payload of Work Item Created and Work Item Updated.
type WorkItem struct {
	Audit
	FlxWorkItemID int `json:"flxWorkItemId"`
	// WorkItemNumber is the id as a string; it is the event's object.
	WorkItemNumber string         `json:"workItemNumber"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	Type           WorkItemType   `json:"type"`
	Status         WorkItemStatus `json:"status"`
	Assignee       WorkItemUser   `json:"assignee"`
	// Tags is null in the docs, whose form of it is unknown.
	Tags         []any         `json:"tags"`
	CustomFields []CustomField `json:"customFields"`
	// WorkItemUpdates lists what an update changed; null on creation.
	WorkItemUpdates []WorkItemUpdate `json:"workItemUpdates"`
}

// WorkItemEvent builds Work Item Created or Work Item Updated about w; its
// object is the work item number.
func WorkItemEvent(st Style, name string, w WorkItem, actor string, at time.Time) (Event, error) {
	if err := checkName("WorkItemEvent", name, WorkItemCreated, WorkItemUpdated); err != nil {
		return Event{}, err
	}
	if w.CustomFields == nil {
		w.CustomFields = []CustomField{}
	}
	return newEvent(name, actor, w.WorkItemNumber, st.timePtr(at), w), nil
}
