package delivery

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// bodyOnlyTokenServer is a token endpoint that reads the client's
// credentials from the form body only, as some servers do (go-oauth2's
// default): Basic auth is refused. It counts the requests of each style.
type bodyOnlyTokenServer struct {
	*httptest.Server
	mu             sync.Mutex
	header, params int
}

func newBodyOnlyTokenServer(t *testing.T, id, secret string) *bodyOnlyTokenServer {
	ts := &bodyOnlyTokenServer{}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts.mu.Lock()
		defer ts.mu.Unlock()
		if _, _, ok := r.BasicAuth(); ok {
			ts.header++
			http.Error(w, `{"error":"invalid_client","error_description":"credentials go in the body"}`, http.StatusUnauthorized)
			return
		}
		ts.params++
		if r.PostFormValue("client_id") != id || r.PostFormValue("client_secret") != secret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, ts.params)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *bodyOnlyTokenServer) counts() (int, int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.header, ts.params
}

func TestOAuth2AuthStyles(t *testing.T) {
	const id, secret = "client:one", "s3cr&t=+/%?#:@ ü" // reserved characters throughout
	tests := []struct {
		style                  string
		wantStatus             Status
		wantHeader, wantParams int // token requests of each style
	}{
		{style: "", wantStatus: Delivered, wantHeader: 1, wantParams: 1}, // auto: header, then params, remembered
		{style: "auto", wantStatus: Delivered, wantHeader: 1, wantParams: 1},
		{style: "params", wantStatus: Delivered, wantHeader: 0, wantParams: 1},
		{style: "header", wantStatus: Failed, wantHeader: 3, wantParams: 0}, // one fetch per delivery, each refused
	}
	for _, tc := range tests {
		t.Run("style="+tc.style, func(t *testing.T) {
			ts := newBodyOnlyTokenServer(t, id, secret)
			rc := newReceiver(t, nil)
			e := newEngine(t, Config{})
			sub := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: rc.URL, Auth: Auth{
				Type: "oauth2", TokenURL: ts.URL, ClientID: id, ClientSecret: secret, AuthStyle: tc.style,
			}})
			var ds []Delivery
			for range 3 {
				ds = append(ds, oneDelivery(t, e, event("cutover", "task.created")))
			}
			for _, d := range ds {
				if d.Status != tc.wantStatus {
					t.Fatalf("delivery %s, want %s: %s", d.Status, tc.wantStatus, d.Error)
				}
			}
			if h, p := ts.counts(); h != tc.wantHeader || p != tc.wantParams {
				t.Errorf("token requests: %d in Basic auth, %d in the body; want %d and %d", h, p, tc.wantHeader, tc.wantParams)
			}
			if tc.wantStatus == Failed {
				if !strings.Contains(ds[0].Error, "answered status 401") || !strings.Contains(ds[0].Error, "credentials go in the body") {
					t.Errorf("error %q does not carry the token endpoint's answer", ds[0].Error)
				}
				return
			}
			for _, h := range rc.got() {
				if got := h.Header.Get("Authorization"); got != "Bearer tok-1" {
					t.Errorf("receiver got Authorization %q, want the one token, Bearer tok-1", got)
				}
			}
			if got, _ := e.Subscription(sub.ID); got.Auth.AuthStyle == "" {
				t.Errorf("the subscription does not show its auth style")
			}
		})
	}
	t.Run("unknown style", func(t *testing.T) {
		e := newEngine(t, Config{})
		_, err := e.Subscribe(Subscription{Vendor: "cutover", URL: "http://127.0.0.1:1/", Auth: Auth{Type: "oauth2", TokenURL: "http://127.0.0.1:1/t", ClientID: "a", ClientSecret: "b", AuthStyle: "basic"}})
		if err == nil || !strings.Contains(err.Error(), "auth.auth_style") || !strings.Contains(err.Error(), "header, params") {
			t.Fatalf("err %v, want one naming auth.auth_style and the valid styles", err)
		}
	})
}

// TestRefusedAttemptCarriesTheReceiversBody: a status the vendor does not
// count as success is reported with a snippet of what the receiver said.
func TestRefusedAttemptCarriesTheReceiversBody(t *testing.T) {
	rc := newReceiver(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		http.Error(w, `{"message":"unknown task 42"}`, http.StatusUnprocessableEntity)
	})
	e := newEngine(t, Config{})
	mustSubscribe(t, e, Subscription{Vendor: "rocketlane", URL: rc.URL})
	d := oneDelivery(t, e, event("rocketlane", "TASK_CREATED"))
	if d.Status != Failed || !strings.Contains(d.Error, "status 422") || !strings.Contains(d.Error, `{"message":"unknown task 42"}`) {
		t.Fatalf("status %s, error %q; want failed with the receiver's body", d.Status, d.Error)
	}
}
