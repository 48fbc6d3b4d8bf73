package cutover

import (
	"net/http"
	"strconv"
)

// The shapes of Cutover's public API (JSON:API): what a receiver reads when
// it calls back, such as GET core/runbooks/{id}/tasks/{tid}.

// Task stages, as the API reports them.
const (
	stageNotStartable = "not_startable"
	stageStartable    = "startable"
	stageInProgress   = "in_progress"
	stageComplete     = "complete"
)

// Runbook stages, as the API reports them.
const (
	runbookPlanning = "planning"
	runbookActive   = "active"
	runbookPaused   = "paused"
	runbookCanceled = "canceled"
	runbookComplete = "complete"
)

// document is a JSON:API document: one resource or a list in Data, with
// Meta and Links for lists.
type document struct {
	Data  any            `json:"data"`
	Meta  map[string]any `json:"meta,omitempty"`
	Links map[string]any `json:"links,omitempty"`
}

// resource is a JSON:API resource object.
type resource struct {
	ID            string                  `json:"id"`
	Type          string                  `json:"type"`
	Attributes    any                     `json:"attributes"`
	Relationships map[string]relationship `json:"relationships,omitempty"`
	Links         map[string]string       `json:"links,omitempty"`
}

// runbookAttributes are a runbook's attributes in the API.
type runbookAttributes struct {
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

// taskAttributes are a task's attributes in the API.
type taskAttributes struct {
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

// errorObject is one JSON:API error object.
type errorObject struct {
	Status string `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

// errorDocument is a JSON:API error answer.
type errorDocument struct {
	Errors []errorObject `json:"errors"`
}

// newError returns the error document of an HTTP status with detail.
func newError(status int, detail string) errorDocument {
	return errorDocument{Errors: []errorObject{{Status: strconv.Itoa(status), Title: http.StatusText(status), Detail: detail}}}
}

// listMeta is the meta of a list answer: one page holding every item.
func listMeta(n int) map[string]any {
	return map[string]any{"page": map[string]int{"number": 1, "size": max(n, 1), "total": n, "total_pages": 1}}
}
