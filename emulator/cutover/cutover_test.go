package cutover

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// doc is the subset of a Cutover payload the consistency checks read.
type doc struct {
	Attributes struct {
		CreatedAt string `json:"created_at"`
		Type      string `json:"type"`
	} `json:"attributes"`
	Meta struct {
		CurrentUser struct{ ID, Email string } `json:"current_user"`
		Runbook     *struct {
			ID          string `json:"id"`
			FrontendURL string `json:"frontend_url"`
			StartActual string `json:"start_actual"`
		} `json:"runbook"`
		Task    *struct{ ID, Name string } `json:"task"`
		Changes map[string][]string        `json:"changes"`
	} `json:"meta"`
	Relationships map[string]struct {
		Data struct{ ID, Type string } `json:"data"`
	} `json:"relationships"`
}

func generateDoc(t *testing.T, name string, seed uint64) doc {
	t.Helper()
	e, err := catalog.LookupIn(Vendor, name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Vendor.Generate(fake.New(seed, time.Time{}), e, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIDsAgreeInsideAPayload(t *testing.T) {
	for _, e := range Vendor.Events() {
		t.Run(e.Name, func(t *testing.T) {
			for seed := range uint64(200) {
				d := generateDoc(t, e.Name, seed)
				if got := d.Relationships["current_user"].Data.ID; got != d.Meta.CurrentUser.ID {
					t.Fatalf("seed %d: relationships.current_user %s, meta.current_user %s", seed, got, d.Meta.CurrentUser.ID)
				}
				if d.Meta.Task != nil && d.Relationships["entity"].Data.ID != d.Meta.Task.ID {
					t.Fatalf("seed %d: entity %s, meta.task %s", seed, d.Relationships["entity"].Data.ID, d.Meta.Task.ID)
				}
				if rb := d.Meta.Runbook; rb != nil {
					if d.Relationships["runbook"].Data.ID != rb.ID {
						t.Fatalf("seed %d: relationships.runbook %s, meta.runbook %s", seed, d.Relationships["runbook"].Data.ID, rb.ID)
					}
					if !strings.Contains(rb.FrontendURL, "/runbooks/"+rb.ID+"/") {
						t.Fatalf("seed %d: frontend_url %s is not runbook %s's", seed, rb.FrontendURL, rb.ID)
					}
					if rb.StartActual >= d.Attributes.CreatedAt {
						t.Fatalf("seed %d: runbook started %s, not before the event %s", seed, rb.StartActual, d.Attributes.CreatedAt)
					}
				}
				if e.Name == "task.updated" {
					pair := d.Meta.Changes["name"]
					if len(pair) != 2 || pair[0] == pair[1] || pair[1] != d.Meta.Task.Name {
						t.Fatalf("seed %d: changes.name %q does not end at the task's name %q", seed, pair, d.Meta.Task.Name)
					}
				}
			}
		})
	}
}

func TestBuildRefusesIncompleteSubjects(t *testing.T) {
	w := newScene(fake.New(1, time.Time{}))
	base := eventSubject{Actor: w.Users[0], Runbook: w.Runbook, Run: w.Run, Task: w.Tasks[0]}
	tests := []struct {
		event   string
		subject func(eventSubject) eventSubject
		wantErr string
	}{
		{"task.updated", func(s eventSubject) eventSubject { return s }, "no changes"},
		{"integrations.failed", func(s eventSubject) eventSubject { s.IntegrationID = "5"; return s }, "no debug data"},
		{"integrations.connect", func(s eventSubject) eventSubject { return s }, "no integration"},
		{"run.started", func(s eventSubject) eventSubject { s.Run.Type = "dry"; return s }, "rehearsal or live"},
		{"runbook.deleted", func(s eventSubject) eventSubject { return s }, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			_, err := buildEvent(tt.event, "id", time.Unix(0, 0), tt.subject(base))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunbookUpdatedCarriesNoMetaRunbook(t *testing.T) {
	d := generateDoc(t, "runbook.updated", 5)
	if d.Meta.Runbook != nil || d.Meta.Task != nil {
		t.Fatalf("runbook.updated has meta.runbook/task, unlike Cutover's: %+v", d.Meta)
	}
	if got := d.Relationships["entity"].Data.Type; got != "core.runbook" {
		t.Fatalf("entity type %s", got)
	}
}

func TestChangesKeepTheirOrder(t *testing.T) {
	b, err := json.Marshal(changeList{{Field: "name", Old: "a", New: "b"}, {Field: "duration", Old: 60, New: 90}, {Field: "end_planned", Old: nil, New: "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":["a","b"],"duration":[60,90],"end_planned":[null,"x"]}`; string(b) != want {
		t.Fatalf("got %s, want %s", b, want)
	}
}

func TestFormatTime(t *testing.T) {
	at := time.Date(2025, 6, 27, 12, 25, 0, 384_900_000, time.FixedZone("CEST", 2*3600))
	if got := formatTime(at); got != "2025-06-27T10:25:00.384Z" {
		t.Fatalf("got %s", got)
	}
}
