package cutover

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/fake"
)

// thirdParty is what each service's public documentation says about its
// API, written here independently of systems.go: the host its API is on,
// and the shape of its error answers.
var thirdParty = []struct {
	keyword string // in the integration task's name
	host    *regexp.Regexp
	errorOK func(body string) bool
}{
	{"servicenow", regexp.MustCompile(`^[a-z0-9-]+\.service-now\.com$`), func(b string) bool {
		var d struct {
			Error  struct{ Message, Detail string }
			Status string
		}
		return strictJSON(b, &d) && d.Status == "failure" && d.Error.Message != ""
	}},
	{"jenkins", regexp.MustCompile(`^jenkins\.[a-z0-9-]+\.com$`), func(b string) bool {
		return strings.HasPrefix(b, "<html>") && strings.Contains(b, "HTTP ERROR")
	}},
	{"slack", regexp.MustCompile(`^hooks\.slack\.com$`), regexp.MustCompile(`^[a-z_]+$`).MatchString},
	{"ansible", regexp.MustCompile(`^tower\.[a-z0-9-]+\.com$`), func(b string) bool {
		var d struct{ Detail string }
		return strictJSON(b, &d) && d.Detail != ""
	}},
	{"jira", regexp.MustCompile(`^[a-z0-9-]+\.atlassian\.net$`), func(b string) bool {
		var d struct {
			ErrorMessages []string          `json:"errorMessages"`
			Errors        map[string]string `json:"errors"`
		}
		return strictJSON(b, &d) && d.ErrorMessages != nil && d.Errors != nil && len(d.ErrorMessages)+len(d.Errors) > 0
	}},
	{"azure devops", regexp.MustCompile(`^dev\.azure\.com$`), func(b string) bool {
		var d struct {
			ID             string  `json:"$id"`
			InnerException *string `json:"innerException"`
			Message        string  `json:"message"`
			TypeName       string  `json:"typeName"`
			TypeKey        string  `json:"typeKey"`
			ErrorCode      int     `json:"errorCode"`
			EventID        int     `json:"eventId"`
		}
		return strictJSON(b, &d) && d.Message != "" && d.TypeKey != ""
	}},
}

// strictJSON decodes b into v, refusing fields v lacks.
func strictJSON(b string, v any) bool {
	dec := json.NewDecoder(strings.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v) == nil && !dec.More()
}

// placeholder finds a URL template variable left in a URL, plain or
// percent-encoded.
var placeholder = regexp.MustCompile(`(?i)\{|\}|%7b|%7d`)

// checkFailedExchange holds an integrations.failed payload to the facts:
// the URL called is a filled-in URL of the service the task's name names,
// and the answer is in that service's error format, not Cutover's.
func checkFailedExchange(t *testing.T, where string, b []byte) {
	t.Helper()
	var d struct {
		Meta struct {
			Task      struct{ Name string }
			DebugData struct {
				URL             string `json:"url"`
				ResponseBody    string `json:"response_body"`
				ResponseHeaders string `json:"response_headers"`
			} `json:"debug_data"`
		}
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	dd := d.Meta.DebugData
	if placeholder.MatchString(dd.URL) {
		t.Errorf("%s: url %s keeps a placeholder", where, dd.URL)
	}
	u, err := url.Parse(dd.URL)
	if err != nil || u.Scheme != "https" {
		t.Fatalf("%s: url %q is not an absolute https URL", where, dd.URL)
	}
	if strings.Contains(dd.ResponseBody, `"errors":[{"title"`) {
		t.Errorf("%s: the %s endpoint answers in Cutover's own error format: %s", where, u.Host, dd.ResponseBody)
	}
	var headers map[string]string
	if err := json.Unmarshal([]byte(dd.ResponseHeaders), &headers); err != nil || headers["content-length"] != strconv.Itoa(len(dd.ResponseBody)) {
		t.Errorf("%s: response headers %s do not describe the body (%d bytes)", where, dd.ResponseHeaders, len(dd.ResponseBody))
	}
	name := strings.ToLower(d.Meta.Task.Name)
	for _, tp := range thirdParty {
		if !strings.Contains(name, tp.keyword) {
			continue
		}
		if !tp.host.MatchString(u.Host) {
			t.Errorf("%s: task %q calls %s, not a %s host", where, d.Meta.Task.Name, dd.URL, tp.keyword)
		}
		if !tp.errorOK(dd.ResponseBody) {
			t.Errorf("%s: task %q: %s does not answer in %s's error format: %s", where, d.Meta.Task.Name, u.Host, tp.keyword, dd.ResponseBody)
		}
		return
	}
	t.Errorf("%s: task %q names none of the known services", where, d.Meta.Task.Name)
}

// TestFailedIntegrationCallsTheSystemItsTaskNames: over many seeds, the
// sample's task name, URL and error answer agree.
func TestFailedIntegrationCallsTheSystemItsTaskNames(t *testing.T) {
	e, _ := catalog.LookupIn(Vendor, "integrations.failed")
	seen := map[string]bool{}
	for seed := range uint64(200) {
		b, err := Vendor.Generate(fake.New(seed, time.Time{}), e, catalog.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkFailedExchange(t, "seed "+strconv.Itoa(int(seed)), b)
		var d struct {
			Meta struct{ Task struct{ Name string } }
		}
		_ = json.Unmarshal(b, &d)
		seen[d.Meta.Task.Name] = true
	}
	if len(seen) != len(thirdParty) {
		t.Errorf("200 seeds drew %d of the %d services: %v", len(seen), len(thirdParty), seen)
	}
}

func TestSystemForATaskName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Create ServiceNow change request", "servicenow"},
		{"Raise CHG in Service-Now", "servicenow"},
		{"Kick off the Jenkins build", "jenkins"},
		{"Notify #go-live on Slack", "slack"},
		{"Launch AWX job", "ansible"},
		{"Open JIRA ticket", "jira"},
		{"Run Azure DevOps release", "azure-devops"},
		{"Call the payments service", ""},
	}
	for _, tt := range tests {
		got := ""
		if s := systemFor(tt.name); s != nil {
			got = s.key
		}
		if got != tt.want {
			t.Errorf("systemFor(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
