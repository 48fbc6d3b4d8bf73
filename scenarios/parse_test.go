package scenarios_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/standin-dev/standin/scenarios"
)

func TestBuiltinsParse(t *testing.T) {
	names := scenarios.Names()
	want := []string{"cutover-runbook-integration-failure", "flexdeploy-release-pipeline", "rocketlane-project-onboarding"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("built-ins %v, want %v", names, want)
	}
	for _, n := range names {
		sc, err := scenarios.Builtin(n)
		if err != nil {
			t.Fatal(err)
		}
		if sc.Description == "" || len(sc.Steps) == 0 || sc.Start.IsZero() {
			t.Errorf("%s: description, steps and start are expected in a built-in", n)
		}
		// The printed source parses to the same scenario.
		again, err := scenarios.Parse("copy.yaml", sc.Source)
		if err != nil || len(again.Steps) != len(sc.Steps) {
			t.Errorf("%s: its source does not parse back: %v", n, err)
		}
	}
}

func TestParseReadsEverything(t *testing.T) {
	sc, err := scenarios.Parse("full.yaml", []byte(`
name: full
description: every key
vendor: FlexDeploy
seed: 42
start: 2026-04-02T13:30:00Z
vars:
  outcome: approved
  stages: [dev, qa]
entities:
  release: {kind: release, name: 2026.04 Payroll Release}
  dev: {kind: environment, code: DEV}
  qa: {kind: environment}
  alice: {kind: user, name: asmith}
steps:
  - event: release-started
    entity: release
    actor: alice
    set:
      payload.release.releaseDescription: "Payroll for ${outcome}"
  - each: ${stages}
    var: env
    after: 2d1h
    steps:
      - event: Workflow Completed
        entity: ${env}
        with: {type: TEST, status: failed}
        fault: {duplicate: true, delay: 250ms, out_of_order: true}
  - event: Task Rejected
    when: outcome in [rejected, "prod_failed"]
    entity: qa
    with: {notes: "no"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Vendor != "flexdeploy" || *sc.Seed != 42 || !sc.Start.Equal(time.Date(2026, 4, 2, 13, 30, 0, 0, time.UTC)) {
		t.Errorf("header %s %v %v", sc.Vendor, *sc.Seed, sc.Start)
	}
	if len(sc.Vars) != 2 || len(sc.Entities) != 4 || len(sc.Steps) != 3 {
		t.Fatalf("%d vars, %d entities, %d steps", len(sc.Vars), len(sc.Entities), len(sc.Steps))
	}
	s0 := sc.Steps[0]
	if s0.Event != "Release Started" || s0.Set[0].Key != "payload.release.releaseDescription" || s0.AfterSet {
		t.Errorf("step 1: %+v", s0)
	}
	block := sc.Steps[1]
	if block.Event != "" || block.Var != "env" || block.After != 49*time.Hour || len(block.Steps) != 1 {
		t.Errorf("block: %+v", block)
	}
	wf := block.Steps[0]
	if wf.With[0].Value.V != "test" || wf.With[1].Value.V != "FAILED" {
		t.Errorf("enums are not normalised: %+v", wf.With)
	}
	if !wf.Fault.Duplicate || wf.Fault.Delay != 250*time.Millisecond || !wf.Fault.Reorder {
		t.Errorf("fault %+v", wf.Fault)
	}
	c := sc.Steps[2].When
	if c == nil || c.Op != "in" || !c.Holds("prod_failed") || c.Holds("approved") {
		t.Errorf("when %+v", c)
	}
	if wf.Pos != (scenarios.Pos{Line: 25, Col: 9}) {
		t.Errorf("position %v, want 25:9", wf.Pos)
	}
}

// TestParseErrors holds every error to its place and wording.
func TestParseErrors(t *testing.T) {
	const head = "name: t\nvendor: cutover\n"
	tests := []struct {
		name, src string
		want      string // file:line:col: and a fragment of the message
	}{
		{"empty", "", "t.yaml:1:1: the file is empty"},
		{"not a mapping", "- a\n- b\n", "t.yaml:1:1: a scenario must be a mapping"},
		{"YAML syntax", "name: t\nvendor: [cutover\nsteps: 1\n", "t.yaml:3:1: YAML:"},
		{"tab indentation", "name: t\n\tvendor: cutover\n", "t.yaml:2:"},
		{"duplicate key", "name: t\nname: u\n", "t.yaml:2:1: YAML:"},
		{"unknown top key", head + "stepz: []\n", `t.yaml:3:1: unknown key "stepz" in the scenario; valid keys: name, description, vendor, seed, start, vars, entities, steps (did you mean "steps"?)`},
		{"no vendor", "name: t\nsteps: [{event: x}]\n", "t.yaml:1:1: the scenario needs a vendor: (one of cutover, rocketlane, flexdeploy)"},
		{"unknown vendor", "name: t\nvendor: jira\nsteps: [{event: x}]\n", `t.yaml:2:9: unknown vendor "jira"`},
		{"no name", "vendor: cutover\nsteps: [{event: task.created}]\n", "t.yaml:1:1: the scenario needs a name:"},
		{"no steps", head, "t.yaml:1:1: the scenario needs steps:"},
		{"empty steps", head + "steps: []\n", "t.yaml:3:8: steps must be a non-empty list"},
		{"bad seed", head + "seed: -1\nsteps: [{event: task.created}]\n", "t.yaml:3:7: seed must be a non-negative integer"},
		{"bad start", head + "start: yesterday\nsteps: [{event: task.created}]\n", `t.yaml:3:8: start "yesterday": want an RFC 3339 time`},
		{"unknown event", head + "steps:\n  - event: task.crated\n", `t.yaml:4:12: unknown cutover event "task.crated"`},
		{"unknown event suggests", head + "steps:\n  - event: task.crated\n", `did you mean "task.created"?`},
		{"step without event", head + "steps:\n  - after: 3s\n", "t.yaml:4:5: a step needs event: (the event to emit) or steps: (a block of steps)"},
		{"event and steps", head + "steps:\n  - event: task.created\n    steps: [{event: task.started}]\n", "t.yaml:4:5: a step has one of event:"},
		{"unknown step key", head + "steps:\n  - event: task.created\n    afterr: 3s\n", `t.yaml:5:5: unknown key "afterr" in a step; valid keys: event, steps, entity, actor, after, when, each, var, with, update, set, fault, fire, refire, cancel, await (did you mean "after"?)`},
		{"bad duration", head + "steps:\n  - event: task.created\n    after: soon\n", `t.yaml:5:12: after: "soon" is not a duration; want one such as 30s, 5m, 1h30m or 2d`},
		{"duration without unit", head + "steps:\n  - event: task.created\n    after: 30\n", "t.yaml:5:12: after: 30 has no unit; want a duration such as 30s"},
		{"negative duration", head + "steps:\n  - event: task.created\n    after: -3s\n", "t.yaml:5:12: after: -3s is out of range"},
		{"unknown entity", head + "steps:\n  - event: task.created\n    entity: nope\n", `t.yaml:5:13: entity: no entity "nope" is declared; want the name of a task entity`},
		{"entity of the wrong kind", head + "entities:\n  rb: {kind: runbook}\nsteps:\n  - event: task.created\n    entity: rb\n", `t.yaml:7:13: entity: entity "rb" is a runbook; want the name of a task entity`},
		{"unknown kind", head + "entities:\n  t1: {kind: tsk}\nsteps: [{event: task.created}]\n", `t.yaml:4:14: entity t1: cutover has no kind "tsk"; valid: runbook, task, user (did you mean "task"?)`},
		{"entity without kind", head + "entities:\n  t1: {name: x}\nsteps: [{event: task.created}]\n", "t.yaml:4:7: entity t1 needs a kind:"},
		{"unknown attribute", head + "entities:\n  t1: {kind: task, title: x}\nsteps: [{event: task.created}]\n", `t.yaml:4:20: unknown key "title" in a task entity`},
		{"attribute of the wrong type", head + "entities:\n  t1: {kind: task, integration: maybe}\nsteps: [{event: task.created}]\n", `t.yaml:4:33: entity t1: integration: got the string "maybe"; want true or false`},
		{"bad enum", head + "entities:\n  rb: {kind: runbook, run_type: dress}\nsteps: [{event: task.created}]\n", `t.yaml:4:33: entity rb: run_type: "dress" is not valid; want one of rehearsal, live`},
		{"update missing", head + "steps:\n  - event: task.updated\n", "t.yaml:4:12: task.updated needs update: with the fields that change (description, duration, name, stage)"},
		{"update on a non-update event", head + "steps:\n  - event: task.started\n    update: {name: x}\n", "t.yaml:5:13: task.started changes nothing"},
		{"unknown update field", head + "steps:\n  - event: task.updated\n    update: {stage: done}\n", `t.yaml:5:21: update.stage: "done" is not valid; want one of not_startable, startable, in_progress, complete`},
		{"with out of range", head + "steps:\n  - event: integrations.failed\n    with: {status: 99}\n", "t.yaml:5:20: with.status: 99 is out of range; want an integer from 100 to 599"},
		{"with on an event without options", head + "steps:\n  - event: task.created\n    with: {x: 1}\n", "t.yaml:5:11: task.created takes no with: options"},
		{"bad when", head + "vars: {v: a}\nsteps:\n  - event: task.created\n    when: v is a\n", `t.yaml:6:11: when: "v is a": want var == value`},
		{"when on an undeclared var", head + "steps:\n  - event: task.created\n    when: v == a\n", `t.yaml:5:11: when: "v == a": no var v is declared under vars:`},
		{"unknown reference", head + "steps:\n  - event: task.created\n    entity: ${nope}\n", "t.yaml:5:13: ${nope}: no var, loop variable or entity is called nope"},
		{"unclosed reference", head + "steps:\n  - event: task.created\n    set: {meta.task.name: \"${x\"}\n", "without a closing }"},
		{"entity reference without attribute", head + "entities:\n  t1: {kind: task}\nsteps:\n  - event: task.created\n    set: {meta.task.name: \"${t1}\"}\n", "name an attribute of the task"},
		{"unknown entity attribute", head + "entities:\n  t1: {kind: task}\nsteps:\n  - event: task.created\n    set: {meta.task.name: \"${t1.colour}\"}\n", "a task has no readable attribute colour; valid: id, integration, name, stage, url"},
		{"loop variable out of scope", head + "steps:\n  - each: [a]\n    steps: [{event: task.created}]\n  - event: task.created\n    set: {meta.task.name: \"${item}\"}\n", "no var, loop variable or entity is called item"},
		{"each not a list", head + "steps:\n  - each: 3\n    steps: [{event: task.created}]\n", "t.yaml:4:11: each: want a list"},
		{"each of a non-var", head + "steps:\n  - each: ${nope}\n    steps: [{event: task.created}]\n", "t.yaml:4:11: each: want a list such as [DEV, QA, PROD] or a list var"},
		{"var without each", head + "steps:\n  - event: task.created\n    var: x\n", "t.yaml:5:10: var: names the loop variable of each:"},
		{"entity on a block", head + "steps:\n  - steps: [{event: task.created}]\n    entity: x\n", "t.yaml:5:13: entity: belongs on an event step"},
		{"bad set path", head + "steps:\n  - event: task.created\n    set: {meta..name: x}\n", `t.yaml:5:11: set: path "meta..name" has an empty segment`},
		{"unknown fault", head + "steps:\n  - event: task.created\n    fault: {drop: true}\n", `t.yaml:5:13: unknown key "drop" in fault; valid keys: duplicate, delay, out_of_order`},
		{"fault not a bool", head + "steps:\n  - event: task.created\n    fault: {duplicate: yes please}\n", "fault.duplicate must be true or false"},
		{"reserved var", head + "vars: {index: 1}\nsteps: [{event: task.created}]\n", `t.yaml:3:8: var name "index" is reserved`},
		{"var is a mapping", head + "vars: {v: {a: 1}}\nsteps: [{event: task.created}]\n", `t.yaml:3:12: unknown key "a" in var v; valid keys: default, values, description`},
		{"entity on a fresh event", "name: t\nvendor: flexdeploy\nentities:\n  r: {kind: release}\nsteps:\n  - event: Tag Assigned\n    entity: r\n", "t.yaml:7:13: Tag Assigned is generated fresh in scenarios and is not about an entity"},
		{"action on another vendor", "name: t\nvendor: rocketlane\nsteps:\n  - fire: x\n", "t.yaml:4:11: fire: is a Cutover integration action; rocketlane scenarios have none"},
		{"fire of an unknown task", head + "steps:\n  - fire: nope\n", `t.yaml:4:11: fire: no entity "nope" is declared; want the name of a task entity`},
		{"fire with an event", head + "entities: {c: {kind: task}}\nsteps:\n  - fire: c\n    event: task.created\n", "a step has one of event:"},
		{"fire with set", head + "entities: {c: {kind: task}}\nsteps:\n  - fire: c\n    set: {a: 1}\n", "t.yaml:6:10: set: does not go with fire:"},
		{"refire without fire", head + "entities: {c: {kind: task}}\nsteps:\n  - event: task.created\n    refire: {times: 2}\n", "t.yaml:6:13: refire: belongs on a fire: step"},
		{"refire times", head + "entities: {c: {kind: task}}\nsteps:\n  - fire: c\n    refire: {times: 50}\n", "refire.times: want an integer from 1 to 20"},
		{"await without task", head + "steps:\n  - await: {stage: complete}\n", "t.yaml:4:12: await needs task:"},
		{"await stage", head + "entities: {c: {kind: task}}\nsteps:\n  - await: {task: c, stage: done}\n", `await.stage: "done" is not valid`},
		{"await timeout", head + "entities: {c: {kind: task}}\nsteps:\n  - await: {task: c, timeout: 2h}\n", "await.timeout: 2h0m0s is out of range"},
		{"bad url attribute", head + "entities:\n  c: {kind: task, url: ftp://x}\nsteps: [{fire: c}]\n", `entity c: url: "ftp://x" is not an absolute http(s) URL`},
		{"entity attribute refers to an entity", head + "entities:\n  a: {kind: task}\n  b: {kind: task, name: \"after ${a.name}\"}\nsteps: [{event: task.created}]\n", "t.yaml:5:25: ${a.name}: entity attributes can refer to vars only"},
		{"second runbook", head + "entities:\n  a: {kind: runbook}\n  b: {kind: runbook}\nsteps: [{event: task.created}]\n", "t.yaml:5:3: entity b: a Cutover scenario runs one runbook, and a is already it"},
		{"var default not in values", head + "vars:\n  v: {default: x, values: [a, b]}\nsteps: [{event: task.created}]\n", "t.yaml:4:16: var v: the default is not one of its values (a, b)"},
		{"var without default", head + "vars:\n  v: {values: [a, b]}\nsteps: [{event: task.created}]\n", "t.yaml:4:6: var v needs a default:"},
		{"var unknown key", head + "vars:\n  v: {default: a, choices: [a]}\nsteps: [{event: task.created}]\n", `unknown key "choices" in var v`},
		{"alias without anchor", head + "steps:\n  - *nope\n", "t.yaml:4:5:"},
		{"second document", head + "steps: [{event: task.created}]\n---\nname: u\n", "a scenario file holds one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenarios.Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("no error; want %q", tt.want)
			}
			var es scenarios.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not scenarios.Errors", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got:\n%v\nwant it to contain:\n%s", err, tt.want)
			}
			for _, e := range es {
				if e.Pos.Line < 1 || e.Pos.Col < 1 || e.File != "t.yaml" {
					t.Errorf("error without a place: %+v", e)
				}
			}
		})
	}
}

func TestManyErrorsAreAllReported(t *testing.T) {
	_, err := scenarios.Parse("t.yaml", []byte("name: t\nvendor: cutover\nsteps:\n  - event: nope1\n  - event: nope2\n  - event: task.created\n    after: x\n"))
	var es scenarios.Errors
	if !errors.As(err, &es) || len(es) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	if es[0].Pos.Line != 4 || es[1].Pos.Line != 5 || es[2].Pos.Line != 7 {
		t.Errorf("lines %d %d %d", es[0].Pos.Line, es[1].Pos.Line, es[2].Pos.Line)
	}
}

func TestResolveVars(t *testing.T) {
	sc, err := scenarios.Parse("v.yaml", []byte("name: v\nvendor: cutover\nvars:\n  s: a\n  n: 3\n  b: false\n  l: [x, y]\nsteps: [{event: task.created}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := sc.ResolveVars(map[string]string{"s": "z", "n": "7", "b": "true", "l": "p, q,r"})
	if err != nil {
		t.Fatal(err)
	}
	if got["s"] != "z" || got["n"] != int64(7) || got["b"] != true || len(got["l"].([]any)) != 3 {
		t.Errorf("vars %v", got)
	}
	limited, err := scenarios.Parse("l.yaml", []byte("name: l\nvendor: cutover\nvars:\n  o:\n    default: a\n    values: [a, b]\n    description: the outcome\nsteps: [{event: task.created}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if limited.Vars[0].Description != "the outcome" {
		t.Errorf("description %q", limited.Vars[0].Description)
	}
	if got, err := limited.ResolveVars(map[string]string{"o": "b"}); err != nil || got["o"] != "b" {
		t.Errorf("o=b: %v %v", got, err)
	}
	if _, err := limited.ResolveVars(map[string]string{"o": "c"}); err == nil || !strings.Contains(err.Error(), `var o="c": want one of a, b`) {
		t.Errorf("o=c: %v", err)
	}
	for _, tt := range []struct{ k, v, want string }{
		{"n", "seven", "want an integer"},
		{"b", "maybe", "want true or false"},
		{"sx", "1", "did you mean s?"},
	} {
		if _, err := sc.ResolveVars(map[string]string{tt.k: tt.v}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s=%s: %v, want %q", tt.k, tt.v, err, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	vals := map[string]any{"n": int64(7), "s": "dev", "l": []any{"a"}}
	resolve := func(name, attr string) (any, error) {
		if attr != "" {
			return name + "." + attr, nil
		}
		v, ok := vals[name]
		if !ok {
			return nil, errors.New("unknown " + name)
		}
		return v, nil
	}
	tests := []struct {
		in   string
		want any
		err  string
	}{
		{"plain", "plain", ""},
		{"${n}", int64(7), ""},
		{"id-${n}", "id-7", ""},
		{"${s}/${rb.id}", "dev/rb.id", ""},
		{"$${n} stays", "${n} stays", ""},
		{"${l}", []any{"a"}, ""},
		{"x${l}", nil, "is a list"},
		{"${nope}", nil, "unknown nope"},
		{"${ bad name }", nil, "is not a reference"},
	}
	for _, tt := range tests {
		got, err := scenarios.Expand(tt.in, resolve)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if l, ok := tt.want.([]any); ok {
			if gl, ok := got.([]any); !ok || len(gl) != len(l) {
				t.Errorf("%q = %v", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%q = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30s": 30 * time.Second, "2d": 48 * time.Hour, "1d12h": 36 * time.Hour, "0": 0, "1h30m": 90 * time.Minute} {
		if got, err := scenarios.ParseDuration(in); err != nil || got != want {
			t.Errorf("%s = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "d", "xd", "2d-1h", "soon"} {
		if _, err := scenarios.ParseDuration(in); err == nil {
			t.Errorf("%q parsed", in)
		}
	}
}

func TestLoad(t *testing.T) {
	if _, err := scenarios.Load("flexdeploy-release-pipeline"); err != nil {
		t.Fatal(err)
	}
	_, err := scenarios.Load("flexdeploy-release-pipelin")
	if !errors.Is(err, scenarios.ErrUnknown) || !strings.Contains(err.Error(), "did you mean flexdeploy-release-pipeline?") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := scenarios.Load("no/such/file.yaml"); !errors.Is(err, scenarios.ErrUnknown) {
		t.Errorf("missing file: %v", err)
	}
}

func TestSecretVars(t *testing.T) {
	head := "name: s\nvendor: cutover\nvars:\n  ref:\n    default: x\n    secret: %s\n  plain: y\nsteps:\n  - event: task.created\n"
	sc, err := scenarios.Parse("s.yaml", []byte(strings.Replace(head, "%s", "true", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if got := sc.SecretVars(); len(got) != 1 || got[0] != "ref" {
		t.Errorf("SecretVars = %v, want [ref]", got)
	}
	_, err = scenarios.Parse("s.yaml", []byte(strings.Replace(head, "%s", "sometimes", 1)))
	if err == nil || !strings.Contains(err.Error(), "s.yaml:6:13: var ref: secret is true or false") {
		t.Errorf("a secret that is not a boolean: %v", err)
	}
}
