package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/inspector"
	"github.com/standin-dev/standin/scenarios"
	"github.com/standin-dev/standin/schemas"
)

// inspectorRoutes serves the web inspector: its page at / and its files
// under inspector.Prefix; the page itself reads the admin API.
func (s *Server) inspectorRoutes(r *gin.Engine) {
	h := inspector.Handler()
	serve := func(c *gin.Context) {
		if !inspector.Has(c.Request.URL.Path) {
			abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no route %s %s", c.Request.Method, c.Request.URL.Path), nil)
			return
		}
		h.ServeHTTP(c.Writer, c.Request)
	}
	r.GET("/", serve)
	r.GET(inspector.Prefix+"*file", serve)
}

// emitPreview answers POST /__admin/events/{vendor}/{event}?dry_run=true,
// followed by "payload" (see writeWithPayload).
type emitPreview struct {
	DryRun bool   `json:"dry_run"`
	Vendor string `json:"vendor"`
	Event  string `json:"event"`
	Seed   uint64 `json:"seed"`
}

// emitDryRun answers an emit's dry run: the payload b that would be sent,
// validated against its schema (422 with JSON pointers when it is not
// valid), and nothing sent.
func (s *Server) emitDryRun(c *gin.Context, e catalog.Event, seed uint64, b []byte) {
	if err := s.vendors.Validate(e, b); err != nil {
		var se *schemas.Error
		if errors.As(err, &se) {
			abort(c, http.StatusUnprocessableEntity, "invalid_payload",
				fmt.Sprintf("the payload is not a valid %s %s: %s", e.Vendor, e.Name, err), se.Violations)
			return
		}
		abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
		return
	}
	writeWithPayload(c, http.StatusOK, emitPreview{DryRun: true, Vendor: e.Vendor, Event: e.Name, Seed: seed}, b)
}

// scenarioInfo is a built-in scenario in GET /__admin/scenarios; Source,
// its YAML, only in GET /__admin/scenarios/{name}.
type scenarioInfo struct {
	Name        string `json:"name"`
	Vendor      string `json:"vendor"`
	Description string `json:"description"`
	Source      string `json:"source,omitempty"`
}

func (s *Server) listScenarios(c *gin.Context) {
	out := []scenarioInfo{}
	for _, name := range scenarios.Names() {
		sc, err := scenarios.Builtin(name)
		if err != nil {
			abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
			return
		}
		out = append(out, scenarioInfo{Name: sc.Name, Vendor: sc.Vendor, Description: sc.Description})
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getScenario(c *gin.Context) {
	sc, err := scenarios.Builtin(c.Param("name"))
	if err != nil {
		abort(c, http.StatusNotFound, "unknown_scenario", err.Error(), gin.H{"valid": scenarios.Names()})
		return
	}
	c.JSON(http.StatusOK, scenarioInfo{Name: sc.Name, Vendor: sc.Vendor, Description: sc.Description, Source: string(sc.Source)})
}
