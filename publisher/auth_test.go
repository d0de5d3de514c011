package publisher_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

func TestRevokedTokenParksPostsUntilReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.account("revoked")
	other := e.account("fine")
	e.sim.RevokeTokens(e.users[a.ID])
	var ids []string
	for _, text := range []string{"one", "two", "three"} {
		ids = append(ids, e.enqueue(storage.NewPost{AccountID: a.ID, Text: text}).ID)
	}
	ok := e.enqueue(storage.NewPost{AccountID: other.ID, Text: "unaffected"})
	e.drain(ok.ID)
	for range 3 {
		e.drainOnce()
	}
	for _, id := range ids {
		if p := e.get(id); p.State != storage.StateQueued {
			t.Fatalf("post %s is %s (%s), want queued", id, p.State, p.LastError)
		}
	}
	acct, _ := e.db.Account(context.Background(), a.ID)
	if acct.Status != storage.AccountNeedsReconnect {
		t.Fatalf("account status %s", acct.Status)
	}
	if waiting := e.note.count(publisher.EventWaitingReconnect); waiting != 1 {
		t.Errorf("%d waiting-for-reconnect events, want 1", waiting)
	}

	// Reconnect: a new token, status active again.
	acct.TokenSealed = []byte(e.sim.IssueToken(e.users[a.ID], threads.DefaultScopes()...))
	if _, err := e.db.SaveAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	e.drain(ids...)
	for _, id := range ids {
		if p := e.get(id); p.State != storage.StatePosted {
			t.Errorf("post %s is %s after reconnecting", id, p.State)
		}
	}
	if got := ledgerByText(e.sim.Ledger()); got["one"] != 1 || got["two"] != 1 || got["three"] != 1 {
		t.Errorf("ledger %v", got)
	}
}

