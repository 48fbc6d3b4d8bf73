package flexdeploy

// The objects FlexDeploy events carry, with their JSON field names in the
// order of the documented samples. Times are already formatted (see style):
// the builders and constructors take time.Time and format it.

// environment is a FlexDeploy environment such as Development (DEV).
type environment struct {
	EnvironmentID   int    `json:"environmentId"`
	EnvironmentName string `json:"environmentName"`
	EnvironmentCode string `json:"environmentCode"`
}

// buildEnvironment is the environment a release project builds in; every
// field is null when the project has none.
type buildEnvironment struct {
	EnvironmentID   *int    `json:"environmentId"`
	EnvironmentName *string `json:"environmentName"`
	EnvironmentCode *string `json:"environmentCode"`
}

// pipeline is a release pipeline.
type pipeline struct {
	PipelineID   int    `json:"pipelineId"`
	PipelineName string `json:"pipelineName"`
}

// release is a FlexDeploy release as the release and task events show it.
type release struct {
	ReleaseID          int     `json:"releaseId"`
	ReleaseName        string  `json:"releaseName"`
	ReleaseDescription *string `json:"releaseDescription"`
}

// releaseRef is a release as Pipeline Stage Completed shows it: id and name.
type releaseRef struct {
	ReleaseID   int    `json:"releaseId"`
	ReleaseName string `json:"releaseName"`
}

// workflowRelease is the release of a Workflow Completed event: its fields
// are null when the workflow ran outside a release (DEPLOY sample); TEST's
// sample has a null release instead (a nil *workflowRelease).
type workflowRelease struct {
	ReleaseID   *int    `json:"releaseId"`
	ReleaseName *string `json:"releaseName"`
}

// snapshot is a release snapshot: the project versions a release pipeline
// deploys.
type snapshot struct {
	SnapshotID     int     `json:"snapshotId"`
	SnapshotName   string  `json:"snapshotName"`
	SnapshotStatus string  `json:"snapshotStatus"`
	Description    *string `json:"description"`
	ReleaseID      int     `json:"releaseId"`
}

// workflowSnapshot is the snapshot of a Workflow Completed event, with null
// fields (or nil) when the workflow ran outside a release.
type workflowSnapshot struct {
	SnapshotID     *int    `json:"snapshotId"`
	SnapshotName   *string `json:"snapshotName"`
	SnapshotStatus *string `json:"snapshotStatus"`
	Description    *string `json:"description"`
	ReleaseID      *int    `json:"releaseId"`
}

// project is a FlexDeploy project.
type project struct {
	ProjectID   int    `json:"projectId"`
	ProjectName string `json:"projectName"`
}

// releaseProject is a project taking part in a release, on one stream.
type releaseProject struct {
	ProjectID        int              `json:"projectId"`
	ProjectName      string           `json:"projectName"`
	StreamName       string           `json:"streamName"`
	BuildEnvironment buildEnvironment `json:"buildEnvironment"`
	GroupName        *string          `json:"groupName"`
	// StreamID is the stream's id: release events leave it out, Workflow
	// Completed shows it as projectStreamId.
	StreamID int `json:"-"`
}

// workflow is a workflow and the version of it that ran.
type workflow struct {
	WorkflowID        int    `json:"workflowId"`
	WorkflowName      string `json:"workflowName"`
	WorkflowType      string `json:"workflowType"`
	WorkflowVersionID int    `json:"workflowVersionId"`
}

// instance is the instance (target group) a workflow runs on.
type instance struct {
	InstanceID   int    `json:"instanceId"`
	InstanceName string `json:"instanceName"`
	InstanceCode string `json:"instanceCode"`
}

// activeStep is the step a pipeline stage is at, such as an approval gate.
type activeStep struct {
	// ID is the step's id in the pipeline definition; it stays the same
	// across executions.
	ID              int    `json:"id"`
	ExecutionID     int    `json:"executionId"`
	ExecutionStatus string `json:"executionStatus"`
	IsGate          bool   `json:"isGate"`
}

// stageExecution is the execution of one pipeline stage (one environment).
type stageExecution struct {
	StageExecutionID int         `json:"stageExecutionId"`
	EnvironmentID    int         `json:"environmentId"`
	ExecutionStatus  string      `json:"executionStatus"`
	StartTime        *string     `json:"startTime"`
	EndTime          *string     `json:"endTime"`
	ActiveStep       *activeStep `json:"activeStep"`
}

// pipelineExecution is a running pipeline execution and its active stage.
type pipelineExecution struct {
	PipelineID           int            `json:"pipelineId"`
	PipelineExecutionID  int            `json:"pipelineExecutionId"`
	ExecutionStatus      string         `json:"executionStatus"`
	ActiveStageExecution stageExecution `json:"activeStageExecution"`
}

// workflowRequest is the request that started a workflow execution.
type workflowRequest struct {
	WorkflowRequestID int  `json:"workflowRequestId"`
	ForceDeploy       bool `json:"forceDeploy"`
	// TriggerType is how the request was made, such as MANUAL.
	TriggerType string `json:"triggerType"`
	// FlexFields holds the request's ten flex field values (null unless set).
	FlexFields        []*string `json:"flexFields"`
	Priority          *int      `json:"priority"`
	AllFilesRequested bool      `json:"allFilesRequested"`
}

// testSuiteExecution is one test suite run by a workflow.
type testSuiteExecution struct {
	TestSuiteExecutionID int             `json:"testSuiteExecutionId"`
	Status               string          `json:"status"`
	StartTime            string          `json:"startTime"`
	EndTime              string          `json:"endTime"`
	TestExecutions       []testExecution `json:"testExecutions"`
}

// testExecution is one test definition of a suite run by a test tool.
type testExecution struct {
	Name        string       `json:"name"`
	Status      string       `json:"status"`
	ToolName    string       `json:"toolName"`
	TestResults []testResult `json:"testResults"`
}

// testResult is the result of one test case.
type testResult struct {
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

// tag is a FlexDeploy tag.
type tag struct {
	TagID int `json:"tagId"`
	// TagStyle is the tag's colours JSON-encoded as a string:
	// {"dark":"#949FDA","light":"#3F51B5"}.
	TagStyle string `json:"tagStyle"`
	TagKey   string `json:"tagKey"`
}

// group is a FlexDeploy user group.
type group struct {
	GroupID      int    `json:"groupId"`
	GroupName    string `json:"groupName"`
	Description  string `json:"description"`
	IsActive     bool   `json:"isActive"`
	IsAdminGroup bool   `json:"isAdminGroup"`
}

// workItemType is the type of a work item.
type workItemType struct {
	Name string `json:"name"`
	Code string `json:"code"`
}

// workItemStatus is the status of a work item.
type workItemStatus struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

// workItemUser is the user a work item is assigned to.
type workItemUser struct {
	ID       int    `json:"id"`
	UserName string `json:"userName"`
	Email    string `json:"email"`
}

// customField is a custom field value of a work item.
type customField struct {
	FieldName  string  `json:"fieldName"`
	FieldValue *string `json:"fieldValue"`
}

// workItemUpdate is one field a work item update changed, by its display
// name (Description, Title, Status) or custom field name.
type workItemUpdate struct {
	FieldName string  `json:"fieldName"`
	NewValue  *string `json:"newValue"`
	OldValue  *string `json:"oldValue"`
}
