package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// sandboxChatUsername is the simulated Threads account a chat user gets by /threads connect
// (Slack) or /connect (Telegram) in the sandbox. @sandbox itself belongs to api:sandbox, so
// consenting as it would answer "already connected to another user".
const sandboxChatUsername = "sandbox_you"

// sandboxChatUser creates @sandbox_you in the simulator and makes it the one who consents at
// the simulated authorize page. If a chat user linked it in an earlier run, its stored token
// is from that run's simulator, which died with the process: a fresh one is sealed in its
// place (the owner stays), so the account keeps publishing after a restart.
//
// The simulator numbers users from a fixed seed, so @sandbox and @sandbox_you, created in
// this order on every start, keep their Threads user ids and the stored rows still match.
func (a *app) sandboxChatUser(ctx context.Context, keys *accounts.Keys) error {
	user := a.sim.AddUser(sandboxChatUsername)
	a.sim.SetConsentUser(user.ID)
	acc, err := a.db.AccountByUsername(ctx, sandboxChatUsername)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && acc.Status == storage.AccountDisconnected) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox: read @%s: %w", sandboxChatUsername, err)
	}
	if acc.ThreadsUserID != user.ID {
		return fmt.Errorf("sandbox: @%s is stored with Threads user id %s but the simulator made %s; disconnect it (spindle accounts disconnect %s) and connect again",
			sandboxChatUsername, acc.ThreadsUserID, user.ID, sandboxChatUsername)
	}
	acc.TokenSealed = keys.Seal(a.sim.IssueToken(user.ID, a.cfg.Threads.DefaultScopes...), user.ID)
	acc.TokenExpiresAt, acc.TokenRefreshedAt = time.Now().Add(threadstest.LongTokenTTL), time.Now()
	acc.Scopes = a.cfg.Threads.DefaultScopes
	if _, err := a.db.SaveAccount(ctx, acc); err != nil {
		return fmt.Errorf("sandbox: renew @%s: %w", sandboxChatUsername, err)
	}
	return nil
}
