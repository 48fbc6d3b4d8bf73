package flexdeploy

// The objects FlexDeploy events carry, with their JSON field names in the
// order of the documented samples. Times are already formatted (see Style):
// the builders and constructors take time.Time and format it.

// Environment is a FlexDeploy environment such as Development (DEV).
type Environment struct {
	EnvironmentID   int    `json:"environmentId"`
	EnvironmentName string `json:"environmentName"`
	EnvironmentCode string `json:"environmentCode"`
}

// BuildEnvironment is the environment a release project builds in; every
// field is null when the project has none.
type BuildEnvironment struct {
	EnvironmentID   *int    `json:"environmentId"`
	EnvironmentName *string `json:"environmentName"`
	EnvironmentCode *string `json:"environmentCode"`
}

// Pipeline is a release pipeline.
type Pipeline struct {
	PipelineID   int    `json:"pipelineId"`
	PipelineName string `json:"pipelineName"`
}

// Release is a FlexDeploy release as the release and task events show it.
type Release struct {
	ReleaseID          int     `json:"releaseId"`
	ReleaseName        string  `json:"releaseName"`
	ReleaseDescription *string `json:"releaseDescription"`
}

// ReleaseRef is a release as Pipeline Stage Completed shows it: id and name.
type ReleaseRef struct {
	ReleaseID   int    `json:"releaseId"`
	ReleaseName string `json:"releaseName"`
}

// WorkflowRelease is the release of a Workflow Completed event: its fields
// are null when the workflow ran outside a release (DEPLOY sample); TEST's
// sample has a null release instead (a nil *WorkflowRelease).
type WorkflowRelease struct {
	ReleaseID   *int    `json:"releaseId"`
	ReleaseName *string `json:"releaseName"`
}

// Snapshot is a release snapshot: the project versions a release pipeline
// deploys.
type Snapshot struct {
	SnapshotID     int     `json:"snapshotId"`
	SnapshotName   string  `json:"snapshotName"`
	SnapshotStatus string  `json:"snapshotStatus"`
	Description    *string `json:"description"`
	ReleaseID      int     `json:"releaseId"`
}

// WorkflowSnapshot is the snapshot of a Workflow Completed event, with null
// fields (or nil) when the workflow ran outside a release.
type WorkflowSnapshot struct {
	SnapshotID     *int    `json:"snapshotId"`
	SnapshotName   *string `json:"snapshotName"`
	SnapshotStatus *string `json:"snapshotStatus"`
	Description    *string `json:"description"`
	ReleaseID      *int    `json:"releaseId"`
}

// Project is a FlexDeploy project.
type Project struct {
	ProjectID   int    `json:"projectId"`
	ProjectName string `json:"projectName"`
}

// ReleaseProject is a project taking part in a release, on one stream.
type ReleaseProject struct {
	ProjectID        int              `json:"projectId"`
	ProjectName      string           `json:"projectName"`
	StreamName       string           `json:"streamName"`
	BuildEnvironment BuildEnvironment `json:"buildEnvironment"`
	GroupName        *string          `json:"groupName"`
	// StreamID is the stream's id: release events leave it out, Workflow
	// Completed shows it as projectStreamId.
	StreamID int `json:"-"`
}

// Workflow is a workflow and the version of it that ran.
type Workflow struct {
	WorkflowID        int    `json:"workflowId"`
	WorkflowName      string `json:"workflowName"`
	WorkflowType      string `json:"workflowType"`
	WorkflowVersionID int    `json:"workflowVersionId"`
}

// Instance is the instance (target group) a workflow runs on.
type Instance struct {
	InstanceID   int    `json:"instanceId"`
	InstanceName string `json:"instanceName"`
	InstanceCode string `json:"instanceCode"`
}

// ActiveStep is the step a pipeline stage is at, such as an approval gate.
type ActiveStep struct {
	// ID is the step's id in the pipeline definition; it stays the same
	// across executions.
	ID              int    `json:"id"`
	ExecutionID     int    `json:"executionId"`
	ExecutionStatus string `json:"executionStatus"`
	IsGate          bool   `json:"isGate"`
}

