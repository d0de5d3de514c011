package publisher

import (
	"fmt"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestALaneKeepsAPostsEventsInOrderWhenFull: a round offers a post's older event to a full
// lane, which refuses it (it goes back to the outbox), then a worker frees up before the same
// post's younger event is offered. The younger is refused too, or it would go out before the
// older; the next round offers both again.
func TestALaneKeepsAPostsEventsInOrderWhenFull(t *testing.T) {
	t.Parallel()
	started, unblock := make(chan int64, 256), make(chan struct{})
	ls := newLanes(func(d delivery) {
		started <- d.it.ID
		<-unblock
	}, nil)
	t.Cleanup(func() { close(unblock); ls.wait() })
	event := func(id int64, post string) delivery {
		return delivery{it: storage.OutboxItem{ID: id}, e: Event{PostID: post, Door: "slack"}}
	}
	// freeOne lets one delivery finish and waits for its worker to take the next queued one,
	// which leaves room for one more.
	freeOne := func() {
		unblock <- struct{}{}
		<-started
	}
	ls.newRound()
	id := int64(0)
	fill := func(n int) {
		t.Helper()
		for range n {
			id++
			if got := ls.submit("slack", event(id, fmt.Sprint("filler", id))); got != accepted {
				t.Fatalf("filler %d: %v", id, got)
			}
		}
	}
	fill(laneWorkers)
	for range laneWorkers {
		<-started // every worker holds a delivery: the lane's count no longer moves
	}
	fill(laneDepth)

	older, younger := event(1000, "p"), event(1001, "p")
	if got := ls.submit("slack", older); got != full {
		t.Fatalf("the older event to a full lane: %v, want it refused", got)
	}
	freeOne()
	if got := ls.submit("slack", younger); got != full {
		t.Fatalf("the younger event of a post whose older one was refused this round: %v, want it refused too", got)
	}
	if got := ls.submit("slack", event(2000, "other")); got != accepted {
		t.Fatalf("another post's event in the room a worker made: %v, want it accepted", got)
	}
	ls.newRound()
	freeOne()
	if got := ls.submit("slack", older); got != accepted {
		t.Fatalf("the older event in the next round: %v, want it accepted", got)
	}
}
