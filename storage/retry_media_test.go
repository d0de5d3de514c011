package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// failedTelegramPost stores what the Telegram door leaves of a photo post whose publishing
// failed: a draft with n hosted files (served at https://spindle.example/media/<id>), the post
// it became with those files as its media, and the post failed. It returns the post and the
// hosted ids, in order.
func failedTelegramPost(t *testing.T, db *storage.DB, a storage.Account, n int) (storage.Post, []string) {
	t.Helper()
	ctx := context.Background()
	var (
		ids   []string
		media []storage.Media
	)
	for i := range n {
		id := fmt.Sprintf("hostedphoto%011d", i) // 22 characters, as the door's random ids
		ids = append(ids, id)
		media = append(media, storage.Media{Kind: "image", URL: "https://spindle.example/media/" + id})
	}
	// The door saves the draft with its media URLs, then the files' rows.
	d, err := db.CreateTelegramDraft(ctx, storage.TelegramDraft{ChatID: 7, UserID: 7, MessageID: 101, Media: media})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := db.SaveHostedMedia(ctx, storage.HostedMedia{ID: id, DraftID: d.ID, FileName: id, ContentType: "image/jpeg", Size: 1000}); err != nil {
			t.Fatal(err)
		}
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "telegram", Text: "photo", Media: media})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetTelegramDraftPost(ctx, d.ID, p.ID); err != nil {
		t.Fatal(err)
	}
	failNext(t, db, p.ID)
	return p, ids
}

// failNext leases the next post, which must be id, and fails it as a revoked token does.
func failNext(t *testing.T, db *storage.DB, id string) storage.Post {
	t.Helper()
	ctx := context.Background()
	leased, err := db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != id {
		t.Fatalf("lease: %v %+v", err, leased)
	}
	if err := db.Fail(ctx, storage.LeaseOf(leased[0]), "token revoked"); err != nil {
		t.Fatal(err)
	}
	return leased[0]
}

// deleteAfter reads when hosted file id is to be deleted; zero when it is held.
func deleteAfter(t *testing.T, db *storage.DB, id string) time.Time {
	t.Helper()
	h, err := db.HostedMediaByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h.DeleteAfter
}

// TestRetryFailedHoldsHostedMediaAgain: the failed post's result notice released its hosted
// files for deletion an hour later (Notify: ReleasePostMedia with MediaGrace); an operator
// retries the post within that hour. The post is queued again and Threads fetches the files
// when it creates the container, so they are held again: the relay serves them, and
// housekeeping does not delete them while the post waits.
func TestRetryFailedHoldsHostedMediaAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p, ids := failedTelegramPost(t, db, a, 2)
	if err := db.ReleasePostMedia(ctx, p.ID, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := deleteAfter(t, db, ids[0]); got.IsZero() {
		t.Fatal("the failed post's notice did not release its media")
	}
	clock.Advance(10 * time.Minute)
	got, err := db.RetryFailed(ctx, p.ID)
	if err != nil || got.State != storage.StateQueued {
		t.Fatalf("retry: %s %v", got.State, err)
	}
	for _, id := range ids {
		if at := deleteAfter(t, db, id); !at.IsZero() {
			t.Errorf("post %s is queued again, but its hosted file %s is still to be deleted at %s (the relay refuses it from then on)",
				p.ID, id, at)
		}
	}
	clock.Advance(2 * time.Hour)
	if due, err := db.DueHostedMedia(ctx, clock.Now(), 10); err != nil || len(due) != 0 {
		t.Errorf("housekeeping would delete %d file(s) of queued post %s (%v)", len(due), p.ID, err)
	}
}

