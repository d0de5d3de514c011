package accounts

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Token returns the access token and Threads user id to publish as accountID; it is the
// publisher's token source. An account that is disconnected or waiting for a reconnect fails
// with ErrNotConnected or ErrNeedsReconnect; a token past its expiry, or sealed under another
// secret key, marks the account for reconnecting and fails with ErrNeedsReconnect (and
// ErrWrongKey). The token is never logged.
func (s *Service) Token(ctx context.Context, accountID int64) (token, threadsUserID string, err error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return "", "", fmt.Errorf("accounts: %w", err)
	}
	if token, err = s.open(ctx, a); err != nil {
		return "", "", err
	}
	return token, a.ThreadsUserID, nil
}

// open is Token for an account already read. Refresh needs the token in clear and the sealed
// bytes it came from out of one read, so that it stores its result only over that token.
func (s *Service) open(ctx context.Context, a storage.Account) (string, error) {
	switch {
	case a.Status == storage.AccountDisconnected || len(a.TokenSealed) == 0:
		return "", fmt.Errorf("@%s was disconnected; its owner must %s: %w", a.Username, publisher.RelinkHint, ErrNotConnected)
	case a.Status == storage.AccountNeedsReconnect:
		return "", fmt.Errorf("@%s must be connected again: its owner must %s: %w", a.Username, publisher.RelinkHint, ErrNeedsReconnect)
	case !a.TokenExpiresAt.IsZero() && !s.now().Before(a.TokenExpiresAt):
		reason := "its access token expired on " + a.TokenExpiresAt.UTC().Format(time.DateOnly)
		_ = s.markRefused(ctx, a, reason)
		return "", fmt.Errorf("@%s: %s; its owner must %s: %w", a.Username, reason, publisher.RelinkHint, ErrNeedsReconnect)
	}
	tok, err := s.keys.Open(a.TokenSealed, a.ThreadsUserID)
	if err != nil {
		_ = s.markRefused(ctx, a, err.Error())
		return "", fmt.Errorf("@%s: %w: %w", a.Username, ErrNeedsReconnect, err)
	}
	return tok, nil
}

// MarkNeedsReconnect records that accountID's token no longer works (expired, revoked at
// Threads): posts wait, and the owner is told to connect again. Already-marked accounts are
// left alone.
func (s *Service) MarkNeedsReconnect(ctx context.Context, accountID int64, reason string) error {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	return s.markRefused(ctx, a, reason)
}

// markRefused is MarkNeedsReconnect for the token of a, as read before the call Threads
// refused: an account that holds another token by now (linked again during the call, on any
// replica) is left active, since its new token is not the one refused.
func (s *Service) markRefused(ctx context.Context, a storage.Account, reason string) error {
	if a.Status != storage.AccountActive {
		return nil
	}
	changed, err := s.accts.MarkNeedsReconnect(ctx, a.ID, a.TokenSealed, nil)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if !changed {
		return nil
	}
	s.log.WarnContext(ctx, "threads account needs reconnecting", slog.Int64("account_id", a.ID),
		slog.String("username", a.Username), slog.String("reason", reason))
	s.notifyOwner(ctx, a.ID, fmt.Sprintf("Threads account @%s must be connected again: %s. Send connect; queued posts wait until then.", a.Username, reason))
	return nil
}

