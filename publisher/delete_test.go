package publisher_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// deletedOnThreads counts the posts (and parts) the simulator deleted.
func deletedOnThreads(sim *threadstest.Server) int {
	n := 0
	for _, p := range sim.Ledger() {
		if p.Deleted {
			n++
		}
	}
	return n
}

// deleteUses is the account's deletion uses in the local ledger over the last 24 hours.
func (e *env) deleteUses(accountID int64) int {
	e.t.Helper()
	n, _, err := e.db.QuotaWindow(context.Background(), accountID, storage.QuotaDeletes, time.Now().Add(-24*time.Hour))
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestDeleteWithoutAnAnswerStaysCounted: a deletion whose answer does not say it was not done
// keeps its quota use, because Threads may have performed and counted it; the retry reuses
// that use (it finds the post gone, or deletes it), so the local ledger ends up counting what
// Threads counted, neither less (Spindle would then send a deletion over quota, refused by
// Threads) nor more. An answer that says the deletion was not done gives the use back.
func TestDeleteWithoutAnAnswerStaysCounted(t *testing.T) {
	tests := []struct {
		name  string
		fault threadstest.Fault
		late  bool // FaultLateProcess: Threads performs the call after the caller gave up
	}{
		{"answer lost in a transient 500 after the deletion", threadstest.Fault{Kind: threadstest.FaultLostAnswer, Error: &threadstest.GraphError{
			HTTPStatus: 500, Code: 2, IsTransient: true, Message: "An unexpected error has occurred. Please retry your request later."}}, false},
		{"answer lost in a 500 with code 10 after the deletion", threadstest.Fault{Kind: threadstest.FaultLostAnswer}, false},
		{"connection dropped, the deletion performed later", threadstest.Fault{Kind: threadstest.FaultLateProcess, Release: closed()}, true},
		{"transient 500, nothing done", threadstest.Fault{Kind: threadstest.FaultTransient}, false},
		{"connection reset, nothing done", threadstest.Fault{Kind: threadstest.FaultReset}, false},
		{"rate limited, nothing done", threadstest.Fault{Kind: threadstest.FaultRateLimit}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const limit = 3
			e := newEnv(t, envOptions{sim: threadstest.Options{Quotas: threadstest.Quotas{Deletes: limit}},
				tweak: func(o *publisher.Options) { o.Limits.Deletes = limit }})
			a := e.account("lost")
			var ids []string
			for i := range limit + 1 {
				ids = append(ids, e.enqueue(storage.NewPost{AccountID: a.ID, Text: fmt.Sprint("post ", i)}).ID)
			}
			e.drain(ids...)
			ctx := context.Background()
			if err := e.pub.Delete(ctx, ids[0]); err != nil {
				t.Fatal(err)
			}
			f := tc.fault
			f.Count = 1
			e.sim.Fault(threadstest.EndpointDelete, f)
			err := e.pub.Delete(ctx, ids[1])
			if !errors.Is(err, publisher.ErrDeleteFailed) {
				t.Fatalf("deletion without a good answer: %v, want ErrDeleteFailed", err)
			}
			if tc.late {
				e.sim.WaitLate()
			}
			if got := e.get(ids[1]); !got.DeletedAt.IsZero() {
				t.Fatalf("the post reads deleted after %v", err)
			}
			if err := e.pub.Delete(ctx, ids[1]); err != nil {
				t.Fatalf("deleting again: %v", err)
			}
			if local, at := e.deleteUses(a.ID), deletedOnThreads(e.sim); local != at || at != 2 {
				t.Errorf("the local ledger counts %d deletions, Threads deleted %d; want 2 each", local, at)
			}
			if err := e.pub.Delete(ctx, ids[2]); err != nil {
				t.Fatalf("the last deletion the quota allows: %v", err)
			}
			calls := e.sim.CallCount(threadstest.EndpointDelete)
			err = e.pub.Delete(ctx, ids[3])
			if !errors.Is(err, publisher.ErrQuotaExceeded) {
				t.Errorf("a deletion over the quota of %d: %v, want Spindle's own ErrQuotaExceeded", limit, err)
			}
			if n := e.sim.CallCount(threadstest.EndpointDelete); n != calls {
				t.Errorf("Threads was asked to delete over the quota (%d calls, then %d)", calls, n)
			}
		})
	}
}

