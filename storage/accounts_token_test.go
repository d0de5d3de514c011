package storage_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestUpdateAccountTokenOnlyOverTheTokenItRefreshed: a refreshed token is stored only while the
// account still holds the token the refresh started from and is active. Whatever was written
// during the refresh's round trip (a relink, another refresh, needs_reconnect, a disconnect)
// stays, and the refresh is told why.
func TestUpdateAccountTokenOnlyOverTheTokenItRefreshed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	expires := clock.Now().Add(60 * 24 * time.Hour)

	tests := []struct {
		name string
		// meanwhile is written between the start of the refresh (the token then held is its
		// from) and its answer; nil for none.
		meanwhile  func(t *testing.T, a storage.Account)
		want       error // nil: the refreshed token is stored
		wantToken  string
		wantStatus storage.AccountStatus
	}{
		{name: "nothing", want: nil, wantToken: "refreshed", wantStatus: storage.AccountActive},
		{name: "relinked", meanwhile: func(t *testing.T, a storage.Account) {
			a.TokenSealed = []byte("relinked")
			if _, err := db.SaveAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
		}, want: storage.ErrTokenReplaced, wantToken: "relinked", wantStatus: storage.AccountActive},
		{name: "refreshed by another replica", meanwhile: func(t *testing.T, a storage.Account) {
			if err := db.UpdateAccountToken(ctx, a.ID, a.TokenSealed, []byte("other"), expires); err != nil {
				t.Fatal(err)
			}
		}, want: storage.ErrTokenReplaced, wantToken: "other", wantStatus: storage.AccountActive},
		{name: "needs reconnect", meanwhile: func(t *testing.T, a storage.Account) {
			if _, err := db.MarkNeedsReconnect(ctx, a.ID, nil, nil); err != nil {
				t.Fatal(err)
			}
		}, want: storage.ErrTokenReplaced, wantStatus: storage.AccountNeedsReconnect},
		{name: "disconnected", meanwhile: func(t *testing.T, a storage.Account) {
			if err := db.SetAccountStatus(ctx, a.ID, storage.AccountDisconnected); err != nil {
				t.Fatal(err)
			}
		}, want: storage.ErrNotFound, wantStatus: storage.AccountDisconnected},
	}
	for _, tt := range tests {
		a := storagetest.Account(t, db, "acct_"+tt.name)
		from := string(a.TokenSealed)
		if tt.wantToken == "" && tt.wantStatus != storage.AccountDisconnected {
			tt.wantToken = from
		}
		if tt.meanwhile != nil {
			tt.meanwhile(t, a)
		}
		clock.Advance(time.Minute)
		err := db.UpdateAccountToken(ctx, a.ID, []byte(from), []byte("refreshed"), expires)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: UpdateAccountToken = %v, want %v", tt.name, err, tt.want)
		}
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if string(got.TokenSealed) != tt.wantToken || got.Status != tt.wantStatus {
			t.Errorf("%s: account holds %q, %s; want %q, %s", tt.name, got.TokenSealed, got.Status, tt.wantToken, tt.wantStatus)
		}
		if tt.want == nil && (!got.TokenRefreshedAt.Equal(clock.Now()) || !got.TokenExpiresAt.Equal(expires)) {
			t.Errorf("%s: refreshed at %v, expires %v; want %v, %v", tt.name, got.TokenRefreshedAt, got.TokenExpiresAt, clock.Now(), expires)
		}
	}
	if err := db.UpdateAccountToken(ctx, 424242, []byte("x"), []byte("y"), expires); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("no such account: %v", err)
	}
}

// TestMarkNeedsReconnectOnlyOverTheRefusedToken: an account is marked for reconnecting for a
// refused token only while it still holds that token; one linked again meanwhile (a new token)
// stays active, and the mark changes nothing. Without a token, the mark is unconditional.
func TestMarkNeedsReconnectOnlyOverTheRefusedToken(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "relinked")
	refused := a.TokenSealed
	a.TokenSealed = []byte("sealed:relinked, linked again")
	if _, err := db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if changed, err := db.MarkNeedsReconnect(ctx, a.ID, refused, nil); err != nil || changed {
		t.Fatalf("marked for a token the account no longer holds: %v %v", changed, err)
	}
	if got, _ := db.Account(ctx, a.ID); got.Status != storage.AccountActive {
		t.Fatalf("status %s after a refusal of its old token, want active", got.Status)
	}
	if changed, err := db.MarkNeedsReconnect(ctx, a.ID, a.TokenSealed, nil); err != nil || !changed {
		t.Fatalf("a refusal of the token it holds: %v %v, want marked", changed, err)
	}
}

// TestAParkingStepMarksOnlyOverTheRefusedToken: a publish step that parks its account for a
// refused token (Step.Refused) leaves an account linked again meanwhile active, and tells its
// owner nothing, while its post goes back to the queue all the same; over the token it still
// holds, the step marks it and writes the notice.
func TestAParkingStepMarksOnlyOverTheRefusedToken(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	ctx := context.Background()
	a := storagetest.Account(t, db, "parked")
	refused := a.TokenSealed
	park := func(refused []byte, key string) {
		t.Helper()
		if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "cli", Text: key}); err != nil {
			t.Fatal(err)
		}
		leased, err := db.Lease(ctx, 1, time.Minute)
		if err != nil || len(leased) != 1 {
			t.Fatalf("lease: %v %d", err, len(leased))
		}
		if err := db.Advance(ctx, storage.LeaseOf(leased[0]), storage.Step{NeedsReconnect: true, Refused: refused,
			ReconnectEvents: []storage.OutboxEvent{{Key: key, Door: "cli", Payload: []byte(`{}`)}},
			Retry:           &storage.RetryAt{Next: time.Now(), Reason: "waiting"}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Get(ctx, leased[0].ID); got.State != storage.StateQueued {
			t.Fatalf("parked post %s, want queued", got.State)
		}
	}
	a.TokenSealed = []byte("sealed:parked, linked again")
	if _, err := db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	park(refused, "old token")
	if got, _ := db.Account(ctx, a.ID); got.Status != storage.AccountActive {
		t.Fatalf("status %s after a step parked it for its old token, want active", got.Status)
	}
	if due, _ := db.DueOutbox(ctx, time.Now().Add(time.Second), 10); len(due) != 0 {
		t.Fatalf("the owner of an account linked again was told to link it: %d notices", len(due))
	}
	park(a.TokenSealed, "held token")
	if got, _ := db.Account(ctx, a.ID); got.Status != storage.AccountNeedsReconnect {
		t.Fatalf("status %s after a step parked it for the token it holds, want needs_reconnect", got.Status)
	}
	if due, _ := db.DueOutbox(ctx, time.Now().Add(time.Second), 10); len(due) != 1 {
		t.Fatalf("%d notices after parking, want 1", len(due))
	}
}
