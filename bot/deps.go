package bot

import (
	"context"
	"time"

	"github.com/spindle-threads/spindle/publisher"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/storage"
)

// The dispatcher's dependencies, as small interfaces defined here where they are used;
// cmd/spindle connects the real implementations. Any of them may be nil: the verbs that need
// it answer that the feature is not available on this Spindle.

// Identity is the person who sent a command, as their door knows them. Slack: Team is the
// team_id and User the user_id; Telegram: User is the decimal user id and Team is empty.
type Identity struct {
	Door ingest.Door
	Team string
	User string
	Name string // display handle, for messages only
}

// Key is door:team:user (door:user without a team), the same form as an API token's identity.
// It scopes the idempotency keys of the person's requests, so nobody else's key can match theirs.
func (i Identity) Key() string {
	if i.Team == "" {
		return string(i.Door) + ":" + i.User
	}
	return string(i.Door) + ":" + i.Team + ":" + i.User
}

// Account is a Threads account as a person may use it.
type Account struct {
	ID       int64
	Username string // without "@"
	Owner    bool   // the person linked it: they may disconnect it, grant and revoke rights
	Default  bool   // the person's chosen default account
	Status   string // "active", "needs_reconnect" or "disconnected"
}

// Accounts links identities to Threads accounts and answers who may use which. AccountsFor is
// the one authorisation the dispatcher relies on: an account absent from it may not be posted
// to, listed, cancelled on or deleted from by that person. Grant, Revoke and Disconnect are
// asked of the owner; implementations check that again.
type Accounts interface {
	LinkFor(ctx context.Context, who Identity) (string, error)
	AccountsFor(ctx context.Context, who Identity) ([]Account, error)
	Grant(ctx context.Context, by Identity, accountID int64, to Identity) error
	Revoke(ctx context.Context, by Identity, accountID int64, to Identity) error
	Disconnect(ctx context.Context, by Identity, accountID int64) error
	CreateAPIToken(ctx context.Context, who Identity) (string, error)
}

// Ingest commits post requests durably (ingest.Service).
type Ingest interface {
	Enqueue(ctx context.Context, r ingest.Request) (ingest.Accepted, error)
}

// Queue reads and cancels queued posts (storage.DB).
type Queue interface {
	Get(ctx context.Context, id string) (storage.Post, error)
	List(ctx context.Context, f storage.ListFilter) ([]storage.Post, error)
	Cancel(ctx context.Context, id string) (storage.Post, error)
}

// Deleter deletes a published post from Threads (the publisher); it counts against the
// account's deletion quota.
type Deleter interface {
	Delete(ctx context.Context, postID string) error
}

// Insights reads a published post's counts from Threads, cached (the publisher).
type Insights interface {
	Insights(ctx context.Context, postID string) (publisher.PostInsights, error)
	// AccountInsights reads an account's counts over the last 7 and 30 days, cached.
	AccountInsights(ctx context.Context, accountID int64) (publisher.AccountInsights, error)
}

// Quotas reports an account's use of its moving 24-hour quotas.
type Quotas interface {
	Quota(ctx context.Context, accountID int64) (QuotaView, error)
}

// Feed is one followed feed.
type Feed struct {
	ID        string
	AccountID int64
	URL       string
	Template  string
	Paused    bool
	LastError string
	Every     string // how often it is polled, for people ("every 10m (the feed asks for 1h)"); may be empty
}

// NewFeed is what "feed add" asks for.
type NewFeed struct {
	AccountID int64
	URL       string
	Template  string // empty: the feed manager's default
	Backfill  int
	Origin    ingest.Origin // where the feed's results are reported
	AddedBy   Identity
}

// Feeds manages followed feeds (ingest/rss).
type Feeds interface {
	AddFeed(ctx context.Context, f NewFeed) (Feed, error)
	Feeds(ctx context.Context, accountIDs []int64) ([]Feed, error)
	Feed(ctx context.Context, id string) (Feed, error)
	RemoveFeed(ctx context.Context, id string) error
	PauseFeed(ctx context.Context, id string) error
}

// Webhooks creates inbound webhook sources (ingest/webhook): the URL to call and the signing
// secret, shown once.
type Webhooks interface {
	AddWebhook(ctx context.Context, name string, accountID int64) (url, secret string, err error)
}

// Routes binds chat channels to accounts (storage.DB).
type Routes interface {
	ChannelRoute(ctx context.Context, door, team, channel string) (storage.ChannelRoute, error)
	SetChannelRoute(ctx context.Context, r storage.ChannelRoute) error
	DeleteChannelRoute(ctx context.Context, door, team, channel string) error
}

// PublicError is an error whose message was written for the person who sent the command; the
// dispatcher shows UserMessage instead of its generic apology. Dependencies return such errors
// for conditions a person can act on (a name already taken, a feed that does not parse).
type PublicError interface {
	error
	UserMessage() string
}

// ErrForbidden is what dependencies wrap when a person may not do what they asked; the
// dispatcher answers with a refusal rather than an apology. It is httperr.ErrForbidden, the
// value accounts.ErrForbidden also is, so one sentinel means "not allowed" everywhere.
var ErrForbidden = httperr.ErrForbidden

// publicMessage is a PublicError made here.
type publicMessage struct{ msg string }

func (e publicMessage) Error() string       { return e.msg }
func (e publicMessage) UserMessage() string { return e.msg }

// Public wraps a message for a person as an error; adapters in cmd/spindle use it to pass a
// dependency's explanation through.
func Public(msg string) error { return publicMessage{msg} }

// Zones keeps the zone a person chose with `timezone` (the storage of Slack's users.info cache
// serves for both: door, team and user name the person; team is "" on Telegram).
type Zones interface {
	UserZone(ctx context.Context, door, team, user string) (zone string, fetched time.Time, err error)
	SetUserZone(ctx context.Context, door, team, user, zone string) error
}
