package testkit_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/testkit"
)

// Every test here runs twice: against standin in the test process and
// against the image in a container on the host's network.

func TestDeliversToAReceiverOnTheHost(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		rec := testkit.NewReceiver(t)
		c := ctx(t)
		if h, err := s.Health(c); err != nil || h.Status != "ok" {
			t.Fatalf("health: %+v, %v", h, err)
		}
		sub, err := s.Subscribe(c, testkit.Subscription{Vendor: "cutover", URL: rec.URL + "/hooks/cutover", Events: []string{"task.created", "task.started"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(c, "cutover", "task.created", `{"meta":{"task":{"id":"7087"}}}`); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(c, "cutover", "runbook-updated", nil); err != nil { // not subscribed
			t.Fatal(err)
		}
		if _, err := s.Emit(c, "cutover", "task-started", map[string]any{"meta": map[string]any{"task": map[string]any{"id": "7088"}}}); err != nil {
			t.Fatal(err)
		}

		ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 2)
		ds.AssertCount(t, 2)
		ds.AssertOrder(t, "task.created", "task-started")
		ds.AssertStatus(t, testkit.Delivered)
		ds.AssertField(t, 0, "/meta/task/id", "7087")
		ds.AssertField(t, 1, "meta.task.id", "7088")
		ds.AssertField(t, 0, "attributes.type", "task.created")
		ds.AssertResponseStatus(t, 0, http.StatusOK)
		ds.AssertAttempts(t, 1, 1)

		reqs, err := rec.Wait(c, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(reqs) != 2 {
			t.Fatalf("the receiver got %d requests, want 2:\n%v", len(reqs), reqs)
		}
		byDelivery := map[string]testkit.Request{}
		for _, r := range reqs {
			byDelivery[r.Delivery] = r
		}
		for i, d := range ds {
			r, ok := byDelivery[d.ID]
			if !ok {
				t.Fatalf("no request carried %s: %s", d.ID, d.ID)
			}
			if r.Method != http.MethodPost || r.Path != "/hooks/cutover" || r.Vendor != "cutover" || r.Event != d.Event || r.Invalid != nil {
				t.Errorf("request for delivery [%d] = %s", i, r)
			}
			if string(r.Body) != string(d.Body()) {
				t.Errorf("request body differs from the delivery's:\n%s\n%s", r.Body, d.Body())
			}
		}
		rec.AssertValid(t)

		// The listing filters by vendor and event too.
		all, err := s.Deliveries(c, testkit.Filter{Vendor: "cutover", Event: "task-created"})
		if err != nil {
			t.Fatal(err)
		}
		all.AssertCount(t, 1)
		if len(all) == 1 && len(all[0].Attempts) != 1 {
			t.Errorf("Deliveries should carry the attempts: %+v", all[0])
		}
	})
}

func TestRetriesAndTheVendorsSuccessRule(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		c := ctx(t)
		tests := []struct {
			name       string
			vendor     string
			event      string
			rec        []testkit.ReceiverOption
			retry      testkit.Retry
			wantStatus testkit.Status
			attempts   int
			lastStatus int
		}{
			{"fails twice then succeeds", "rocketlane", "TASK_CREATED", []testkit.ReceiverOption{testkit.FailTimes(2)},
				testkit.Retry{MaxAttempts: 3, InitialInterval: testkit.Duration(time.Millisecond)}, testkit.Delivered, 3, 200},
			{"one attempt by default", "flexdeploy", "Release Started", []testkit.ReceiverOption{testkit.FailTimes(1, http.StatusServiceUnavailable)},
				testkit.Retry{}, testkit.Failed, 1, 503},
			{"Rocketlane refuses 201", "rocketlane", "PHASE_CREATED", []testkit.ReceiverOption{testkit.Respond(http.StatusCreated)},
				testkit.Retry{}, testkit.Failed, 1, 201},
			{"Cutover takes any 2xx", "cutover", "run.started", []testkit.ReceiverOption{testkit.Respond(http.StatusAccepted)},
				testkit.Retry{}, testkit.Delivered, 1, 202},
			{"Rocketlane takes 204", "rocketlane", "project-created", []testkit.ReceiverOption{testkit.Respond(http.StatusNoContent)},
				testkit.Retry{}, testkit.Delivered, 1, 204},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				rec := testkit.NewReceiver(t, tc.rec...)
				sub, err := s.Subscribe(c, testkit.Subscription{Vendor: tc.vendor, URL: rec.URL, Events: []string{tc.event}, Retry: tc.retry})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Emit(c, tc.vendor, tc.event, nil); err != nil {
					t.Fatal(err)
				}
				ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
				ds.AssertCount(t, 1)
				ds.AssertStatus(t, tc.wantStatus)
				ds.AssertAttempts(t, 0, tc.attempts)
				ds.AssertResponseStatus(t, 0, tc.lastStatus)
				if rec.Len() != tc.attempts {
					t.Errorf("the receiver got %d requests, want %d", rec.Len(), tc.attempts)
				}
			})
		}
	})
}

