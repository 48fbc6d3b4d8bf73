package testkit_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/testkit"
)

func sample(t *testing.T, vendor, event string) []byte {
	t.Helper()
	b, _, err := emulator.Vendors().Sample(vendor, event, 3, time.Time{}, catalog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestValidate(t *testing.T) {
	rlTask := sample(t, "rocketlane", "TASK_CREATED")
	fdTask := sample(t, "flexdeploy", "Task Created")
	tests := []struct {
		name          string
		body          []byte
		vendor, event string
		problem       string // "" for valid
	}{
		{"cutover", sample(t, "cutover", "integrations.success"), "cutover", "integrations.success", ""},
		{"rocketlane", rlTask, "rocketlane", "TASK_CREATED", ""},
		{"flexdeploy", fdTask, "flexdeploy", "Task Created", ""},
		{"empty body (a GET)", nil, "", "", ""},
		{"wrong type", []byte(strings.Replace(string(sample(t, "cutover", "task.created")), `"id":"`, `"id":7`+`,"x":"`, 1)),
			"cutover", "task.created", "not a valid cutover task.created payload"},
		{"unknown field", []byte(strings.Replace(string(rlTask), `{`, `{"extra":1,`, 1)),
			"rocketlane", "TASK_CREATED", "extra"},
		{"flexdeploy unknown field", []byte(strings.Replace(string(fdTask), `{`, `{"colour":"red",`, 1)),
			"flexdeploy", "Task Created", "flexdeploy Task Created"},
		{"not JSON", []byte(`{"eventType":`), "", "", "not JSON"},
		{"no event name", []byte(`{"hello":"world"}`), "", "", "names no Cutover, Rocketlane or FlexDeploy event"},
		{"unknown event", []byte(`{"eventType":"Coffee Brewed"}`), "", "", "names no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, e, err := testkit.Validate(tc.body)
			if v != tc.vendor || e != tc.event {
				t.Errorf("Validate = %q %q, want %q %q", v, e, tc.vendor, tc.event)
			}
			switch {
			case tc.problem == "" && err != nil:
				t.Errorf("Validate: %v, want valid", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
				t.Errorf("Validate: %v, want an error containing %q", err, tc.problem)
			}
		})
	}
}

func post(t *testing.T, url string, body []byte) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReceiverAnswers(t *testing.T) {
	body := sample(t, "cutover", "task.updated")
	tests := []struct {
		name string
		opts []testkit.ReceiverOption
		want []int
	}{
		{"200 by default", nil, []int{200, 200}},
		{"fails twice", []testkit.ReceiverOption{testkit.FailTimes(2)}, []int{500, 500, 200}},
		{"fails with 503", []testkit.ReceiverOption{testkit.FailTimes(1, 503), testkit.Respond(204)}, []int{503, 204, 204}},
		{"answers 201", []testkit.ReceiverOption{testkit.Respond(201)}, []int{201}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := testkit.NewReceiver(t, tc.opts...)
			for i, want := range tc.want {
				if got := post(t, rec.URL+"/x?y=1", body); got != want {
					t.Errorf("request %d answered %d, want %d", i, got, want)
				}
			}
			reqs := rec.Requests()
			if len(reqs) != len(tc.want) || rec.Len() != len(tc.want) {
				t.Fatalf("recorded %d requests, want %d", len(reqs), len(tc.want))
			}
			for i, r := range reqs {
				if r.Status != tc.want[i] || r.Method != "POST" || r.Path != "/x?y=1" || r.Vendor != "cutover" || r.Event != "task.updated" || r.Invalid != nil {
					t.Errorf("request %d recorded as %s", i, r)
				}
			}
			rec.Reset()
			if rec.Len() != 0 {
				t.Errorf("Reset left %d requests", rec.Len())
			}
		})
	}
}

func TestReceiverDelay(t *testing.T) {
	rec := testkit.NewReceiver(t, testkit.Delay(150*time.Millisecond))
	begin := time.Now()
	post(t, rec.URL, sample(t, "rocketlane", "PROJECT_ARCHIVED"))
	if took := time.Since(begin); took < 150*time.Millisecond {
		t.Errorf("the answer came after %s, want at least 150ms", took)
	}
}

func TestReceiverWait(t *testing.T) {
	rec := testkit.NewReceiver(t)
	body := sample(t, "flexdeploy", "Tag Assigned")
	go func() {
		time.Sleep(50 * time.Millisecond)
		post(t, rec.URL, body)
	}()
	reqs, err := rec.Wait(context.Background(), 1)
	if err != nil || len(reqs) != 1 || reqs[0].Event != "Tag Assigned" {
		t.Fatalf("Wait = %v, %v", reqs, err)
	}
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = rec.Wait(c, 2)
	if err == nil || !strings.Contains(err.Error(), "waited for 2 requests, the receiver got 1") || !strings.Contains(err.Error(), "flexdeploy Tag Assigned") {
		t.Errorf("Wait past the deadline: %v", err)
	}
}

func TestReceiverReportsInvalidBodies(t *testing.T) {
	rtb := newRecordingTB(t)
	var rec *testkit.Receiver
	capture(rtb, func(tb testing.TB) { rec = testkit.NewReceiver(tb) })
	post(t, rec.URL, sample(t, "cutover", "task.created"))
	post(t, rec.URL, []byte(`{"eventType":"PHASE_DELETED"}`))
	if bad := rec.Invalid(); len(bad) != 1 || bad[0].Vendor != "rocketlane" || bad[0].Event != "PHASE_DELETED" {
		t.Fatalf("Invalid() = %v", bad)
	}
	if rtb.Failed() {
		t.Fatalf("reported before the end: %s", rtb.report())
	}
	rtb.finish() // the end of the test: the receiver checks what it got
	rep := rtb.report()
	for _, want := range []string{"got 1 invalid body", "rocketlane PHASE_DELETED", "INVALID", "not a valid rocketlane PHASE_DELETED payload"} {
		if !strings.Contains(rep, want) {
			t.Errorf("the report lacks %q:\n%s", want, rep)
		}
	}

	// NoValidation takes anything.
	rtb = newRecordingTB(t)
	capture(rtb, func(tb testing.TB) { rec = testkit.NewReceiver(tb, testkit.NoValidation()) })
	post(t, rec.URL, []byte(`not a payload`))
	rtb.finish()
	if rtb.Failed() || rec.Requests()[0].Invalid != nil {
		t.Errorf("NoValidation reported: %s", rtb.report())
	}
}

// A subscription with a body template sends what the template makes, which
// the receiver checks only when told to.
func TestReceiverWithABodyTemplate(t *testing.T) {
	s := testkit.Start(t)
	rec := testkit.NewReceiver(t, testkit.NoValidation())
	c := ctx(t)
	sub, err := s.Subscribe(c, testkit.Subscription{Vendor: "flexdeploy", URL: rec.URL,
		BodyTemplate: `{"release": {{json .payload.release.releaseName}}}`})
	if err != nil {
		t.Fatal(err)
	}
	em, err := s.Emit(c, "flexdeploy", "release-started", `{"payload":{"release":{"releaseName":"R42"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
	ds.AssertField(t, 0, "release", "R42")
	if string(ds[0].Body()) == string(em.Payload) {
		t.Error("the body template was not applied")
	}
	if _, _, err := testkit.Validate(ds[0].Body()); err == nil {
		t.Error("Validate took a templated body")
	}
}
