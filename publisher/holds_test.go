package publisher

import (
	"slices"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestHoldsKeepTheNewerClaim: a worker that committed its step (the post went back to the
// queue and was claimed again at once) and only then exits must not drop the new worker's hold:
// the post would look reclaimable while the new worker runs.
func TestHoldsKeepTheNewerClaim(t *testing.T) {
	t.Parallel()
	var hs holds
	old := &hold{lease: storage.Lease{ID: "p1", Attempt: 1}}
	hs.add(old)
	next := &hold{lease: storage.Lease{ID: "p1", Attempt: 2}}
	hs.add(next)
	hs.remove(old)
	if !slices.Contains(hs.ids(), "p1") {
		t.Fatal("the exiting worker dropped the hold of the worker that claimed the post after it")
	}
	hs.remove(next)
	if len(hs.ids()) != 0 {
		t.Fatalf("held after every worker left: %v", hs.ids())
	}
}
