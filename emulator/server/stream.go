package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator/delivery"
)

// DefaultHeartbeat is how often GET /__admin/stream sends a comment line
// when nothing else happens, so proxies and readers know it is alive.
const DefaultHeartbeat = 15 * time.Second

// DefaultStreamBuffer is how many changes of each kind (deliveries, runs)
// a stream holds while its reader is slow; beyond it they are dropped and
// counted.
const DefaultStreamBuffer = 1024

// attemptEvent is the data of an `event: attempt`.
type attemptEvent struct {
	Delivery     string           `json:"delivery"`
	Run          string           `json:"run,omitempty"`
	Vendor       string           `json:"vendor"`
	Event        string           `json:"event"`
	Subscription string           `json:"subscription"`
	Target       string           `json:"target"`
	Attempt      delivery.Attempt `json:"attempt"`
}

// stream serves GET /__admin/stream: the deliveries, attempts and runs
// matching the deliveries list's filters, as server-sent events, as they
// happen, with a heartbeat; a reader that falls behind is told how many
// events it lost (`event: dropped`).
func (s *Server) stream(c *gin.Context) {
	f := filterOf(c)
	if !s.checkFilter(c, f) {
		return
	}
	changes := s.engine.Listen(f, s.cfg.StreamBuffer)
	defer changes.Close()
	runs := s.runs.Listen(f.Run, s.cfg.StreamBuffer)
	defer runs.Close()

	w := c.Writer
	rc := http.NewResponseController(w)
	// A live stream outlasts the server's write timeout, but each write
	// has streamWriteTimeout: a reader that stops reading is let go, and
	// cannot hold a shutdown.
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	beat := time.NewTicker(s.cfg.StreamHeartbeat)
	defer beat.Stop()
	var buf bytes.Buffer
	for {
		buf.Reset()
		select {
		case <-c.Request.Context().Done():
			return
		case <-s.closing:
			return
		case ch := <-changes.C():
			s.writeChange(&buf, ch)
		case sum := <-runs.C():
			// The delivery changes published before this summary are
			// buffered by now: they go first (a run ends after its
			// deliveries).
			for pending := len(changes.C()); pending > 0; pending-- {
				s.writeChange(&buf, <-changes.C())
			}
			s.writeEvent(&buf, "run", sum)
		case <-beat.C:
			buf.WriteString(": ping\n\n")
		}
		if n := changes.TakeDropped() + runs.TakeDropped(); n > 0 {
			s.writeEvent(&buf, "dropped", gin.H{"dropped": n})
		}
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// streamWriteTimeout is how long one write of the stream may take: a
// reader that takes longer (it stopped reading) is disconnected.
const streamWriteTimeout = 5 * time.Second

// writeChange writes a delivery change as `event: delivery` or
// `event: attempt`.
func (s *Server) writeChange(buf *bytes.Buffer, ch delivery.Change) {
	if ch.Kind != delivery.AttemptFinished {
		s.writeEvent(buf, "delivery", ch.Delivery)
		return
	}
	d := ch.Delivery
	s.writeEvent(buf, "attempt", attemptEvent{
		Delivery: d.ID, Run: d.Run, Vendor: d.Vendor, Event: d.Event,
		Subscription: d.Subscription, Target: d.URL, Attempt: *ch.Attempt,
	})
}

// writeEvent appends one server-sent event, numbered by the server's
// sequence, its data one line of JSON.
func (s *Server) writeEvent(buf *bytes.Buffer, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		// Every type sent marshals; say so on the stream rather than
		// send nothing.
		event, b = "error", []byte(strconv.Quote(err.Error()))
	}
	buf.WriteString("id: ")
	buf.WriteString(strconv.FormatUint(s.streamSeq.Add(1), 10))
	buf.WriteString("\nevent: ")
	buf.WriteString(event)
	buf.WriteString("\ndata: ")
	buf.Write(b)
	buf.WriteString("\n\n")
}
