package accounts

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// lateRefresh is the Threads client whose next refresh runs meanwhile once during its round
// trip, as another replica or the user would: before the request reaches Threads (first), or
// after a successful answer and before it is stored.
type lateRefresh struct {
	Threads
	first     bool
	meanwhile atomic.Pointer[func()]
}

func (l *lateRefresh) Refresh(ctx context.Context, token string) (threads.Token, error) {
	if l.first {
		if f := l.meanwhile.Swap(nil); f != nil {
			(*f)()
		}
		return l.Threads.Refresh(ctx, token)
	}
	t, err := l.Threads.Refresh(ctx, token)
	if f := l.meanwhile.Swap(nil); err == nil && f != nil {
		(*f)()
	}
	return t, err
}

// during makes e's next refresh answer arrive only after f ran, and reports whether it did.
func (e *env) during(f func()) (ran func() bool) { return e.race(false, f) }

// before runs f as e's next refresh request leaves, before Threads sees it.
func (e *env) before(f func()) (ran func() bool) { return e.race(true, f) }

func (e *env) race(first bool, f func()) (ran func() bool) {
	late := &lateRefresh{Threads: e.svc.threads, first: first}
	late.meanwhile.Store(&f)
	e.svc.threads = late
	return func() bool { return late.meanwhile.Load() == nil }
}

// TestRefreshAnsweredAfterARelinkKeepsTheRelinkedToken: a refresh (the REST refresh on one
// replica) is answered by Threads; before its answer is stored, the user revokes Spindle's
// tokens and the owner links the account again (the callback, on another replica, stores a
// new working token). The late answer, derived from the revoked token, is dropped: the account
// keeps the relinked token and works, and the refresh is not a failure for its caller.
func TestRefreshAnsweredAfterARelinkKeepsTheRelinkedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	id, a := connected(t, e)
	e.clock.Advance(2 * 24 * time.Hour)

	var relinked string
	ran := e.during(func() {
		e.sim.RevokeTokens(a.ThreadsUserID)
		if status, _, body := e.connect(id); status != 200 {
			t.Fatalf("relink: %d %s", status, body)
		}
		var err error
		if relinked, _, err = e.svc.Token(ctx, a.ID); err != nil {
			t.Fatalf("token after relink: %v", err)
		}
	})
	got, err := e.svc.Refresh(ctx, a.ID)
	if !ran() {
		t.Fatal("the refresh was not answered late")
	}
	if err != nil {
		t.Fatalf("refresh overtaken by a relink: %v, want the account as relinked", err)
	}
	if tok, _, err := e.svc.Token(ctx, a.ID); err != nil || tok != relinked {
		t.Errorf("after the late refresh the account holds another token than the relink stored (%v)", err)
	}
	if got.Status != storage.AccountActive {
		t.Errorf("refresh answered %s, want the active relinked account", got.Status)
	}
	if _, err := e.svc.Profile(ctx, a.ID); err != nil {
		t.Errorf("account unusable after a successful relink: %v", err)
	}
}

// TestRefreshAnsweredAfterNeedsReconnectLeavesItParked: while a refresh is in flight the
// account is marked needs_reconnect (a publish found its token refused). The late answer does
// not flip it back to active: the refresh fails with ErrNeedsReconnect, as the account stands.
func TestRefreshAnsweredAfterNeedsReconnectLeavesItParked(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	_, a := connected(t, e)
	e.clock.Advance(2 * 24 * time.Hour)
	ran := e.during(func() {
		if err := e.svc.MarkNeedsReconnect(ctx, a.ID, "Threads no longer accepts its access token"); err != nil {
			t.Fatal(err)
		}
	})
	_, err := e.svc.Refresh(ctx, a.ID)
	if !ran() {
		t.Fatal("the refresh was not answered late")
	}
	if !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("refresh overtaken by needs_reconnect: %v, want ErrNeedsReconnect", err)
	}
	got, err := e.db.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != storage.AccountNeedsReconnect || string(got.TokenSealed) != string(a.TokenSealed) {
		t.Errorf("account is %s with token changed %v; want needs_reconnect with its token untouched",
			got.Status, string(got.TokenSealed) != string(a.TokenSealed))
	}
}

// TestSaveRefreshedOverAReplacedTokenIsDropped: the publisher's refresh job refreshes the
// token it read and stores the answer with SaveRefreshed; if the owner linked the account
// again meanwhile, the answer is dropped with storage.ErrTokenReplaced and the relinked token
// stays.
func TestSaveRefreshedOverAReplacedTokenIsDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	id, a := connected(t, e)
	from, _, err := e.svc.Token(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := e.connect(id); status != 200 {
		t.Fatalf("relink: %d %s", status, body)
	}
	relinked, _, err := e.svc.Token(ctx, a.ID)
	if err != nil || relinked == from {
		t.Fatalf("relink stored no new token: %v", err)
	}
	if err := e.svc.SaveRefreshed(ctx, a.ID, from, "THstale", e.clock.Now().Add(60*24*time.Hour)); !errors.Is(err, storage.ErrTokenReplaced) {
		t.Errorf("SaveRefreshed from the token before the relink: %v, want storage.ErrTokenReplaced", err)
	}
	// The publisher asks the same before it parks the account for a refused token.
	if _, err := e.svc.Refused(ctx, a.ID, from); !errors.Is(err, storage.ErrTokenReplaced) {
		t.Errorf("Refused for the token before the relink: %v, want storage.ErrTokenReplaced", err)
	}
	held, err := e.svc.Refused(ctx, a.ID, relinked)
	if stored, _ := e.db.Account(ctx, a.ID); err != nil || string(held) != string(stored.TokenSealed) {
		t.Errorf("Refused for the token the account holds: %v, want its sealed bytes", err)
	}
	if tok, _, err := e.svc.Token(ctx, a.ID); err != nil || tok != relinked {
		t.Errorf("the relinked token was replaced (%v)", err)
	}
	// From the token the account holds, it is stored.
	if err := e.svc.SaveRefreshed(ctx, a.ID, relinked, "THfresh", e.clock.Now().Add(60*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if tok, _, err := e.svc.Token(ctx, a.ID); err != nil || tok != "THfresh" {
		t.Errorf("after SaveRefreshed from the current token: %v", err)
	}
}

// TestRESTRefreshRefusedAfterARelinkKeepsTheAccountActive: the REST refresh reads the token;
// the owner revokes Spindle and links the account again; Threads refuses the revoked token.
// The relinked account is not marked needs_reconnect for the old token's refusal.
func TestRESTRefreshRefusedAfterARelinkKeepsTheAccountActive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	id, a := connected(t, e)
	e.clock.Advance(2 * 24 * time.Hour)
	ran := e.before(func() {
		e.sim.RevokeTokens(a.ThreadsUserID)
		if status, _, body := e.connect(id); status != 200 {
			t.Fatalf("relink: %d %s", status, body)
		}
	})
	_, err := e.svc.Refresh(ctx, a.ID)
	if !ran() {
		t.Fatal("the relink did not run during the refresh")
	}
	t.Logf("refresh: %v", err)
	got, err := e.db.Account(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != storage.AccountActive {
		t.Errorf("account linked again during the refresh is %s; want active (its new token works)", got.Status)
	}
	if _, err := e.svc.Profile(ctx, a.ID); err != nil {
		t.Errorf("relinked account unusable: %v", err)
	}
}
