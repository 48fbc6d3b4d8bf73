package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/standin-dev/standin/emulator/catalog"
	"github.com/standin-dev/standin/emulator/delivery"
	"github.com/standin-dev/standin/emulator/fake"
	"github.com/standin-dev/standin/emulator/payload"
	"github.com/standin-dev/standin/schemas"
)

// readBody reads the request body, answering 413 past the limit.
func readBody(c *gin.Context) ([]byte, bool) {
	b, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			abort(c, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("request body is over the limit of %d bytes", mbe.Limit), nil)
			return nil, false
		}
		abort(c, http.StatusBadRequest, "bad_request", "reading the request body: "+err.Error(), nil)
		return nil, false
	}
	return b, true
}

// decodeStrict reads a JSON body into v, refusing unknown fields and
// trailing data, and answers 400 naming the problem's place.
func decodeStrict(c *gin.Context, v any) bool {
	b, ok := readBody(c)
	if !ok {
		return false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		abort(c, http.StatusBadRequest, "bad_json", "the request needs a JSON body", nil)
		return false
	}
	if !checkDepth(c, b) {
		return false
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		abort(c, http.StatusBadRequest, "bad_json", describeJSONError(b, err), nil)
		return false
	}
	if _, err := d.Token(); err != io.EOF {
		abort(c, http.StatusBadRequest, "bad_json", "unexpected data after the JSON body", nil)
		return false
	}
	return true
}

// checkDepth answers 400 too_deep when the JSON body b nests deeper than
// payload.MaxDepth, before any decoder reads it.
func checkDepth(c *gin.Context, b []byte) bool {
	err := payload.CheckDepth(b, payload.MaxDepth)
	if err == nil {
		return true
	}
	var de *payload.DepthError
	errors.As(err, &de)
	abort(c, http.StatusBadRequest, "too_deep", err.Error(), gin.H{"limit": de.Limit, "offset": de.Offset})
	return false
}

// describeJSONError says what is wrong with a JSON body and where.
func describeJSONError(b []byte, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "the body"
		}
		return fmt.Sprintf("%s: expected %s, got JSON %s", field, jsonKind(te.Type), te.Value)
	}
	if _, serr := schemas.Decode(b); serr != nil {
		return serr.Error()
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonKind says what JSON a Go type is read from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return t.String()
}

func (s *Server) listEvents(c *gin.Context) {
	evs := s.vendors.Events()
	if v := c.Query("vendor"); v != "" {
		var err error
		if evs, err = s.vendors.EventsOf(v); err != nil {
			abort(c, http.StatusBadRequest, "unknown_vendor", err.Error(), gin.H{"valid": s.vendors.IDs()})
			return
		}
	}
	c.JSON(http.StatusOK, evs)
}

// lookup resolves the :vendor and :event path parameters, answering 404
// with the valid names when they are unknown.
func (s *Server) lookup(c *gin.Context) (catalog.Event, bool) {
	if _, err := s.vendors.Vendor(c.Param("vendor")); err != nil {
		abort(c, http.StatusNotFound, "unknown_vendor", err.Error(), gin.H{"valid": s.vendors.IDs()})
		return catalog.Event{}, false
	}
	e, err := s.vendors.Lookup(c.Param("vendor"), c.Param("event"))
	if err != nil {
		var ue *catalog.UnknownError
		details := any(nil)
		if errors.As(err, &ue) {
			details = gin.H{"valid": ue.Valid, "nearest": ue.Nearest}
		}
		abort(c, http.StatusNotFound, "unknown_event", err.Error(), details)
		return catalog.Event{}, false
	}
	return e, true
}

func (s *Server) schema(c *gin.Context) {
	e, ok := s.lookup(c)
	if !ok {
		return
	}
	b, err := s.vendors.Schema(e)
	if err != nil {
		abort(c, http.StatusNotFound, "unknown_event", err.Error(), nil)
		return
	}
	c.Data(http.StatusOK, "application/schema+json", b)
}

func (s *Server) subscribe(c *gin.Context) {
	var sub delivery.Subscription
	if !decodeStrict(c, &sub) {
		return
	}
	if sub.ID != "" || !sub.CreatedAt.IsZero() {
		abort(c, http.StatusBadRequest, "bad_request", "id and created_at are set by standin", nil)
		return
	}
	created, err := s.engine.Subscribe(sub)
	if errors.Is(err, delivery.ErrTooManySubscriptions) {
		abort(c, http.StatusTooManyRequests, "too_many_subscriptions", err.Error(), nil)
		return
	}
	if err != nil {
		abort(c, http.StatusBadRequest, "invalid_subscription", err.Error(), nil)
		return
	}
	c.JSON(http.StatusCreated, created.Redacted())
}

