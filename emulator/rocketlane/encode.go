package rocketlane

import (
	"bytes"
	"encoding/json"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/standin-dev/standin/emulator/payload"
)

// The hand-written encoder of Event: the bytes payload.Marshal writes (the
// encoding/json encoding, HTML escaping off), without reflection. A payload
// is encoded for every emitted event and Rocketlane's are the largest; the
// reflective encoder cost about as much as building the event. Tests hold
// the two to the same bytes over generated events and fuzzed strings
// (fast_test.go); a value this encoder does not know (a custom field value
// of another type) is encoded by payload.Marshal itself, and any error
// sends the whole event there.

// writer appends JSON to b; the first error from payload.Marshal sticks.
type writer struct {
	b   []byte
	err error
}

func (w *writer) raw(s string) { w.b = append(w.b, s...) }

func (w *writer) str(s string) { w.b = appendString(w.b, s) }

func (w *writer) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *writer) bool(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

// general appends v as payload.Marshal encodes it.
func (w *writer) general(v any) {
	b, err := payload.Marshal(v)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b = append(w.b, b...)
}

// key writes the separator before a member (unless first) and its name.
func (w *writer) key(first bool, name string) {
	if !first {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
}

// appendString appends s as a JSON string the way encoding/json writes it
// with HTML escaping off: quotes, backslashes and control characters
// escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 as \u2028 and \u2029.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// encodeEvent returns e's JSON, or ok false when payload.Marshal must say
// what it is (an error).
func encodeEvent(e Event) ([]byte, bool) {
	buf := buffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 64<<10 {
			buffers.Put(buf)
		}
	}()
	w := writer{b: (*buf)[:0]}
	w.raw("{")
	w.key(true, "eventId")
	w.str(e.EventID)
	w.key(false, "resourceType")
	w.str(e.ResourceType)
	w.key(false, "eventType")
	w.str(e.EventType)
	w.key(false, "version")
	w.str(e.Version)
	w.key(false, "data")
	w.data(e.Data)
	if e.ChangeLog != nil {
		w.key(false, "changeLog")
		w.changeLog(e.ChangeLog)
	}
	w.key(false, "source")
	w.raw("{")
	w.key(true, "webhook")
	w.raw("{")
	w.key(true, "webhookId")
	w.int(int64(e.Source.Webhook.WebhookID))
	w.key(false, "webhookName")
	w.str(e.Source.Webhook.WebhookName)
	w.raw("}")
	w.key(false, "actor")
	w.user(e.Source.Actor)
	w.raw("}")
	w.key(false, "eventOccurredAt")
	w.int(int64(e.EventOccurredAt))
	w.key(false, "eventTriggeredAt")
	w.int(int64(e.EventTriggeredAt))
	w.raw("}")
	*buf = w.b
	if w.err != nil {
		return nil, false
	}
	return bytes.Clone(w.b), true
}

// buffers holds encodeEvent's scratch buffers: the payload is copied out at
// its final size, the buffer reused.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (w *writer) changeLog(cl *ChangeLog) {
	w.raw("{")
	w.key(true, "changedFields")
	if cl.ChangedFields == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i, f := range cl.ChangedFields {
			if i > 0 {
				w.raw(",")
			}
			w.str(f)
		}
		w.raw("]")
	}
	w.key(false, "from")
	w.marshaler(cl.From)
	w.key(false, "to")
	w.marshaler(cl.To)
	w.raw("}")
}

// marshaler appends what encoding/json writes for a json.Marshaler: its
// MarshalJSON output, compacted.
func (w *writer) marshaler(m json.Marshaler) {
	b, err := m.MarshalJSON()
	if err == nil {
		buf := bytes.NewBuffer(w.b)
		err = json.Compact(buf, b)
		w.b = buf.Bytes()
	}
	if err != nil && w.err == nil {
		w.err = err
	}
}

func (w *writer) data(d Data) {
	w.raw("{")
	first := true
	if d.Task != nil {
		w.key(first, "task")
		w.task(d.Task)
		first = false
	}
	if d.Project != nil {
		w.key(first, "project")
		w.project(d.Project)
		first = false
	}
	if d.Phase != nil {
		w.key(first, "phase")
		w.phase(d.Phase)
	}
	w.raw("}")
}

func (w *writer) user(u User) {
	w.raw("{")
	w.key(true, "emailId")
	w.str(u.EmailID)
	w.key(false, "userId")
	w.int(int64(u.UserID))
	w.key(false, "firstName")
	w.str(u.FirstName)
	w.key(false, "lastName")
	w.str(u.LastName)
	w.raw("}")
}

func (w *writer) users(us []User) {
	if us == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i, u := range us {
		if i > 0 {
			w.raw(",")
		}
		w.user(u)
	}
	w.raw("]")
}

