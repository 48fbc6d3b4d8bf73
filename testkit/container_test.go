package testkit_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/testkit"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
)

// A receiver in another container, reached over a shared Docker network by
// its alias: here a second standin whose embedded sink records what the
// first delivers.
func TestContainerDeliversOverASharedNetwork(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	c := ctx(t)
	nw, err := network.New(c)
	testcontainers.CleanupNetwork(t, nw)
	if err != nil {
		t.Fatal(err)
	}
	sink := testkit.StartContainer(t, img, network.WithNetwork([]string{"sink"}, nw))
	sender := testkit.StartContainer(t, img, network.WithNetwork([]string{"sender"}, nw))

	sub, err := sender.Subscribe(c, testkit.Subscription{Vendor: "flexdeploy", URL: "http://sink:8080/__sink/releases", Events: []string{"Release Started", "release-ended"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []string{"Release Started", "Pipeline Stage Completed", "Release Ended"} {
		if _, err := sender.Emit(c, "flexdeploy", ev, nil); err != nil {
			t.Fatal(err)
		}
	}
	ds := sender.MustWait(t, testkit.Filter{Subscription: sub.ID}, 2)
	ds.AssertCount(t, 2)
	ds.AssertOrder(t, "Release Started", "Release Ended")
	ds.AssertStatus(t, testkit.Delivered)
	ds.AssertResponseStatus(t, 0, http.StatusOK)

	h, err := sender.Health(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sink.Sink(c, "releases")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("the sink container got %d requests, want 2: %+v", len(got), got)
	}
	// Workers deliver concurrently, so the sink may see them in any order.
	byID := map[string]testkit.Delivery{}
	for _, d := range ds {
		byID[d.ID] = d
	}
	for i, r := range got {
		d, ok := byID[r.Headers.Get(testkit.DeliveryHeader)]
		if !ok || r.Method != http.MethodPost || r.Body != string(d.Body()) {
			t.Errorf("sink request [%d] = %s %s %s, want one of the deliveries", i, r.Method, r.Headers.Get(testkit.DeliveryHeader), r.Body)
		}
		if v, e, err := testkit.Validate([]byte(r.Body)); err != nil || v != "flexdeploy" || e != d.Event {
			t.Errorf("sink request [%d]: Validate = %s, %s, %v", i, v, e, err)
		}
		if ua := r.Headers.Get("User-Agent"); ua != "standin/"+h.Version {
			t.Errorf("User-Agent %q, want standin/%s", ua, h.Version)
		}
	}
	// The sender's own sink got the event no subscription took.
	if own, err := sender.Sink(c, "flexdeploy"); err != nil || len(own) != 1 || !strings.Contains(own[0].Body, "Pipeline Stage Completed") {
		t.Errorf("the sender's sink: %+v, %v", own, err)
	}
}

// The image: healthy by its HEALTHCHECK, a non-root user, and a clean exit
// on SIGTERM that lets a delivery in flight finish.
func TestContainerImageHealthUserAndSIGTERM(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	c := ctx(t)
	s := testkit.StartContainer(t, img, testkit.WithHostNetwork())
	rec := testkit.NewReceiver(t, testkit.Delay(500*time.Millisecond))

	info, err := s.Inspect(c)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.User != "65532:65532" {
		t.Errorf("the image runs as %q, want 65532:65532", info.Config.User)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err = s.Inspect(c)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Health != nil && info.State.Health.Status == "healthy" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the HEALTHCHECK never passed: %+v", info.State.Health)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if _, err := s.Subscribe(c, testkit.Subscription{Vendor: "rocketlane", URL: rec.URL}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Emit(c, "rocketlane", "PHASE_UPDATED", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := rec.Wait(c, 1); err != nil { // the attempt is in flight
		t.Fatal(err)
	}
	timeout := 10 * time.Second
	begin := time.Now()
	if err := s.Stop(c, &timeout); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("docker stop took %s: standin ignored SIGTERM", took)
	}
	st, err := s.State(c)
	if err != nil {
		t.Fatal(err)
	}
	if st.Running || st.ExitCode != 0 {
		t.Fatalf("after SIGTERM: running %v, exit code %d, want 0", st.Running, st.ExitCode)
	}
	logs := containerLogs(t, s)
	for _, want := range []string{`"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the logs lack %s:\n%s", want, logs)
		}
	}
	// A delivery that fails (cut short by the shutdown, say) is logged as
	// a warning.
	if strings.Contains(logs, `"level":"WARN"`) || strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("the delivery in flight did not finish cleanly:\n%s", logs)
	}
	reqs := rec.Requests()
	if len(reqs) != 1 || reqs[0].Event != "PHASE_UPDATED" {
		t.Errorf("the receiver got %v, want one PHASE_UPDATED", reqs)
	}
}

func containerLogs(t *testing.T, c *testkit.Container) string {
	t.Helper()
	rc, err := c.Logs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b bytes.Buffer
	if _, err := io.Copy(&b, rc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Both starts run the same code: the same seed gives the same payload.
func TestBothStartsEmitTheSamePayloads(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	c := ctx(t)
	in := testkit.Start(t, testkit.WithSeed(99))
	ctr := testkit.StartContainer(t, img, testcontainers.WithCmdArgs("--seed", "99")) // serve --addr :8080 --seed 99
	for _, ev := range [][2]string{{"cutover", "runbook.updated"}, {"rocketlane", "TASK_UPDATED"}, {"flexdeploy", "Workflow Completed"}} {
		a, err := in.Emit(c, ev[0], ev[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ctr.Emit(c, ev[0], ev[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Seed != b.Seed || !bytes.Equal(a.Payload, b.Payload) {
			t.Errorf("%s %s: in-process seed %d %s\ncontainer seed %d %s", ev[0], ev[1], a.Seed, a.Payload, b.Seed, b.Payload)
		}
	}
}

// A container on a network of its own cannot reach the host's 127.0.0.1:
// the failure says why and how to reach the host.
func TestContainerExplainsTheHostsLoopback(t *testing.T) {
	t.Parallel()
	img := testImage(t)
	c := ctx(t)
	s := testkit.StartContainer(t, img) // no WithHostNetwork
	rec := testkit.NewReceiver(t)
	sub, err := s.Subscribe(c, testkit.Subscription{Vendor: "cutover", URL: rec.URL})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Emit(c, "cutover", "task.created", nil); err != nil {
		t.Fatal(err)
	}
	ds := s.MustWait(t, testkit.Filter{Subscription: sub.ID}, 1)
	rtb := newRecordingTB(t)
	capture(rtb, func(tb testing.TB) { ds.AssertStatus(tb, testkit.Delivered) })
	for _, want := range []string{"connection refused", "127.0.0.1 (and localhost) is the container itself", "testkit.WithHostNetwork()", "host.docker.internal"} {
		if !strings.Contains(rtb.report(), want) {
			t.Errorf("the failure lacks %q:\n%s", want, rtb.report())
		}
	}
	if rec.Len() != 0 {
		t.Errorf("the receiver on the host got %d requests", rec.Len())
	}
}