func TestWaitTimesOutWithWhatItSaw(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		rec := testkit.NewReceiver(t)
		c := ctx(t)
		sub, err := s.Subscribe(c, testkit.Subscription{Vendor: "rocketlane", URL: rec.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(c, "rocketlane", "TASK_DELETED", nil); err != nil {
			t.Fatal(err)
		}
		s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
		wctx, cancel := context.WithTimeout(c, 700*time.Millisecond)
		defer cancel()
		begin := time.Now()
		_, err = s.Wait(wctx, testkit.Filter{Subscription: sub.ID}, 2)
		var we *testkit.WaitError
		if !errors.As(err, &we) {
			t.Fatalf("Wait for 2 of 1 = %v, want a *WaitError", err)
		}
		// Well before the 10s it would wait with no deadline (listing
		// what was seen takes a moment more).
		if el := time.Since(begin); el > 5*time.Second {
			t.Errorf("Wait took %s past a 700ms deadline", el)
		}
		if we.Want != 2 || len(we.Seen) != 1 || we.Seen[0].Status != testkit.Delivered || len(we.Seen[0].Attempts) != 1 {
			t.Errorf("WaitError = %+v", we)
		}
		for _, want := range []string{"for 2 final deliveries", "subscription=" + sub.ID, "1 of 1 matching are final", "rocketlane TASK_DELETED: delivered, 1 attempt, last response 200, " + rec.URL} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("the message lacks %q:\n%s", want, err)
			}
		}

		// MustWait fails the test with the same listing.
		short := testkit.NewClient(s.URL(), "")
		short.WaitTimeout = 300 * time.Millisecond
		rtb := newRecordingTB(t)
		capture(rtb, func(tb testing.TB) { short.MustWait(tb, testkit.Filter{Subscription: sub.ID, Status: "failed"}, 1) })
		if !rtb.fatal || !strings.Contains(rtb.report(), "status=failed") || !strings.Contains(rtb.report(), "no deliveries") {
			t.Errorf("MustWait reported:\n%s", rtb.report())
		}
	})
}