// members writes a Members: {"members":[…]}, or {} when there are none.
func (w *writer) members(m Members) {
	w.raw("{")
	if len(m.Members) > 0 {
		w.key(true, "members")
		w.users(m.Members)
	}
	w.raw("}")
}

// valueLabel writes a Status or a Priority.
func (w *writer) valueLabel(value int, label string) {
	w.raw("{")
	w.key(true, "value")
	w.int(int64(value))
	w.key(false, "label")
	w.str(label)
	w.raw("}")
}

// idName writes a reference: {"<idKey>":id,"<nameKey>":name}.
func (w *writer) idName(idKey string, id int, nameKey, name string) {
	w.raw("{")
	w.key(true, idKey)
	w.int(int64(id))
	w.key(false, nameKey)
	w.str(name)
	w.raw("}")
}

func (w *writer) fields(fs []Field) {
	if fs == nil {
		w.raw("null")
		return
	}
	w.raw("[")
	for i, f := range fs {
		if i > 0 {
			w.raw(",")
		}
		w.raw("{")
		w.key(true, "fieldId")
		w.int(int64(f.FieldID))
		w.key(false, "fieldLabel")
		w.str(f.FieldLabel)
		w.key(false, "fieldValue")
		switch v := f.FieldValue.(type) {
		case int:
			w.int(int64(v))
		case string:
			w.str(v)
		case []int:
			if v == nil {
				w.raw("null")
				break
			}
			w.raw("[")
			for j, n := range v {
				if j > 0 {
					w.raw(",")
				}
				w.int(int64(n))
			}
			w.raw("]")
		default:
			w.general(v)
		}
		if f.FieldValueLabel != "" {
			w.key(false, "fieldValueLabel")
			w.str(f.FieldValueLabel)
		}
		w.raw("}")
	}
	w.raw("]")
}

func (w *writer) company(c Company) {
	w.raw("{")
	w.key(true, "companyId")
	w.int(int64(c.CompanyID))
	w.key(false, "companyName")
	w.str(c.CompanyName)
	if c.CompanyURL != "" {
		w.key(false, "companyUrl")
		w.str(c.CompanyURL)
	}
	w.raw("}")
}

func (w *writer) task(t *Task) {
	w.raw("{")
	w.key(true, "taskId")
	w.int(int64(t.TaskID))
	w.key(false, "taskName")
	w.str(t.TaskName)
	if t.TaskDescription != "" {
		w.key(false, "taskDescription")
		w.str(t.TaskDescription)
	}
	w.key(false, "startDate")
	w.str(string(t.StartDate))
	w.key(false, "dueDate")
	w.str(string(t.DueDate))
	if t.StartDateActual != "" {
		w.key(false, "startDateActual")
		w.str(string(t.StartDateActual))
	}
	if t.DueDateActual != "" {
		w.key(false, "dueDateActual")
		w.str(string(t.DueDateActual))
	}
	w.key(false, "archived")
	w.bool(t.Archived)
	if t.EffortInMinutes != nil {
		w.key(false, "effortInMinutes")
		w.int(int64(*t.EffortInMinutes))
	}
	if t.Progress != nil {
		w.key(false, "progress")
		w.int(int64(*t.Progress))
	}
	if t.AtRisk != nil {
		w.key(false, "atRisk")
		w.bool(*t.AtRisk)
	}
	w.key(false, "type")
	w.str(t.Type)
	w.key(false, "createdAt")
	w.int(int64(t.CreatedAt))
	w.key(false, "updatedAt")
	w.int(int64(t.UpdatedAt))
	w.key(false, "createdBy")
	w.user(t.CreatedBy)
	w.key(false, "updatedBy")
	w.user(t.UpdatedBy)
	w.key(false, "project")
	w.idName("projectId", t.Project.ProjectID, "projectName", t.Project.ProjectName)
	w.key(false, "phase")
	w.idName("phaseId", t.Phase.PhaseID, "phaseName", t.Phase.PhaseName)
	w.key(false, "status")
	w.valueLabel(t.Status.Value, t.Status.Label)
	w.key(false, "fields")
	w.fields(t.Fields)
	w.key(false, "assignees")
	w.members(t.Assignees)
	w.key(false, "followers")
	w.members(t.Followers)
	w.key(false, "dependencies")
	if t.Dependencies == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i, d := range t.Dependencies {
			if i > 0 {
				w.raw(",")
			}
			w.idName("taskId", d.TaskID, "taskName", d.TaskName)
		}
		w.raw("]")
	}
	if t.Parent != nil {
		w.key(false, "parent")
		w.idName("taskId", t.Parent.TaskID, "taskName", t.Parent.TaskName)
	}
	if t.ExternalReferenceID != "" {
		w.key(false, "externalReferenceId")
		w.str(t.ExternalReferenceID)
	}
	if t.Billable != nil {
		w.key(false, "billable")
		w.bool(*t.Billable)
	}
	if t.TimeEntryCategory != nil {
		w.key(false, "timeEntryCategory")
		w.idName("categoryId", t.TimeEntryCategory.CategoryID, "categoryName", t.TimeEntryCategory.CategoryName)
	}
	if t.Priority != nil {
		w.key(false, "priority")
		w.valueLabel(t.Priority.Value, t.Priority.Label)
	}
	if t.Private != nil {
		w.key(false, "private")
		w.bool(*t.Private)
	}
	w.raw("}")
}

