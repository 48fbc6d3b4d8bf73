package delivery

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/emulator"
	"github.com/standin-dev/standin/emulator/catalog"
)

func TestSubscribeRejects(t *testing.T) {
	const url = "http://localhost:9000/hook"
	oauth := Auth{Type: "oauth2", TokenURL: "http://localhost:9000/token", ClientID: "id", ClientSecret: "secret"}
	tests := []struct {
		name  string
		sub   Subscription
		field string
		msg   string // part of the message
	}{
		{"unknown vendor", Subscription{Vendor: "jira", URL: url}, "vendor", "valid: cutover, rocketlane, flexdeploy"},
		{"no vendor", Subscription{URL: url}, "vendor", "unknown vendor"},
		{"no url", Subscription{Vendor: "cutover"}, "url", "required"},
		{"relative url", Subscription{Vendor: "cutover", URL: "/hook"}, "url", "absolute http(s) URL"},
		{"ftp url", Subscription{Vendor: "cutover", URL: "ftp://host/x"}, "url", "absolute http(s) URL"},
		{"url without host", Subscription{Vendor: "cutover", URL: "http:///x"}, "url", "absolute http(s) URL"},
		{"bad url", Subscription{Vendor: "cutover", URL: "http://a b/"}, "url", "absolute http(s) URL"},
		{"port out of range", Subscription{Vendor: "cutover", URL: "http://u:pw@h:99999/x"}, "url", "port 99999: want 1 to 65535"},
		{"space in the path", Subscription{Vendor: "cutover", URL: "http://h/a b"}, "url", "holds a space"},
		{"unknown event", Subscription{Vendor: "cutover", URL: url, Events: []string{"task.created", "task.exploded"}}, "events[1]", `unknown cutover event "task.exploded"`},
		{"other vendor's event", Subscription{Vendor: "rocketlane", URL: url, Events: []string{"Release Started"}}, "events[0]", "TASK_CREATED"},
		{"rocketlane method", Subscription{Vendor: "rocketlane", URL: url, Method: "PUT"}, "method", "rocketlane delivers with POST only; method is not configurable"},
		{"cutover method", Subscription{Vendor: "cutover", URL: url, Method: "TRACE"}, "method", "valid: POST, PUT, PATCH, DELETE, GET"},
		{"flexdeploy method", Subscription{Vendor: "flexdeploy", URL: url, Method: "CONNECT"}, "method", "valid:"},
		{"header name", Subscription{Vendor: "cutover", URL: url, Headers: map[string]string{"Bad Name": "x"}}, `headers["Bad Name"]`, "not a valid header name"},
		{"header value", Subscription{Vendor: "rocketlane", URL: url, Headers: map[string]string{"X-A": "a\r\nX-B: b"}}, `headers["X-A"]`, "CR, LF"},
		{"auth type", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "basic"}}, "auth.type", "valid: none, token, oauth2"},
		{"token without token", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "token"}}, "auth.token", "required"},
		{"token newline", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "token", Token: "a\nb"}}, "auth.token", "CR, LF"},
		{"credentials without type", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Token: "abc"}}, "auth.type", `"none"`},
		{"oauth2 without token_url", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "oauth2", ClientID: "id", ClientSecret: "s"}}, "auth.token_url", "required"},
		{"oauth2 relative token_url", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "oauth2", TokenURL: "/token", ClientID: "id", ClientSecret: "s"}}, "auth.token_url", "absolute"},
		{"oauth2 without client_id", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "oauth2", TokenURL: oauth.TokenURL, ClientSecret: "s"}}, "auth.client_id", "required"},
		{"oauth2 without client_secret", Subscription{Vendor: "cutover", URL: url, Auth: Auth{Type: "oauth2", TokenURL: oauth.TokenURL, ClientID: "id"}}, "auth.client_secret", "required"},
		{"rocketlane auth", Subscription{Vendor: "rocketlane", URL: url, Auth: Auth{Type: "token", Token: "x"}}, "auth", "rocketlane sends no auth; auth is not configurable"},
		{"flexdeploy auth", Subscription{Vendor: "flexdeploy", URL: url, Auth: oauth}, "auth", "not configurable"},
		{"too many attempts", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 21}}, "retry.max_attempts", "between 0 and 20, got 21"},
		{"negative attempts", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: -1}}, "retry.max_attempts", "between 0 and 20"},
		{"small multiplier", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 3, Multiplier: 0.5}}, "retry.multiplier", "between 1 and 100"},
		{"NaN multiplier", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 3, Multiplier: math.NaN()}}, "retry.multiplier", "between 1 and 100"},
		{"negative interval", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 3, InitialInterval: -1}}, "retry.initial_interval", "between 0s and 1h0m0s"},
		{"huge interval", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 3, MaxInterval: Duration(2 * time.Hour)}}, "retry.max_interval", "between 0s and 1h0m0s"},
		{"max below initial", Subscription{Vendor: "cutover", URL: url, Retry: Retry{MaxAttempts: 3, InitialInterval: Duration(time.Second), MaxInterval: Duration(time.Millisecond)}}, "retry.max_interval", "at least initial_interval (1s)"},
		{"negative delay", Subscription{Vendor: "cutover", URL: url, Faults: Faults{Delay: -1}}, "faults.delay", "between"},
		{"window without shuffle", Subscription{Vendor: "cutover", URL: url, Faults: Faults{ReorderWindow: Duration(time.Second)}}, "faults.shuffle_window", "faults.shuffle is false"},
		{"template for cutover", Subscription{Vendor: "cutover", URL: url, BodyTemplate: "{{.}}"}, "body_template", "cutover sends the event JSON as is; body_template is not configurable"},
		{"template that does not parse", Subscription{Vendor: "flexdeploy", URL: url, BodyTemplate: `{"a": {{.eventType}`}, "body_template", "parse: template: body_template:1:"},
		{"rocketlane execute_in_planning", Subscription{Vendor: "rocketlane", URL: url, ExecuteInPlanning: new(false)}, "execute_in_planning", "rocketlane has no such setting"},
		{"flexdeploy execute_in_rehearsal", Subscription{Vendor: "flexdeploy", URL: url, ExecuteInRehearsal: new(true)}, "execute_in_rehearsal", "not configurable"},
		{"template with an unknown function", Subscription{Vendor: "flexdeploy", URL: url, BodyTemplate: `{{yaml .}}`}, "body_template", `function "yaml" not defined`},
	}
	e := newEngine(t, Config{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Subscribe(tc.sub)
			if err == nil {
				t.Fatalf("accepted %+v", tc.sub)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("error %q (%T), want it to name field %q", err, err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), tc.field+": ") || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("error %q, want %q in it", err, tc.msg)
			}
		})
	}
	if n := len(e.Subscriptions()); n != 0 {
		t.Fatalf("%d subscriptions stored after rejections", n)
	}
}

