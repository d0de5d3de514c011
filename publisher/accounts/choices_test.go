package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestChoicesMarkTheDefaultEveryDoorUses: the owner of one account who was granted another
// has the owned one as default; a grantee of two has none until they choose; a choice wins.
func TestChoicesMarkTheDefaultEveryDoorUses(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	p := setupPeople(t, e)
	other, err := e.db.LinkAccount(ctx, storage.Account{ThreadsUserID: "17842", Username: "other",
		TokenSealed: e.svc.keys.Seal("t2", "17842"), TokenExpiresAt: e.clock.Now().Add(time.Hour)}, p.stranger.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []Identity{p.owner, p.grantee} {
		if _, err := e.svc.Grant(ctx, p.stranger, other.ID, who); err != nil {
			t.Fatal(err)
		}
	}
	defaults := func(who Identity) map[string]bool {
		t.Helper()
		cs, err := e.svc.Choices(ctx, who)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, c := range cs {
			out[c.Account.Username] = c.Default
		}
		return out
	}
	if got := defaults(p.owner); len(got) != 2 || !got["brand"] || got["other"] {
		t.Errorf("owner of @brand granted @other: defaults %v, want @brand", got)
	}
	if got := defaults(p.grantee); len(got) != 2 || got["brand"] || got["other"] {
		t.Errorf("grantee of both: defaults %v, want none", got)
	}
	if _, err := e.svc.SetDefault(ctx, p.owner, "other"); err != nil {
		t.Fatal(err)
	}
	if got := defaults(p.owner); got["brand"] || !got["other"] {
		t.Errorf("after choosing @other: defaults %v", got)
	}
	if got := defaults(e.identify("nobody")); len(got) != 0 {
		t.Errorf("nobody: %v", got)
	}
}

// failingIdentities is a store whose identities cannot be read; everything else is the real
// database. The Service depends on small interfaces, so one can fail alone.
type failingIdentities struct{ *storage.DB }

var errIdentitiesDown = errors.New("identities are down")

func (failingIdentities) Identity(context.Context, int64) (storage.Identity, error) {
	return storage.Identity{}, errIdentitiesDown
}

// TestChoicesReportAStorageFailure: a failure reading the person's chosen default is an error,
// not "no default" (which would send their post elsewhere or refuse it for the wrong reason).
func TestChoicesReportAStorageFailure(t *testing.T) {
	e := newEnv(t, envOpts{})
	p := setupPeople(t, e)
	svc := New(Options{DB: failingIdentities{e.db}, Threads: e.svc.threads, Keys: e.svc.keys})
	if _, err := svc.Choices(context.Background(), p.owner); !errors.Is(err, errIdentitiesDown) {
		t.Fatalf("Choices = %v, want the storage failure", err)
	}
}
