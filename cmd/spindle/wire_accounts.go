package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/api"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// buildAccounts builds the accounts service, which tells people about their accounts through
// their door (a.doors), and mounts OAuth linking (GET /api/auth/threads, its callback). In
// sandbox mode it also links a demo account, @sandbox, so a fresh machine can publish at once.
func (a *app) buildAccounts(ctx context.Context, keys *accounts.Keys) error {
	a.accounts = accounts.New(accounts.Options{
		DB: a.db, Now: a.db.Now, Threads: a.threads, Keys: keys, PublicURL: a.cfg.PublicURL,
		SuccessRedirectURI: a.cfg.Threads.SuccessRedirectURI, FailureRedirectURI: a.cfg.Threads.FailureRedirectURI,
		Notifier: a.doors, Logger: a.log.With(slog.String("component", "accounts")),
		// A takeover tells the authors of the posts it cancels, through the publisher's outbox.
		PostNotice: publisher.CancelledNotice,
	})
	oauth := a.accounts.Handler()
	a.router.Handle(accounts.StartPath, oauth).Methods("GET")
	a.router.Handle(accounts.CallbackPath, oauth).Methods("GET")
	if a.sim != nil {
		return a.linkSandboxAccount(ctx, keys)
	}
	return nil
}

// buildAPI mounts the REST API (issue 5), the door "api": its posts' results are read with
// GET /api/posts/{id}, and its identities are told nothing, so it registers no notifiers.
func (a *app) buildAPI() {
	h := api.New(api.Options{
		Now: a.db.Now, Accounts: a.accounts, Posts: a.db, Enqueuer: a.ingest, PublicURL: a.cfg.PublicURL,
		Deleter: a.publisher, Insights: a.publisher, Polls: a.publisher, Series: a.series, Approvals: a.db,
		Slots: publisher.Slots{Store: a.db, DailyPosts: a.cfg.Quota.Posts}, Zone: a.cfg.Timezone,
		Events: eventHooks{a.eventSubs, a.db},
		Logger: a.log.With(slog.String("door", "api")),
	})
	for _, p := range api.Prefixes {
		a.router.PathPrefix(p).Handler(h)
	}
	a.doors.register(ingest.DoorAPI, doorOffer{})
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
		Scopes: a.cfg.Threads.DefaultScopes,
	}, owner.ID)
	if err != nil {
		return fmt.Errorf("sandbox: link the demo account: %w", err)
	}
	a.log.Info("sandbox: demo account @sandbox is linked; try `spindle post \"Hello\" --account sandbox`")
	return a.sandboxChatUser(ctx, keys)
}
