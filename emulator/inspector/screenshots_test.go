package inspector_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/standin-dev/standin/emulator/server"
)

// TestScreenshots writes the README's pictures of the inspector into the
// directory STANDIN_SCREENSHOTS names (docs/ from the repository root:
// STANDIN_SCREENSHOTS=$PWD/docs go test -run TestScreenshots
// ./emulator/inspector/). It does nothing without it.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("STANDIN_SCREENSHOTS")
	if dir == "" {
		t.Skip("set STANDIN_SCREENSHOTS to a directory to write the inspector's screenshots")
	}
	browser := newBrowser(t, 1280, 800)
	recv := newReceiver(t)
	// flaky answers 503 to its first request, then 200.
	var mu sync.Mutex
	seen := 0
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		n := seen
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `{"error":"database is restarting"}`)
			return
		}
		fmt.Fprint(w, `{"accepted":true}`)
	}))
	t.Cleanup(flaky.Close)

	s := startServer(t, server.Config{})
	s.admin(t, "POST", "/__admin/subscriptions", map[string]any{
		"vendor": "cutover", "url": flaky.URL + "/webhooks/cutover", "events": []string{"task.started"},
		"retry": map[string]any{"max_attempts": 3, "initial_interval": "50ms"},
	}, nil)
	var run struct{ ID string }
	s.admin(t, "POST", "/__admin/runs", map[string]any{"scenario": "flexdeploy-release-pipeline", "targets": []string{recv.URL + "/webhooks/flexdeploy"}}, &run)
	s.admin(t, "GET", "/__admin/runs/"+run.ID+"?wait=20s", nil, nil)
	var emitted struct {
		Deliveries []struct{ ID string }
	}
	s.admin(t, "POST", "/__admin/events/cutover/task.started", map[string]any{}, &emitted)
	s.admin(t, "GET", "/__admin/deliveries/wait?vendor=cutover&count=1&timeout=10s", nil, nil)
	s.admin(t, "POST", "/__admin/runs", map[string]any{"scenario": "rocketlane-project-onboarding", "targets": []string{recv.URL + "/webhooks/rocketlane"}}, &run)
	s.admin(t, "GET", "/__admin/runs/"+run.ID+"?wait=20s", nil, nil)

	ctx := newTab(t, browser)
	do(t, ctx, "sizing the page", chromedp.EmulateViewport(1280, 800))
	open(t, ctx, s.URL)
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if small, err := compress(b); err == nil && len(small) < len(b) {
			b = small
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", name, len(b))
	}

	// Runs and deliveries, a run's story open.
	do(t, ctx, "opening a run", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#runs li[data-run=%q]`, run.ID))))
	waitFor(t, ctx, "the run's story", `document.querySelectorAll('#run-detail .timeline li').length > 0`)
	shot("inspector-runs.png")

	// One delivery's attempts: a 503, then the retry's 200.
	do(t, ctx, "showing every run", setField("f-run", ""))
	do(t, ctx, "opening a retried delivery", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#deliveries tr[data-id=%q]`, emitted.Deliveries[0].ID))))
	waitFor(t, ctx, "both attempts", `!!document.querySelector('.attempt[data-n="2"]')`)
	do(t, ctx, "scrolling to the attempts", chromedp.Evaluate[chromedp.Void](`document.querySelector('.detail-pane').scrollIntoView()`))
	shot("inspector-attempts.png")

	// The emit editor refusing an override.
	do(t, ctx, "writing a bad override",
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Click(chromedp.CSS("#btn-emit")),
		setField("emit-vendor", "rocketlane"),
		setField("emit-event", "task-created"),
		setField("emit-override", "{\n  \"eventType\": \"TASK_CREATED\",\n  \"data\": {\"task\": {\"taskId\": \"not-a-number\"}}\n}"),
		chromedp.Click(chromedp.CSS("#emit-send")),
	)
	waitFor(t, ctx, "the schema's complaint", `document.querySelectorAll('#emit-errors li').length > 0`)
	shot("inspector-emit.png")
}

// compress re-encodes a screenshot with the 256 colours it uses most (a
// page's flat colours; anti-aliased edges take the nearest), at the best
// compression.
func compress(b []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r := img.Bounds()
	counts := map[color.RGBA]int{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	slices.SortFunc(colors, func(a, b color.RGBA) int { return counts[b] - counts[a] })
	pal := make(color.Palette, 0, 256)
	for _, c := range colors[:min(len(colors), 256)] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	index := map[color.RGBA]uint8{}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			i, ok := index[c]
			if !ok {
				i = uint8(pal.Index(c))
				index[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
