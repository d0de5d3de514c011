package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func identity(t *testing.T, db *storage.DB, user string) storage.Identity {
	t.Helper()
	i, err := db.UpsertIdentity(context.Background(), storage.Identity{Door: "telegram", User: user, Name: "@" + user})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestUpsertIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	a := identity(t, db, "1")
	b, err := db.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "1", ChatRef: []byte(`{"chat":1}`)})
	if err != nil || b.ID != a.ID || b.Name != "@1" || string(b.ChatRef) != `{"chat":1}` {
		t.Fatalf("second upsert = %+v, %v (first %+v)", b, err, a)
	}
	// Doors identify the person on every command: when nothing changed, nothing is written.
	w := storagetest.Watch(t, db)
	before := w.Version(t)
	for _, same := range []storage.Identity{{Door: "telegram", User: "1"}, {Door: "telegram", User: "1", Name: "@1", ChatRef: []byte(`{"chat":1}`)}} {
		if c, err := db.UpsertIdentity(ctx, same); err != nil || c.ID != a.ID || string(c.ChatRef) != `{"chat":1}` {
			t.Fatalf("upsert of an unchanged identity = %+v, %v", c, err)
		}
	}
	if after := w.Version(t); after != before {
		t.Errorf("an unchanged identity was written (data_version %d → %d)", before, after)
	}
	if c, err := db.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "1", Name: "@renamed"}); err != nil || c.Name != "@renamed" || w.Version(t) == before {
		t.Errorf("a new name = %+v, %v; written: %v", c, err, w.Version(t) != before)
	}
	other, _ := db.UpsertIdentity(ctx, storage.Identity{Door: "slack", Team: "T1", User: "1"})
	if other.ID == a.ID {
		t.Error("a Slack user and a Telegram user with the same id are one identity")
	}
	if _, err := db.UpsertIdentity(ctx, storage.Identity{Door: "irc", User: "x"}); err == nil {
		t.Error("unknown door accepted")
	}
	got, err := db.IdentityByKey(ctx, "slack", "T1", "1")
	if err != nil || got.ID != other.ID {
		t.Errorf("IdentityByKey = %+v, %v", got, err)
	}
	if _, err := db.IdentityByKey(ctx, "slack", "T2", "1"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown key: %v", err)
	}
}

func TestLinkAccountOwnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	alice, bob := identity(t, db, "alice"), identity(t, db, "bob")
	acct := storage.Account{ThreadsUserID: "1784", Username: "@brand", TokenSealed: []byte("s1"), TokenExpiresAt: time.Now().Add(time.Hour)}
	a, err := db.LinkAccount(ctx, acct, alice.ID)
	if err != nil || a.Username != "brand" || a.Status != storage.AccountActive {
		t.Fatalf("LinkAccount = %+v, %v", a, err)
	}
	acct.TokenSealed = []byte("s2")
	if _, err := db.LinkAccount(ctx, acct, bob.ID); !errors.Is(err, storage.ErrOwnedByOther) {
		t.Fatalf("bob took alice's account: %v", err)
	}
	if got, _ := db.Account(ctx, a.ID); string(got.TokenSealed) != "s1" {
		t.Error("a refused link replaced the token")
	}
	// The owner reconnecting updates the token.
	if got, err := db.LinkAccount(ctx, acct, alice.ID); err != nil || string(got.TokenSealed) != "s2" {
		t.Errorf("reconnect = %+v, %v", got, err)
	}
	if r, _ := db.Role(ctx, alice.ID, a.ID); r != storage.RoleOwner {
		t.Errorf("alice's role = %q", r)
	}
	if err := db.GrantAccess(ctx, a.ID, bob.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.GrantAccess(ctx, a.ID, bob.ID, alice.ID); err != nil {
		t.Errorf("granting twice: %v", err)
	}
	if r, _ := db.Role(ctx, bob.ID, a.ID); r != storage.RoleGrantee {
		t.Errorf("bob's role = %q", r)
	}
	acc, err := db.AccessFor(ctx, bob.ID)
	if err != nil || len(acc) != 1 || acc[0].Role != storage.RoleGrantee || acc[0].Account.ID != a.ID {
		t.Errorf("AccessFor(bob) = %+v, %v", acc, err)
	}
	// Listed by username, owned and granted alike.
	for i, name := range []string{"zed", "acme"} {
		own := storage.Account{ThreadsUserID: fmt.Sprint(2000 + i), Username: name, TokenSealed: []byte("s"), TokenExpiresAt: time.Now().Add(time.Hour)}
		if _, err := db.LinkAccount(ctx, own, bob.ID); err != nil {
			t.Fatal(err)
		}
	}
	acc, err = db.AccessFor(ctx, bob.ID)
	var names []string
	for _, x := range acc {
		names = append(names, x.Account.Username)
	}
	if err != nil || strings.Join(names, " ") != "acme brand zed" {
		t.Errorf("AccessFor(bob) lists %v, %v; want acme brand zed", names, err)
	}
	gs, err := db.Grants(ctx, a.ID)
	if err != nil || len(gs) != 1 || gs[0].Identity.ID != bob.ID || gs[0].GrantedBy != alice.ID {
		t.Errorf("Grants = %+v, %v", gs, err)
	}
	carol := identity(t, db, "carol")
	db.GrantAccess(ctx, a.ID, carol.ID, alice.ID)
	// Disconnected, the account may be taken over; bob's grant turns into ownership, and the
	// grants alice gave are gone.
	if err := db.SetAccountStatus(ctx, a.ID, storage.AccountDisconnected); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LinkAccount(ctx, acct, bob.ID); err != nil {
		t.Fatalf("take over: %v", err)
	}
	if r, _ := db.Role(ctx, bob.ID, a.ID); r != storage.RoleOwner {
		t.Errorf("bob's role after takeover = %q", r)
	}
	if r, _ := db.Role(ctx, alice.ID, a.ID); r != storage.RoleNone {
		t.Errorf("alice's role after takeover = %q", r)
	}
	if r, _ := db.Role(ctx, carol.ID, a.ID); r != storage.RoleNone {
		t.Errorf("carol's role after takeover = %q", r)
	}
	if err := db.RevokeAccess(ctx, a.ID, alice.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("revoke a grant that does not exist: %v", err)
	}
}

