package rocketlane

import (
	"slices"
	"time"
)

// Millis is a Rocketlane timestamp: epoch milliseconds (createdAt,
// eventOccurredAt).
type Millis int64

// MillisOf returns t as epoch milliseconds.
func MillisOf(t time.Time) Millis { return Millis(t.UnixMilli()) }

// Time returns m as a UTC time.
func (m Millis) Time() time.Time { return time.UnixMilli(int64(m)).UTC() }

// Date is a Rocketlane calendar date, YYYY-MM-DD (startDate, dueDate).
type Date string

// DateLayout is the layout of a Date.
const DateLayout = "2006-01-02"

// DateOf returns the UTC calendar date of t.
func DateOf(t time.Time) Date { return Date(t.UTC().Format(DateLayout)) }

// Time parses d as midnight UTC.
func (d Date) Time() (time.Time, error) { return time.Parse(DateLayout, string(d)) }

// AddDays returns the date n days after d (before, for negative n). An
// unparsable d is returned unchanged.
func (d Date) AddDays(n int) Date {
	t, err := d.Time()
	if err != nil {
		return d
	}
	return DateOf(t.AddDate(0, 0, n))
}

// User is a Rocketlane user, team member or customer: the actor, createdBy,
// updatedBy, assignees and followers.
type User struct {
	EmailID   string `json:"emailId"`
	UserID    int    `json:"userId"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// Webhook is the webhook configuration an event was delivered for
// (source.webhook).
type Webhook struct {
	WebhookID   int    `json:"webhookId"`
	WebhookName string `json:"webhookName"`
}

// Source is the envelope's source: the webhook and the user responsible for
// the event.
type Source struct {
	Webhook Webhook `json:"webhook"`
	Actor   User    `json:"actor"`
}

// Status is the status of a task, phase or project. Labels are customisable
// per account; the defaults are the Status* values.
type Status struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// Default task and phase statuses.
var (
	StatusToDo       = Status{Value: 1, Label: "To do"}
	StatusInProgress = Status{Value: 2, Label: "In progress"}
	StatusCompleted  = Status{Value: 3, Label: "Completed"}
)

// Project statuses the generator uses (Rocketlane lets each account name its
// own).
var (
	projectNotStarted = Status{Value: 1, Label: "Not started"}
	projectInProgress = Status{Value: 2, Label: "In progress"}
	projectCompleted  = Status{Value: 3, Label: "Completed"}
)

// Priority is a task priority.
type Priority struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// priorities are the task priorities the generator uses; the doc samples
// show {1, "high"}.
var priorities = []Priority{{1, "high"}, {2, "medium"}, {3, "low"}}

// Field is the value of a custom field on a task or project. FieldValue is a
// number (a choice, a user id or a number), a string, or an array of numbers
// (option ids), per the field's type. Projects also carry FieldValueLabel.
type Field struct {
	FieldID         int    `json:"fieldId"`
	FieldLabel      string `json:"fieldLabel"`
	FieldValue      any    `json:"fieldValue"`
	FieldValueLabel string `json:"fieldValueLabel,omitempty"`
}

// Members is a list of users as Rocketlane nests it (assignees, followers):
// an empty list is sent as {}.
type Members struct {
	Members []User `json:"members,omitempty"`
}

// Has reports whether the user with userID is in m.
func (m Members) Has(userID int) bool {
	return slices.ContainsFunc(m.Members, func(u User) bool { return u.UserID == userID })
}

// ProjectRef names the project a task or phase belongs to.
type ProjectRef struct {
	ProjectID   int    `json:"projectId"`
	ProjectName string `json:"projectName"`
}

// PhaseRef names a phase (a task's phase, a project's currentPhases).
type PhaseRef struct {
	PhaseID   int    `json:"phaseId"`
	PhaseName string `json:"phaseName"`
}

// TaskRef names a task (a parent task, a dependency).
type TaskRef struct {
	TaskID   int    `json:"taskId"`
	TaskName string `json:"taskName"`
}

// TimeEntryCategory is the category a task's time entries are booked under.
type TimeEntryCategory struct {
	CategoryID   int    `json:"categoryId"`
	CategoryName string `json:"categoryName"`
}

// Company is a customer or partner company of a project.
type Company struct {
	CompanyID   int    `json:"companyId"`
	CompanyName string `json:"companyName"`
	CompanyURL  string `json:"companyUrl,omitempty"`
}

// TeamMembers are a project's people: the firm's members, the customer's
// users and the customer champion.
type TeamMembers struct {
	Members          []User `json:"members"`
	Customers        []User `json:"customers,omitempty"`
	CustomerChampion *User  `json:"customerChampion,omitempty"`
}

// Task is a Rocketlane task as the Task API (and data.task) returns it, in
// the doc samples' field order. Optional fields are omitted when unset, as
// Rocketlane does.
type Task struct {
	TaskID              int                `json:"taskId"`
	TaskName            string             `json:"taskName"`
	TaskDescription     string             `json:"taskDescription,omitempty"`
	StartDate           Date               `json:"startDate"`
	DueDate             Date               `json:"dueDate"`
	StartDateActual     Date               `json:"startDateActual,omitempty"`
	DueDateActual       Date               `json:"dueDateActual,omitempty"`
	Archived            bool               `json:"archived"`
	EffortInMinutes     *int               `json:"effortInMinutes,omitempty"`
	Progress            *int               `json:"progress,omitempty"`
	AtRisk              *bool              `json:"atRisk,omitempty"`
	Type                string             `json:"type"`
	CreatedAt           Millis             `json:"createdAt"`
	UpdatedAt           Millis             `json:"updatedAt"`
	CreatedBy           User               `json:"createdBy"`
	UpdatedBy           User               `json:"updatedBy"`
	Project             ProjectRef         `json:"project"`
	Phase               PhaseRef           `json:"phase"`
	Status              Status             `json:"status"`
	Fields              []Field            `json:"fields"`
	Assignees           Members            `json:"assignees"`
	Followers           Members            `json:"followers"`
	Dependencies        []TaskRef          `json:"dependencies"`
	Parent              *TaskRef           `json:"parent,omitempty"`
	ExternalReferenceID string             `json:"externalReferenceId,omitempty"`
	Billable            *bool              `json:"billable,omitempty"`
	TimeEntryCategory   *TimeEntryCategory `json:"timeEntryCategory,omitempty"`
	Priority            *Priority          `json:"priority,omitempty"`
	Private             *bool              `json:"private,omitempty"`
}

// Ref returns the task's id and name.
func (t Task) Ref() TaskRef { return TaskRef{TaskID: t.TaskID, TaskName: t.TaskName} }

// Touch records an update of the task by by at at.
func (t *Task) Touch(by User, at time.Time) {
	t.UpdatedBy, t.UpdatedAt = by, MillisOf(at)
}

// SetStatus moves the task to status s on the day of at, keeping progress
// and the actual start and due dates in line with it.
func (t *Task) SetStatus(s Status, at time.Time) {
	t.Status = s
	switch s.Value {
	case StatusToDo.Value:
		t.Progress = ptr(0)
		t.StartDateActual, t.DueDateActual = "", ""
	case StatusInProgress.Value:
		if t.Progress == nil || *t.Progress == 0 || *t.Progress == 100 {
			t.Progress = ptr(10)
		}
		if t.StartDateActual == "" {
			t.StartDateActual = DateOf(at)
		}
		t.DueDateActual = ""
	case StatusCompleted.Value:
		t.Progress = ptr(100)
		if t.StartDateActual == "" {
			t.StartDateActual = DateOf(at)
		}
		t.DueDateActual = DateOf(at)
	}
}

// Clone returns a deep copy of t, so that changing one leaves the other (an
// update's previous state) alone.
func (t Task) Clone() Task {
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

// Project is a Rocketlane project as the Project API (and data.project)
// returns it.
type Project struct {
	ProjectID           int         `json:"projectId"`
	ProjectName         string      `json:"projectName"`
	StartDate           Date        `json:"startDate,omitempty"`
	DueDate             Date        `json:"dueDate,omitempty"`
	CreatedAt           Millis      `json:"createdAt"`
	UpdatedAt           Millis      `json:"updatedAt"`
	Owner               User        `json:"owner"`
	TeamMembers         TeamMembers `json:"teamMembers"`
	Status              Status      `json:"status"`
	Fields              []Field     `json:"fields"`
	Customer            Company     `json:"customer"`
	PartnerCompanies    []Company   `json:"partnerCompanies"`
	Archived            bool        `json:"archived"`
	Visibility          string      `json:"visibility"`
	CreatedBy           User        `json:"createdBy"`
	UpdatedBy           User        `json:"updatedBy"`
	Currency            string      `json:"currency,omitempty"`
	StartDateActual     Date        `json:"startDateActual,omitempty"`
	DueDateActual       Date        `json:"dueDateActual,omitempty"`
	CurrentPhases       []PhaseRef  `json:"currentPhases"`
	ProgressPercentage  int         `json:"progressPercentage"`
	ExternalReferenceID string      `json:"externalReferenceId,omitempty"`
}

// Ref returns the project's id and name, as tasks and phases carry them.
func (p Project) Ref() ProjectRef {
	return ProjectRef{ProjectID: p.ProjectID, ProjectName: p.ProjectName}
}

// Touch records an update of the project by by at at.
func (p *Project) Touch(by User, at time.Time) {
	p.UpdatedBy, p.UpdatedAt = by, MillisOf(at)
}

// Clone returns a deep copy of p.
func (p Project) Clone() Project {
	c := p
	c.TeamMembers.Members = cloneSlice(p.TeamMembers.Members)
	c.TeamMembers.Customers = cloneSlice(p.TeamMembers.Customers)
	c.TeamMembers.CustomerChampion = clonePtr(p.TeamMembers.CustomerChampion)
	c.Fields = cloneFields(p.Fields)
	c.PartnerCompanies = cloneSlice(p.PartnerCompanies)
	c.CurrentPhases = cloneSlice(p.CurrentPhases)
	return c
}

// Phase is a Rocketlane phase as the Phase API (and data.phase) returns it.
type Phase struct {
	PhaseID         int        `json:"phaseId"`
	PhaseName       string     `json:"phaseName"`
	Project         ProjectRef `json:"project"`
	StartDate       Date       `json:"startDate"`
	DueDate         Date       `json:"dueDate"`
	StartDateActual Date       `json:"startDateActual,omitempty"`
	DueDateActual   Date       `json:"dueDateActual,omitempty"`
	CreatedAt       Millis     `json:"createdAt"`
	UpdatedAt       Millis     `json:"updatedAt"`
	CreatedBy       User       `json:"createdBy"`
	UpdatedBy       User       `json:"updatedBy"`
	Status          Status     `json:"status"`
	Private         *bool      `json:"private,omitempty"`
}

// Ref returns the phase's id and name, as tasks and projects carry them.
func (p Phase) Ref() PhaseRef { return PhaseRef{PhaseID: p.PhaseID, PhaseName: p.PhaseName} }

// Touch records an update of the phase by by at at.
func (p *Phase) Touch(by User, at time.Time) {
	p.UpdatedBy, p.UpdatedAt = by, MillisOf(at)
}

// SetStatus moves the phase to status s on the day of at, keeping the actual
// start and due dates in line with it.
func (p *Phase) SetStatus(s Status, at time.Time) {
	p.Status = s
	switch s.Value {
	case StatusToDo.Value:
		p.StartDateActual, p.DueDateActual = "", ""
	case StatusInProgress.Value:
		if p.StartDateActual == "" {
			p.StartDateActual = DateOf(at)
		}
		p.DueDateActual = ""
	case StatusCompleted.Value:
		if p.StartDateActual == "" {
			p.StartDateActual = DateOf(at)
		}
		p.DueDateActual = DateOf(at)
	}
}

// Clone returns a deep copy of p.
func (p Phase) Clone() Phase {
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

func cloneFields(fs []Field) []Field {
	c := cloneSlice(fs)
	for i := range c {
		if ids, ok := c[i].FieldValue.([]int); ok {
			c[i].FieldValue = slices.Clone(ids)
		}
	}
	return c
}