func TestRedeliverUnsubscribeResetAndTheSink(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		rec := testkit.NewReceiver(t)
		c := ctx(t)

		// With no subscription, events go to the embedded sink.
		em, err := s.Emit(c, "flexdeploy", "Snapshot Completed", nil)
		if err != nil {
			t.Fatal(err)
		}
		s.MustWait(t, testkit.Filter{Vendor: "flexdeploy"}, 1).AssertStatus(t, testkit.Delivered)
		got, err := s.Sink(c, "flexdeploy")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Body != string(em.Payload) {
			t.Fatalf("the sink got %+v, want the emitted payload", got)
		}
		if v, e, err := testkit.Validate([]byte(got[0].Body)); err != nil || v != "flexdeploy" || e != "Snapshot Completed" {
			t.Errorf("Validate(sink body) = %s, %s, %v", v, e, err)
		}

		sub, err := s.Subscribe(c, testkit.Subscription{Vendor: "cutover", URL: rec.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(c, "cutover", "integrations.failed", nil); err != nil {
			t.Fatal(err)
		}
		ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
		if _, err := s.Redeliver(c, ds[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := rec.Wait(c, 2); err != nil {
			t.Fatal(err)
		}
		ds = s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
		ds.AssertAttempts(t, 0, 2)
		ds.AssertStatus(t, testkit.Delivered)
		if evs := rec.Events(); len(evs) != 2 || evs[0] != "integrations.failed" || evs[1] != "integrations.failed" {
			t.Errorf("the receiver got events %q", evs)
		}

		if err := s.Unsubscribe(c, sub.ID); err != nil {
			t.Fatal(err)
		}
		subs, err := s.Subscriptions(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range subs {
			if x.ID == sub.ID {
				t.Errorf("%s is still subscribed", sub.ID)
			}
		}
		var ae *testkit.APIError
		if err := s.Unsubscribe(c, sub.ID); !errors.As(err, &ae) || ae.StatusCode != http.StatusNotFound {
			t.Errorf("Unsubscribe twice = %v, want a 404 APIError", err)
		}

		if err := s.Reset(c); err != nil {
			t.Fatal(err)
		}
		if all, err := s.Deliveries(c, testkit.Filter{}); err != nil || len(all) != 0 {
			t.Errorf("after Reset: %v, %v", all, err)
		}
		if got, err := s.Sink(c, "flexdeploy"); err != nil || len(got) != 0 {
			t.Errorf("the sink after Reset: %v, %v", got, err)
		}
	})
}

func TestErrorsAreAPIErrors(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t)
		c := ctx(t)
		tests := []struct {
			name     string
			do       func() error
			status   int
			code     string
			contains string
		}{
			{"unknown event", func() error { _, err := s.Emit(c, "cutover", "task.crated", nil); return err },
				404, "unknown_event", `did you mean "task.created"`},
			{"override breaks the schema", func() error {
				_, err := s.Emit(c, "cutover", "task.created", `{"meta":{"task":{"id":4}}}`)
				return err
			}, 422, "invalid_payload", "/meta/task/id"},
			{"bad subscription", func() error {
				_, err := s.Subscribe(c, testkit.Subscription{Vendor: "rocketlane", URL: "ftp://x"})
				return err
			}, 400, "invalid_subscription", "url"},
			{"unknown delivery", func() error { _, err := s.Delivery(c, "dlv_nope"); return err },
				404, "not_found", "dlv_nope"},
			{"bad variant", func() error {
				_, err := s.EmitEvent(c, testkit.Event{Vendor: "flexdeploy", Event: "workflow-completed", Variant: "build"})
				return err
			}, 400, "bad_query", "deploy, test"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.do()
				var ae *testkit.APIError
				if !errors.As(err, &ae) {
					t.Fatalf("got %v, want an *APIError", err)
				}
				if ae.StatusCode != tc.status || ae.Code != tc.code || !strings.Contains(ae.Error(), tc.contains) {
					t.Errorf("got %d %s %q, want %d %s containing %q", ae.StatusCode, ae.Code, ae.Error(), tc.status, tc.code, tc.contains)
				}
			})
		}
	})
}

func TestOptions(t *testing.T) {
	forEachStart(t, func(t *testing.T, st start) {
		s := st.run(t, testkit.WithAdminToken("s3cret"), testkit.WithSeed(42))
		c := ctx(t)
		if _, err := s.Subscriptions(c); err != nil {
			t.Fatalf("the embedded client sends the token: %v", err)
		}
		var ae *testkit.APIError
		if _, err := testkit.NewClient(s.URL(), "").Subscriptions(c); !errors.As(err, &ae) || ae.StatusCode != http.StatusUnauthorized {
			t.Errorf("without the token: %v, want 401", err)
		}
		if _, err := testkit.NewClient(s.URL(), "").Health(c); err != nil {
			t.Errorf("health needs no token: %v", err)
		}
		em, err := s.Emit(c, "rocketlane", "TASK_UPDATED", nil)
		if err != nil {
			t.Fatal(err)
		}
		if em.Seed != 42 {
			t.Errorf("the first emit took seed %d, want 42", em.Seed)
		}
		seven := uint64(7)
		em, err = s.EmitEvent(c, testkit.Event{Vendor: "flexdeploy", Event: "Workflow Completed", Seed: &seven, Variant: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if em.Seed != 7 || !strings.Contains(string(em.Payload), `"Workflow Completed"`) {
			t.Errorf("EmitEvent = seed %d, %s", em.Seed, em.Payload)
		}
	})
}