// Refresh renews accountID's long-lived token for another 60 days and stores it sealed. A
// token Threads refuses (expired or revoked) marks the account for reconnecting. Threads
// refuses to refresh tokens younger than 24 hours; that comes back as a *threads.Error too.
//
// The new token is stored only over the token it was refreshed from (see
// storage.UpdateAccountToken). If another token was stored during the round trip (the owner
// linked the account again, or another replica refreshed it), that newer token stays and the
// account is answered as it now stands: the caller wanted a fresh token, and it has one.
func (s *Service) Refresh(ctx context.Context, accountID int64) (storage.Account, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	tok, err := s.open(ctx, a)
	if err != nil {
		return storage.Account{}, err
	}
	if age := s.now().Sub(a.TokenRefreshedAt); !a.TokenRefreshedAt.IsZero() && age < 24*time.Hour {
		return a, fmt.Errorf("@%s: the token is %s old and Threads refreshes tokens only once they are 24 hours old; it is valid until %s: %w",
			a.Username, age.Round(time.Minute), a.TokenExpiresAt.UTC().Format(time.RFC3339), ErrTooYoung)
	}
	nt, err := s.threads.Refresh(ctx, tok)
	if err != nil {
		if threads.IsAuth(err) {
			_ = s.markRefused(ctx, a, "Threads no longer accepts its access token")
		}
		return storage.Account{}, fmt.Errorf("@%s: refresh: %w", a.Username, err)
	}
	ttl := nt.ExpiresIn
	if ttl <= 0 {
		ttl = 60 * 24 * time.Hour
	}
	err = s.accts.UpdateAccountToken(ctx, accountID, a.TokenSealed, s.keys.Seal(nt.AccessToken, a.ThreadsUserID), s.now().Add(ttl))
	if errors.Is(err, storage.ErrTokenReplaced) {
		return s.superseded(ctx, accountID)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: @%s: %w", a.Username, err)
	}
	s.log.InfoContext(ctx, "threads token refreshed", slog.Int64("account_id", accountID), slog.String("username", a.Username))
	return s.accts.Account(ctx, accountID)
}

// superseded answers a refresh whose token was dropped because a newer state was stored during
// its round trip: the account as it now stands. That is a success when the account is active
// (its newer token is as fresh as the dropped one); an account marked needs_reconnect or
// disconnected meanwhile fails as Token does, since no token of it works.
func (s *Service) superseded(ctx context.Context, accountID int64) (storage.Account, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	s.log.InfoContext(ctx, "threads token changed during a refresh; the newer one is kept",
		slog.Int64("account_id", accountID), slog.String("username", a.Username), slog.String("status", string(a.Status)))
	if _, err := s.open(ctx, a); err != nil {
		return storage.Account{}, err
	}
	return a, nil
}

// ErrTooYoung means a token was refreshed less than 24 hours ago; Threads would refuse.
var ErrTooYoung = httperr.New(http.StatusConflict, httperr.CodeTooYoung, "token too young to refresh")