// TestModesKeepEventsFromSubscriptions: a Cutover subscription with
// execute_in_planning or execute_in_rehearsal false gets no event raised in
// that mode; unset, it gets every event.
func TestModesKeepEventsFromSubscriptions(t *testing.T) {
	e := newEngine(t, Config{})
	const url = "http://localhost:9000/hook"
	all := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: url})
	noPlanning := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: url, ExecuteInPlanning: new(false)})
	noRehearsal := mustSubscribe(t, e, Subscription{Vendor: "cutover", URL: url, ExecuteInRehearsal: new(false)})
	tests := []struct {
		mode catalog.Mode
		want []string
	}{
		{catalog.ModePlanning, []string{all.ID, noRehearsal.ID}},
		{catalog.ModeRehearsal, []string{all.ID, noPlanning.ID}},
		{catalog.ModeLive, []string{all.ID, noPlanning.ID, noRehearsal.ID}},
	}
	for _, tt := range tests {
		ev := event("cutover", "task.created")
		ev.Mode = tt.mode
		var got []string
		for _, d := range mustEmit(t, e, ev) {
			got = append(got, d.Subscription)
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(got, want) {
			t.Errorf("mode %q: delivered to %v, want %v", tt.mode, got, want)
		}
	}
	if sub, _ := e.Subscription(noPlanning.ID); sub.ExecuteInPlanning == nil || *sub.ExecuteInPlanning || sub.ExecuteInRehearsal != nil {
		t.Errorf("the subscription reads back %+v", sub)
	}
}