// StageExecution is the execution of one pipeline stage (one environment).
type StageExecution struct {
	StageExecutionID int         `json:"stageExecutionId"`
	EnvironmentID    int         `json:"environmentId"`
	ExecutionStatus  string      `json:"executionStatus"`
	StartTime        *string     `json:"startTime"`
	EndTime          *string     `json:"endTime"`
	ActiveStep       *ActiveStep `json:"activeStep"`
}

// PipelineExecution is a running pipeline execution and its active stage.
type PipelineExecution struct {
	PipelineID           int            `json:"pipelineId"`
	PipelineExecutionID  int            `json:"pipelineExecutionId"`
	ExecutionStatus      string         `json:"executionStatus"`
	ActiveStageExecution StageExecution `json:"activeStageExecution"`
}

// WorkflowRequest is the request that started a workflow execution.
type WorkflowRequest struct {
	WorkflowRequestID int  `json:"workflowRequestId"`
	ForceDeploy       bool `json:"forceDeploy"`
	// TriggerType is how the request was made, such as MANUAL.
	TriggerType string `json:"triggerType"`
	// FlexFields holds the request's ten flex field values (null unless set).
	FlexFields        []*string `json:"flexFields"`
	Priority          *int      `json:"priority"`
	AllFilesRequested bool      `json:"allFilesRequested"`
}

// TestSuiteExecution is one test suite run by a workflow.
type TestSuiteExecution struct {
	TestSuiteExecutionID int             `json:"testSuiteExecutionId"`
	Status               string          `json:"status"`
	StartTime            string          `json:"startTime"`
	EndTime              string          `json:"endTime"`
	TestExecutions       []TestExecution `json:"testExecutions"`
}

// TestExecution is one test definition of a suite run by a test tool.
type TestExecution struct {
	Name        string       `json:"name"`
	Status      string       `json:"status"`
	ToolName    string       `json:"toolName"`
	TestResults []TestResult `json:"testResults"`
}

// TestResult is the result of one test case.
type TestResult struct {
	TestCaseName    string  `json:"testCaseName"`
	Status          string  `json:"status"`
	Message         *string `json:"message"`
	MinResponseTime *int    `json:"minResponseTime"`
	MaxResponseTime *int    `json:"maxResponseTime"`
	AvgResponseTime *int    `json:"avgResponseTime"`
	Duration        int     `json:"duration"`
	ExecutionCount  int     `json:"executionCount"`
	OutputData      *string `json:"outputData"`
}

// Tag is a FlexDeploy tag.
type Tag struct {
	TagID int `json:"tagId"`
	// TagStyle is the tag's colours JSON-encoded as a string:
	// {"dark":"#949FDA","light":"#3F51B5"}.
	TagStyle string `json:"tagStyle"`
	TagKey   string `json:"tagKey"`
}

// Group is a FlexDeploy user group.
type Group struct {
	GroupID      int    `json:"groupId"`
	GroupName    string `json:"groupName"`
	Description  string `json:"description"`
	IsActive     bool   `json:"isActive"`
	IsAdminGroup bool   `json:"isAdminGroup"`
}

// WorkItemType is the type of a work item.
type WorkItemType struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// WorkItemStatus is the status of a work item.
type WorkItemStatus struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// WorkItemUser is the user a work item is assigned to.
type WorkItemUser struct {
	ID       int    `json:"id"`
	UserName string `json:"userName"`
	Email    string `json:"email"`
}

// CustomField is a custom field value of a work item.
type CustomField struct {
	FieldName  string  `json:"fieldName"`
	FieldValue *string `json:"fieldValue"`
}

// WorkItemUpdate is one field a work item update changed, by its display
// name (Description, Title, Status) or custom field name.
type WorkItemUpdate struct {
	FieldName string  `json:"fieldName"`
	NewValue  *string `json:"newValue"`
	OldValue  *string `json:"oldValue"`
}
