package publisher

import (
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestANewClaimReachesADeliveryAWorkerJustTook: an event's claim ran out while it waited in
// its lane, and the next round claims it again (new token T2) just as a worker takes the
// queued delivery (old token T1) off the queue, before it renews its claim. The round's
// submit is a duplicate, and the worker must renew T2, the claim this process now holds:
// renewing T1, which no longer matches, it would skip the event, and nobody would hold T2
// (the event would wait a whole claim before any round could take it again).
func TestANewClaimReachesADeliveryAWorkerJustTook(t *testing.T) {
	t.Parallel()
	t1 := time.UnixMilli(1_000_000)
	t2 := t1.Add(time.Minute)
	took, release := make(chan time.Time, 1), make(chan struct{})
	ls := newLanes(func(d delivery) {
		took <- d.it.Claim // the worker took it; renewClaim would run now with this token
		<-release
	}, nil)
	t.Cleanup(func() { ls.wait() })
	ev := Event{PostID: "p1", Door: "slack"}
	ls.newRound()
	if got := ls.submit("slack", delivery{it: storage.OutboxItem{ID: 7, Claim: t1}, e: ev}); got != accepted {
		t.Fatalf("first submit: %v", got)
	}
	<-took
	ls.newRound()
	got := ls.submit("slack", delivery{it: storage.OutboxItem{ID: 7, Claim: t2}, e: ev})
	if got != duplicate {
		t.Fatalf("the round's claim of an event being delivered: %v, want duplicate", got)
	}
	if renew := ls.latestClaim(7, t1); !renew.Equal(t2) {
		t.Errorf("the worker holding claim %v of event 7 would renew %v; want the round's new claim %v", t1, renew, t2)
	}
	close(release)
}