func TestSubscribeDefaults(t *testing.T) {
	e := newEngine(t, Config{})
	tests := []struct {
		name  string
		sub   Subscription
		check func(t *testing.T, s Subscription)
	}{
		{"rocketlane", Subscription{Vendor: "Rocketlane", URL: " https://example.com/hook ", Method: "post"}, func(t *testing.T, s Subscription) {
			if s.Vendor != "rocketlane" || s.Method != "POST" || s.URL != "https://example.com/hook" || s.Auth.Type != "none" || s.Retry.MaxAttempts != 1 || s.Events == nil || len(s.Events) != 0 {
				t.Errorf("%+v", s)
			}
		}},
		{"cutover token", Subscription{Vendor: "cutover", URL: "http://x", Auth: Auth{Type: "TOKEN", Token: "t"}, Events: []string{"task-created", "TASK.CREATED", "run-started"}}, func(t *testing.T, s Subscription) {
			if s.Auth.Type != "token" || s.Auth.TokenType != "Bearer" || strings.Join(s.Events, ",") != "task.created,run.started" {
				t.Errorf("%+v", s)
			}
		}},
		{"retry defaults", Subscription{Vendor: "flexdeploy", URL: "http://x", Retry: Retry{MaxAttempts: 4}}, func(t *testing.T, s Subscription) {
			r := s.Retry
			if r.InitialInterval != Duration(10*time.Millisecond) || r.MaxInterval != Duration(time.Second) || r.Multiplier != 2 {
				t.Errorf("%+v", r)
			}
		}},
		{"retry initial above the default max", Subscription{Vendor: "flexdeploy", URL: "http://x", Retry: Retry{MaxAttempts: 4, InitialInterval: Duration(5 * time.Second)}}, func(t *testing.T, s Subscription) {
			if s.Retry.MaxInterval != Duration(5*time.Second) {
				t.Errorf("%+v", s.Retry)
			}
		}},
		{"oauth2", Subscription{Vendor: "cutover", URL: "http://x", Method: "PATCH", Auth: Auth{Type: "oauth2", TokenURL: "https://idp/token", ClientID: "a", ClientSecret: "b"}}, func(t *testing.T, s Subscription) {
			if s.Method != "PATCH" || s.Auth.Type != "oauth2" {
				t.Errorf("%+v", s)
			}
		}},
		{"template", Subscription{Vendor: "flexdeploy", URL: "http://x", BodyTemplate: `{"e":{{json .eventType}}}`, Run: " run_1 "}, func(t *testing.T, s Subscription) {
			if s.Run != "run_1" || s.Method != "POST" {
				t.Errorf("%+v", s)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := mustSubscribe(t, e, tc.sub)
			if !strings.HasPrefix(s.ID, "sub_") || len(s.ID) != 16 || strings.Trim(s.ID[4:], "0123456789abcdef") != "" || s.CreatedAt.IsZero() {
				t.Errorf("id %q created %v", s.ID, s.CreatedAt)
			}
			tc.check(t, s)
			got, ok := e.Subscription(s.ID)
			if !ok || got.ID != s.ID {
				t.Fatalf("lookup %s: %+v %v", s.ID, got, ok)
			}
		})
	}
	subs := e.Subscriptions()
	if len(subs) != len(tests) {
		t.Fatalf("%d subscriptions", len(subs))
	}
	for i := 1; i < len(subs); i++ {
		if subs[i].CreatedAt.Before(subs[i-1].CreatedAt) {
			t.Errorf("not oldest first: %v", subs)
		}
	}
	// Copies: changing one does not change the stored subscription.
	subs[1].Events[0] = "changed"
	if again, _ := e.Subscription(subs[1].ID); again.Events[0] != "task.created" {
		t.Errorf("stored subscription changed through a copy: %+v", again)
	}
	if !e.Unsubscribe(subs[0].ID) || e.Unsubscribe(subs[0].ID) {
		t.Error("unsubscribe: want true once, then false")
	}
	if _, ok := e.Subscription(subs[0].ID); ok || len(e.Subscriptions()) != len(tests)-1 {
		t.Error("unsubscribed subscription still listed")
	}
	// The JSON form round-trips through the admin API's shape.
	b, err := json.Marshal(subs[2])
	if err != nil || !strings.Contains(string(b), `"initial_interval":"10ms"`) {
		t.Errorf("json %s %v", b, err)
	}
}

func TestProfiles(t *testing.T) {
	ps := emulator.Vendors().Profiles()
	if len(ps) != 3 {
		t.Fatalf("%d profiles", len(ps))
	}
	for v, p := range ps {
		if p.Vendor != v || p.Method != "POST" || p.Timeout <= 0 || p.Success == nil || p.SuccessRule == "" || p.Notes == "" || p.Headers["Content-Type"] != "application/json" {
			t.Errorf("%s: %+v", v, p)
		}
		if !p.Success(200) || p.Success(500) || p.Success(301) {
			t.Errorf("%s: success rule", v)
		}
	}
	if rl := ps["rocketlane"]; rl.Timeout != 10*time.Second || rl.Success(201) || !rl.Success(204) || rl.Allows(FieldMethod) {
		t.Errorf("rocketlane: %+v", rl)
	}
	if c := ps["cutover"]; !c.Success(201) || !c.Allows(FieldAuth) || c.Allows(FieldBodyTemplate) || !strings.Contains(c.Notes, "30 s timeout") {
		t.Errorf("cutover: %+v", c)
	}
	if f := ps["flexdeploy"]; !f.Allows(FieldBodyTemplate) || f.Allows(FieldAuth) {
		t.Errorf("flexdeploy: %+v", f)
	}
	ps["rocketlane"].Headers["X"] = "y"
	if _, ok := emulator.Vendors().Profiles()["rocketlane"].Headers["X"]; ok {
		t.Error("Profiles shares its maps between calls")
	}
}
