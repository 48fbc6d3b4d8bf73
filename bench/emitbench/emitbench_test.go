package emitbench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRelayDeliversEveryEvent(t *testing.T) {
	gen := func(path string, seed uint64) ([]byte, error) {
		return fmt.Appendf(nil, `{"path":%q,"seed":%d}`, path, seed), nil
	}
	for _, tc := range []struct {
		name       string
		generate   Generator
		wantAnswer string // the answer to one more POST of /a/b, after the load
	}{
		{"bare", nil, ""},
		{"generate", gen, `{"payload":{"path":"/a/b","seed":31}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := NewReceiver()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			rl := NewRelay(l, map[string][]byte{"/a/b": []byte(`{"made":"once"}`), "/c/d": []byte(`{}`)}, rc.URL, 4, tc.generate)
			defer rl.Close()
			client := NewClient()
			defer client.CloseIdleConnections()

			d, err := Load(context.Background(), client, rc, "relay", []string{rl.URL + "/a/b", rl.URL + "/c/d"}, 30)
			if err != nil {
				t.Fatal(err)
			}
			if d <= 0 || rc.Count() != 30 || rl.Failed() != 0 {
				t.Fatalf("Load took %s; receiver counted %d of 30, %d failed", d, rc.Count(), rl.Failed())
			}

			resp, err := http.Post(rl.URL+"/a/b", "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted || string(body) != tc.wantAnswer {
				t.Errorf("POST /a/b: %s %q, want 202 %q", resp.Status, body, tc.wantAnswer)
			}
			if err := rc.WaitFor(31, testTimeout); err != nil {
				t.Error(err)
			}
			// An unknown event is refused, and Load says so.
			if _, err := Load(context.Background(), client, rc, "relay", []string{rl.URL + "/x/y"}, 1); err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("Load of an unknown event: %v, want a 404 error", err)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	for _, mix := range Mixes {
		ps := Paths(mix)
		if len(ps) == 0 {
			t.Errorf("Paths(%q) is empty", mix)
		}
		for _, p := range ps {
			if v, _, _ := strings.Cut(p, "/"); mix != "mixed" && v != mix {
				t.Errorf("Paths(%q) has %q", mix, p)
			}
		}
	}
	if got := Vendors(Paths("mixed")); strings.Join(got, ",") != "rocketlane,cutover,flexdeploy" {
		t.Errorf("Vendors(Paths(mixed)) = %v", got)
	}
	if Paths("nope") != nil {
		t.Error("Paths of an unknown mix is not nil")
	}
}

const testTimeout = 10 * time.Second
