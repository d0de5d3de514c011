package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

func connected(t *testing.T, e *env) (Identity, storage.Account) {
	t.Helper()
	e.sim.AddUser("alice")
	id := e.identify("1")
	if status, _, body := e.connect(id); status != 200 {
		t.Fatalf("connect: %d %s", status, body)
	}
	return id, e.accounts()[0]
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	_, a := connected(t, e)
	if _, err := e.svc.Refresh(ctx, a.ID); !errors.Is(err, ErrTooYoung) {
		t.Fatalf("refresh at once: %v", err)
	}
	e.clock.Advance(50 * 24 * time.Hour)
	old, _, _ := e.svc.Token(ctx, a.ID)
	if n, err := e.svc.RefreshDue(ctx, 7*24*time.Hour); n != 0 || err != nil {
		t.Fatalf("RefreshDue with 10 days left = %d, %v", n, err)
	}
	e.clock.Advance(5 * 24 * time.Hour)
	if n, err := e.svc.RefreshDue(ctx, 7*24*time.Hour); n != 1 || err != nil {
		t.Fatalf("RefreshDue with 5 days left = %d, %v", n, err)
	}
	got, _ := e.db.Account(ctx, a.ID)
	if want := e.clock.Now().Add(threadstest.LongTokenTTL); !got.TokenExpiresAt.Equal(want) {
		t.Errorf("expires %v, want %v", got.TokenExpiresAt, want)
	}
	nt, _, err := e.svc.Token(ctx, a.ID)
	if err != nil || nt == old {
		t.Errorf("token after refresh unchanged or unreadable: %v", err)
	}
}

func TestRefreshRevokedTokenNeedsReconnect(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	_, a := connected(t, e)
	e.clock.Advance(2 * 24 * time.Hour)
	e.sim.RevokeTokens(a.ThreadsUserID)
	if _, err := e.svc.Refresh(ctx, a.ID); err == nil {
		t.Fatal("refresh of a revoked token succeeded")
	}
	got, _ := e.db.Account(ctx, a.ID)
	if got.Status != storage.AccountNeedsReconnect {
		t.Fatalf("status = %s", got.Status)
	}
	if _, _, err := e.svc.Token(ctx, a.ID); !errors.Is(err, ErrNeedsReconnect) {
		t.Errorf("Token = %v", err)
	}
	// Telling happens once, not on every attempt.
	_ = e.svc.MarkNeedsReconnect(ctx, a.ID, "again")
	n := 0
	for _, m := range e.told.all() {
		if strings.Contains(m, "must be connected again") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("owner told %d times: %q", n, e.told.all())
	}
	// Connecting again makes it active.
	if status, _, body := e.connect(e.identify("1")); status != 200 {
		t.Fatalf("reconnect: %d %s", status, body)
	}
	if _, _, err := e.svc.Token(ctx, a.ID); err != nil {
		t.Errorf("after reconnect: %v", err)
	}
}

func TestTokenExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, a := connected(t, e)
	e.clock.Advance(61 * 24 * time.Hour)
	if _, _, err := e.svc.Token(context.Background(), a.ID); !errors.Is(err, ErrNeedsReconnect) || !strings.Contains(err.Error(), "expired") ||
		!strings.Contains(err.Error(), "/threads connect in Slack or /connect in Telegram") {
		t.Fatalf("Token = %v", err)
	}
}

func TestDisconnectHoldsQueuedPosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	owner, a := connected(t, e)
	p, _, err := e.db.Enqueue(ctx, storage.NewPost{AccountID: a.ID, Door: "api", Text: "later", ScheduledAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Disconnect(ctx, owner, a.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Account(ctx, a.ID)
	if got.Status != storage.AccountDisconnected || got.TokenSealed != nil {
		t.Errorf("after disconnect: status %s, token kept %v", got.Status, got.TokenSealed != nil)
	}
	if q, _ := e.db.Get(ctx, p.ID); q.State != storage.StateQueued {
		t.Errorf("queued post is %s after disconnect", q.State)
	}
	if _, _, err := e.svc.Token(ctx, a.ID); !errors.Is(err, ErrNotConnected) || !strings.Contains(err.Error(), "/threads connect") {
		t.Errorf("Token after disconnect: %v", err)
	}
	msgs := e.told.all()
	if last := msgs[len(msgs)-1]; !strings.Contains(last, "disconnected") || !strings.Contains(last, "1 queued post(s) are held") {
		t.Errorf("owner told %q", last)
	}
	// A refresh racing the disconnect does not bring the token back.
	if err := e.db.UpdateAccountToken(ctx, a.ID, a.TokenSealed, []byte("x"), e.clock.Now()); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("UpdateAccountToken on a disconnected account: %v", err)
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	_, a := connected(t, e)
	p, err := e.svc.Profile(context.Background(), a.ID)
	if err != nil || p.Username != "alice" || p.ID != a.ThreadsUserID {
		t.Fatalf("Profile = %+v, %v", p, err)
	}
}

func TestParseIdentityKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Identity
		wantErr bool
	}{
		{"telegram:123", Identity{Door: "telegram", User: "123"}, false},
		{"slack:T1:U1", Identity{Door: "slack", Team: "T1", User: "U1"}, false},
		{"api:ci", Identity{Door: "api", User: "ci"}, false},
		{"slack:U1", Identity{}, true},
		{"irc:x", Identity{}, true},
		{"telegram:", Identity{}, true},
		{"nonsense", Identity{}, true},
		{"a:b:c:d", Identity{}, true},
	}
	for _, tt := range tests {
		got, err := ParseIdentityKey(tt.in)
		if (err != nil) != tt.wantErr || (!tt.wantErr && (got.Door != tt.want.Door || got.Team != tt.want.Team || got.User != tt.want.User)) {
			t.Errorf("ParseIdentityKey(%q) = %+v, %v", tt.in, got, err)
		}
		if err == nil && got.Key() != tt.in {
			t.Errorf("Key() = %q, want %q", got.Key(), tt.in)
		}
	}
}

func TestSaveRefreshed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	owner, a := connected(t, e)
	exp := e.clock.Now().Add(30 * 24 * time.Hour)
	old, _, err := e.svc.Token(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SaveRefreshed(ctx, a.ID, old, "THnew", exp); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.svc.Token(ctx, a.ID)
	got, _ := e.db.Account(ctx, a.ID)
	if err != nil || tok != "THnew" || !got.TokenExpiresAt.Equal(exp) {
		t.Fatalf("after SaveRefreshed: %q %v, expires %v", tok, err, got.TokenExpiresAt)
	}
	e.svc.Disconnect(ctx, owner, a.ID)
	if err := e.svc.SaveRefreshed(ctx, a.ID, "THnew", "THlate", exp); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("SaveRefreshed after disconnect: %v", err)
	}
}

// TestLinkRecordsGrantedScopes: linking through the consent page stores the scopes the
// authorize URL asked for (Threads grants all or none), and the token the simulator minted has
// exactly those: the doors judge by them what the token may do.
func TestLinkRecordsGrantedScopes(t *testing.T) {
	e := newEnv(t, envOpts{})
	_, a := connected(t, e)
	if len(a.Scopes) == 0 {
		t.Fatal("no scopes recorded at link")
	}
	tok, _, err := e.svc.Token(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	info, _ := e.sim.TokenInfo(tok)
	if !slices.Equal(a.Scopes, info.Scopes) {
		t.Errorf("recorded %v, the token has %v", a.Scopes, info.Scopes)
	}
}
