package catalog

import "time"

// Configurable subscription fields, as listed in Profile.Configurable.
const (
	FieldMethod       = "method"
	FieldHeaders      = "headers"
	FieldAuth         = "auth"
	FieldBodyTemplate = "body_template"
	// FieldExecuteInPlanning and FieldExecuteInRehearsal let a
	// subscription refuse the events raised in ModePlanning or
	// ModeRehearsal (Cutover's Execute in Planning and Execute in
	// Rehearsal).
	FieldExecuteInPlanning  = "execute_in_planning"
	FieldExecuteInRehearsal = "execute_in_rehearsal"
)

// Mode is the state of a vendor's story an event is raised in, which a
// subscription may choose not to hear: Cutover's planning (before any run)
// and rehearsal runs. Events of vendors without modes are ModeLive.
type Mode string

// Modes.
const (
	ModeLive      Mode = ""
	ModePlanning  Mode = "planning"
	ModeRehearsal Mode = "rehearsal"
)

// ModeReporter is a World whose events are raised in a Mode: LastMode is
// the mode of the event it built last.
type ModeReporter interface {
	LastMode() Mode
}

// Profile is how a vendor delivers: what a subscription gets by default
// and what counts as success.
type Profile struct {
	// Vendor is the vendor id; the Registry fills it in.
	Vendor string
	// Method is the default HTTP method.
	Method string
	// Methods lists the methods a subscription may choose (when "method"
	// is configurable); Method alone when empty.
	Methods []string
	// Headers are sent with every request unless the subscription overrides
	// them (Content-Type).
	Headers map[string]string
	// Timeout bounds one attempt, from dial to the last response byte.
	Timeout time.Duration
	// Success says whether a response status is a successful delivery.
	Success func(status int) bool
	// SuccessRule describes Success in words, for failure messages
	// ("Rocketlane counts only 200 and 204 as delivered").
	SuccessRule string
	// Configurable lists what a subscription may change: "method",
	// "headers", "auth", "body_template", "execute_in_planning",
	// "execute_in_rehearsal". Others are refused with an error.
	Configurable []string
	// Notes says which parts of this profile the vendor documents and which
	// standin chose where the vendor is silent.
	Notes string
}

// Is2xx reports whether status is a 2xx status: the success rule of most
// vendors.
func Is2xx(status int) bool { return status >= 200 && status <= 299 }

// Allows reports whether field is configurable in p.
func (p Profile) Allows(field string) bool {
	for _, f := range p.Configurable {
		if f == field {
			return true
		}
	}
	return false
}

// WithDefaults fills what a profile left empty.
func (p Profile) WithDefaults() Profile {
	if p.Method == "" {
		p.Method = "POST"
	}
	if len(p.Methods) == 0 {
		p.Methods = []string{p.Method}
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.Success == nil {
		p.Success = Is2xx
		if p.SuccessRule == "" {
			p.SuccessRule = "only 2xx statuses count as delivered"
		}
	}
	if p.SuccessRule == "" {
		p.SuccessRule = "the status is not one the vendor counts as delivered"
	}
	return p
}
