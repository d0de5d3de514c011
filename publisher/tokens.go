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
	if err != nil {
		if threads.IsRetryable(err) {
			return fmt.Errorf("refresh token of @%s (will retry): %w", a.Username, err)
		}
		return p.needsReconnect(ctx, a, "Threads refused to refresh the access token of @"+a.Username+": "+reasonOf(err))
	}
	expires := now.Add(t.ExpiresIn)
	if t.ExpiresIn <= 0 {
		expires = now.Add(60 * 24 * time.Hour)
	}
	if err := p.toks.SaveRefreshed(ctx, a.ID, t.AccessToken, expires); err != nil {
		return fmt.Errorf("store refreshed token of @%s: %w", a.Username, err)
	}
	p.log.Info("refreshed Threads access token", slog.Int64("account", a.ID), slog.String("username", a.Username),
		slog.Time("expires", expires))
	return nil
}

// needsReconnect marks the account and tells its owner (Notifiers[""]) once.
func (p *Publisher) needsReconnect(ctx context.Context, a storage.Account, why string) error {
	now := p.now()
	ev := Event{Kind: EventNeedsReconnect, AccountID: a.ID, At: now,
		Reason: why + " — " + RelinkHint + "; its posts wait until then"}
	changed, err := p.store.MarkNeedsReconnect(ctx, a.ID,
		[]storage.OutboxEvent{p.outboxEvent(ev, fmt.Sprintf("account:%d:reconnect:%d", a.ID, now.UnixMilli()))})
	if err != nil {
		return err
	}
	if changed {
		p.log.Warn("account needs to be linked again", slog.Int64("account", a.ID), slog.String("username", a.Username))
		p.deliverSoon()
	}
	return nil
}
