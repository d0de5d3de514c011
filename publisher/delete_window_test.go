package publisher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// TestARetryWhoseEarlierUseLeftTheWindowAsksForRoom: a part holding the use of an earlier
// attempt whose answer was lost, retried after that use left the 24-hour window (the ledger
// keeps it 48 hours), needs room for a new use, and the quota gate is asked for it: with the
// quota full, the refusal says when room frees (hours away), not "in a minute".
func TestARetryWhoseEarlierUseLeftTheWindowAsksForRoom(t *testing.T) {
	t.Parallel()
	const limit = 2
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock, Quotas: threadstest.Quotas{Deletes: limit}}, now: clock.Now,
		tweak: func(o *publisher.Options) { o.Limits.Deletes = limit }})
	a := e.account("late")
	var ids []string
	for i := range 3 {
		ids = append(ids, e.enqueue(storage.NewPost{AccountID: a.ID, Text: "post " + string(rune('a'+i))}).ID)
	}
	e.settle(clock)
	ctx := context.Background()
	e.sim.Fault(threadstest.EndpointDelete, threadstest.Fault{Kind: threadstest.FaultTransient, Count: 1})
	if err := e.pub.Delete(ctx, ids[0]); !errors.Is(err, publisher.ErrDeleteFailed) {
		t.Fatalf("unanswered deletion: %v", err)
	}
	clock.Advance(25 * time.Hour) // the earlier use left the window; the ledger keeps it 48 hours
	if err := e.pub.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	if err := e.pub.Delete(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	err := e.pub.Delete(ctx, ids[0])
	var de *publisher.DeleteError
	if !errors.As(err, &de) || !errors.Is(err, publisher.ErrQuotaExceeded) {
		t.Fatalf("retry over the quota: %v, want ErrQuotaExceeded", err)
	}
	if min := clock.Now().Add(23 * time.Hour); de.Until.Before(min) {
		t.Errorf("quota refusal says try again at %v (in %v); the quota frees only after %v (when the deletion of %s leaves the window)",
			de.Until, de.Until.Sub(clock.Now()), min, ids[1])
	}
}
