package testkit_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/standin-dev/standin/testkit"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
)

// A test of a webhook receiver: standin delivers a Cutover task.created to
// it, the receiver fails the first attempt, the subscription retries.
func ExampleStart() {
	TestTaskCreated := func(t *testing.T) {
		ctx := t.Context()
		s := testkit.Start(t)
		rec := testkit.NewReceiver(t, testkit.FailTimes(1)) // or your receiver's URL

		sub, err := s.Subscribe(ctx, testkit.Subscription{
			Vendor: "cutover",
			URL:    rec.URL + "/webhooks/cutover",
			Events: []string{"task.created"},
			Retry:  testkit.Retry{MaxAttempts: 3, InitialInterval: testkit.Duration(10 * time.Millisecond)},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(ctx, "cutover", "task.created", `{"meta":{"task":{"id":"7087"}}}`); err != nil {
			t.Fatal(err)
		}

		ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
		ds.AssertCount(t, 1)
		ds.AssertStatus(t, testkit.Delivered)
		ds.AssertAttempts(t, 0, 2)
		ds.AssertResponseStatus(t, 0, http.StatusOK)
		ds.AssertField(t, 0, "/meta/task/id", "7087")
		// At the end of the test the receiver checks every body it got
		// against the vendor's schema.
	}
	_ = TestTaskCreated
}

// The same test against the image, in a container on the host's network so
// it reaches receivers on the host's 127.0.0.1.
func ExampleStartContainer() {
	TestTaskCreatedInDocker := func(t *testing.T) {
		s := testkit.StartContainer(t, "standin:dev", testkit.WithHostNetwork())
		rec := testkit.NewReceiver(t)
		sub, err := s.Subscribe(t.Context(), testkit.Subscription{Vendor: "rocketlane", URL: rec.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(t.Context(), "rocketlane", "TASK_CREATED", nil); err != nil {
			t.Fatal(err)
		}
		s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1).AssertStatus(t, testkit.Delivered)
	}
	_ = TestTaskCreatedInDocker
}

// A receiver in another container is reached over a shared Docker network
// by its alias.
func ExampleStartContainer_network() {
	TestReceiverInDocker := func(t *testing.T) {
		ctx := t.Context()
		nw, err := network.New(ctx)
		testcontainers.CleanupNetwork(t, nw)
		if err != nil {
			t.Fatal(err)
		}
		// Your receiver's container joins nw as "receiver"; here, a second
		// standin's embedded sink plays it.
		receiver := testkit.StartContainer(t, "standin:dev", network.WithNetwork([]string{"receiver"}, nw))
		s := testkit.StartContainer(t, "standin:dev", network.WithNetwork([]string{"standin"}, nw))

		if _, err := s.Subscribe(ctx, testkit.Subscription{Vendor: "flexdeploy", URL: "http://receiver:8080/__sink/flexdeploy"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Emit(ctx, "flexdeploy", "Release Started", nil); err != nil {
			t.Fatal(err)
		}
		s.MustWait(t, testkit.Filter{Vendor: "flexdeploy"}, 1).AssertStatus(t, testkit.Delivered)
		got, err := receiver.Sink(ctx, "flexdeploy")
		if err != nil || len(got) != 1 {
			t.Fatalf("the receiver got %v, %v", got, err)
		}
	}
	_ = TestReceiverInDocker
}

// A built-in scenario played to a receiver, waited for, and its
// deliveries checked.
func ExampleClient_RunScenario() {
	s, err := testkit.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	run, err := s.RunScenario(ctx, "flexdeploy-release-pipeline", testkit.RunOptions{
		Vars:    map[string]any{"outcome": "rejected"},
		Targets: []string{receiver.URL},
	})
	if err != nil {
		log.Fatal(err)
	}
	if run, err = s.WaitRun(ctx, run.ID); err != nil {
		log.Fatal(err)
	}
	ds, err := s.Deliveries(ctx, testkit.Filter{Run: run.ID})
	if err != nil {
		log.Fatal(err)
	}
	delivered := 0
	for _, d := range ds {
		if d.Status == testkit.Delivered {
			delivered++
		}
	}
	fmt.Println(run.Status, delivered == len(run.Events))
	fmt.Println(slices.Contains(run.EventNames(), "Task Rejected"))
	// Output:
	// succeeded true
	// true
}

// Outside a test (in TestMain, say), NewServer starts standin and the
// client's methods return errors instead of failing a test.
func ExampleNewServer() {
	s, err := testkit.NewServer(testkit.WithSeed(7))
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := s.Subscribe(ctx, testkit.Subscription{Vendor: "rocketlane", URL: receiver.URL})
	if err != nil {
		log.Fatal(err)
	}
	em, err := s.Emit(ctx, "rocketlane", "task-created", nil)
	if err != nil {
		log.Fatal(err)
	}
	ds, err := s.Wait(ctx, testkit.Filter{Subscription: sub.ID}, 1)
	if err != nil {
		log.Fatal(err)
	}
	d := ds[0]
	event, _ := d.Field("/eventType")
	fmt.Println("seed", em.Seed)
	fmt.Println(d.Vendor, event, d.Status, d.ResponseStatus(), len(d.Attempts))
	// Output:
	// seed 7
	// rocketlane TASK_CREATED delivered 204 1
}

// A wait that ends first says what it saw.
func ExampleClient_Wait() {
	s, err := testkit.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := s.Emit(ctx, "cutover", "run.started", nil); err != nil { // to the embedded sink
		log.Fatal(err)
	}
	if _, err := s.Wait(ctx, testkit.Filter{Vendor: "cutover"}, 1); err != nil {
		log.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	_, err = s.Wait(short, testkit.Filter{Vendor: "cutover"}, 2)
	var we *testkit.WaitError
	if errors.As(err, &we) {
		fmt.Printf("wanted %d, saw %d: %s %s\n", we.Want, len(we.Seen), we.Seen[0].Event, we.Seen[0].Status)
	}
	// Output:
	// wanted 2, saw 1: run.started delivered
}

// Validate finds the vendor and event of a webhook body and checks it
// against the schema.
func ExampleValidate() {
	vendor, event, err := testkit.Validate([]byte(`{"eventType":"PHASE_DELETED","data":{}}`))
	fmt.Println(vendor, event)
	fmt.Println(err != nil)

	_, _, err = testkit.Validate([]byte(`{"hello":"world"}`))
	fmt.Println(err)
	// Output:
	// rocketlane PHASE_DELETED
	// true
	// the body names no Cutover, Rocketlane or FlexDeploy event (no known event at /attributes/type or /eventType)
}

// Play plays a scenario and waits for it; selections and typed fields
// read its deliveries.
func ExampleClient_Play() {
	s, err := testkit.NewServer()
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	run, ds, err := s.Play(ctx, testkit.Builtin("flexdeploy-release-pipeline"), testkit.RunOptions{Targets: []string{receiver.URL}})
	if err != nil {
		log.Fatal(err)
	}
	started, _ := ds.Select(testkit.OfEvent("Release Started")).First().Delivery()
	ended, _ := ds.Select(testkit.OfEvent("release-ended")).Last().Delivery()
	a, _ := started.Int("payload.release.releaseId")
	b, _ := ended.Int("payload.release.releaseId")
	fmt.Println(run.Status, len(ds) == len(run.Events), a == b)

	// Waiting for more than the run made ends with the run.
	_, err = s.Wait(ctx, testkit.Filter{Run: run.ID}, len(ds)+1)
	var we *testkit.WaitError
	fmt.Println(errors.As(err, &we) && we.Run != nil && we.Run.ID == run.ID)
	// Output:
	// succeeded true true
	// true
}
