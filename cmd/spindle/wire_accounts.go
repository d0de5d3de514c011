package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/ingest/api"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// accountsParts holds what the accounts subsystem built that others need.
type accountsParts struct {
	// accounts links identities to Threads accounts, seals tokens and authorises every action.
	accounts *accounts.Service
	// identityNotifiers tells chat identities about their accounts ("Connected as @name");
	// chat doors add themselves by door name as they are wired.
	identityNotifiers accounts.ByDoor
}

// wireAccounts mounts OAuth linking (GET /api/auth/threads, its callback) and the REST API
// (issue 5). In sandbox mode it also links a demo account, @sandbox, so a fresh machine can
// publish at once.
func (a *app) wireAccounts(ctx context.Context) error {
	keys, err := accounts.NewKeys(a.cfg.SecretKeyBytes())
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	a.identityNotifiers = accounts.ByDoor{}
	a.accounts = accounts.New(accounts.Options{
		DB: a.db, Threads: a.threads, Keys: keys, PublicURL: a.cfg.PublicURL,
		SuccessRedirectURI: a.cfg.Threads.SuccessRedirectURI, FailureRedirectURI: a.cfg.Threads.FailureRedirectURI,
		Notifier: a.identityNotifiers, Logger: a.log.With(slog.String("component", "accounts")),
		// A takeover tells the authors of the posts it cancels, through the publisher's outbox.
		PostNotice: publisher.CancelledNotice,
	})
	oauth := a.accounts.Handler()
	a.router.Handle(accounts.StartPath, oauth).Methods("GET")
	a.router.Handle(accounts.CallbackPath, oauth).Methods("GET")

	h := api.New(api.Options{
		Accounts: a.accounts, Posts: a.db, Enqueuer: a.ingest, PublicURL: a.cfg.PublicURL,
		Deleter: lazyDeleter{a}, Logger: a.log.With(slog.String("door", "api")),
		Slots: publisher.Slots{Store: a.db, DailyPosts: a.cfg.Quota.Posts}, Zone: a.cfg.Timezone,
	})
	for _, p := range api.Prefixes {
		a.router.PathPrefix(p).Handler(h)
	}
	if a.sim != nil {
		return a.linkSandboxAccount(ctx, keys)
	}
	return nil
}

// linkSandboxAccount creates @sandbox in the simulator and links it, sealed like any account,
// owned by the identity api:sandbox; then it readies @sandbox_you for chat users (see
// sandboxChatUser).
// On restart the simulator is new, so the account is linked again with a fresh token.
func (a *app) linkSandboxAccount(ctx context.Context, keys *accounts.Keys) error {
	user := a.sim.AddUser("sandbox")
	token := a.sim.IssueToken(user.ID, a.cfg.Threads.DefaultScopes...)
	// The demo account is owned by the identity api:sandbox, so `spindle tokens create
	// --account sandbox` can make REST API tokens for it.
	owner, err := a.accounts.Identify(ctx, accounts.Identity{Door: accounts.DoorAPI, User: "sandbox", Name: "sandbox"})
	if err != nil {
		return fmt.Errorf("sandbox: demo owner: %w", err)
	}
	_, err = a.db.LinkAccount(ctx, storage.Account{
		ThreadsUserID: user.ID, Username: "sandbox",
		TokenSealed:    keys.Seal(token, user.ID),
		TokenExpiresAt: time.Now().Add(60 * 24 * time.Hour), TokenRefreshedAt: time.Now(),
	}, owner.ID)
	if err != nil {
		return fmt.Errorf("sandbox: link the demo account: %w", err)
	}
	a.log.Info("sandbox: demo account @sandbox is linked; try `spindle post \"Hello\" --account sandbox`")
	return a.sandboxChatUser(ctx, keys)
}

// lazyDeleter hands REST API deletions to the publisher, which is wired after the accounts.
type lazyDeleter struct{ a *app }

func (d lazyDeleter) Delete(ctx context.Context, postID string) error {
	if d.a.publisher == nil {
		return fmt.Errorf("deleting is not available: the publisher is not running")
	}
	return d.a.publisher.Delete(ctx, postID)
}
