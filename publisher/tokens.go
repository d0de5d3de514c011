package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// tokenMinAge is how old a long-lived token must be before Threads refreshes it.
const tokenMinAge = 24 * time.Hour

// RefreshTokens is the token job: every active account's long-lived token that is at least a
// day old and expires within RefreshBefore is refreshed and stored. A token Threads refuses
// (or one already expired) marks the account needs_reconnect and tells its owner once; a
// transient failure is tried again at the next run.
func (p *Publisher) RefreshTokens(ctx context.Context) error {
	accounts, err := p.store.Accounts(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range accounts {
		if err := p.refreshOne(ctx, a); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (p *Publisher) refreshOne(ctx context.Context, a storage.Account) error {
	now := p.now()
	if a.Status != storage.AccountActive || a.TokenExpiresAt.IsZero() {
		return nil
	}
	issued := a.TokenRefreshedAt
	if issued.IsZero() {
		issued = a.CreatedAt
	}
	if a.TokenExpiresAt.Sub(now) >= p.opts.RefreshBefore || now.Sub(issued) < tokenMinAge {
		return nil
	}
	if !a.TokenExpiresAt.After(now) {
		return p.needsReconnect(ctx, a, "the Threads access token of @"+a.Username+" expired")
	}
	token, _, err := p.toks.Token(ctx, a.ID)
	if p.parked(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("refresh token of @%s: %w", a.Username, err)
	}
	t, err := p.api.Refresh(ctx, token)
	switch {
	case err == nil:
	case threads.IsAuth(err):
		// The token itself is dead (revoked, expired, session invalidated): nothing works
		// with it any more.
		return p.needsReconnect(ctx, a, "Threads refused to refresh the access token of @"+a.Username+": "+reasonOf(err))
	case threads.IsRetryable(err):
		if a.TokenExpiresAt.Sub(now) < TokenWarnBefore {
			if werr := p.warnExpiring(ctx, a, reasonOf(err)); werr != nil {
				return werr
			}
		}
		return fmt.Errorf("refresh token of @%s (will retry): %w", a.Username, err)
	default:
		// Threads will not refresh this token, but it works until it expires: say so now,
		// while there is time to link again, and keep publishing until then.
		return p.warnExpiring(ctx, a, reasonOf(err))
	}
	expires := now.Add(t.ExpiresIn)
	if t.ExpiresIn <= 0 {
		expires = now.Add(60 * 24 * time.Hour)
	}
	err = p.toks.SaveRefreshed(ctx, a.ID, token, t.AccessToken, expires)
	if errors.Is(err, storage.ErrTokenReplaced) || errors.Is(err, storage.ErrNotFound) {
		// A newer state was stored during the round trip: the owner linked the account again,
		// another replica refreshed it, or it was marked needs_reconnect or disconnected. That
		// state stands and this token is dropped; nothing is wrong with the account for it.
		p.log.Info("access token changed during its refresh; the newer state is kept", slog.Int64("account_id", a.ID),
			slog.String("username", a.Username))
		return nil
	}
	if err != nil {
		return fmt.Errorf("store refreshed token of @%s: %w", a.Username, err)
	}
	p.log.Info("refreshed Threads access token", slog.Int64("account_id", a.ID), slog.String("username", a.Username),
		slog.Time("expires", expires))
	return nil
}

// TokenWarnBefore is how long before a token that cannot be refreshed expires its owner is
// warned (once per token).
const TokenWarnBefore = 7 * 24 * time.Hour

// warnExpiring tells the account's owner, once per token, that its token could not be
// refreshed and when it stops working.
func (p *Publisher) warnExpiring(ctx context.Context, a storage.Account, why string) error {
	ev := Event{Kind: EventTokenExpiring, AccountID: a.ID, At: p.now(), Until: a.TokenExpiresAt,
		Reason: fmt.Sprintf("the Threads access token of @%s could not be refreshed (%s) and stops working at %s — %s before then; posts go out until then",
			a.Username, why, a.TokenExpiresAt.UTC().Format("2006-01-02 15:04 MST"), RelinkHint)}
	key := fmt.Sprintf("account:%d:expiring:%d", a.ID, a.TokenExpiresAt.UnixMilli())
	if err := p.store.AddOutbox(ctx, p.outboxEvent(ev, key)); err != nil {
		return fmt.Errorf("warn the owner of @%s: %w", a.Username, err)
	}
	p.log.Warn("access token cannot be refreshed", slog.Int64("account_id", a.ID), slog.String("username", a.Username),
		slog.Time("expires", a.TokenExpiresAt))
	p.deliverSoon()
	return nil
}

// needsReconnect marks the account and tells its owner (the Notifier of door "") once. It
// marks it only while it holds the token of a, as read before the refused call: a token stored
// since (the owner linked the account again) stands (storage.MarkNeedsReconnect).
func (p *Publisher) needsReconnect(ctx context.Context, a storage.Account, why string) error {
	now := p.now()
	ev := Event{Kind: EventNeedsReconnect, AccountID: a.ID, At: now,
		Reason: why + " — " + RelinkHint + "; its posts wait until then"}
	changed, err := p.store.MarkNeedsReconnect(ctx, a.ID, a.TokenSealed,
		[]storage.OutboxEvent{p.outboxEvent(ev, fmt.Sprintf("account:%d:reconnect:%d", a.ID, now.UnixMilli()))})
	if err != nil {
		return err
	}
	if changed {
		p.log.Warn("account needs to be linked again", slog.Int64("account_id", a.ID), slog.String("username", a.Username))
		p.deliverSoon()
	}
	return nil
}