// Two identities linking the same Threads account at once: exactly one wins.
func TestLinkAccountRace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	var ids []int64
	for _, u := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		ids = append(ids, identity(t, db, u).ID)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.LinkAccount(ctx, storage.Account{ThreadsUserID: "1", Username: "x", TokenSealed: []byte("t")}, id)
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else if !errors.Is(err, storage.ErrOwnedByOther) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d identities own the account", wins)
	}
}

func TestLinkTokensAndStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	id := identity(t, db, "1")
	h := []byte("0123456789abcdef0123456789abcdef")
	if err := db.CreateLinkToken(ctx, h, id.ID, clock.Now().Add(15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UseLinkToken(ctx, []byte("nope")); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("unknown link: %v", err)
	}
	got, err := db.UseLinkToken(ctx, h)
	if err != nil || got != id.ID {
		t.Fatalf("UseLinkToken = %d, %v", got, err)
	}
	if _, err := db.UseLinkToken(ctx, h); !errors.Is(err, storage.ErrUsed) {
		t.Errorf("second use: %v", err)
	}
	h2 := []byte("another-hash")
	db.CreateLinkToken(ctx, h2, id.ID, clock.Now().Add(15*time.Minute))
	clock.Advance(15 * time.Minute)
	if _, err := db.UseLinkToken(ctx, h2); !errors.Is(err, storage.ErrExpired) {
		t.Errorf("expired link: %v", err)
	}

	nonce := []byte("nonce-1")
	if err := db.UseOAuthState(ctx, nonce, clock.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.UseOAuthState(ctx, nonce, clock.Now().Add(time.Minute)); !errors.Is(err, storage.ErrUsed) {
		t.Errorf("replayed state: %v", err)
	}
}

func TestAPITokensStorage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	id := identity(t, db, "1")
	acct := storagetest.Account(t, db, "brand")
	tok, err := db.CreateAPIToken(ctx, []byte("h1"), storage.APIToken{Prefix: "spd_abcd", IdentityID: id.ID, AccountID: acct.ID, Name: "ci"})
	if err != nil || tok.ID == 0 || tok.AccountID != acct.ID || tok.CreatedAt.IsZero() {
		t.Fatalf("CreateAPIToken = %+v, %v", tok, err)
	}
	if _, err := db.CreateAPIToken(ctx, []byte("h1"), storage.APIToken{Prefix: "x", IdentityID: id.ID}); err == nil {
		t.Error("a duplicate hash was stored")
	}
	got, err := db.APITokenByHash(ctx, []byte("h1"))
	if err != nil || got.ID != tok.ID {
		t.Fatalf("by hash = %+v, %v", got, err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.TouchAPIToken(ctx, tok.ID, now)
	if err := db.RevokeAPIToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeAPIToken(ctx, tok.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("revoke twice: %v", err)
	}
	list, _ := db.APITokens(ctx, id.ID)
	if len(list) != 1 || list[0].RevokedAt.IsZero() || !list[0].LastUsedAt.Equal(now) {
		t.Errorf("list = %+v", list)
	}
	if other, _ := db.APITokens(ctx, id.ID+99); len(other) != 0 {
		t.Errorf("another identity's list = %+v", other)
	}
}

func TestAccountsExpiringAndMediaLookup(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	soon := storagetest.Account(t, db, "soon")
	if err := db.UpdateAccountToken(ctx, soon.ID, soon.TokenSealed, []byte("x"), clock.Now().Add(3*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	storagetest.Account(t, db, "later") // 60 days
	due, err := db.AccountsExpiringBefore(ctx, clock.Now().Add(7*24*time.Hour))
	if err != nil || len(due) != 1 || due[0].Username != "soon" {
		t.Fatalf("due = %+v, %v", due, err)
	}
	if _, err := db.PostByMediaID(ctx, ""); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("empty media id: %v", err)
	}
	p, _, _ := db.Enqueue(ctx, storage.NewPost{AccountID: soon.ID, Door: "api", Text: "x"})
	leased, _ := db.Lease(ctx, 1, time.Minute)
	if len(leased) != 1 {
		t.Fatalf("leased %d", len(leased))
	}
	db.Complete(ctx, storage.LeaseOf(leased[0]), "1790", "https://x")
	got, err := db.PostByMediaID(ctx, "1790")
	if err != nil || got.ID != p.ID {
		t.Errorf("PostByMediaID = %+v, %v", got, err)
	}
}
