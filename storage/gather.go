package storage

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
)

// gather is the leader hand-off that both group writes share: SQLite's group commit (batcher)
// and PostgreSQL's group inserts (inserter). It has no goroutine of its own: a caller that
// finds a lane free leads, runs every item queued so far together, answers each caller, and
// hands its lane to the oldest caller still waiting. A lone caller thus runs its own item
// with no hand-off between goroutines (each costs tens of microseconds of wake-up), while
// under load the items that queue during one run share the next.
type gather[T any] struct {
	// run runs items together and returns each one's outcome, in order.
	run func(items []T) []error
	// lanes is how many groups may run at once (SQLite's one writer: 1).
	lanes int
	// max bounds one group, so a flood cannot hold a lane for long.
	max int

	mu      sync.Mutex
	queue   []*waiter[T] // waiting for a leader to take them
	leading int          // lanes in use
	closed  bool
	leaders sync.WaitGroup // held while anyone leads, so close waits for the last group
}

type waiter[T any] struct {
	item   T
	answer chan answer // one outcome; before it, perhaps the call to lead
	pinned bool        // under gather.mu: taken into a group or chosen to lead, so it must wait
}

// answer tells a waiting caller either the outcome of its item or that it leads next.
type answer struct {
	err  error
	lead bool
}

// errClosed is returned to writes submitted after Close.
var errClosed = errors.New("storage: database is closed")

// join runs item in a group and returns its outcome. If ctx ends while item still waits in
// the queue, join returns ctx's error and item never runs; once item was taken into a group,
// join waits for the outcome whatever ctx does: an answer that arrived after the caller left
// would otherwise be a lie.
func (g *gather[T]) join(ctx context.Context, item T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := &waiter[T]{item: item, answer: make(chan answer, 1)}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return errClosed
	}
	lead := g.leading < max(g.lanes, 1)
	if lead {
		g.leading++
		g.leaders.Add(1)
		w.pinned = true
	} else {
		g.queue = append(g.queue, w)
	}
	g.mu.Unlock()
	if !lead {
		a, err := g.wait(ctx, w)
		if err != nil {
			return err
		}
		if !a.lead {
			return a.err
		}
	}
	g.lead(w)
	return (<-w.answer).err
}

// wait waits for w's answer; when ctx ends first and w is still only queued, it takes w out.
func (g *gather[T]) wait(ctx context.Context, w *waiter[T]) (answer, error) {
	select {
	case a := <-w.answer:
		return a, nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	if !w.pinned {
		g.queue = slices.DeleteFunc(g.queue, func(q *waiter[T]) bool { return q == w })
		g.mu.Unlock()
		return answer{}, ctx.Err()
	}
	g.mu.Unlock()
	return <-w.answer, nil
}

// close refuses new items and waits until every item already queued was answered.
func (g *gather[T]) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	g.leaders.Wait()
}

// lead runs one group, own (the leader's item) first, and passes the lane on.
func (g *gather[T]) lead(own *waiter[T]) {
	// The callers answered by the last group are waking up to queue their next item. Yield
	// while the queue keeps growing, so they can: a group twice the size costs about the same.
	for prev := -1; ; {
		g.mu.Lock()
		n := len(g.queue)
		g.mu.Unlock()
		if n == prev || n+1 >= g.max {
			break
		}
		prev = n
		runtime.Gosched()
	}
	g.mu.Lock()
	n := min(len(g.queue), g.max-1)
	group := append([]*waiter[T]{own}, g.queue[:n]...)
	g.queue = slices.Clone(g.queue[n:])
	for _, w := range group {
		w.pinned = true
	}
	g.mu.Unlock()

	items := make([]T, len(group))
	for i, w := range group {
		items[i] = w.item
	}
	errs := g.run(items)
	for i, w := range group {
		w.answer <- answer{err: errs[i]}
	}

	// The lane goes to the oldest caller still waiting, who takes it out of the queue: with
	// several lanes, another leader must not take its item into a group of its own as well.
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.leading--
		g.mu.Unlock()
		g.leaders.Done()
		return
	}
	next := g.queue[0]
	g.queue = g.queue[1:]
	next.pinned = true
	g.mu.Unlock()
	next.answer <- answer{lead: true}
}
