// Package catalog lists the vendors standin emulates and every event each of
// them sends, and resolves the names users type (the vendor's own name or its
// slug) to catalog entries.
package catalog

import (
	"fmt"
	"sort"
	"strings"
)

// Vendor ids, as used in the CLI, the admin API and schema paths.
const (
	Cutover    = "cutover"
	Rocketlane = "rocketlane"
	FlexDeploy = "flexdeploy"
)

// Event is one event type a vendor sends.
type Event struct {
	// Vendor is the vendor id (cutover, rocketlane, flexdeploy).
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

func ev(vendor, name string, variants ...string) Event {
	return Event{Vendor: vendor, Name: name, Slug: Slug(name), Variants: variants}
}

var events = []Event{
	ev(Cutover, "runbook.updated"),
	ev(Cutover, "run.started"),
	ev(Cutover, "task.created"),
	ev(Cutover, "task.started"),
	ev(Cutover, "task.updated"),
	ev(Cutover, "integrations.connect"),
	ev(Cutover, "integrations.failed"),
	ev(Cutover, "integrations.success"),
	ev(Cutover, "integrations.cancelled"),

	ev(Rocketlane, "TASK_CREATED"),
	ev(Rocketlane, "TASK_UPDATED", "name", "assignee"),
	ev(Rocketlane, "TASK_DELETED"),
	ev(Rocketlane, "PROJECT_CREATED"),
	ev(Rocketlane, "PROJECT_UPDATED"),
	ev(Rocketlane, "PROJECT_ARCHIVED"),
	ev(Rocketlane, "PROJECT_DELETED"),
	ev(Rocketlane, "PHASE_CREATED"),
	ev(Rocketlane, "PHASE_UPDATED"),
	ev(Rocketlane, "PHASE_DELETED"),

	ev(FlexDeploy, "Comment Added"),
	ev(FlexDeploy, "Comment Updated"),
	ev(FlexDeploy, "Comment Deleted"),
	ev(FlexDeploy, "Package Created"),
	ev(FlexDeploy, "Package Status Updated"),
	ev(FlexDeploy, "Pipeline Stage Completed"),
	ev(FlexDeploy, "Release Started"),
	ev(FlexDeploy, "Release Ended"),
	ev(FlexDeploy, "Snapshot Completed"),
	ev(FlexDeploy, "Tag Assigned"),
	ev(FlexDeploy, "Tag Unassigned"),
	ev(FlexDeploy, "Task Created"),
	ev(FlexDeploy, "Task Approved"),
	ev(FlexDeploy, "Task Rejected"),
	ev(FlexDeploy, "User Created"),
	ev(FlexDeploy, "Workflow Completed", "deploy", "test"),
	ev(FlexDeploy, "Work Item Created"),
	ev(FlexDeploy, "Work Item Updated"),
}

// Vendors returns the vendor ids in a stable order.
func Vendors() []string { return []string{Cutover, Rocketlane, FlexDeploy} }

// All returns every event of every vendor, grouped by vendor in catalog order.
func All() []Event { return append([]Event(nil), events...) }

// ForVendor returns the events of one vendor, or an error listing the valid
// vendors.
func ForVendor(vendor string) ([]Event, error) {
	v, err := LookupVendor(vendor)
	if err != nil {
		return nil, err
	}
	var out []Event
	for _, e := range events {
		if e.Vendor == v {
			out = append(out, e)
		}
	}
	return out, nil
}

// LookupVendor resolves a vendor id case-insensitively.
func LookupVendor(vendor string) (string, error) {
	want := strings.ToLower(strings.TrimSpace(vendor))
	for _, v := range Vendors() {
		if v == want {
			return v, nil
		}
	}
	return "", &UnknownError{Kind: "vendor", Input: vendor, Valid: Vendors(), Nearest: nearest(want, Vendors())}
}

// Lookup resolves an event of vendor by its vendor name (TASK_CREATED,
// "Release Started") or slug (task-created, release-started), ignoring case.
// The error of an unknown name lists the valid ones and the nearest match.
func Lookup(vendor, event string) (Event, error) {
	evs, err := ForVendor(vendor)
	if err != nil {
		return Event{}, err
	}
	want := Slug(event)
	names := make([]string, len(evs))
	slugs := make([]string, len(evs))
	for i, e := range evs {
		if e.Slug == want {
			return e, nil
		}
		names[i], slugs[i] = e.Name, e.Slug
	}
	near := ""
	if i := index(slugs, nearest(want, slugs)); i >= 0 {
		near = names[i]
	}
	return Event{}, &UnknownError{Kind: vendorOf(evs) + " event", Input: event, Valid: names, Nearest: near}
}

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

func vendorOf(evs []Event) string {
	if len(evs) == 0 {
		return ""
	}
	return evs[0].Vendor
}

func index(xs []string, x string) int {
	for i, s := range xs {
		if s == x && x != "" {
			return i
		}
	}
	return -1
}

// nearest returns the candidate closest to s by edit distance, or "" when
// none is within a third of the longer string.
func nearest(s string, candidates []string) string {
	type scored struct {
		c string
		d int
	}
	var best []scored
	for _, c := range candidates {
		best = append(best, scored{c, distance(s, c)})
	}
	sort.SliceStable(best, func(i, j int) bool { return best[i].d < best[j].d })
	if len(best) == 0 {
		return ""
	}
	limit := max(len(s), len(best[0].c))/3 + 1
	if best[0].d > limit {
		return ""
	}
	return best[0].c
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
