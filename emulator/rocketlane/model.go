package rocketlane

import (
	"slices"
	"time"
)

// millis is a Rocketlane timestamp: epoch milliseconds (createdAt,
// eventOccurredAt).
type millis int64

// millisOf returns t as epoch milliseconds.
func millisOf(t time.Time) millis { return millis(t.UnixMilli()) }

// Time returns m as a UTC time.
func (m millis) Time() time.Time { return time.UnixMilli(int64(m)).UTC() }

// user is a Rocketlane user, team member or customer: the actor, createdBy,
// updatedBy, assignees and followers.
type user struct {
	EmailID   string `json:"emailId"`
	UserID    int    `json:"userId"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// webhook is the webhook configuration an event was delivered for
// (source.webhook).
type webhook struct {
	WebhookID   int    `json:"webhookId"`
	WebhookName string `json:"webhookName"`
}

// source is the envelope's source: the webhook and the user responsible for
// the event.
type source struct {
	Webhook webhook `json:"webhook"`
	Actor   user    `json:"actor"`
}

// status is the status of a task, phase or project. Labels are customisable
// per account; the defaults are the status* values.
type status struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// Default task and phase statuses.
var (
	statusToDo       = status{Value: 1, Label: "To do"}
	statusInProgress = status{Value: 2, Label: "In progress"}
	statusCompleted  = status{Value: 3, Label: "Completed"}
)

// Project statuses the generator uses (Rocketlane lets each account name its
// own).
var (
	projectNotStarted = status{Value: 1, Label: "Not started"}
	projectInProgress = status{Value: 2, Label: "In progress"}
	projectCompleted  = status{Value: 3, Label: "Completed"}
)

// priority is a task priority.
type priority struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// priorities are the task priorities the generator uses; the doc samples
// show {1, "high"}.
var priorities = []priority{{1, "high"}, {2, "medium"}, {3, "low"}}

// customField is the value of a custom field on a task or project. FieldValue is a
// number (a choice, a user id or a number), a string, or an array of numbers
// (option ids), per the field's type. Projects also carry FieldValueLabel.
type customField struct {
	FieldID         int    `json:"fieldId"`
	FieldLabel      string `json:"fieldLabel"`
	FieldValue      any    `json:"fieldValue"`
	FieldValueLabel string `json:"fieldValueLabel,omitempty"`
}

// members is a list of users as Rocketlane nests it (assignees, followers):
// an empty list is sent as {}.
type members struct {
	Members []user `json:"members,omitempty"`
}

// Has reports whether the user with userID is in m.
func (m members) Has(userID int) bool {
	return slices.ContainsFunc(m.Members, func(u user) bool { return u.UserID == userID })
}

// projectRef names the project a task or phase belongs to.
type projectRef struct {
	ProjectID   int    `json:"projectId"`
	ProjectName string `json:"projectName"`
}

// phaseRef names a phase (a task's phase, a project's currentPhases).
type phaseRef struct {
	PhaseID   int    `json:"phaseId"`
	PhaseName string `json:"phaseName"`
}

// taskRef names a task (a parent task, a dependency).
type taskRef struct {
	TaskID   int    `json:"taskId"`
	TaskName string `json:"taskName"`
}

// timeEntryCategory is the category a task's time entries are booked under.
type timeEntryCategory struct {
	CategoryID   int    `json:"categoryId"`
	CategoryName string `json:"categoryName"`
}

// companyInfo is a customer or partner company of a project.
type companyInfo struct {
	CompanyID   int    `json:"companyId"`
	CompanyName string `json:"companyName"`
	CompanyURL  string `json:"companyUrl,omitempty"`
}

// teamMembers are a project's people: the firm's members, the customer's
// users and the customer champion.
type teamMembers struct {
	Members          []user `json:"members"`
	Customers        []user `json:"customers,omitempty"`
	CustomerChampion *user  `json:"customerChampion,omitempty"`
}

// apiTask is a Rocketlane task as the Task API (and data.task) returns it, in
// the doc samples' field order. Optional fields are omitted when unset, as
// Rocketlane does.
type apiTask struct {
	TaskID              int                `json:"taskId"`
	TaskName            string             `json:"taskName"`
	TaskDescription     string             `json:"taskDescription,omitempty"`
	StartDate           date               `json:"startDate"`
	DueDate             date               `json:"dueDate"`
	StartDateActual     date               `json:"startDateActual,omitempty"`
	DueDateActual       date               `json:"dueDateActual,omitempty"`
	Archived            bool               `json:"archived"`
	EffortInMinutes     *int               `json:"effortInMinutes,omitempty"`
	Progress            *int               `json:"progress,omitempty"`
	AtRisk              *bool              `json:"atRisk,omitempty"`
	Type                string             `json:"type"`
	CreatedAt           millis             `json:"createdAt"`
	UpdatedAt           millis             `json:"updatedAt"`
	CreatedBy           user               `json:"createdBy"`
	UpdatedBy           user               `json:"updatedBy"`
	Project             projectRef         `json:"project"`
	Phase               phaseRef           `json:"phase"`
	Status              status             `json:"status"`
	Fields              []customField      `json:"fields"`
	Assignees           members            `json:"assignees"`
	Followers           members            `json:"followers"`
	Dependencies        []taskRef          `json:"dependencies"`
	Parent              *taskRef           `json:"parent,omitempty"`
	ExternalReferenceID string             `json:"externalReferenceId,omitempty"`
	Billable            *bool              `json:"billable,omitempty"`
	TimeEntryCategory   *timeEntryCategory `json:"timeEntryCategory,omitempty"`
	Priority            *priority          `json:"priority,omitempty"`
	Private             *bool              `json:"private,omitempty"`
}

// Ref returns the task's id and name.
func (t apiTask) Ref() taskRef { return taskRef{TaskID: t.TaskID, TaskName: t.TaskName} }

// Touch records an update of the task by by at at.
func (t *apiTask) Touch(by user, at time.Time) {
	t.UpdatedBy, t.UpdatedAt = by, millisOf(at)
}

// SetStatus moves the task to status s on the day of at, keeping progress
// and the actual start and due dates in line with it.
func (t *apiTask) SetStatus(s status, at time.Time) {
	t.Status = s
	switch s.Value {
	case statusToDo.Value:
		t.Progress = ptr(0)
		t.StartDateActual, t.DueDateActual = "", ""
	case statusInProgress.Value:
		if t.Progress == nil || *t.Progress == 0 || *t.Progress == 100 {
			t.Progress = ptr(10)
		}
		if t.StartDateActual == "" {
			t.StartDateActual = dateOf(at)
		}
		t.DueDateActual = ""
	case statusCompleted.Value:
		t.Progress = ptr(100)
		if t.StartDateActual == "" {
			t.StartDateActual = dateOf(at)
		}
		t.DueDateActual = dateOf(at)
	}
}

// Clone returns a deep copy of t, so that changing one leaves the other (an
// update's previous state) alone.
func (t apiTask) Clone() apiTask {
	c := t
	c.Fields = cloneFields(t.Fields)
	c.Assignees.Members = cloneSlice(t.Assignees.Members)
	c.Followers.Members = cloneSlice(t.Followers.Members)
	c.Dependencies = cloneSlice(t.Dependencies)
	c.EffortInMinutes = clonePtr(t.EffortInMinutes)
	c.Progress = clonePtr(t.Progress)
	c.AtRisk = clonePtr(t.AtRisk)
	c.Parent = clonePtr(t.Parent)
	c.Billable = clonePtr(t.Billable)
	c.TimeEntryCategory = clonePtr(t.TimeEntryCategory)
	c.Priority = clonePtr(t.Priority)
	c.Private = clonePtr(t.Private)
	return c
}

// apiProject is a Rocketlane project as the Project API (and data.project)
// returns it.
type apiProject struct {
	ProjectID           int           `json:"projectId"`
	ProjectName         string        `json:"projectName"`
	StartDate           date          `json:"startDate,omitempty"`
	DueDate             date          `json:"dueDate,omitempty"`
	CreatedAt           millis        `json:"createdAt"`
	UpdatedAt           millis        `json:"updatedAt"`
	Owner               user          `json:"owner"`
	TeamMembers         teamMembers   `json:"teamMembers"`
	Status              status        `json:"status"`
	Fields              []customField `json:"fields"`
	Customer            companyInfo   `json:"customer"`
	PartnerCompanies    []companyInfo `json:"partnerCompanies"`
	Archived            bool          `json:"archived"`
	Visibility          string        `json:"visibility"`
	CreatedBy           user          `json:"createdBy"`
	UpdatedBy           user          `json:"updatedBy"`
	Currency            string        `json:"currency,omitempty"`
	StartDateActual     date          `json:"startDateActual,omitempty"`
	DueDateActual       date          `json:"dueDateActual,omitempty"`
	CurrentPhases       []phaseRef    `json:"currentPhases"`
	ProgressPercentage  int           `json:"progressPercentage"`
	ExternalReferenceID string        `json:"externalReferenceId,omitempty"`
}

// Ref returns the project's id and name, as tasks and phases carry them.
func (p apiProject) Ref() projectRef {
	return projectRef{ProjectID: p.ProjectID, ProjectName: p.ProjectName}
}

// Touch records an update of the project by by at at.
func (p *apiProject) Touch(by user, at time.Time) {
	p.UpdatedBy, p.UpdatedAt = by, millisOf(at)
}

// Clone returns a deep copy of p.
func (p apiProject) Clone() apiProject {
	c := p
	c.TeamMembers.Members = cloneSlice(p.TeamMembers.Members)
	c.TeamMembers.Customers = cloneSlice(p.TeamMembers.Customers)
	c.TeamMembers.CustomerChampion = clonePtr(p.TeamMembers.CustomerChampion)
	c.Fields = cloneFields(p.Fields)
	c.PartnerCompanies = cloneSlice(p.PartnerCompanies)
	c.CurrentPhases = cloneSlice(p.CurrentPhases)
	return c
}

// apiPhase is a Rocketlane phase as the Phase API (and data.phase) returns it.
type apiPhase struct {
	PhaseID         int        `json:"phaseId"`
	PhaseName       string     `json:"phaseName"`
	Project         projectRef `json:"project"`
	StartDate       date       `json:"startDate"`
	DueDate         date       `json:"dueDate"`
	StartDateActual date       `json:"startDateActual,omitempty"`
	DueDateActual   date       `json:"dueDateActual,omitempty"`
	CreatedAt       millis     `json:"createdAt"`
	UpdatedAt       millis     `json:"updatedAt"`
	CreatedBy       user       `json:"createdBy"`
	UpdatedBy       user       `json:"updatedBy"`
	Status          status     `json:"status"`
	Private         *bool      `json:"private,omitempty"`
}

// Ref returns the phase's id and name, as tasks and projects carry them.
func (p apiPhase) Ref() phaseRef { return phaseRef{PhaseID: p.PhaseID, PhaseName: p.PhaseName} }

// Touch records an update of the phase by by at at.
func (p *apiPhase) Touch(by user, at time.Time) {
	p.UpdatedBy, p.UpdatedAt = by, millisOf(at)
}

// SetStatus moves the phase to status s on the day of at, keeping the actual
// start and due dates in line with it.
func (p *apiPhase) SetStatus(s status, at time.Time) {
	p.Status = s
	switch s.Value {
	case statusToDo.Value:
		p.StartDateActual, p.DueDateActual = "", ""
	case statusInProgress.Value:
		if p.StartDateActual == "" {
			p.StartDateActual = dateOf(at)
		}
		p.DueDateActual = ""
	case statusCompleted.Value:
		if p.StartDateActual == "" {
			p.StartDateActual = dateOf(at)
		}
		p.DueDateActual = dateOf(at)
	}
}

// Clone returns a deep copy of p.
func (p apiPhase) Clone() apiPhase {
	c := p
	c.Private = clonePtr(p.Private)
	return c
}

func ptr[T any](v T) *T { return &v }

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneSlice copies s, keeping nil as nil and empty as empty (they encode
// differently: null and []).
func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

func cloneFields(fs []customField) []customField {
	c := cloneSlice(fs)
	for i := range c {
		if ids, ok := c[i].FieldValue.([]int); ok {
			c[i].FieldValue = slices.Clone(ids)
		}
	}
	return c
}
