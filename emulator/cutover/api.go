package cutover

import (
	"hash/fnv"
	"net/http"
	"strconv"
)

// The shapes of Cutover's public API (JSON:API), as its official client
// reads them (cutover-api-notes.md): what a receiver reads when it calls
// back, such as GET core/runbooks/{id}/tasks/{tid}. Types are bare (task,
// runbook), ids are strings, times ISO 8601.

// Task stages, as the API reports them.
const (
	stageNotStartable = "not_startable"
	stageStartable    = "startable"
	stageInProgress   = "in_progress"
	stageComplete     = "complete"
)

// stageFilterDefault is how the task list's stage filter names
// not_startable.
const stageFilterDefault = "default"

// Runbook stages, as the API reports them.
const (
	runbookPlanning = "planning"
	runbookActive   = "active"
	runbookPaused   = "paused"
	runbookCanceled = "canceled"
	runbookComplete = "complete"
)

// How a task completed (the API's completion_type).
const (
	completeNormal  = "complete_normal"
	completeSkipped = "complete_skipped"
	completeAuto    = "complete_auto"
)

// document is a JSON:API document with one resource.
type document struct {
	Data any `json:"data"`
}

// listDocument is a JSON:API list: one page of resources, its meta.page
// and the links a client follows (links.next, null on the last page).
type listDocument struct {
	Data  []resource `json:"data"`
	Meta  listMeta   `json:"meta"`
	Links pageLinks  `json:"links"`
}

// listMeta is a list's meta.
type listMeta struct {
	Page pageMeta `json:"page"`
}

// pageMeta is the page a list answer holds: its number, size, and the
// total number of items.
type pageMeta struct {
	Number int `json:"number"`
	Size   int `json:"size"`
	Total  int `json:"total"`
}

// pageLinks are a list's links, absolute URLs; prev and next are null
// where there is no such page.
type pageLinks struct {
	Self  string  `json:"self"`
	First string  `json:"first"`
	Last  string  `json:"last"`
	Prev  *string `json:"prev"`
	Next  *string `json:"next"`
}

// resource is a JSON:API resource object.
type resource struct {
	ID            string            `json:"id"`
	Type          string            `json:"type"`
	Attributes    any               `json:"attributes"`
	Relationships map[string]any    `json:"relationships,omitempty"`
	Links         map[string]string `json:"links,omitempty"`
}

// identifier is a JSON:API resource identifier of the API (bare types).
type identifier struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// toOne is a to-one relationship; Data nil writes null.
type toOne struct {
	Data *identifier `json:"data"`
}

// toMany is a to-many relationship.
type toMany struct {
	Data []identifier `json:"data"`
}

func one(id, typ string) toOne { return toOne{Data: &identifier{ID: id, Type: typ}} }

// customFieldValue is one entry of custom_field_values.
type customFieldValue struct {
	Name          string `json:"name"`
	CustomFieldID string `json:"custom_field_id"`
	Value         string `json:"value"`
	DisplayName   string `json:"display_name"`
	ReadOnly      bool   `json:"read_only"`
}

// taskLink is one entry of task_links (its id an integer when read).
type taskLink struct {
	ID       int    `json:"id"`
	LinkType string `json:"link_type"`
}

// runbookAttributes are a runbook's attributes in the API.
type runbookAttributes struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Archived    bool   `json:"archived"`
	IsTemplate  bool   `json:"is_template"`
	// Stage is planning, active, paused, canceled or complete.
	Stage string `json:"stage"`
	// Status is the RAG status: off, red, amber or green.
	Status            string             `json:"status"`
	TemplateType      string             `json:"template_type"`
	RTO               *int               `json:"rto"`
	Timezone          string             `json:"timezone"`
	StartPlanned      *string            `json:"start_planned"`
	EndPlanned        *string            `json:"end_planned"`
	StartScheduled    *string            `json:"start_scheduled"`
	EndScheduled      *string            `json:"end_scheduled"`
	StartActual       *string            `json:"start_actual"`
	EndActual         *string            `json:"end_actual"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	CustomFieldValues []customFieldValue `json:"custom_field_values"`
}

// taskAttributes are a task's attributes in the API.
type taskAttributes struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Duration is the planned duration in seconds.
	Duration          int64              `json:"duration"`
	Stage             string             `json:"stage"`
	StartPlanned      *string            `json:"start_planned"`
	EndPlanned        *string            `json:"end_planned"`
	StartActual       *string            `json:"start_actual"`
	EndActual         *string            `json:"end_actual"`
	StartFixed        *string            `json:"start_fixed"`
	EndFixed          *string            `json:"end_fixed"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	CustomFieldValues []customFieldValue `json:"custom_field_values"`
	CommentsCount     int                `json:"comments_count"`
	TaskLinks         []taskLink         `json:"task_links"`
	// CompletionType is how a complete task completed; null before.
	CompletionType *string `json:"completion_type"`
}

// errorObject is one error of Cutover's documented error document.
type errorObject struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
}

// errorDocument is Cutover's error answer: {"errors":[{title, detail, code}]}.
type errorDocument struct {
	Errors []errorObject `json:"errors"`
}

// newError returns the error document of an HTTP status with detail.
func newError(status int, detail string) errorDocument {
	return errorDocument{Errors: []errorObject{{Title: http.StatusText(status), Detail: detail, Code: errorCode(status)}}}
}

// errorCode is the snake_case code of a status, as Cutover's not_found.
func errorCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusConflict:
		return "conflict"
	case http.StatusRequestEntityTooLarge:
		return "payload_too_large"
	case http.StatusUnprocessableEntity:
		return "unprocessable_entity"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "internal_server_error"
}

// derivedID is a stable id for a resource the story does not name (the
// runbook's workspace, its stream, a task type): drawn from nothing, so
// reading the API changes no payload.
func derivedID(parts ...string) string {
	h := fnv.New32a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return strconv.Itoa(int(h.Sum32()%90000) + 10000)
}
