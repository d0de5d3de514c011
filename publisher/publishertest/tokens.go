package publishertest

import (
	"context"
	"fmt"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Tokens is the test TokenSource: an account's access token is kept in clear in TokenSealed
// (the accounts package seals real ones). Like the real one, it answers ErrNeedsReconnect for
// an account that is not active or has no token, so its posts wait.
type Tokens struct{ DB *storage.DB }

// Token returns the account's token in clear and its Threads user id.
func (t Tokens) Token(ctx context.Context, id int64) (string, string, error) {
	a, err := t.DB.Account(ctx, id)
	if err != nil {
		return "", "", err
	}
	if a.Status != storage.AccountActive || len(a.TokenSealed) == 0 {
		return "", "", fmt.Errorf("account @%s: %w", a.Username, publisher.ErrNeedsReconnect)
	}
	return string(a.TokenSealed), a.ThreadsUserID, nil
}

// SaveRefreshed stores a refreshed token, in clear, only over from, the token it was refreshed
// from, as the accounts package does (storage.UpdateAccountToken).
func (t Tokens) SaveRefreshed(ctx context.Context, id int64, from, token string, expires time.Time) error {
	return t.DB.UpdateAccountToken(ctx, id, []byte(from), []byte(token), expires)
}

// Refused returns the stored token while it is token, as the accounts package does.
func (t Tokens) Refused(ctx context.Context, id int64, token string) ([]byte, error) {
	a, err := t.DB.Account(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case len(a.TokenSealed) > 0 && string(a.TokenSealed) != token:
		return nil, fmt.Errorf("account @%s: %w", a.Username, storage.ErrTokenReplaced)
	}
	return a.TokenSealed, nil
}
