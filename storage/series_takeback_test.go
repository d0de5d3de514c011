package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestTakeBackStopsSeries: revoking dave pauses the series he made (its waiting post
// cancelled) and leaves carol's; a takeover by carol cancels bob's series and keeps hers.
func TestTakeBackStopsSeries(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	bob, carol, dave := identity(t, db, "bob"), identity(t, db, "carol"), identity(t, db, "dave")
	acct, err := db.LinkAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "brand", TokenSealed: []byte("t")}, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	series := map[string]storage.Series{}
	posts := map[string]string{}
	for _, who := range []storage.Identity{bob, carol, dave} {
		s, err := db.CreateSeries(ctx, storage.NewSeries{AccountID: acct.ID, Door: "telegram", CreatedBy: "telegram:" + who.User,
			Rule: "day 09:00", Zone: "UTC", StartDate: "2026-01-01", Texts: []string{who.User}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := db.Materialise(ctx, s, time.Now().Add(time.Hour), storage.NewPost{Text: who.User})
		if err != nil {
			t.Fatal(err)
		}
		series[who.User], posts[who.User] = s, p.ID
		if got, _ := db.Get(ctx, p.ID); p.SeriesID != s.ID || got.SeriesID != s.ID {
			t.Errorf("%s's occurrence is of series %d (read back: %d), want %d", who.User, p.SeriesID, got.SeriesID, s.ID)
		}
	}
	if _, err := db.PauseAddedBy(ctx, acct.ID, dave.ID, "dave no longer has access"); err != nil {
		t.Fatal(err)
	}
	check := func(stage, who string, state storage.SeriesState, post storage.State) {
		t.Helper()
		s, _ := db.GetSeries(ctx, series[who].ID)
		p, _ := db.Get(ctx, posts[who])
		if s.State != state || p.State != post {
			t.Errorf("%s: %s's series %s with post %s; want %s, %s", stage, who, s.State, p.State, state, post)
		}
	}
	check("revoke", "dave", storage.SeriesPaused, storage.StateCancelled)
	check("revoke", "carol", storage.SeriesActive, storage.StateQueued)
	check("revoke", "bob", storage.SeriesActive, storage.StateQueued)
	if s, _ := db.GetSeries(ctx, series["dave"].ID); s.Made != 0 {
		t.Errorf("dave's cancelled occurrence still counts: made %d", s.Made)
	}
	if err := db.SetAccountStatus(ctx, acct.ID, storage.AccountDisconnected); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.LinkAccountWith(ctx, storage.Account{ThreadsUserID: "1", Username: "brand", TokenSealed: []byte("t2")}, carol.ID, storage.LinkOptions{}); err != nil {
		t.Fatal(err)
	}
	check("takeover", "bob", storage.SeriesCancelled, storage.StateCancelled)
	check("takeover", "dave", storage.SeriesCancelled, storage.StateCancelled)
	if s, _ := db.GetSeries(ctx, series["carol"].ID); s.State != storage.SeriesActive {
		t.Errorf("takeover: carol's own series is %s", s.State)
	}
}
