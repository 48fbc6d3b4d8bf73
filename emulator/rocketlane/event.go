package rocketlane

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
)

// Event names (eventType) Rocketlane sends.
const (
	taskCreated     = "TASK_CREATED"
	taskUpdated     = "TASK_UPDATED"
	taskDeleted     = "TASK_DELETED"
	projectCreated  = "PROJECT_CREATED"
	projectUpdated  = "PROJECT_UPDATED"
	projectArchived = "PROJECT_ARCHIVED"
	projectDeleted  = "PROJECT_DELETED"
	phaseCreated    = "PHASE_CREATED"
	phaseUpdated    = "PHASE_UPDATED"
	phaseDeleted    = "PHASE_DELETED"
)

// Resource types (resourceType).
const (
	resourceTask    = "TASK"
	resourceProject = "PROJECT"
	resourcePhase   = "PHASE"
)

// payloadVersion is the payload version Rocketlane sends.
const payloadVersion = "1.0"

// Trigger delay: how long after an event occurs Rocketlane sends it (the doc
// samples show 0.7 s to 3.9 s).
const (
	minTriggerDelay = 300 * time.Millisecond
	maxTriggerDelay = 4 * time.Second
)

// webhookEvent is one Rocketlane webhook payload.
type webhookEvent struct {
	EventID          string     `json:"eventId"`
	ResourceType     string     `json:"resourceType"`
	EventType        string     `json:"eventType"`
	Version          string     `json:"version"`
	Data             eventData  `json:"data"`
	ChangeLog        *changeLog `json:"changeLog,omitempty"`
	Source           source     `json:"source"`
	EventOccurredAt  millis     `json:"eventOccurredAt"`
	EventTriggeredAt millis     `json:"eventTriggeredAt"`
}

// JSON returns the event as compact JSON, the way Rocketlane sends it.
func (e webhookEvent) JSON() ([]byte, error) { return payload.Marshal(&e) }

// eventData holds the resource an event is about: exactly one of the three is
// set, matching the event's resourceType.
type eventData struct {
	Task    *apiTask    `json:"task,omitempty"`
	Project *apiProject `json:"project,omitempty"`
	Phase   *apiPhase   `json:"phase,omitempty"`
}

// changeLog is the change an *_UPDATED event reports: the names of the
// changed fields and their values before (From) and after (To), in the
// order of changedFields.
type changeLog struct {
	ChangedFields []string       `json:"changedFields"`
	From          payload.Object `json:"from"`
	To            payload.Object `json:"to"`
}

// taskChange returns the changeLog of an update from before to after: every
// field whose JSON differs, in the task's field order, or only the given
// fields when some are named (Rocketlane logs the field a user changed, not
// its side effects: adding an assignee also makes them a follower, yet the
// doc sample lists only assignees). updatedAt and updatedBy are never
// listed. It is an error when nothing changed.
func taskChange(before, after apiTask, fields ...string) (*changeLog, error) {
	return change(before, after, fields)
}

// projectChange is taskChange for projects.
func projectChange(before, after apiProject, fields ...string) (*changeLog, error) {
	return change(before, after, fields)
}

// phaseChange is taskChange for phases.
func phaseChange(before, after apiPhase, fields ...string) (*changeLog, error) {
	return change(before, after, fields)
}

func change[T any](before, after T, only []string) (*changeLog, error) {
	table := fieldTable(reflect.TypeFor[T]())
	for _, f := range only {
		if !slices.ContainsFunc(table, func(jf jsonField) bool { return jf.name == f }) {
			return nil, fmt.Errorf("rocketlane: %s has no field %q", reflect.TypeFor[T]().Name(), f)
		}
	}
	bv, av := reflect.ValueOf(&before).Elem(), reflect.ValueOf(&after).Elem()
	cl := &changeLog{}
	for _, f := range table {
		k := f.name
		if k == "updatedAt" || k == "updatedBy" || (len(only) > 0 && !slices.Contains(only, k)) {
			continue
		}
		rb, inB, err := f.json(bv)
		if err != nil {
			return nil, err
		}
		ra, inA, err := f.json(av)
		if err != nil {
			return nil, err
		}
		if inB == inA && bytes.Equal(rb, ra) {
			continue
		}
		cl.ChangedFields = append(cl.ChangedFields, k)
		if inB {
			cl.From.Set(k, rb)
		}
		if inA {
			cl.To.Set(k, ra)
		}
	}
	if len(cl.ChangedFields) == 0 {
		return nil, fmt.Errorf("rocketlane: no change to report in %s", reflect.TypeFor[T]().Name())
	}
	return cl, nil
}

// jsonField is one field of a struct type as encoding/json writes it.
type jsonField struct {
	name      string // its JSON name
	index     int
	omitEmpty bool
}