// closed is a channel already closed: a FaultLateProcess call performed as soon as it can.
func closed() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// TestPartlyDeletedChainIsNotDeleted: a chain whose deletion stops after its last part (the
// next call refused, or unanswered) does not read deleted and tells no one it was; its error
// says how much is gone and that deleting again finishes; and deleting again deletes only the
// parts left, so every part is gone, each DELETE was sent once more at most, and the ledger
// counts exactly the three deletions.
func TestPartlyDeletedChainIsNotDeleted(t *testing.T) {
	tests := []struct {
		name  string
		fault threadstest.Fault
		calls int // DELETE calls in all: a part whose answer was lost is asked again
	}{
		{"the second call unanswered", threadstest.Fault{Kind: threadstest.FaultTransient}, 4},
		{"the second call refused", threadstest.Fault{Kind: threadstest.FaultRateLimit}, 4},
		{"the second answer lost after the deletion", threadstest.Fault{Kind: threadstest.FaultLostAnswer}, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			a := e.account("chain")
			chain := e.enqueue(storage.NewPost{AccountID: a.ID, Text: strings.Repeat("Word ", 250), Thread: true})
			e.drain(chain.ID)
			if n := len(e.sim.Ledger()); n != 3 {
				t.Fatalf("published %d parts, want 3", n)
			}
			f := tc.fault
			f.Skip, f.Count = 1, 1
			e.sim.Fault(threadstest.EndpointDelete, f)
			ctx := context.Background()
			err := e.pub.Delete(ctx, chain.ID)
			var de *publisher.DeleteError
			if !errors.As(err, &de) || !errors.Is(err, publisher.ErrDeleteFailed) ||
				!strings.Contains(de.UserMessage(), "1 of its 3 parts is gone") || !strings.Contains(de.UserMessage(), "delet") {
				t.Fatalf("stopped after one part: %v, want ErrDeleteFailed saying 1 of 3 parts is gone", err)
			}
			if got := e.get(chain.ID); got.Status() == storage.StatusDeleted {
				t.Errorf("the chain reads deleted with parts still on Threads")
			}
			if err := e.pub.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			if slices.Contains(e.note.kinds(chain.ID), publisher.EventDeleted) {
				t.Error("the door was told the chain is deleted")
			}

			if err := e.pub.Delete(ctx, chain.ID); err != nil {
				t.Fatalf("deleting again: %v", err)
			}
			if n := deletedOnThreads(e.sim); n != 3 {
				t.Errorf("%d of 3 parts deleted on Threads", n)
			}
			if n := e.sim.CallCount(threadstest.EndpointDelete); n != tc.calls {
				t.Errorf("%d DELETE calls, want %d (the part deleted first is not asked again)", n, tc.calls)
			}
			if n := e.deleteUses(a.ID); n != 3 {
				t.Errorf("the local ledger counts %d deletions, want 3", n)
			}
			if got := e.get(chain.ID); got.Status() != storage.StatusDeleted {
				t.Errorf("after deleting again the chain reads %s", got.Status())
			}
			if err := e.pub.Deliver(ctx); err != nil {
				t.Fatal(err)
			}
			deleted := 0
			for _, k := range e.note.kinds(chain.ID) {
				if k == publisher.EventDeleted {
					deleted++
				}
			}
			if deleted != 1 {
				t.Errorf("the door was told %d times that the chain is deleted, want once", deleted)
			}
			if err := e.pub.Delete(ctx, chain.ID); !errors.Is(err, publisher.ErrAlreadyDeleted) {
				t.Errorf("a third time: %v, want ErrAlreadyDeleted", err)
			}
		})
	}
}
