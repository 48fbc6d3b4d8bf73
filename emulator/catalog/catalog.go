// Package catalog defines what a vendor is to standin: the Vendor interface
// every vendor package implements (its events, schemas, delivery profile,
// scenario vocabulary, generator and scenario world), the optional
// interfaces of what only some vendors do, and the Registry that resolves
// the names users type (a vendor id, an event's own name or its slug).
//
// The list of vendors is written once, in package emulator; everything
// else iterates a Registry.
package catalog

import (
	"fmt"
	"strings"
)

// Event is one event type a vendor sends.
type Event struct {
	// Vendor is the vendor's id.
	Vendor string `json:"vendor"`
	// Name is the vendor's own name for the event: task.created,
	// TASK_CREATED, Release Started.
	Name string `json:"event"`
	// Slug is the URL- and file-friendly form of Name: task-created,
	// release-started. It names the event's schema file.
	Slug string `json:"slug"`
	// Variants lists the payload shapes the vendor documents for this event
	// (FlexDeploy Workflow Completed: deploy, test); empty when there is one.
	Variants []string `json:"variants,omitempty"`
}

// String returns "vendor/Name".
func (e Event) String() string { return e.Vendor + "/" + e.Name }

// Slug turns an event name into its slug: lower case, every run of
// characters other than letters and digits replaced by one hyphen.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}

// UnknownError reports a vendor or event name that is not in the catalog.
type UnknownError struct {
	Kind    string   // "vendor" or "<vendor> event"
	Input   string   // what the user gave
	Valid   []string // every valid name
	Nearest string   // the closest valid name, if any is close
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown %s %q", e.Kind, e.Input)
	if e.Nearest != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", e.Nearest)
	}
	return msg + "; valid: " + strings.Join(e.Valid, ", ")
}