// TestRetryFailedRefusesWhenMediaIsGone: once a file's deletion time has come the relay
// refuses it, and housekeeping deletes it (file or blob first, then its row); a retry then
// would queue a post Threads cannot fetch. It is refused with ErrMediaGone, the post stays
// failed and no file is brought back. A file past its time that housekeeping has not reached
// yet counts as gone too: the sweep may be deleting it at that moment. A URL of elsewhere
// among the post's media is not taken for a deleted file.
func TestRetryFailedRefusesWhenMediaIsGone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		after time.Duration // between the release (for +1h) and the retry
		swept bool          // housekeeping deleted the first file
		// elsewhere: an edit replaced the post's media by a URL not hosted here.
		elsewhere bool
		wantGone  bool
	}{
		{name: "within the grace", after: 59 * time.Minute},
		{name: "at the deletion time, not yet swept", after: time.Hour, wantGone: true},
		{name: "swept", after: 2 * time.Hour, swept: true, wantGone: true},
		{name: "swept, but the post uses media of elsewhere", after: 2 * time.Hour, swept: true, elsewhere: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
			db := storagetest.Open(t, clock.Now)
			a := storagetest.Account(t, db, "alice")
			p, ids := failedTelegramPost(t, db, a, 2)
			if c.elsewhere {
				p = useMediaOfElsewhere(t, db, clock, p)
			}
			release := clock.Now().Add(time.Hour)
			if err := db.ReleasePostMedia(ctx, p.ID, release); err != nil {
				t.Fatal(err)
			}
			clock.Advance(c.after)
			if c.swept {
				if err := db.DeleteHostedMedia(ctx, ids[0]); err != nil {
					t.Fatal(err)
				}
			}
			_, err := db.RetryFailed(ctx, p.ID)
			if gone := errors.Is(err, storage.ErrMediaGone); gone != c.wantGone || (err != nil && !gone) {
				t.Fatalf("retry: %v, want ErrMediaGone %v", err, c.wantGone)
			}
			got, err := db.Get(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]storage.State{true: storage.StateFailed, false: storage.StateQueued}[c.wantGone]; got.State != want {
				t.Errorf("post after the retry: %s, want %s", got.State, want)
			}
			if c.elsewhere || !c.wantGone {
				return
			}
			// Refused: nothing was brought back, so housekeeping deletes what is left.
			for _, id := range ids[1:] {
				if at := deleteAfter(t, db, id); !at.Equal(release) {
					t.Errorf("file %s of a post refused a retry: deleted at %v, want %v as released", id, at, release)
				}
			}
		})
	}
}

// useMediaOfElsewhere makes failed post p's media a URL that is not hosted here, as an edit
// of the queued post might have: it is retried, edited and failed again.
func useMediaOfElsewhere(t *testing.T, db *storage.DB, clock *storagetest.Clock, p storage.Post) storage.Post {
	t.Helper()
	ctx := context.Background()
	if _, err := db.RetryFailed(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	media := []storage.Media{{Kind: "image", URL: "https://cdn.example.org/media/" + p.ID + "-photo"}}
	if _, err := db.EditQueued(ctx, p.ID, storage.PostEdit{Media: &media}); err != nil {
		t.Fatal(err)
	}
	failed := failNext(t, db, p.ID)
	clock.Advance(time.Second)
	return failed
}

// TestLateResultNoticeKeepsRetriedPostsMedia: result notices are delivered at least once and
// may come late (Telegram was unreachable); the operator retried the failed post before its
// notice reached the door. The late notice must not release the files of a post that is
// queued again; the next result does.
func TestLateResultNoticeKeepsRetriedPostsMedia(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	a := storagetest.Account(t, db, "alice")
	p, ids := failedTelegramPost(t, db, a, 1)
	if _, err := db.RetryFailed(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleasePostMedia(ctx, p.ID, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at := deleteAfter(t, db, ids[0]); !at.IsZero() {
		t.Fatalf("the late notice of the first failure released the file of queued post %s for %v", p.ID, at)
	}
	failNext(t, db, p.ID)
	if err := db.ReleasePostMedia(ctx, p.ID, clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if at := deleteAfter(t, db, ids[0]); !at.Equal(clock.Now().Add(time.Hour)) {
		t.Errorf("after the second failure's notice the file is to be deleted at %v, want %v", at, clock.Now().Add(time.Hour))
	}
}