func TestRefreshTokens(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	good := e.account("good")
	bad := e.account("bad")
	fresh := e.account("fresh")
	ctx := context.Background()
	clock.Advance(55 * 24 * time.Hour) // five days left on the 60-day tokens
	for _, a := range []storage.Account{good, bad} {
		a.TokenExpiresAt = clock.Now().Add(5 * 24 * time.Hour)
		a.TokenRefreshedAt = clock.Now().Add(-55 * 24 * time.Hour)
		if _, err := e.db.SaveAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	fresh.TokenExpiresAt = clock.Now().Add(50 * 24 * time.Hour)
	if _, err := e.db.SaveAccount(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	e.sim.RevokeTokens(e.users[bad.ID])
	if err := e.pub.RefreshTokens(ctx); err != nil {
		t.Fatal(err)
	}
	g, _ := e.db.Account(ctx, good.ID)
	if string(g.TokenSealed) == string(good.TokenSealed) || g.TokenExpiresAt.Sub(clock.Now()) < 59*24*time.Hour {
		t.Errorf("good token not refreshed: expires %v", g.TokenExpiresAt)
	}
	if info, ok := e.sim.TokenInfo(string(g.TokenSealed)); !ok || info.UserID != e.users[good.ID] {
		t.Errorf("refreshed token unknown to Threads: %+v", info)
	}
	b, _ := e.db.Account(ctx, bad.ID)
	if b.Status != storage.AccountNeedsReconnect {
		t.Errorf("bad account status %s", b.Status)
	}
	f, _ := e.db.Account(ctx, fresh.ID)
	if string(f.TokenSealed) != string(fresh.TokenSealed) {
		t.Error("a token with 50 days left was refreshed")
	}
	if err := e.pub.RefreshTokens(ctx); err != nil { // again: no second notice
		t.Fatal(err)
	}
	if err := e.pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, ev := range e.note.all() {
		if ev.Kind == publisher.EventNeedsReconnect && ev.AccountID == bad.ID {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d needs-reconnect notices, want 1", n)
	}
}

// TestTokenThatCannotBeRefreshedWarnsBeforeExpiry: Threads refusing to refresh a token that
// still works (not an auth error) warns the owner once, with the expiry and how to link again,
// and the account keeps publishing until the token expires; then it needs reconnecting.
func TestTokenThatCannotBeRefreshedWarnsBeforeExpiry(t *testing.T) {
	t.Parallel()
	clock := threadstest.NewManualClock(time.Time{})
	e := newEnv(t, envOptions{sim: threadstest.Options{Clock: clock}, now: clock.Now})
	a := e.account("stuck")
	ctx := context.Background()
	clock.Advance(55 * 24 * time.Hour)
	a.TokenExpiresAt = clock.Now().Add(5 * 24 * time.Hour)
	a.TokenRefreshedAt = clock.Now().Add(-55 * 24 * time.Hour)
	if _, err := e.db.SaveAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	e.sim.Fault(threadstest.EndpointRefreshToken, threadstest.Fault{Kind: threadstest.FaultError,
		Error: &threadstest.GraphError{HTTPStatus: 400, Type: "OAuthException", Code: 10, Message: "Application does not have permission for this action"}})
	for range 2 { // twice: one warning
		if err := e.pub.RefreshTokens(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.pub.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var warnings []publisher.Event
	for _, ev := range e.note.all() {
		if ev.AccountID == a.ID {
			warnings = append(warnings, ev)
		}
	}
	if len(warnings) != 1 || warnings[0].Kind != publisher.EventTokenExpiring || !warnings[0].Until.Equal(a.TokenExpiresAt) {
		t.Fatalf("events %+v, want one token_expiring until %v", warnings, a.TokenExpiresAt)
	}
	for _, want := range []string{"@stuck", a.TokenExpiresAt.UTC().Format("2006-01-02 15:04"), "/threads connect", "/connect in Telegram"} {
		if !strings.Contains(warnings[0].Reason, want) {
			t.Errorf("warning %q lacks %q", warnings[0].Reason, want)
		}
	}
	if got, _ := e.db.Account(ctx, a.ID); got.Status != storage.AccountActive {
		t.Fatalf("account is %s after a refused refresh; it should keep publishing", got.Status)
	}
	p := e.enqueue(storage.NewPost{AccountID: a.ID, Text: "still works"})
	e.settle(clock)
	if got := e.get(p.ID); got.State != storage.StatePosted {
		t.Fatalf("post on a still-valid token: %s %s", got.State, got.LastError)
	}
	clock.Advance(5*24*time.Hour + time.Minute)
	if err := e.pub.RefreshTokens(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.db.Account(ctx, a.ID); got.Status != storage.AccountNeedsReconnect {
		t.Errorf("account is %s after the token expired, want needs_reconnect", got.Status)
	}
}

// relinkDuring is the token source of a run during which the account's owner links it again
// (after revoking access in Threads): the run publishes with the token it read first, and the
// relink, with a new token, commits right after that read.
type relinkDuring struct {
	publishertest.Tokens
	once   sync.Once
	relink func()
}

func (r *relinkDuring) Token(ctx context.Context, id int64) (string, string, error) {
	tok, uid, err := r.Tokens.Token(ctx, id)
	r.once.Do(r.relink)
	return tok, uid, err
}

// TestARelinkDuringAPublishIsNotUndone: Threads refuses the token a run read, because the
// owner revoked it and linked the account again while the run was publishing. The account
// holds the new token by then, so it is not marked for reconnecting (which would ask the
// owner to link the account they just linked): the post goes out with the new token.
func TestARelinkDuringAPublishIsNotUndone(t *testing.T) {
	t.Parallel()
	stack := publishertest.New(t, publishertest.Options{})
	a := stack.Account("relinked")
	toks := &relinkDuring{Tokens: publishertest.Tokens{DB: stack.DB}}
	relink := relinker(t, stack, a)
	toks.relink = func() {
		stack.Sim.RevokeTokens(a.ThreadsUserID)
		relink()
	}
	publishAcrossARelink(t, stack, a, toks)
}

// TestARelinkAfterTheRefusalWasCheckedIsNotUndone: Threads refuses the token a run read, the
// run finds the account still holding it, and only then, before the run parks the account,
// does the relink (on another replica, say) commit. Parking writes over the refused token
// alone, so the new one stands: the account stays active and the post goes out with it.
func TestARelinkAfterTheRefusalWasCheckedIsNotUndone(t *testing.T) {
	t.Parallel()
	stack := publishertest.New(t, publishertest.Options{})
	a := stack.Account("relinked-late")
	stack.Sim.RevokeTokens(a.ThreadsUserID) // revoked at Threads; Spindle learns it from the refusal
	toks := &relinkAfterCheck{Tokens: publishertest.Tokens{DB: stack.DB}, relink: relinker(t, stack, a)}
	publishAcrossARelink(t, stack, a, toks)
	if !toks.checked.Load() {
		t.Fatal("the run never checked which token Threads refused")
	}
}

// relinker links a again with a new token from the simulator, as its owner would.
func relinker(t *testing.T, stack *publishertest.Stack, a storage.Account) func() {
	return func() {
		a.TokenSealed = []byte(stack.Sim.IssueToken(a.ThreadsUserID, threads.DefaultScopes()...))
		if _, err := stack.DB.SaveAccount(context.Background(), a); err != nil {
			t.Errorf("relink: %v", err)
		}
	}
}

// publishAcrossARelink publishes a post of a through toks, during whose run the account is
// linked again, and checks that it went out and the account stayed active.
func publishAcrossARelink(t *testing.T, stack *publishertest.Stack, a storage.Account, toks publisher.TokenSource) {
	t.Helper()
	opts := stack.Opts
	opts.Tokens = toks
	stack.Pub = publisher.New(opts)
	p := stack.Enqueue(storage.NewPost{AccountID: a.ID, Door: "cli", Text: "across a relink"})
	if got := stack.Finish(p.ID)[0]; got.State != storage.StatePosted {
		t.Fatalf("post %s (%s), want posted with the new token", got.State, got.LastError)
	}
	if acct, _ := stack.DB.Account(context.Background(), a.ID); acct.Status != storage.AccountActive {
		t.Fatalf("account %s after a relink during a publish, want active", acct.Status)
	}
}

// relinkAfterCheck is the token source of a run whose token Threads refuses: the owner links
// the account again right after the run found it still holding the refused token.
type relinkAfterCheck struct {
	publishertest.Tokens
	checked atomic.Bool
	relink  func()
}

func (r *relinkAfterCheck) Refused(ctx context.Context, id int64, token string) ([]byte, error) {
	sealed, err := r.Tokens.Refused(ctx, id, token)
	if err == nil && r.checked.CompareAndSwap(false, true) {
		r.relink()
	}
	return sealed, err
}
