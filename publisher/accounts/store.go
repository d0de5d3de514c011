package accounts

import (
	"context"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// The storage the Service needs, as small interfaces defined here where they are used, one per
// concern, so a test can fake the one a method touches. *storage.DB implements them all.

// IdentityStore keeps the people the doors know and the default account each chose.
type IdentityStore interface {
	UpsertIdentity(ctx context.Context, i storage.Identity) (storage.Identity, error)
	Identity(ctx context.Context, id int64) (storage.Identity, error)
	IdentityByKey(ctx context.Context, door, team, user string) (storage.Identity, error)
	SetDefaultAccount(ctx context.Context, identityID, accountID int64) error
}

// AccountStore keeps linked Threads accounts and their sealed tokens.
type AccountStore interface {
	Account(ctx context.Context, id int64) (storage.Account, error)
	AccountByUsername(ctx context.Context, username string) (storage.Account, error)
	AccountsExpiringBefore(ctx context.Context, t time.Time) ([]storage.Account, error)
	SetAccountStatus(ctx context.Context, id int64, s storage.AccountStatus) error
	// MarkNeedsReconnect marks an active account that still holds the sealed token refused.
	MarkNeedsReconnect(ctx context.Context, accountID int64, refused []byte, events []storage.OutboxEvent) (bool, error)
	// UpdateAccountToken stores a refreshed token only if the account still holds from, the
	// sealed token the refresh started from (storage.ErrTokenReplaced otherwise).
	UpdateAccountToken(ctx context.Context, id int64, from, sealed []byte, expires time.Time) error
	// LinkAccountWith stores a linked account and its owner in one transaction, taking it over
	// (cancelling the previous owner's held posts) when another identity owned it.
	LinkAccountWith(ctx context.Context, a storage.Account, identityID int64, o storage.LinkOptions) (storage.Account, storage.Takeover, error)
}

// AccessStore keeps who owns each account and who was granted it.
type AccessStore interface {
	Role(ctx context.Context, identityID, accountID int64) (storage.Role, error)
	AccessFor(ctx context.Context, identityID int64) ([]storage.Access, error)
	AccountOwner(ctx context.Context, accountID int64) (storage.Identity, error)
	Grants(ctx context.Context, accountID int64) ([]storage.Grant, error)
	GrantAccess(ctx context.Context, accountID, identityID, grantedBy int64) error
	RevokeAccess(ctx context.Context, accountID, identityID int64) error
}

// LinkStore spends the single-use secrets of linking: connect links and OAuth states.
type LinkStore interface {
	CreateLinkToken(ctx context.Context, hash []byte, identityID int64, expires time.Time) error
	UseLinkToken(ctx context.Context, hash []byte) (identityID int64, err error)
	UseOAuthState(ctx context.Context, nonce []byte, expires time.Time) error
}

// APITokenStore keeps the REST API's bearer tokens, by hash.
type APITokenStore interface {
	CreateAPIToken(ctx context.Context, hash []byte, t storage.APIToken) (storage.APIToken, error)
	APITokenByHash(ctx context.Context, hash []byte) (storage.APIToken, error)
	APITokenByID(ctx context.Context, id int64) (storage.APIToken, error)
	APITokens(ctx context.Context, identityID int64) ([]storage.APIToken, error)
	TouchAPIToken(ctx context.Context, id int64, t time.Time) error
	RevokeAPIToken(ctx context.Context, id int64) error
}

// DependentStore reaches what hangs on an account's access: its queued posts (counted when it
// is disconnected) and the feeds and webhook sources someone added for it (paused when their
// access ends).
type DependentStore interface {
	List(ctx context.Context, f storage.ListFilter) ([]storage.Post, error)
	PauseAddedBy(ctx context.Context, accountID, identityID int64, reason string) (storage.Paused, error)
}

// Store is all of the Service's storage, what Options.DB takes.
type Store interface {
	IdentityStore
	AccountStore
	AccessStore
	LinkStore
	APITokenStore
	DependentStore
}
