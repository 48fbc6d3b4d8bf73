package delivery

// store keeps the deliveries in creation order. Removed ones leave a nil
// in order until enough pile up to compact it, and final ones also sit in
// a min-heap by creation, so evicting the oldest final delivery costs
// O(log n) however many pending ones are older. Guarded by Engine.mu.
type store struct {
	order  []*record // oldest first; nil where a delivery was removed
	live   int       // non-nil entries of order
	bytes  int       // sum of the records' size
	byID   map[string]*record
	finals []finalEntry // min-heap by record seq; entries go stale (see valid)
	seq    uint64       // creation counter
}

// finalEntry is a record that became final; gen tells a stale entry (the
// record was redelivered since) from the current one.
type finalEntry struct {
	seq uint64 // r.seq, here to spare the heap a pointer chase
	gen uint64
	r   *record
}

func (f finalEntry) valid() bool { return !f.r.gone && f.r.finalGen == f.gen && f.r.d.Status.Final() }

func newStore() store { return store{byID: map[string]*record{}} }

// add appends r.
func (s *store) add(r *record) {
	s.seq++
	r.seq = s.seq
	r.pos = len(s.order)
	s.order = append(s.order, r)
	s.live++
	s.bytes += r.size
	s.byID[r.d.ID] = r
}

// remove takes r out of the store.
func (s *store) remove(r *record) {
	r.gone = true
	delete(s.byID, r.d.ID)
	s.order[r.pos] = nil
	s.live--
	s.bytes -= r.size
	if tomb := len(s.order) - s.live; tomb >= 64 && tomb > s.live {
		s.compact()
	}
}

func (s *store) compact() {
	j := 0
	for _, r := range s.order {
		if r != nil {
			r.pos = j
			s.order[j] = r
			j++
		}
	}
	clear(s.order[j:])
	s.order = s.order[:j]
}

// finalized records that r became final.
func (s *store) finalized(r *record) {
	r.finalGen++
	s.finals = append(s.finals, finalEntry{seq: r.seq, gen: r.finalGen, r: r})
	s.up(len(s.finals) - 1)
}

// unfinalized records that r is no longer final (redelivered).
func (s *store) unfinalized(r *record) { r.finalGen++ }

// oldestFinal removes and returns the oldest final record, or nil.
func (s *store) oldestFinal() *record {
	for len(s.finals) > 0 {
		top := s.finals[0]
		n := len(s.finals) - 1
		s.finals[0] = s.finals[n]
		s.finals[n] = finalEntry{}
		s.finals = s.finals[:n]
		if n > 0 {
			s.down(0)
		}
		if top.valid() {
			return top.r
		}
	}
	return nil
}

func (s *store) less(i, j int) bool { return s.finals[i].seq < s.finals[j].seq }

func (s *store) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.less(i, p) {
			return
		}
		s.finals[i], s.finals[p] = s.finals[p], s.finals[i]
		i = p
	}
}

func (s *store) down(i int) {
	n := len(s.finals)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && s.less(r, l) {
			m = r
		}
		if !s.less(m, i) {
			return
		}
		s.finals[i], s.finals[m] = s.finals[m], s.finals[i]
		i = m
	}
}
