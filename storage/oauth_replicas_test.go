package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestOAuthStateSingleUseAcrossSkewedReplicas: an OAuth state is single-use (design.md,
// invariant 5) on every replica (invariant 7). Replica A's clock runs 30 s ahead of replica
// B's. A state expiring at E is spent on B just before E; a callback on A then prunes the
// records of used states. A replay on B, still before E by B's clock (which is what the
// callback checks), must still be refused as used: A's clock must not have dropped the record.
func TestOAuthStateSingleUseAcrossSkewedReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	base := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	clockB := storagetest.NewClock(base)
	clockA := storagetest.NewClock(base.Add(30 * time.Second))
	b := storagetest.Open(t, clockB.Now)
	a := storagetest.Reopen(t, b, clockA.Now)

	expires := base.Add(10 * time.Second) // the state's expiry, signed into it
	nonce := []byte("nonce-of-the-victims-state")
	if err := b.UseOAuthState(ctx, nonce, expires); err != nil {
		t.Fatalf("first use on replica B: %v", err)
	}
	// Someone else's callback lands on replica A.
	if err := a.UseOAuthState(ctx, []byte("an unrelated state"), clockA.Now().Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	clockB.Advance(2 * time.Second) // still before expires on B, so the state decodes as valid there
	if err := b.UseOAuthState(ctx, nonce, expires); !errors.Is(err, storage.ErrUsed) {
		t.Errorf("replay of a spent state on replica B (its clock %s, state valid until %s) = %v, want ErrUsed: replica A's clock pruned the record of its use",
			clockB.Now().Format(time.TimeOnly), expires.Format(time.TimeOnly), err)
	}
}
