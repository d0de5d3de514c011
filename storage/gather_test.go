package storage

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// TestGatherKeepsToItsLanes: many callers at once on two lanes: never more than two groups
// run at once, none larger than max, every item runs exactly once, and each caller gets its
// own item's outcome back. (A lane handed to a waiting caller must take that caller's item
// out of the queue, or a second leader could run it too.)
func TestGatherKeepsToItsLanes(t *testing.T) {
	t.Parallel()
	const callers, lanes, most = 200, 2, 4
	var (
		running, widest atomic.Int32
		mu              sync.Mutex
		ran             = map[int]int{}
	)
	g := gather[int]{lanes: lanes, max: most, run: func(items []int) []error {
		now := running.Add(1)
		defer running.Add(-1)
		for w := widest.Load(); now > w && !widest.CompareAndSwap(w, now); w = widest.Load() {
		}
		if len(items) > most {
			t.Errorf("a group of %d, want at most %d", len(items), most)
		}
		errs := make([]error, len(items))
		mu.Lock()
		defer mu.Unlock()
		for i, v := range items {
			ran[v]++
			if v%3 == 0 {
				errs[i] = fmt.Errorf("item %d failed", v)
			}
		}
		return errs
	}}
	var wg sync.WaitGroup
	for v := range callers {
		wg.Go(func() {
			err := g.join(context.Background(), v)
			if want := fmt.Sprintf("item %d failed", v); v%3 == 0 && (err == nil || err.Error() != want) || v%3 != 0 && err != nil {
				t.Errorf("caller %d was answered %v", v, err)
			}
		})
	}
	wg.Wait()
	g.close()
	if w := widest.Load(); w > lanes {
		t.Errorf("%d groups ran at once on %d lanes", w, lanes)
	}
	for v := range callers {
		if ran[v] != 1 {
			t.Errorf("item %d ran %d times", v, ran[v])
		}
	}
	if err := g.join(context.Background(), -1); err != errClosed {
		t.Errorf("join after close: %v, want errClosed", err)
	}
}
