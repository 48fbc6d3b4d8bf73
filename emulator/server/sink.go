package server

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// SinkRequest is one request the embedded sink (/__sink/{name})
// received, as GET /__admin/sink/{name} lists it.
type SinkRequest struct {
	Method     string      `json:"method"`
	Path       string      `json:"path"`
	Query      string      `json:"query,omitempty"`
	Headers    http.Header `json:"headers"`
	Body       string      `json:"body"`
	ReceivedAt time.Time   `json:"received_at"`
	// Status is what the sink answered.
	Status int `json:"status"`
}

// sink records every request to /__sink/{name}, per name, up to a limit.
type sink struct {
	mu    sync.Mutex
	limit int
	byKey map[string][]SinkRequest
}

func newSink(limit int) *sink { return &sink{limit: limit, byKey: map[string][]SinkRequest{}} }

func (k *sink) add(name string, r SinkRequest) {
	k.mu.Lock()
	defer k.mu.Unlock()
	rs := append(k.byKey[name], r)
	if len(rs) > k.limit {
		rs = rs[len(rs)-k.limit:]
	}
	k.byKey[name] = rs
}

func (k *sink) list(name string) []SinkRequest {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]SinkRequest{}, k.byKey[name]...)
}

func (k *sink) clear(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.byKey, name)
}

func (k *sink) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.byKey = map[string][]SinkRequest{}
}

// sinkReceive records a request and answers 200, or the status asked for
// with ?status=NNN (to try how a vendor treats a receiver's answer).
func (s *Server) sinkReceive(c *gin.Context) {
	status := http.StatusOK
	if v, ok := c.GetQuery("status"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 200 || n > 599 {
			abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("status=%q: want an HTTP status from 200 to 599", v), nil)
			return
		}
		status = n
	}
	body, ok := readBody(c)
	if !ok {
		return
	}
	s.sink.add(c.Param("name"), SinkRequest{
		Method: c.Request.Method, Path: c.Request.URL.Path, Query: c.Request.URL.RawQuery,
		Headers: c.Request.Header.Clone(), Body: string(body), ReceivedAt: time.Now().UTC(), Status: status,
	})
	if status == http.StatusNoContent {
		c.Status(status)
		return
	}
	c.JSON(status, gin.H{"received": true})
}

func (s *Server) sinkList(c *gin.Context) {
	c.JSON(http.StatusOK, s.sink.list(c.Param("name")))
}

func (s *Server) sinkClear(c *gin.Context) {
	s.sink.clear(c.Param("name"))
	c.Status(http.StatusNoContent)
}
