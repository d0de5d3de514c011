package accounts

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// raceStore is replica A's storage: the real database, with a hook run once right after the
// ownership check of a grant (Role) returns, standing for what another replica commits in
// that instant. Nothing else is changed.
type raceStore struct {
	*storage.DB
	once  sync.Once
	after func()
}

func (r *raceStore) Role(ctx context.Context, identityID, accountID int64) (storage.Role, error) {
	role, err := r.DB.Role(ctx, identityID, accountID)
	r.once.Do(r.after)
	return role, err
}

// TestAGrantRacingATakeoverDoesNotSurviveIt: bob owned @alice and disconnected it. Mallory
// (who holds @alice's Threads login) connects it on replica B, which is a takeover: every
// grant of the previous owner is dropped in that transaction. At the same moment bob, on
// replica A, sends "grant carol": its ownership check (Role) runs before the takeover
// commits, its write after. The grant must not survive the takeover: carol has no right on
// the account mallory now owns, and bob is told he no longer owns it. (Checked only before
// the write, the grant survived, given by someone who no longer owned the account.)
func TestAGrantRacingATakeoverDoesNotSurviveIt(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		e := newEnv(t, envOpts{})
		ctx := context.Background()
		e.sim.AddUser("alice")
		bob, carol, mallory := e.identify("1"), e.identify("2"), e.identify("666")
		if status, _, body := e.connect(bob); status != 200 {
			t.Fatalf("connect: %d %s", status, body)
		}
		acct := e.accounts()[0]
		if _, err := e.svc.Disconnect(ctx, bob, acct.ID); err != nil {
			t.Fatal(err)
		}
		replicaB := storagetest.Reopen(t, e.db, e.clock.Now)
		rs := &raceStore{DB: e.db, after: func() {
			_, err := replicaB.LinkAccount(ctx, storage.Account{ThreadsUserID: acct.ThreadsUserID, Username: acct.Username,
				TokenSealed: e.svc.keys.Seal("mallory-token", acct.ThreadsUserID), TokenExpiresAt: e.clock.Now().Add(time.Hour)}, mallory.ID)
			if err != nil {
				t.Errorf("takeover on replica B: %v", err)
			}
		}}
		replicaA := New(Options{DB: rs, Threads: e.svc.threads, Keys: e.svc.keys, PublicURL: e.svc.public, Now: e.clock.Now})
		_, grantErr := replicaA.Grant(ctx, bob, acct.ID, carol)

		owner, err := e.db.AccountOwner(ctx, acct.ID)
		if err != nil || owner.ID != mallory.ID {
			t.Fatalf("owner after the takeover: %+v %v, want mallory", owner, err)
		}
		role, err := e.db.Role(ctx, carol.ID, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		if role != storage.RoleNone {
			t.Errorf("carol is %q on @%s, now owned by mallory, through a grant by bob (who no longer owns it) that raced the takeover (Grant returned %v)",
				role, acct.Username, grantErr)
		}
		if !errors.Is(grantErr, ErrForbidden) || !strings.Contains(grantErr.Error(), "no longer own") {
			t.Errorf("bob's grant answered %v; want a refusal saying he no longer owns the account", grantErr)
		}
		if err := e.svc.CanPost(ctx, carol, acct.ID); err == nil {
			t.Errorf("carol may post to mallory's @%s", acct.Username)
		}
	})
}