func (w *writer) project(p *Project) {
	w.raw("{")
	w.key(true, "projectId")
	w.int(int64(p.ProjectID))
	w.key(false, "projectName")
	w.str(p.ProjectName)
	if p.StartDate != "" {
		w.key(false, "startDate")
		w.str(string(p.StartDate))
	}
	if p.DueDate != "" {
		w.key(false, "dueDate")
		w.str(string(p.DueDate))
	}
	w.key(false, "createdAt")
	w.int(int64(p.CreatedAt))
	w.key(false, "updatedAt")
	w.int(int64(p.UpdatedAt))
	w.key(false, "owner")
	w.user(p.Owner)
	w.key(false, "teamMembers")
	w.raw("{")
	w.key(true, "members")
	w.users(p.TeamMembers.Members)
	if len(p.TeamMembers.Customers) > 0 {
		w.key(false, "customers")
		w.users(p.TeamMembers.Customers)
	}
	if p.TeamMembers.CustomerChampion != nil {
		w.key(false, "customerChampion")
		w.user(*p.TeamMembers.CustomerChampion)
	}
	w.raw("}")
	w.key(false, "status")
	w.valueLabel(p.Status.Value, p.Status.Label)
	w.key(false, "fields")
	w.fields(p.Fields)
	w.key(false, "customer")
	w.company(p.Customer)
	w.key(false, "partnerCompanies")
	if p.PartnerCompanies == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i, c := range p.PartnerCompanies {
			if i > 0 {
				w.raw(",")
			}
			w.company(c)
		}
		w.raw("]")
	}
	w.key(false, "archived")
	w.bool(p.Archived)
	w.key(false, "visibility")
	w.str(p.Visibility)
	w.key(false, "createdBy")
	w.user(p.CreatedBy)
	w.key(false, "updatedBy")
	w.user(p.UpdatedBy)
	if p.Currency != "" {
		w.key(false, "currency")
		w.str(p.Currency)
	}
	if p.StartDateActual != "" {
		w.key(false, "startDateActual")
		w.str(string(p.StartDateActual))
	}
	if p.DueDateActual != "" {
		w.key(false, "dueDateActual")
		w.str(string(p.DueDateActual))
	}
	w.key(false, "currentPhases")
	if p.CurrentPhases == nil {
		w.raw("null")
	} else {
		w.raw("[")
		for i, ph := range p.CurrentPhases {
			if i > 0 {
				w.raw(",")
			}
			w.idName("phaseId", ph.PhaseID, "phaseName", ph.PhaseName)
		}
		w.raw("]")
	}
	w.key(false, "progressPercentage")
	w.int(int64(p.ProgressPercentage))
	if p.ExternalReferenceID != "" {
		w.key(false, "externalReferenceId")
		w.str(p.ExternalReferenceID)
	}
	w.raw("}")
}

func (w *writer) phase(p *Phase) {
	w.raw("{")
	w.key(true, "phaseId")
	w.int(int64(p.PhaseID))
	w.key(false, "phaseName")
	w.str(p.PhaseName)
	w.key(false, "project")
	w.idName("projectId", p.Project.ProjectID, "projectName", p.Project.ProjectName)
	w.key(false, "startDate")
	w.str(string(p.StartDate))
	w.key(false, "dueDate")
	w.str(string(p.DueDate))
	if p.StartDateActual != "" {
		w.key(false, "startDateActual")
		w.str(string(p.StartDateActual))
	}
	if p.DueDateActual != "" {
		w.key(false, "dueDateActual")
		w.str(string(p.DueDateActual))
	}
	w.key(false, "createdAt")
	w.int(int64(p.CreatedAt))
	w.key(false, "updatedAt")
	w.int(int64(p.UpdatedAt))
	w.key(false, "createdBy")
	w.user(p.CreatedBy)
	w.key(false, "updatedBy")
	w.user(p.UpdatedBy)
	w.key(false, "status")
	w.valueLabel(p.Status.Value, p.Status.Label)
	if p.Private != nil {
		w.key(false, "private")
		w.bool(*p.Private)
	}
	w.raw("}")
}