// RefreshDue refreshes every active account whose token expires within `within` (the guide
// says 7 days) and is old enough to refresh. It returns how many were refreshed and the
// failures joined; one account's failure does not stop the others.
func (s *Service) RefreshDue(ctx context.Context, within time.Duration) (int, error) {
	due, err := s.accts.AccountsExpiringBefore(ctx, s.now().Add(within))
	if err != nil {
		return 0, fmt.Errorf("accounts: %w", err)
	}
	var (
		n    int
		errs []error
	)
	for _, a := range due {
		if _, err := s.Refresh(ctx, a.ID); err != nil {
			if !errors.Is(err, ErrTooYoung) {
				errs = append(errs, err)
			}
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Profile reads accountID's Threads profile with its token.
func (s *Service) Profile(ctx context.Context, accountID int64) (threads.Profile, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return threads.Profile{}, fmt.Errorf("accounts: %w", err)
	}
	tok, err := s.open(ctx, a)
	if err != nil {
		return threads.Profile{}, err
	}
	p, err := s.threads.Me(ctx, tok)
	if err != nil {
		if threads.IsAuth(err) {
			_ = s.markRefused(ctx, a, "Threads no longer accepts its access token")
		}
		return threads.Profile{}, err
	}
	return p, nil
}

// Disconnect disconnects accountID on id's request; only its owner may.
func (s *Service) Disconnect(ctx context.Context, id Identity, accountID int64) (storage.Account, error) {
	if err := s.CanManage(ctx, id, accountID); err != nil {
		return storage.Account{}, err
	}
	return s.DisconnectAccount(ctx, accountID, id.String())
}

// DisconnectAccount deletes accountID's token and marks it disconnected: its queued posts
// stay queued, held until it is connected again (the publisher leases only active accounts),
// the feeds and webhook sources its owner added are paused, and its owner is told. by says who asked, for that message. Ownership and grants are kept,
// so a reconnect by the owner picks up where it left off; another identity may then connect
// the same Threads account and become its owner, which drops the old owner's grants.
func (s *Service) DisconnectAccount(ctx context.Context, accountID int64, by string) (storage.Account, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	if err := s.accts.SetAccountStatus(ctx, accountID, storage.AccountDisconnected); err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	queued, err := s.dependents.List(ctx, storage.ListFilter{AccountID: accountID, States: []storage.State{storage.StateQueued}, Limit: 1000})
	if err != nil {
		s.log.WarnContext(ctx, "could not count held posts", slog.String("error", err.Error()))
	}
	s.log.InfoContext(ctx, "threads account disconnected", slog.Int64("account_id", accountID),
		slog.String("username", a.Username), slog.String("by", by), slog.Int("held_posts", len(queued)))
	msg := fmt.Sprintf("Threads account @%s was disconnected", a.Username)
	if by != "" {
		msg += " by " + by
	}
	msg += " and its access token deleted."
	if len(queued) > 0 {
		msg += fmt.Sprintf(" %d queued post(s) are held until you connect it again; cancel them with cancel <id> if they should not go out.", len(queued))
	}
	// The owner's own feeds and webhooks stop with the account; resume them after connecting
	// again. If someone else connects it instead, the held posts are cancelled (link).
	if owner, err := s.access.AccountOwner(ctx, accountID); err == nil {
		msg += pausedSentence(s.pauseAddedBy(ctx, accountID, owner.ID, fmt.Sprintf("paused: @%s was disconnected", a.Username)))
	}
	s.notifyOwner(ctx, accountID, msg)
	return s.accts.Account(ctx, accountID)
}

// SaveRefreshed seals and stores token, which a refresh elsewhere (the publisher's refresh
// job) obtained from the token from, with its expiry. Like Refresh, it stores it only if the
// account still holds from and is active: if the owner linked it again or another refresh
// stored a token during the round trip, that newer token stays and the error wraps
// storage.ErrTokenReplaced, which the caller treats as done by someone else. A disconnected
// account is left alone: the error wraps storage.ErrNotFound.
func (s *Service) SaveRefreshed(ctx context.Context, accountID int64, from, token string, expiresAt time.Time) error {
	a, err := s.holding(ctx, accountID, from)
	if err != nil {
		return err
	}
	if a.Status == storage.AccountDisconnected || len(a.TokenSealed) == 0 {
		return fmt.Errorf("accounts: @%s was disconnected: %w", a.Username, storage.ErrNotFound)
	}
	if err := s.accts.UpdateAccountToken(ctx, accountID, a.TokenSealed, s.keys.Seal(token, a.ThreadsUserID), expiresAt); err != nil {
		return fmt.Errorf("accounts: @%s: %w", a.Username, err)
	}
	return nil
}

// Refused returns the sealed bytes accountID holds while they are token, the one Threads
// refused, for the write that marks the account to compare (publisher.TokenSource).
func (s *Service) Refused(ctx context.Context, accountID int64, token string) ([]byte, error) {
	a, err := s.holding(ctx, accountID, token)
	if err != nil {
		return nil, err
	}
	return a.TokenSealed, nil
}

// holding reads accountID and checks that it holds token, unless it was disconnected. The
// sealed bytes differ at each sealing, so the token in clear is compared with the one stored;
// the caller's write then compares the sealed bytes read here.
func (s *Service) holding(ctx context.Context, accountID int64, token string) (storage.Account, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	if a.Status == storage.AccountDisconnected || len(a.TokenSealed) == 0 {
		return a, nil
	}
	held, err := s.keys.Open(a.TokenSealed, a.ThreadsUserID)
	if err != nil || subtle.ConstantTimeCompare([]byte(held), []byte(token)) != 1 {
		return storage.Account{}, fmt.Errorf("accounts: @%s: %w", a.Username, storage.ErrTokenReplaced)
	}
	return a, nil
}
