package cutover

import (
	"net/http"
	"strconv"
)

// The shapes of Cutover's public API (JSON:API): what a receiver reads when
// it calls back, such as GET core/runbooks/{id}/tasks/{tid}.

// Task stages, as the API reports them.
const (
	StageNotStartable = "not_startable"
	StageStartable    = "startable"
	StageInProgress   = "in_progress"
	StageComplete     = "complete"
)

// Document is a JSON:API document: one resource or a list in Data, with
// Meta and Links for lists.
type Document struct {
	Data  any            `json:"data"`
	Meta  map[string]any `json:"meta,omitempty"`
	Links map[string]any `json:"links,omitempty"`
}

// Resource is a JSON:API resource object.
type Resource struct {
	ID            string                  `json:"id"`
	Type          string                  `json:"type"`
	Attributes    any                     `json:"attributes"`
	Relationships map[string]Relationship `json:"relationships,omitempty"`
	Links         map[string]string       `json:"links,omitempty"`
}

// RunbookAttributes are a runbook's attributes in the API.
type RunbookAttributes struct {
	Name string `json:"name"`
	// Stage is planning before the run starts, active during it and
	// complete once every task is.
	Stage       string  `json:"stage"`
	RunType     *string `json:"run_type"`
	StartActual *string `json:"start_actual"`
	EndActual   *string `json:"end_actual"`
	FrontendURL string  `json:"frontend_url"`
	TasksCount  int     `json:"tasks_count"`
}

// TaskAttributes are a task's attributes in the API.
type TaskAttributes struct {
	Name        string  `json:"name"`
	Stage       string  `json:"stage"`
	Description *string `json:"description"`
	Duration    *int64  `json:"duration"`
	// TaskType is "Normal", or "Integration" for a task running an
	// integration action.
	TaskType    string  `json:"task_type"`
	StartActual *string `json:"start_actual"`
	EndActual   *string `json:"end_actual"`
	// Skipped is true for a task finished by skip.
	Skipped bool `json:"skipped"`
}

// APIError is one JSON:API error object.
type APIError struct {
	Status string `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// ErrorDocument is a JSON:API error answer.
type ErrorDocument struct {
	Errors []APIError `json:"errors"`
}

// NewError returns the error document of an HTTP status with detail.
func NewError(status int, detail string) ErrorDocument {
	return ErrorDocument{Errors: []APIError{{Status: strconv.Itoa(status), Title: http.StatusText(status), Detail: detail}}}
}

// ListMeta is the meta of a list answer: one page holding every item.
func ListMeta(n int) map[string]any {
	return map[string]any{"page": map[string]int{"number": 1, "size": max(n, 1), "total": n, "total_pages": 1}}
}
