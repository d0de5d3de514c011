package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// people sets up one account with an owner, a grantee, a revoked grantee and a stranger.
type people struct {
	owner, grantee, revoked, stranger Identity
	acct                              storage.Account
}

func setupPeople(t *testing.T, e *env) people {
	t.Helper()
	ctx := context.Background()
	p := people{owner: e.identify("owner"), stranger: e.identify("stranger")}
	var err error
	p.acct, err = e.db.LinkAccount(ctx, storage.Account{ThreadsUserID: "17841", Username: "brand",
		TokenSealed: e.svc.keys.Seal("tok", "17841"), TokenExpiresAt: e.clock.Now().Add(time.Hour)}, p.owner.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.grantee, err = e.svc.Grant(ctx, p.owner, p.acct.ID, Identity{Door: DoorTelegram, User: "grantee"}); err != nil {
		t.Fatal(err)
	}
	if p.revoked, err = e.svc.Grant(ctx, p.owner, p.acct.ID, Identity{Door: DoorTelegram, User: "revoked"}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Revoke(ctx, p.owner, p.acct.ID, p.revoked); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthorisationTable(t *testing.T) {
	actions := []struct {
		name string
		do   func(e *env, p people, who Identity) error
		may  map[string]bool // by role name
	}{
		{"post", func(e *env, p people, who Identity) error {
			return e.svc.CanPost(context.Background(), who, p.acct.ID)
		}, map[string]bool{"owner": true, "grantee": true}},
		{"manage", func(e *env, p people, who Identity) error {
			return e.svc.CanManage(context.Background(), who, p.acct.ID)
		}, map[string]bool{"owner": true}},
		{"resolve by name", func(e *env, p people, who Identity) error {
			_, err := e.svc.ResolveAccount(context.Background(), who, "@brand")
			return err
		}, map[string]bool{"owner": true, "grantee": true}},
		{"default account", func(e *env, p people, who Identity) error {
			a, err := e.svc.DefaultAccount(context.Background(), who)
			if err == nil && a.ID != p.acct.ID {
				return errors.New("wrong default")
			}
			return err
		}, map[string]bool{"owner": true, "grantee": true}},
		{"grant", func(e *env, p people, who Identity) error {
			_, err := e.svc.Grant(context.Background(), who, p.acct.ID, Identity{Door: DoorSlack, Team: "T1", User: "U9"})
			return err
		}, map[string]bool{"owner": true}},
		{"revoke", func(e *env, p people, who Identity) error {
			return e.svc.Revoke(context.Background(), who, p.acct.ID, p.grantee)
		}, map[string]bool{"owner": true}},
		{"pinned api token", func(e *env, p people, who Identity) error {
			_, _, err := e.svc.CreateAPITokenWith(context.Background(), who, TokenOptions{AccountID: p.acct.ID})
			return err
		}, map[string]bool{"owner": true, "grantee": true}},
		{"disconnect", func(e *env, p people, who Identity) error {
			_, err := e.svc.Disconnect(context.Background(), who, p.acct.ID)
			return err
		}, map[string]bool{"owner": true}},
	}
	for _, a := range actions {
		for _, role := range []string{"owner", "grantee", "revoked", "stranger"} {
			t.Run(a.name+"/"+role, func(t *testing.T) {
				t.Parallel()
				e := newEnv(t, envOpts{})
				p := setupPeople(t, e)
				who := map[string]Identity{"owner": p.owner, "grantee": p.grantee, "revoked": p.revoked, "stranger": p.stranger}[role]
				err := a.do(e, p, who)
				switch {
				case a.may[role] && err != nil:
					t.Errorf("%s may %s, got %v", role, a.name, err)
				case !a.may[role] && err == nil:
					t.Errorf("%s may not %s, but it succeeded", role, a.name)
				case !a.may[role] && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNoAccount):
					t.Errorf("%s refused with %v, want ErrForbidden or ErrNoAccount", role, err)
				}
				if err != nil && strings.Contains(err.Error(), "tok") && !strings.Contains(err.Error(), "token") {
					t.Errorf("error mentions the token: %v", err)
				}
			})
		}
	}
}

func TestDefaultAccountChoice(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	p := setupPeople(t, e)
	second, err := e.db.LinkAccount(ctx, storage.Account{ThreadsUserID: "17842", Username: "second",
		TokenSealed: e.svc.keys.Seal("t2", "17842"), TokenExpiresAt: e.clock.Now().Add(time.Hour)}, p.stranger.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Grant(ctx, p.stranger, second.ID, p.grantee); err != nil {
		t.Fatal(err)
	}
	// Granted two, owns none, chose none: ambiguous, and the message names both.
	_, err = e.svc.DefaultAccount(ctx, p.grantee)
	if !errors.Is(err, ErrAmbiguousAccount) || !strings.Contains(err.Error(), "@brand, @second") {
		t.Fatalf("DefaultAccount = %v", err)
	}
	if _, err := e.svc.SetDefault(ctx, p.grantee, "second"); err != nil {
		t.Fatal(err)
	}
	if a, err := e.svc.DefaultAccount(ctx, p.grantee); err != nil || a.ID != second.ID {
		t.Fatalf("after SetDefault: %+v, %v", a, err)
	}
	// Revoking the default's grant forgets the choice.
	if err := e.svc.Revoke(ctx, p.stranger, second.ID, p.grantee); err != nil {
		t.Fatal(err)
	}
	if a, err := e.svc.DefaultAccount(ctx, p.grantee); err != nil || a.ID != p.acct.ID {
		t.Fatalf("after revoke: %+v, %v", a, err)
	}
	if _, err := e.svc.SetDefault(ctx, p.revoked, "brand"); !errors.Is(err, ErrForbidden) {
		t.Errorf("revoked grantee set a default: %v", err)
	}
	if _, err := e.svc.DefaultAccount(ctx, e.identify("nobody")); !errors.Is(err, ErrNoAccount) || !strings.Contains(err.Error(), "send connect") {
		t.Errorf("no account: %v", err)
	}
}

func TestAPITokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	p := setupPeople(t, e)
	plain, tok, err := e.svc.CreateAPITokenWith(ctx, p.grantee, TokenOptions{Name: "ci", AccountID: p.acct.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(plain, "spd_") || len(plain) != apiTokenLen || !strings.HasPrefix(plain, tok.Prefix) {
		t.Fatalf("token %q prefix %q", plain, tok.Prefix)
	}
	c, err := e.svc.Authenticate(ctx, "Bearer "+plain)
	if err != nil || c.Identity.ID != p.grantee.ID || c.Token.AccountID != p.acct.ID {
		t.Fatalf("Authenticate = %+v, %v", c, err)
	}
	if _, err := e.svc.Authenticate(ctx, "Basic "+plain); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("Basic scheme: %v", err)
	}
	if err := e.svc.RevokeAPIToken(ctx, p.stranger, tok.ID); !errors.Is(err, ErrForbidden) {
		t.Errorf("stranger revoked a token: %v", err)
	}
	if err := e.svc.RevokeAPIToken(ctx, p.grantee, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Authenticate(ctx, "Bearer "+plain); !errors.Is(err, ErrTokenRevoked) {
		t.Errorf("revoked token: %v", err)
	}
	if err := e.svc.RevokeAPIToken(ctx, p.grantee, tok.ID); err == nil {
		t.Error("revoked twice")
	}
	list, _ := e.svc.APITokens(ctx, p.grantee)
	if len(list) != 1 || list[0].RevokedAt.IsZero() {
		t.Errorf("list = %+v", list)
	}
}
