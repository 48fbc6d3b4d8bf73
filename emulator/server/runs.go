package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/runs"
	"github.com/standin-dev/standin/scenarios"
)

// RunRequest is the body of POST /__admin/runs (and an item of a serve
// config file's runs:).
type RunRequest struct {
	// Scenario names a built-in scenario; Script is a scenario's YAML.
	// Exactly one is given.
	Scenario  string         `json:"scenario"`
	Script    string         `json:"script"`
	Seed      *uint64        `json:"seed"`
	TimeScale float64        `json:"time_scale"`
	Vars      map[string]any `json:"vars"`
	// Targets are receiver URLs subscribed for this run only; without
	// them the run's events go to the server's subscriptions (or its sink).
	Targets []string `json:"targets"`
	// Subscription sets how the targets are delivered to (method,
	// headers, auth, retry, faults), as in POST /__admin/subscriptions.
	Subscription *delivery.Subscription `json:"subscription"`
}

// scriptFile is the name errors give an inline script.
const scriptFile = "script"

func (s *Server) startRun(c *gin.Context) {
	var req RunRequest
	if !decodeStrict(c, &req) {
		return
	}
	var sc *scenarios.Scenario
	switch {
	case req.Scenario != "" && req.Script != "":
		abort(c, http.StatusBadRequest, "bad_request", "give scenario (a built-in name) or script (YAML), not both", nil)
		return
	case req.Scenario != "":
		var err error
		if sc, err = scenarios.Builtin(req.Scenario); err != nil {
			abort(c, http.StatusNotFound, "unknown_scenario", err.Error(), gin.H{"valid": scenarios.Names()})
			return
		}
	case strings.TrimSpace(req.Script) != "":
		var err error
		if sc, err = scenarios.ParseFor(s.vendors, scriptFile, []byte(req.Script)); err != nil {
			var es scenarios.Errors
			details := any(nil)
			if errors.As(err, &es) {
				details = gin.H{"problems": es}
			}
			if errors.Is(err, scenarios.ErrTooDeep) {
				abort(c, http.StatusBadRequest, "too_deep", err.Error(), details)
				return
			}
			abort(c, http.StatusUnprocessableEntity, "invalid_scenario", err.Error(), details)
			return
		}
	default:
		abort(c, http.StatusBadRequest, "bad_request", "the request needs scenario (a built-in name: "+strings.Join(scenarios.Names(), ", ")+") or script (a scenario's YAML)", nil)
		return
	}
	vars, err := varStrings(req.Vars)
	if err != nil {
		abort(c, http.StatusBadRequest, "bad_request", err.Error(), nil)
		return
	}
	opts := runs.Options{Seed: req.Seed, TimeScale: req.TimeScale, Vars: vars, Targets: req.Targets, SelfCheck: s.cfg.SelfCheck, UserAgent: s.cfg.UserAgent}
	if req.Subscription != nil {
		sub := *req.Subscription
		if sub.ID != "" || sub.Vendor != "" || sub.URL != "" || sub.Run != "" || sub.Fallback || !sub.CreatedAt.IsZero() {
			abort(c, http.StatusBadRequest, "bad_request", "subscription: id, vendor, url, run, fallback and created_at are set by the run; give method, headers, auth, retry, faults or body_template", nil)
			return
		}
		if len(req.Targets) == 0 {
			abort(c, http.StatusBadRequest, "bad_request", "subscription applies to targets, and the request has none", nil)
			return
		}
		opts.Subscription = sub
	}
	dry, err := dryRun(c)
	if err != nil {
		abort(c, http.StatusBadRequest, "bad_query", err.Error(), nil)
		return
	}
	if dry {
		// Check the run without playing it: what POST would refuse is
		// refused the same way; nothing is subscribed or sent.
		for _, t := range opts.Targets {
			sub := opts.Subscription
			sub.Vendor, sub.URL = sc.Vendor, t
			if err := s.engine.Check(sub); err != nil {
				abort(c, http.StatusBadRequest, "bad_request", fmt.Sprintf("target %s: %v", t, err), nil)
				return
			}
		}
		checked, err := runs.Check(sc, opts)
		if err != nil {
			s.abortRun(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"valid": true, "scenario": sc.Name, "seed": checked.Seed, "events": checked.Events})
		return
	}
	if err := s.ensureFallback(sc.Vendor); err != nil {
		abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
		return
	}
	r, err := s.runs.Start(sc, opts)
	if err != nil {
		s.abortRun(c, err)
		return
	}
	rep := r.Report()
	c.Header("Location", "/__admin/runs/"+r.ID())
	c.JSON(http.StatusAccepted, gin.H{"id": rep.ID, "status": rep.Status, "scenario": rep.Scenario, "seed": rep.Seed})
}

// abortRun answers a run that could not start: 503 while shutting down, 429
// with too many runs in progress,
// 422 for a step the dry run refused (nothing of the story was sent), 400
// for the rest of the request's faults (a var of the wrong type).
func (s *Server) abortRun(c *gin.Context, err error) {
	var serr *runs.StepError
	switch {
	case errors.Is(err, runs.ErrShutdown):
		abort(c, http.StatusServiceUnavailable, "unavailable", err.Error(), nil)
	case errors.Is(err, runs.ErrTooManyRuns):
		abort(c, http.StatusTooManyRequests, "too_many_runs", err.Error(), gin.H{"limit": s.runs.Limits().Running})
	case errors.As(err, &serr):
		abort(c, http.StatusUnprocessableEntity, "invalid_scenario", err.Error(), nil)
	default:
		abort(c, http.StatusBadRequest, "bad_request", err.Error(), nil)
	}
}

// varStrings turns JSON var values into the strings runs read: numbers and
// booleans as written, lists comma-joined.
func varStrings(in map[string]any) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range in {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, 0, len(x))
			for _, item := range x {
				switch item.(type) {
				case string, float64, bool:
					parts = append(parts, fmt.Sprint(item))
				default:
					return nil, fmt.Errorf("vars.%s: list items must be strings, numbers or booleans", k)
				}
			}
			out[k] = strings.Join(parts, ",")
		default:
			return nil, fmt.Errorf("vars.%s: want a string, number, boolean or list", k)
		}
	}
	return out, nil
}

// maxRunWait bounds GET /__admin/runs/{id}?wait=.
const maxRunWait = 5 * time.Minute

func (s *Server) getRun(c *gin.Context) {
	r, ok := s.runs.Get(c.Param("id"))
	if !ok {
		abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no run %q", c.Param("id")), nil)
		return
	}
	if v, ok := c.GetQuery("wait"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxRunWait {
			abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("wait=%q: want a duration such as 10s, at most %s", v, maxRunWait), nil)
			return
		}
		liftDeadline(c, d)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-r.Done():
		case <-t.C:
		case <-c.Request.Context().Done():
		}
	}
	c.JSON(http.StatusOK, r.Report())
}

func (s *Server) listRuns(c *gin.Context) {
	status := c.Query("status")
	valid := []string{string(runs.Running), string(runs.Succeeded), string(runs.Failed)}
	if status != "" && !slices.Contains(valid, status) {
		abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("status=%q: want one of %s", status, strings.Join(valid, ", ")), nil)
		return
	}
	out := []runs.Summary{}
	for _, r := range s.runs.List() {
		sum := r.Summary()
		if status != "" && string(sum.Status) != status {
			continue
		}
		out = append(out, sum)
	}
	c.JSON(http.StatusOK, out)
}