func (s *Server) listSubscriptions(c *gin.Context) {
	subs := s.engine.Subscriptions()
	out := make([]delivery.Subscription, 0, len(subs))
	for _, sub := range subs {
		out = append(out, sub.Redacted())
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) getSubscription(c *gin.Context) {
	sub, ok := s.engine.Subscription(c.Param("id"))
	if !ok {
		abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no subscription %q", c.Param("id")), nil)
		return
	}
	c.JSON(http.StatusOK, sub.Redacted())
}

func (s *Server) unsubscribe(c *gin.Context) {
	if !s.engine.Unsubscribe(c.Param("id")) {
		abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no subscription %q", c.Param("id")), nil)
		return
	}
	c.Status(http.StatusNoContent)
}

// emitResult answers POST /__admin/events/{vendor}/{event}, followed by
// "payload" and "deliveries" (see writeWithPayload).
type emitResult struct {
	EventID string `json:"event_id"`
	Vendor  string `json:"vendor"`
	Event   string `json:"event"`
	Seed    uint64 `json:"seed"`
}

// member is a JSON object member writeWithPayload adds after the payload.
type member struct {
	key   string
	value any
}

// writeWithPayload answers status with head's members (head encodes as a
// JSON object), then "payload": b, the bytes the receivers get, exactly
// (JSON standin encoded, or validated after an override's merge, so it is
// not encoded again; none is null), then the members of tail.
func writeWithPayload(c *gin.Context, status int, head any, b []byte, tail ...member) {
	parts := make([][]byte, 0, 4+4*len(tail))
	h, err := json.Marshal(head) // {"event_id":…,"seed":…}
	if err != nil {
		abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
		return
	}
	if len(b) == 0 {
		b = []byte("null")
	}
	parts = append(parts, h[:len(h)-1], []byte(`,"payload":`), b) // h without its closing brace
	for _, m := range tail {
		v, err := json.Marshal(m.value)
		if err != nil {
			abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
			return
		}
		k, _ := json.Marshal(m.key)
		parts = append(parts, []byte(","), k, []byte(":"), v)
	}
	parts = append(parts, []byte("}"))
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	hdr := c.Writer.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Content-Length", strconv.Itoa(n))
	c.Status(status)
	for _, p := range parts {
		if _, err := c.Writer.Write(p); err != nil {
			return // the client has gone
		}
	}
}

// emit generates one event, lays the request body over it, validates the
// result and hands it to the delivery engine.
func (s *Server) emit(c *gin.Context) {
	e, ok := s.lookup(c)
	if !ok {
		return
	}
	q := emitQuery{}
	if err := q.parse(c); err != nil {
		abort(c, http.StatusBadRequest, "bad_query", err.Error(), nil)
		return
	}
	var startErr error
	if _, given := c.GetQuery("start"); given {
		startErr = s.vendors.CheckStart(e.Vendor, q.start)
	}
	if err := startErr; err != nil {
		var se *catalog.StartError
		details := any(nil)
		if errors.As(err, &se) {
			details = gin.H{"from": se.Range.From, "to": se.Range.To}
		}
		abort(c, http.StatusBadRequest, "bad_query", "start="+err.Error(), details)
		return
	}
	body, ok := readBody(c)
	if !ok || !checkDepth(c, body) {
		return
	}
	seed := s.seed(q, !q.dryRun)
	b, err := s.vendors.Generate(fake.New(seed, q.start), e, catalog.Options{Variant: q.variant, Quirks: q.quirks})
	if err != nil {
		var ve *catalog.VariantError
		if errors.As(err, &ve) {
			abort(c, http.StatusBadRequest, "bad_query", err.Error(), nil)
			return
		}
		abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
		return
	}
	if s.cfg.SelfCheck {
		if err := s.vendors.SelfCheck(e, b); err != nil {
			abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
			return
		}
	}
	if override := bytes.TrimSpace(body); len(override) > 0 && !emptyObject(override) {
		merged, err := payload.Merge(b, body)
		if err != nil {
			abort(c, http.StatusBadRequest, "bad_json", "override: "+err.Error(), nil)
			return
		}
		if err := s.vendors.Validate(e, merged); err != nil {
			var se *schemas.Error
			if errors.As(err, &se) {
				abort(c, http.StatusUnprocessableEntity, "invalid_payload",
					fmt.Sprintf("the payload with your override is not a valid %s %s: %s", e.Vendor, e.Name, se.Problems()), se.Violations)
				return
			}
			abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
			return
		}
		b = merged
	}
	if q.dryRun {
		s.emitDryRun(c, e, seed, b)
		return
	}
	ev := delivery.Event{ID: delivery.NewEventID(), Vendor: e.Vendor, Name: e.Name, Body: b, Time: time.Now().UTC()}
	if err := s.ensureFallback(e.Vendor); err != nil {
		abort(c, http.StatusInternalServerError, "internal", err.Error(), nil)
		return
	}
	ds, err := s.engine.Emit(c.Request.Context(), ev)
	if err != nil {
		abort(c, http.StatusServiceUnavailable, "unavailable", err.Error(), nil)
		return
	}
	s.metrics.emitted.WithLabelValues(e.Vendor, e.Name).Inc()
	writeWithPayload(c, http.StatusAccepted, emitResult{EventID: ev.ID, Vendor: e.Vendor, Event: e.Name, Seed: seed}, b, member{"deliveries", ds})
}

// emptyObject reports whether b is {} (with any space inside): an
// override that changes nothing.
func emptyObject(b []byte) bool {
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}' && len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

type emitQuery struct {
	seed    *uint64
	variant string
	quirks  bool
	start   time.Time
	// dryRun builds, merges and validates the payload and sends nothing.
	dryRun bool
}

func (q *emitQuery) parse(c *gin.Context) error {
	if v, ok := c.GetQuery("seed"); ok {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("seed=%q: want a non-negative integer", v)
		}
		q.seed = &n
	}
	q.variant = c.Query("variant")
	if v, ok := c.GetQuery("quirks"); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("quirks=%q: want true or false", v)
		}
		q.quirks = b
	}
	var err error
	if q.dryRun, err = dryRun(c); err != nil {
		return err
	}
	if v, ok := c.GetQuery("start"); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return fmt.Errorf("start=%q: want an RFC 3339 time such as 2026-03-02T08:00:00Z", v)
		}
		q.start = t
	}
	return nil
}

