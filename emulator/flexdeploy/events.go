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
	commentAdded           = "Comment Added"
	commentUpdated         = "Comment Updated"
	commentDeleted         = "Comment Deleted"
	packageCreated         = "Package Created"
	packageStatusUpdated   = "Package Status Updated"
	pipelineStageCompleted = "Pipeline Stage Completed"
	releaseStarted         = "Release Started"
	releaseEnded           = "Release Ended"
	snapshotCompleted      = "Snapshot Completed"
	tagAssigned            = "Tag Assigned"
	tagUnassigned          = "Tag Unassigned"
	taskCreated            = "Task Created"
	taskApproved           = "Task Approved"
	taskRejected           = "Task Rejected"
	userCreated            = "User Created"
	workflowCompleted      = "Workflow Completed"
	workItemCreated        = "Work Item Created"
	workItemUpdated        = "Work Item Updated"
)

// envelope is the envelope of every FlexDeploy event.
type envelope struct {
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
func (e envelope) JSON() ([]byte, error) { return payload.Marshal(&e) }

func newEvent(name, actor, object string, ts *string, p any) envelope {
	return envelope{EventType: name, Actor: actor, Object: object, Timestamp: ts, Payload: p}
}

func checkName(builder, name string, valid ...string) error {
	for _, v := range valid {
		if name == v {
			return nil
		}
	}
	return fmt.Errorf("flexdeploy: %s cannot build %q; valid: %s", builder, name, strings.Join(valid, ", "))
}

// comment is the payload of comment Added, Updated and Deleted.
type comment struct {
	audit
	CommentID int `json:"commentId"`
	// OldCommentText is the text before the change (rich text, see
	// richText); null when the comment is added.
	OldCommentText *string `json:"oldCommentText"`
	// CommentText is the comment's rich text; null once deleted.
	CommentText *string `json:"commentText"`
	ObjectID    int     `json:"objectId"`
	// ObjectType is what the comment is on, such as WORK_ITEM.
	ObjectType string `json:"objectType"`
}

// commentEvent builds Comment Added, Comment Updated or Comment Deleted
// about c, triggered by actor at at.
func commentEvent(st style, name string, c comment, actor string, at time.Time) (envelope, error) {
	if err := checkName("CommentEvent", name, commentAdded, commentUpdated, commentDeleted); err != nil {
		return envelope{}, err
	}
	return newEvent(name, actor, "Comment - "+strconv.Itoa(c.CommentID), st.timePtr(at), c), nil
}

// packageInfo is the payload of packageInfo Created and packageInfo Status Updated.
type packageInfo struct {
	audit
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
	Project       project `json:"project"`
}

// packageEvent builds Package Created or Package Status Updated about p.
func packageEvent(st style, name string, p packageInfo, actor string, at time.Time) (envelope, error) {
	if err := checkName("PackageEvent", name, packageCreated, packageStatusUpdated); err != nil {
		return envelope{}, err
	}
	return newEvent(name, actor, p.PackageName, st.timePtr(at), p), nil
}

// stagePayload is the payload of Pipeline Stage Completed.
type stagePayload struct {
	// PipelineExecutionID is null in the documented sample.
	PipelineExecutionID    *int           `json:"pipelineExecutionId"`
	PipelineStageExecution stageExecution `json:"pipelineStageExecution"`
	Pipeline               pipeline       `json:"pipeline"`
	Environment            environment    `json:"environment"`
	Release                releaseRef     `json:"release"`
	Snapshot               snapshot       `json:"snapshot"`
}

// pipelineStageCompletedEvent builds Pipeline Stage Completed; its object
// is the release name. FlexDeploy's actor here is buildmonitorworker.
func pipelineStageCompletedEvent(st style, p stagePayload, actor string, at time.Time) envelope {
	return newEvent(pipelineStageCompleted, actor, p.Release.ReleaseName, st.timePtr(at), p)
}

// releasePayload is the payload of Release Started and Release Ended.
type releasePayload struct {
	Release release `json:"release"`
	// StartDate and EndDate are dates (style.Date); EndDate is null unless
	// the release has a planned end.
	StartDate string           `json:"startDate"`
	EndDate   *string          `json:"endDate"`
	Projects  []releaseProject `json:"projects"`
	Pipeline  pipeline         `json:"pipeline"`
}

// releaseEvent builds Release Started or Release Ended; its object is the
// release name.
func releaseEvent(st style, name string, p releasePayload, actor string, at time.Time) (envelope, error) {
	if err := checkName("ReleaseEvent", name, releaseStarted, releaseEnded); err != nil {
		return envelope{}, err
	}
	if p.Projects == nil {
		p.Projects = []releaseProject{}
	}
	return newEvent(name, actor, p.Release.ReleaseName, st.timePtr(at), p), nil
}

// snapshotPayload is the payload of Snapshot Completed: created by the user
// who asked for the snapshot, updated by completedsnapshotsmonitor.
type snapshotPayload struct {
	audit
	Snapshot snapshot `json:"snapshot"`
}

// snapshotCompletedEvent builds Snapshot Completed. Its object is the
// snapshot name and, as documented, its timestamp is null: the time is in
// the payload's updatedOn.
func snapshotCompletedEvent(p snapshotPayload, actor string) envelope {
	return newEvent(snapshotCompleted, actor, p.Snapshot.SnapshotName, nil, p)
}

// tagAssignment is the payload of Tag Assigned and Tag Unassigned.
type tagAssignment struct {
	audit
	TagAssignmentID int `json:"tagAssignmentId"`
	TagID           int `json:"tagId"`
	Tag             tag `json:"tag"`
	ObjectID        int `json:"objectId"`
	// ObjectType is what the tag is on: PROJECT, ENVIRONMENT, TARGET_GROUP.
	ObjectType string `json:"objectType"`
}

// tagEvent builds Tag Assigned or Tag Unassigned; its object is the tag key.
// Unassigning keeps the assignment's audit fields: only the timestamp
// moves.
func tagEvent(st style, name string, a tagAssignment, actor string, at time.Time) (envelope, error) {
	if err := checkName("TagEvent", name, tagAssigned, tagUnassigned); err != nil {
		return envelope{}, err
	}
	return newEvent(name, actor, a.Tag.TagKey, st.timePtr(at), a), nil
}

// task is the payload of task Created, Approved and Rejected: a human task
// such as a pipeline approval gate.
type task struct {
	audit
	TaskID int `json:"taskId"`
	// TaskStatus is PENDING, APPROVED or REJECTED.
	TaskStatus string `json:"taskStatus"`
	// TaskIdentifier (a UUID) and TaskType (APPROVAL) appear in Task
	// Approved and Rejected; taskEvent leaves them out of Task Created, as
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
	Environment       environment       `json:"environment"`
	Release           taskRelease       `json:"release"`
	PipelineExecution pipelineExecution `json:"pipelineExecution"`
	SnapshotID        int               `json:"snapshotId"`
	Workflow          *workflow         `json:"workflow"`
	WorkflowRequestID *int              `json:"workflowRequestId"`
	Project           *project          `json:"project"`
}

// taskRelease is the release of a task event. Task Created shows it without
// releaseDescription (OmitDescription, set by taskEvent), Task Approved and
// Rejected with it.
type taskRelease struct {
	release
	OmitDescription bool `json:"-"`
}

// MarshalJSON writes the release with or without its description.
func (r taskRelease) MarshalJSON() ([]byte, error) {
	if r.OmitDescription {
		return payload.Marshal(releaseRef{ReleaseID: r.ReleaseID, ReleaseName: r.ReleaseName})
	}
	return payload.Marshal(r.release)
}

// taskStatusOf is the status each task event shows.
var taskStatusOf = map[string]string{taskCreated: "PENDING", taskApproved: "APPROVED", taskRejected: "REJECTED"}

// taskEvent builds Task Created, Task Approved or Task Rejected about t;
// its object is the release name. The task's status must be the event's
// (PENDING, APPROVED, REJECTED). For Task Created it drops taskIdentifier,
// taskType and releaseDescription, as the documented sample has none.
func taskEvent(st style, name string, t task, actor string, at time.Time) (envelope, error) {
	if err := checkName("TaskEvent", name, taskCreated, taskApproved, taskRejected); err != nil {
		return envelope{}, err
	}
	if want := taskStatusOf[name]; t.TaskStatus != want {
		return envelope{}, fmt.Errorf("flexdeploy: %s needs a task with status %s, not %q", name, want, t.TaskStatus)
	}
	t.Release.OmitDescription = name == taskCreated
	if name == taskCreated {
		t.TaskIdentifier, t.TaskType = nil, nil
	}
	object := t.Release.ReleaseName
	if object == "" && t.Project != nil {
		object = t.Project.ProjectName
	}
	return newEvent(name, actor, object, st.timePtr(at), t), nil
}

// user is the payload of user Created.
type user struct {
	audit
	UserID              int     `json:"userId"`
	Email               string  `json:"email"`
	FirstName           string  `json:"firstName"`
	IsActive            bool    `json:"isActive"`
	LastName            string  `json:"lastName"`
	LocalUser           bool    `json:"localUser"`
	UserName            string  `json:"userName"`
	LoginFailedAttempts *int    `json:"loginFailedAttempts"`
	Groups              []group `json:"groups"`
	// ExtGroups lists external (SSO) groups; the docs show only [].
	ExtGroups []string `json:"extGroups"`
}

// userCreatedEvent builds User Created; its object is the user name.
func userCreatedEvent(st style, u user, actor string, at time.Time) envelope {
	if u.Groups == nil {
		u.Groups = []group{}
	}
	if u.ExtGroups == nil {
		u.ExtGroups = []string{}
	}
	return newEvent(userCreated, actor, u.UserName, st.timePtr(at), u)
}

// workflowExecution is the payload of Workflow Completed.
type workflowExecution struct {
	audit
	// ExecutionStatus is SUCCESS or FAILED.
	ExecutionStatus     string   `json:"executionStatus"`
	WorkflowExecutionID int      `json:"workflowExecutionId"`
	StartTime           string   `json:"startTime"`
	EndTime             string   `json:"endTime"`
	Workflow            workflow `json:"workflow"`
	Project             project  `json:"project"`
	ProjectVersionID    int      `json:"projectVersionId"`
	ProjectVersionName  string   `json:"projectVersionName"`
	// PackageName is the package a DEPLOY workflow deployed; left out when
	// nil (the TEST sample has none).
	PackageName       *string           `json:"packageName,omitempty"`
	ProjectStreamID   int               `json:"projectStreamId"`
	ProjectStreamName string            `json:"projectStreamName"`
	Instance          instance          `json:"instance"`
	Environment       environment       `json:"environment"`
	Release           *workflowRelease  `json:"release"`
	Snapshot          *workflowSnapshot `json:"snapshot"`
	WorkflowRequest   workflowRequest   `json:"workflowRequest"`
	// IssueNumbers and CmsTickets are [] in the docs.
	IssueNumbers  []string             `json:"issueNumbers"`
	CmsTickets    []string             `json:"cmsTickets"`
	TestSuiteExec []testSuiteExecution `json:"testSuiteExec"`
}

// workflowCompletedEvent builds Workflow Completed; its object is the
// project name.
func workflowCompletedEvent(st style, w workflowExecution, actor string, at time.Time) envelope {
	if w.IssueNumbers == nil {
		w.IssueNumbers = []string{}
	}
	if w.CmsTickets == nil {
		w.CmsTickets = []string{}
	}
	if w.TestSuiteExec == nil {
		w.TestSuiteExec = []testSuiteExecution{}
	}
	if w.WorkflowRequest.FlexFields == nil {
		w.WorkflowRequest.FlexFields = make([]*string, 10)
	}
	return newEvent(workflowCompleted, actor, w.Project.ProjectName, st.timePtr(at), w)
}

// workItem is the payload of Work Item Created and Work Item Updated.
type workItem struct {
	audit
	FlxWorkItemID int `json:"flxWorkItemId"`
	// WorkItemNumber is the id as a string; it is the event's object.
	WorkItemNumber string         `json:"workItemNumber"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	Type           workItemType   `json:"type"`
	Status         workItemStatus `json:"status"`
	Assignee       workItemUser   `json:"assignee"`
	// Tags is null in the docs, whose form of it is unknown.
	Tags         []any         `json:"tags"`
	CustomFields []customField `json:"customFields"`
	// WorkItemUpdates lists what an update changed; null on creation.
	WorkItemUpdates []workItemUpdate `json:"workItemUpdates"`
}

// workItemEvent builds Work Item Created or Work Item Updated about w; its
// object is the work item number.
func workItemEvent(st style, name string, w workItem, actor string, at time.Time) (envelope, error) {
	if err := checkName("WorkItemEvent", name, workItemCreated, workItemUpdated); err != nil {
		return envelope{}, err
	}
	if w.CustomFields == nil {
		w.CustomFields = []customField{}
	}
	return newEvent(name, actor, w.WorkItemNumber, st.timePtr(at), w), nil
}
