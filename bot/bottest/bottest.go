// Package bottest gives the chat doors' tests stand-ins for the dispatcher's dependencies that
// live outside package bot: Accounts backed by the real identity and grant tables of a storage
// DB (until publisher/accounts is wired), and in-memory Quotas, Deleter, Feeds and Webhooks
// that record what they were asked.
package bottest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

// Accounts implements bot.Accounts over storage's identities, owners and grants.
type Accounts struct {
	DB *storage.DB

	mu           sync.Mutex
	Disconnected []int64 // accounts Disconnect was asked for
	Tokens       int     // API tokens handed out
}

func (a *Accounts) identity(ctx context.Context, who bot.Identity) (storage.Identity, error) {
	return a.DB.UpsertIdentity(ctx, storage.Identity{Door: string(who.Door), Team: who.Team, User: who.User, Name: who.Name})
}

// Link makes who the owner of the account named username (which must exist) and returns it.
func (a *Accounts) Link(ctx context.Context, who bot.Identity, acc storage.Account) error {
	id, err := a.identity(ctx, who)
	if err != nil {
		return err
	}
	_, err = a.DB.LinkAccount(ctx, acc, id.ID)
	return err
}

// LinkFor returns a fake link naming the identity.
func (a *Accounts) LinkFor(_ context.Context, who bot.Identity) (string, error) {
	return "https://spindle.test/api/auth/threads?link=" + who.User, nil
}

// AccountsFor lists what the identity owns or was granted.
func (a *Accounts) AccountsFor(ctx context.Context, who bot.Identity) ([]bot.Account, error) {
	id, err := a.DB.IdentityByKey(ctx, string(who.Door), who.Team, who.User)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	acc, err := a.DB.AccessFor(ctx, id.ID)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Account, len(acc))
	for i, x := range acc {
		out[i] = bot.Account{ID: x.Account.ID, Username: x.Account.Username, Owner: x.Role == storage.RoleOwner,
			Default: id.DefaultAccountID == x.Account.ID, Status: string(x.Account.Status)}
	}
	return out, nil
}

func (a *Accounts) owner(ctx context.Context, by bot.Identity, accountID int64) (storage.Identity, error) {
	id, err := a.identity(ctx, by)
	if err != nil {
		return storage.Identity{}, err
	}
	role, err := a.DB.Role(ctx, id.ID, accountID)
	if err != nil {
		return storage.Identity{}, err
	}
	if role != storage.RoleOwner {
		return storage.Identity{}, fmt.Errorf("not the owner: %w", bot.ErrForbidden)
	}
	return id, nil
}

// Grant lets to post to the account; by must own it.
func (a *Accounts) Grant(ctx context.Context, by bot.Identity, accountID int64, to bot.Identity) error {
	o, err := a.owner(ctx, by, accountID)
	if err != nil {
		return err
	}
	t, err := a.identity(ctx, to)
	if err != nil {
		return err
	}
	return a.DB.GrantAccess(ctx, accountID, t.ID, o.ID)
}

// Revoke takes the right back; by must own the account.
func (a *Accounts) Revoke(ctx context.Context, by bot.Identity, accountID int64, to bot.Identity) error {
	if _, err := a.owner(ctx, by, accountID); err != nil {
		return err
	}
	t, err := a.identity(ctx, to)
	if err != nil {
		return err
	}
	return a.DB.RevokeAccess(ctx, accountID, t.ID)
}

// Disconnect marks the account disconnected; by must own it.
func (a *Accounts) Disconnect(ctx context.Context, by bot.Identity, accountID int64) error {
	if _, err := a.owner(ctx, by, accountID); err != nil {
		return err
	}
	a.mu.Lock()
	a.Disconnected = append(a.Disconnected, accountID)
	a.mu.Unlock()
	return a.DB.SetAccountStatus(ctx, accountID, storage.AccountDisconnected)
}

// CreateAPIToken returns a fresh fake token.
func (a *Accounts) CreateAPIToken(_ context.Context, who bot.Identity) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Tokens++
	return fmt.Sprintf("spt_test_%s_%d", who.User, a.Tokens), nil
}

// Quotas answers a fixed view for every account.
type Quotas struct{ View bot.QuotaView }

// Quota returns q.View.
func (q Quotas) Quota(context.Context, int64) (bot.QuotaView, error) { return q.View, nil }

// Deleter records the posts it was asked to delete, and answers Err.
type Deleter struct {
	mu      sync.Mutex
	Deleted []string
	Err     error // what Delete answers: the publisher's refusal to test
}

// Delete records id and returns d.Err.
func (d *Deleter) Delete(_ context.Context, id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Deleted = append(d.Deleted, id)
	return d.Err
}

// Feeds keeps feeds in memory; ids are f1, f2, ….
type Feeds struct {
	mu    sync.Mutex
	feeds []bot.Feed
}

// AddFeed stores f.
func (fs *Feeds) AddFeed(_ context.Context, f bot.NewFeed) (bot.Feed, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := bot.Feed{ID: fmt.Sprintf("f%d", len(fs.feeds)+1), AccountID: f.AccountID, URL: f.URL, Template: f.Template}
	fs.feeds = append(fs.feeds, out)
	return out, nil
}

// Feeds lists the feeds of the accounts.
func (fs *Feeds) Feeds(_ context.Context, ids []int64) ([]bot.Feed, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []bot.Feed
	for _, f := range fs.feeds {
		for _, id := range ids {
			if f.AccountID == id {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// Feed finds one feed.
func (fs *Feeds) Feed(_ context.Context, id string) (bot.Feed, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.feeds {
		if f.ID == id {
			return f, nil
		}
	}
	return bot.Feed{}, fmt.Errorf("feed %s: %w", id, storage.ErrNotFound)
}

// RemoveFeed deletes a feed.
func (fs *Feeds) RemoveFeed(_ context.Context, id string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.feeds {
		if f.ID == id {
			fs.feeds = append(fs.feeds[:i], fs.feeds[i+1:]...)
			return nil
		}
	}
	return storage.ErrNotFound
}

// PauseFeed marks a feed paused.
func (fs *Feeds) PauseFeed(_ context.Context, id string) error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, f := range fs.feeds {
		if f.ID == id {
			fs.feeds[i].Paused = true
			return nil
		}
	}
	return storage.ErrNotFound
}

// Webhooks hands out a fixed URL shape and secret.
type Webhooks struct{}

// AddWebhook returns the hook's URL and a fake secret.
func (Webhooks) AddWebhook(_ context.Context, name string, _ int64) (string, string, error) {
	return "https://spindle.test/hooks/" + name, "whsec_test_" + name, nil
}