// json returns the JSON of the field in struct value v, the bytes
// encoding/json writes for it inside v, and whether v's JSON has the field
// at all (an empty omitempty field is left out).
func (f jsonField) json(v reflect.Value) ([]byte, bool, error) {
	fv := v.Field(f.index)
	if f.omitEmpty && isEmptyValue(fv) {
		return nil, false, nil
	}
	b, err := payload.Marshal(fv.Interface())
	return b, err == nil, err
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// fieldTables caches fieldTable by type.
var fieldTables sync.Map // reflect.Type → []jsonField

// fieldTable lists a struct type's JSON fields in declaration order (the
// order of its JSON), the way change compares two values field by field
// instead of encoding and decoding both whole.
func fieldTable(t reflect.Type) []jsonField {
	if v, ok := fieldTables.Load(t); ok {
		return v.([]jsonField)
	}
	var out []jsonField
	for i := range t.NumField() {
		name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, jsonField{name: name, index: i, omitEmpty: slices.Contains(strings.Split(opts, ","), "omitempty")})
		}
	}
	v, _ := fieldTables.LoadOrStore(t, out)
	return v.([]jsonField)
}

// taskEvent builds a TASK_* event about task, done by actor at occurredAt and
// delivered through hook. change is required for TASK_UPDATED and refused
// otherwise. The event id and the trigger time (a moment after occurredAt)
// come from src.
func taskEvent(src *fake.Source, eventType string, task apiTask, actor user, hook webhook, occurredAt time.Time, change *changeLog) (webhookEvent, error) {
	if err := check(resourceTask, eventType, task.CreatedAt, task.UpdatedAt, occurredAt, change); err != nil {
		return webhookEvent{}, err
	}
	return envelope(src, resourceTask, eventType, eventData{Task: &task}, actor, hook, occurredAt, change), nil
}

// projectEvent builds a PROJECT_* event about project; see taskEvent.
func projectEvent(src *fake.Source, eventType string, project apiProject, actor user, hook webhook, occurredAt time.Time, change *changeLog) (webhookEvent, error) {
	if err := check(resourceProject, eventType, project.CreatedAt, project.UpdatedAt, occurredAt, change); err != nil {
		return webhookEvent{}, err
	}
	return envelope(src, resourceProject, eventType, eventData{Project: &project}, actor, hook, occurredAt, change), nil
}

// phaseEvent builds a PHASE_* event about phase; see taskEvent.
func phaseEvent(src *fake.Source, eventType string, phase apiPhase, actor user, hook webhook, occurredAt time.Time, change *changeLog) (webhookEvent, error) {
	if err := check(resourcePhase, eventType, phase.CreatedAt, phase.UpdatedAt, occurredAt, change); err != nil {
		return webhookEvent{}, err
	}
	return envelope(src, resourcePhase, eventType, eventData{Phase: &phase}, actor, hook, occurredAt, change), nil
}

// eventTypes lists the event types of each resource type.
var eventTypes = map[string][]string{
	resourceTask:    {taskCreated, taskUpdated, taskDeleted},
	resourceProject: {projectCreated, projectUpdated, projectArchived, projectDeleted},
	resourcePhase:   {phaseCreated, phaseUpdated, phaseDeleted},
}

func check(resource, eventType string, createdAt, updatedAt millis, occurredAt time.Time, change *changeLog) error {
	if !slices.Contains(eventTypes[resource], eventType) {
		return fmt.Errorf("rocketlane: %q is not a %s event; valid: %s", eventType, resource, strings.Join(eventTypes[resource], ", "))
	}
	updated := strings.HasSuffix(eventType, "_UPDATED")
	switch {
	case updated && change == nil:
		return fmt.Errorf("rocketlane: %s needs a changeLog", eventType)
	case !updated && change != nil:
		return fmt.Errorf("rocketlane: %s carries no changeLog (only *_UPDATED events do)", eventType)
	case updated && len(change.ChangedFields) == 0:
		return fmt.Errorf("rocketlane: %s changeLog lists no changed field", eventType)
	}
	if createdAt > updatedAt || updatedAt > millisOf(occurredAt) {
		return fmt.Errorf("rocketlane: %s out of order: createdAt %d, updatedAt %d, occurred %d", eventType, createdAt, updatedAt, millisOf(occurredAt))
	}
	return nil
}

func envelope(src *fake.Source, resource, eventType string, data eventData, actor user, hook webhook, occurredAt time.Time, change *changeLog) webhookEvent {
	return webhookEvent{
		EventID:          src.UUID(),
		ResourceType:     resource,
		EventType:        eventType,
		Version:          payloadVersion,
		Data:             data,
		ChangeLog:        change,
		Source:           source{Webhook: hook, Actor: actor},
		EventOccurredAt:  millisOf(occurredAt),
		EventTriggeredAt: millisOf(occurredAt.Add(src.Duration(minTriggerDelay, maxTriggerDelay))),
	}
}
