package delivery

// Payload returns the event payload of delivery id as standin built it
// (before any subscription's body template), for checking it against its
// schema.
func (e *Engine) Payload(id string) ([]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.store.byID[id]
	if !ok {
		return nil, false
	}
	return []byte(r.body), true
}