// seed returns the query's seed or the server's next one, which take
// moves on (a dry run leaves it, so the emit that follows builds the
// payload the dry run showed).
func (s *Server) seed(q emitQuery, take bool) uint64 {
	if q.seed != nil {
		return *q.seed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nextSeed
	if take {
		s.nextSeed++
	}
	return n
}

// ensureFallback makes sure the vendor's events reach the embedded sink
// when no subscription of the user's takes them.
func (s *Server) ensureFallback(vendor string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.baseURL == "" {
		return nil
	}
	if id, ok := s.fallback[vendor]; ok {
		if _, exists := s.engine.Subscription(id); exists {
			return nil
		}
	}
	sub, err := s.engine.Subscribe(delivery.Subscription{Vendor: vendor, URL: s.baseURL + "/__sink/" + vendor, Fallback: true})
	if err != nil {
		return fmt.Errorf("default sink subscription for %s: %w", vendor, err)
	}
	s.fallback[vendor] = sub.ID
	return nil
}

func filterOf(c *gin.Context) delivery.Filter {
	return delivery.Filter{
		Run: c.Query("run"), Vendor: c.Query("vendor"), Event: c.Query("event"),
		Status: c.Query("status"), Subscription: c.Query("subscription"),
	}
}

// listOptions are the engine's options for a listing request: its
// attempts when it asks for them (attempts=true; checkFilter has refused
// what is not a bool).
func listOptions(c *gin.Context) []delivery.ListOption {
	if yes, _ := strconv.ParseBool(c.Query("attempts")); yes {
		return []delivery.ListOption{delivery.WithAttempts}
	}
	return nil
}

var statuses = []string{string(delivery.Pending), string(delivery.Retrying), string(delivery.Delivered), string(delivery.Failed)}

// checkFilter answers 400 for a filter naming an unknown vendor, event or
// status, or with an attempts= that is not a bool.
func (s *Server) checkFilter(c *gin.Context, f delivery.Filter) bool {
	if f.Vendor != "" {
		if _, err := s.vendors.Vendor(f.Vendor); err != nil {
			abort(c, http.StatusBadRequest, "unknown_vendor", err.Error(), nil)
			return false
		}
	}
	if f.Event != "" {
		if !s.vendors.KnownEvent(f.Vendor, f.Event) {
			abort(c, http.StatusBadRequest, "unknown_event", fmt.Sprintf("no event %q in the catalog (see GET /__admin/events)", f.Event), nil)
			return false
		}
	}
	if f.Status != "" && !contains(statuses, f.Status) {
		abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("status=%q: want one of %s", f.Status, strings.Join(statuses, ", ")), nil)
		return false
	}
	if v, ok := c.GetQuery("attempts"); ok {
		if _, err := strconv.ParseBool(v); err != nil {
			abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("attempts=%q: want true or false", v), nil)
			return false
		}
	}
	return true
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

