package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestTakeoverPausesWhatOthersAdded: when carol takes over the account bob disconnected, the
// feeds bob and his grantee dave added stop; carol's own (she was a grantee) and the
// operator's keep running, and a revoke or disconnect later pauses only its author's.
func TestTakeoverPausesWhatOthersAdded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	bob, carol, dave := identity(t, db, "bob"), identity(t, db, "carol"), identity(t, db, "dave")
	acct, err := db.LinkAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "brand", TokenSealed: []byte("t")}, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	feeds := map[string]int64{}
	for name, by := range map[string]int64{"bob": bob.ID, "carol": carol.ID, "dave": dave.ID, "operator": 0} {
		f, err := db.AddFeed(ctx, storage.Feed{URL: "https://example.org/" + name, AccountID: acct.ID, Interval: time.Minute,
			NextPollAt: time.Now(), CreatedBy: by})
		if err != nil {
			t.Fatal(err)
		}
		if f.CreatedBy != by {
			t.Fatalf("feed %s recorded created_by %d, want %d", name, f.CreatedBy, by)
		}
		feeds[name] = f.ID
	}
	if p, err := db.PauseAddedBy(ctx, acct.ID, dave.ID, "paused: dave no longer has access"); err != nil || len(p.Feeds) != 1 || p.Feeds[0].ID != feeds["dave"] {
		t.Fatalf("pause dave's = %+v, %v", p, err)
	}
	if err := db.SetAccountStatus(ctx, acct.ID, storage.AccountDisconnected); err != nil {
		t.Fatal(err)
	}
	_, took, err := db.LinkAccountWith(ctx, storage.Account{ThreadsUserID: "1", Username: "brand", TokenSealed: []byte("t2")}, carol.ID, storage.LinkOptions{})
	if err != nil || took.PreviousOwner != bob.ID {
		t.Fatalf("takeover = %+v, %v", took, err)
	}
	if len(took.Paused.Feeds) != 1 || took.Paused.Feeds[0].ID != feeds["bob"] {
		t.Errorf("the takeover paused %+v, want bob's feed only (dave's was already paused)", took.Paused.Feeds)
	}
	for name, want := range map[string]bool{"bob": false, "dave": false, "carol": true, "operator": true} {
		f, err := db.Feed(ctx, feeds[name])
		if err != nil || f.Enabled != want {
			t.Errorf("%s's feed: enabled %v (%v), want %v", name, f.Enabled, err, want)
		}
	}
}
