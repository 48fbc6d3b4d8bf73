// Package testkit starts standin from a Go test, points it at a receiver
// and asserts what it delivered.
//
// There are two ways to start standin and one API to drive it:
//
//   - Start(t) runs the real server in the test process on a loopback port:
//     no Docker, well under a millisecond.
//   - StartContainer(t, image) (or Run, following testcontainers-go's
//     module conventions) runs the standin image with testcontainers-go.
//
// Both return a value that embeds *Client, so s.Subscribe, s.Emit, s.Wait
// and the rest work the same on either; both satisfy the Standin interface,
// so a test helper can take either.
//
// A typical test subscribes a recording Receiver, emits an event (or plays
// a scenario) and asserts the deliveries:
//
//	s := testkit.Start(t)
//	rec := testkit.NewReceiver(t, testkit.FailTimes(1))
//	sub, err := s.Subscribe(ctx, testkit.Subscription{
//		Vendor: "cutover", URL: rec.URL,
//		Retry:  testkit.Retry{MaxAttempts: 3},
//	})
//	...
//	_, err = s.Emit(ctx, "cutover", "task.created", `{"meta":{"task":{"id":"7087"}}}`)
//	ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
//	ds.AssertStatus(t, testkit.Delivered)
//	ds.AssertAttempts(t, 0, 2)
//	ds.AssertField(t, 0, "/meta/task/id", "7087")
//
// One call plays a scenario, waits for the run and returns it with its
// deliveries; selections pick deliveries by what they are, and typed
// accessors read their fields:
//
//	run, ds := s.MustPlay(t, testkit.Builtin("flexdeploy-release-pipeline"),
//		testkit.RunOptions{Targets: []string{rec.URL}})
//	run.AssertStatus(t, testkit.RunSucceeded)
//	last := ds.Select(testkit.OfEvent("Workflow Completed")).Last()
//	last.AssertAttempts(t, 1)
//	id := last.Must(t).MustInt(t, "payload.release.releaseId")
//
// A wait whose filter names a run (or a subscription a run made for its
// targets) ends as soon as the run has ended with too few matching
// deliveries, with a *WaitError saying so, rather than at its deadline.
//
// Assertions take a testing.TB and fail it with a listing of what was
// delivered (event, status, attempts, last response, URL), once per test;
// later failures show only the offending rows, which are marked ">". The
// Receiver checks every body it gets against standin's JSON Schemas and
// fails the test at its end if one was invalid.
//
// # Containers and the network
//
// The image has no registry to come from: build it with
// docker/build-image.sh. testcontainers-go pulls its Ryuk reaper unless
// TESTCONTAINERS_RYUK_DISABLED=true is set before its first use (set it in
// TestMain when there is no registry; StartContainer removes its container
// at the end of the test either way).
//
// A container reaches a receiver in the test process (on the host) when it
// runs on the host's network: WithHostNetwork, a ContainerOption, which
// Start does not take. Without it, 127.0.0.1 in the container is the
// container itself; a delivery refused there gets a hint saying so in
// failures. A receiver in another
// container is reached through a shared Docker network
// (testcontainers-go's network.New and network.WithNetwork) by its alias.
//
// StartContainer skips the test when no Docker engine answers, unless
// STANDIN_REQUIRE_DOCKER is set to a non-empty value other than 0 or
// false; then it fails instead (CI sets it).
package testkit