func (s *Server) listDeliveries(c *gin.Context) {
	f := filterOf(c)
	if !s.checkFilter(c, f) {
		return
	}
	c.JSON(http.StatusOK, s.engine.Deliveries(f, listOptions(c)...))
}

// deliveryDetail answers GET /__admin/deliveries/{id}: the delivery with
// its attempts, the event payload and whether it is valid against its
// schema.
type deliveryDetail struct {
	delivery.Delivery
	Payload json.RawMessage `json:"payload,omitempty"`
	Schema  *schemaCheck    `json:"schema,omitempty"`
}

// schemaCheck is a payload checked against its event's schema.
type schemaCheck struct {
	Valid bool `json:"valid"`
	// Violations lists what failed, by JSON pointer; Error says why the
	// check could not be made (a payload that is not JSON).
	Violations []schemas.Violation `json:"violations,omitempty"`
	Error      string              `json:"error,omitempty"`
}

// checkPayload validates b as vendor's event, nil when the event is not in
// the catalog.
func (s *Server) checkPayload(vendor, event string, b []byte) *schemaCheck {
	e, err := s.vendors.Lookup(vendor, event)
	if err != nil {
		return nil
	}
	err = s.vendors.Validate(e, b)
	var se *schemas.Error
	switch {
	case err == nil:
		return &schemaCheck{Valid: true}
	case errors.As(err, &se) && se.Syntax == nil:
		return &schemaCheck{Violations: se.Violations}
	default:
		return &schemaCheck{Error: err.Error()}
	}
}

func (s *Server) getDelivery(c *gin.Context) {
	d, ok := s.engine.Delivery(c.Param("id"))
	if !ok {
		abort(c, http.StatusNotFound, "not_found", fmt.Sprintf("no delivery %q", c.Param("id")), nil)
		return
	}
	out := deliveryDetail{Delivery: d}
	if b, ok := s.engine.Payload(d.ID); ok {
		out.Schema = s.checkPayload(d.Vendor, d.Event, b)
		if json.Valid(b) {
			out.Payload = b
		}
	}
	c.JSON(http.StatusOK, out)
}

// maxWait bounds a wait request.
const maxWait = 5 * time.Minute

func (s *Server) waitDeliveries(c *gin.Context) {
	f := filterOf(c)
	if !s.checkFilter(c, f) {
		return
	}
	n := 1
	if v, ok := c.GetQuery("count"); ok {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("count=%q: want a positive integer", v), nil)
			return
		}
	}
	timeout := 10 * time.Second
	if v, ok := c.GetQuery("timeout"); ok {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > maxWait {
			abort(c, http.StatusBadRequest, "bad_query", fmt.Sprintf("timeout=%q: want a duration such as 10s, at most %s", v, maxWait), nil)
			return
		}
		timeout = d
	}
	liftDeadline(c, timeout)
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	defer cancel()
	ds, err := s.engine.Wait(ctx, f, n, listOptions(c)...)
	if err != nil {
		final := 0
		for _, d := range ds {
			if d.Status.Final() {
				final++
			}
		}
		abort(c, http.StatusRequestTimeout, "timeout",
			fmt.Sprintf("%d of %d matching deliveries final after %s", final, n, timeout), gin.H{"seen": ds})
		return
	}
	c.JSON(http.StatusOK, ds)
}

func (s *Server) redeliver(c *gin.Context) {
	d, err := s.engine.Redeliver(c.Request.Context(), c.Param("id"))
	var full *delivery.BacklogError
	if errors.As(err, &full) {
		abort(c, http.StatusTooManyRequests, "backlog_full", err.Error(), nil)
		return
	}
	if err != nil {
		if _, ok := s.engine.Delivery(c.Param("id")); !ok {
			abort(c, http.StatusNotFound, "not_found", err.Error(), nil)
			return
		}
		abort(c, http.StatusConflict, "conflict", err.Error(), nil)
		return
	}
	c.JSON(http.StatusAccepted, d)
}

func (s *Server) reset(c *gin.Context) {
	s.runs.Reset()
	s.engine.Reset()
	s.sink.reset()
	c.JSON(http.StatusOK, gin.H{"status": "reset"})
}

// dryRun reads the dry_run query of an emit or a run: true to check what
// would be sent and send nothing.
func dryRun(c *gin.Context) (bool, error) {
	v, ok := c.GetQuery("dry_run")
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("dry_run=%q: want true or false", v)
	}
	return b, nil
}
