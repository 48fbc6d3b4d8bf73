package server

import (
	"container/list"
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

// sink records every request to /__sink/{name}, per name, within limits:
// requests per name (the oldest go first), names (the least recently
// written name goes) and bytes in all (the oldest requests of the least
// recently written names go first). What the limits drop is counted.
type sink struct {
	mu       sync.Mutex
	limit    int // requests per name
	maxNames int
	maxBytes int
	byKey    map[string]*list.Element // of *sinkName, most recently written at the front
	lru      list.List
	bytes    int
	dropped  sinkDropped
}

// sinkName is one name's requests, oldest first, and how many of its
// requests the limits dropped.
type sinkName struct {
	name    string
	reqs    []SinkRequest
	bytes   int
	dropped int
}

// sinkDropped counts what the sink's limits dropped.
type sinkDropped struct {
	requests int // requests dropped (per-name limit, bytes, or with their name)
	names    int // names dropped with all their requests
}

// sinkRequestOverhead is about what a kept request holds besides its
// strings.
const sinkRequestOverhead = 256

func sinkRequestSize(r *SinkRequest) int {
	n := sinkRequestOverhead + len(r.Method) + len(r.Path) + len(r.Query) + len(r.Body)
	for k, vv := range r.Headers {
		for _, v := range vv {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

func newSink(limit, names, bytes int) *sink {
	return &sink{limit: limit, maxNames: names, maxBytes: bytes, byKey: map[string]*list.Element{}}
}

func (k *sink) add(name string, r SinkRequest) {
	k.mu.Lock()
	defer k.mu.Unlock()
	el, ok := k.byKey[name]
	if !ok {
		for len(k.byKey) >= k.maxNames {
			k.dropName(k.lru.Back())
		}
		el = k.lru.PushFront(&sinkName{name: name})
		k.byKey[name] = el
	} else {
		k.lru.MoveToFront(el)
	}
	sn := el.Value.(*sinkName)
	size := sinkRequestSize(&r)
	sn.reqs = append(sn.reqs, r)
	sn.bytes += size
	k.bytes += size
	if len(sn.reqs) > k.limit {
		k.dropOldest(sn)
	}
	for k.bytes > k.maxBytes {
		back := k.lru.Back()
		victim := back.Value.(*sinkName)
		if victim == sn && len(sn.reqs) == 1 {
			break // the request just received stays, however large
		}
		k.dropOldest(victim)
		if len(victim.reqs) == 0 {
			k.dropName(back)
		}
	}
}

// dropOldest drops sn's oldest request. Call with k.mu held.
func (k *sink) dropOldest(sn *sinkName) {
	size := sinkRequestSize(&sn.reqs[0])
	sn.reqs[0] = SinkRequest{}
	sn.reqs = sn.reqs[1:]
	sn.bytes -= size
	k.bytes -= size
	sn.dropped++
	k.dropped.requests++
}

// dropName forgets a name and its requests, for a limit. Call with k.mu
// held.
func (k *sink) dropName(el *list.Element) {
	sn := el.Value.(*sinkName)
	k.lru.Remove(el)
	delete(k.byKey, sn.name)
	k.bytes -= sn.bytes
	k.dropped.names++
	k.dropped.requests += len(sn.reqs)
}

// list returns name's requests, oldest first, and how many of them the
// limits dropped.
func (k *sink) list(name string) ([]SinkRequest, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	el, ok := k.byKey[name]
	if !ok {
		return []SinkRequest{}, 0
	}
	sn := el.Value.(*sinkName)
	return append([]SinkRequest{}, sn.reqs...), sn.dropped
}

func (k *sink) clear(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if el, ok := k.byKey[name]; ok {
		sn := el.Value.(*sinkName)
		k.lru.Remove(el)
		delete(k.byKey, name)
		k.bytes -= sn.bytes
	}
}

func (k *sink) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.byKey = map[string]*list.Element{}
	k.lru.Init()
	k.bytes = 0
}

// stats returns what the sink holds and what its limits dropped.
func (k *sink) stats() (names, bytes int, dropped sinkDropped) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.byKey), k.bytes, k.dropped
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

// SinkDroppedHeader, on GET /__admin/sink/{name}, counts the requests to
// the name that the sink's limits dropped (its oldest ones).
const SinkDroppedHeader = "X-Standin-Sink-Dropped"

func (s *Server) sinkList(c *gin.Context) {
	reqs, dropped := s.sink.list(c.Param("name"))
	c.Header(SinkDroppedHeader, strconv.Itoa(dropped))
	c.JSON(http.StatusOK, reqs)
}

func (s *Server) sinkClear(c *gin.Context) {
	s.sink.clear(c.Param("name"))
	c.Status(http.StatusNoContent)
}
