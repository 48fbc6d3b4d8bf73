package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator/cutover"
	"github.com/standin-dev/standin/emulator/runs"
)

// cutoverPrefix is where the emulated Cutover API is served.
const cutoverPrefix = "/cutover"

// cutoverRoutes serves the part of Cutover's public API a receiver calls
// back: the runbooks of scenario runs and their tasks.
func (s *Server) cutoverRoutes(r *gin.Engine) {
	g := r.Group(cutoverPrefix, s.cutoverToken())
	g.GET("/core/runbooks/:id", s.cutoverRunbook)
	g.GET("/core/runbooks/:id/tasks", s.cutoverTasks)
	g.GET("/core/runbooks/:id/tasks/:tid", s.cutoverTask)
	g.PATCH("/core/runbooks/:id/tasks/:tid/:action", s.cutoverTaskAction)
}

// cutoverError answers a JSON:API error.
func cutoverError(c *gin.Context, status int, detail string) {
	c.AbortWithStatusJSON(status, cutover.NewError(status, detail))
}

// cutoverToken checks Authorization: Bearer <token> when one is
// configured, as Cutover's API does.
func (s *Server) cutoverToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.cfg.CutoverToken == "" {
			c.Next()
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.CutoverToken)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="cutover"`)
			cutoverError(c, http.StatusUnauthorized, "a valid API token is required: Authorization: Bearer <token>")
			return
		}
		c.Next()
	}
}

func (s *Server) cutoverAnswer(c *gin.Context, doc cutover.Document, err error) {
	if err != nil {
		var ae *runs.APIError
		if errors.As(err, &ae) {
			cutoverError(c, ae.Status, ae.Detail)
			return
		}
		s.log.Error("emulated Cutover API", "path", c.Request.URL.Path, "error", err)
		cutoverError(c, http.StatusInternalServerError, err.Error())
		return
	}
	c.JSON(http.StatusOK, doc)
}

func (s *Server) cutoverRunbook(c *gin.Context) {
	doc, err := s.runs.Cutover().Runbook(c.Param("id"))
	s.cutoverAnswer(c, doc, err)
}

func (s *Server) cutoverTasks(c *gin.Context) {
	doc, err := s.runs.Cutover().Tasks(c.Param("id"))
	s.cutoverAnswer(c, doc, err)
}

func (s *Server) cutoverTask(c *gin.Context) {
	doc, err := s.runs.Cutover().Task(c.Param("id"), c.Param("tid"))
	s.cutoverAnswer(c, doc, err)
}

func (s *Server) cutoverTaskAction(c *gin.Context) {
	if _, ok := readBody(c); !ok {
		return
	}
	doc, err := s.runs.Cutover().Act(c.Request.Context(), c.Param("id"), c.Param("tid"), c.Param("action"))
	s.cutoverAnswer(c, doc, err)
}
