package feed

import (
	"slices"
	"sync"
	"testing"
)

func TestPublishKeepsOrderFiltersAndCountsDrops(t *testing.T) {
	even := func(v int) bool { return v%2 == 0 }
	for _, tc := range []struct {
		name      string
		buffer    int
		keep      func(int) bool
		publish   []int
		want      []int
		dropped   int
		listening int
	}{
		{name: "all fit", buffer: 8, publish: []int{1, 2, 3}, want: []int{1, 2, 3}},
		{name: "filtered", buffer: 8, keep: even, publish: []int{1, 2, 3, 4}, want: []int{2, 4}},
		{name: "overflow drops the newest", buffer: 2, publish: []int{1, 2, 3, 4, 5}, want: []int{1, 2}, dropped: 3},
		{name: "filtered values never count as dropped", buffer: 1, keep: even, publish: []int{2, 3, 5, 4}, want: []int{2}, dropped: 1},
		{name: "buffer below 1 holds one", buffer: 0, publish: []int{7, 8}, want: []int{7}, dropped: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Feed[int]
			l := f.Listen(tc.buffer, tc.keep)
			f.Publish(tc.publish...)
			if got := l.TakeDropped(); got != tc.dropped {
				t.Errorf("dropped %d, want %d", got, tc.dropped)
			}
			if got := l.TakeDropped(); got != 0 {
				t.Errorf("TakeDropped again gave %d, want 0", got)
			}
			l.Close()
			var got []int
			for v := range l.C() {
				got = append(got, v)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("received %v, want %v", got, tc.want)
			}
			if f.Listening() != 0 {
				t.Errorf("Listening %d after Close", f.Listening())
			}
		})
	}
}

func TestEveryListenerGetsItsOwnCopy(t *testing.T) {
	var f Feed[string]
	a, b := f.Listen(1, nil), f.Listen(4, nil)
	if f.Listening() != 2 {
		t.Fatalf("Listening %d, want 2", f.Listening())
	}
	f.Publish("x", "y")
	a.Close()
	a.Close() // twice is fine
	f.Publish("z")
	b.Close()
	var got []string
	for v := range b.C() {
		got = append(got, v)
	}
	if !slices.Equal(got, []string{"x", "y", "z"}) || a.TakeDropped() != 1 {
		t.Fatalf("b got %v; a dropped %d", got, a.TakeDropped())
	}
}

// TestConcurrentPublishAndClose is for -race: publishers and listeners
// that come and go never send on a closed channel.
func TestConcurrentPublishAndClose(t *testing.T) {
	var f Feed[int]
	var wg sync.WaitGroup
	for p := range 4 {
		wg.Go(func() {
			for i := range 500 {
				f.Publish(p*1000 + i)
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 50 {
				l := f.Listen(3, nil)
				<-l.C()
				l.Close()
			}
		})
	}
	// Keep values flowing until every listener has had one.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			if f.Listening() != 0 {
				t.Fatalf("Listening %d", f.Listening())
			}
			return
		default:
			f.Publish(-1)
		}
	}
}
