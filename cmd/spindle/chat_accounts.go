package main

import (
	"context"
	"errors"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// chatAccounts adapts the accounts service to the chat doors: the dispatcher (every door's
// commands) and the Telegram door (its drafts and media posts). Every call first identifies the
// person (creating their identity on first sight), as the accounts service expects of doors;
// which accounts they may use, and their default, is the service's Choices, the same for all.
type chatAccounts struct{ svc *accounts.Service }

func (c chatAccounts) identify(ctx context.Context, who bot.Identity) (accounts.Identity, error) {
	return c.svc.Identify(ctx, accounts.Identity{Door: string(who.Door), Team: who.Team, User: who.User, Name: who.Name})
}

// forbidden lets the dispatcher recognise the accounts service's refusals.
func forbidden(err error) error {
	if errors.Is(err, accounts.ErrForbidden) {
		return errors.Join(bot.ErrForbidden, err)
	}
	return err
}

func (c chatAccounts) LinkFor(ctx context.Context, who bot.Identity) (string, error) {
	id, err := c.identify(ctx, who)
	if err != nil {
		return "", err
	}
	return c.svc.LinkFor(ctx, id)
}

func (c chatAccounts) AccountsFor(ctx context.Context, who bot.Identity) ([]bot.Account, error) {
	id, err := c.identify(ctx, who)
	if err != nil {
		return nil, err
	}
	cs, err := c.svc.Choices(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Account, len(cs))
	for i, x := range cs {
		out[i] = bot.Account{ID: x.Account.ID, Username: x.Account.Username, Owner: x.Owner, Default: x.Default, Status: string(x.Account.Status)}
	}
	return out, nil
}

func (c chatAccounts) Grant(ctx context.Context, by bot.Identity, accountID int64, to bot.Identity) error {
	id, err := c.identify(ctx, by)
	if err != nil {
		return err
	}
	_, err = c.svc.Grant(ctx, id, accountID, accounts.Identity{Door: string(to.Door), Team: to.Team, User: to.User, Name: to.Name})
	return forbidden(err)
}

func (c chatAccounts) Revoke(ctx context.Context, by bot.Identity, accountID int64, to bot.Identity) error {
	id, err := c.identify(ctx, by)
	if err != nil {
		return err
	}
	return forbidden(c.svc.Revoke(ctx, id, accountID, accounts.Identity{Door: string(to.Door), Team: to.Team, User: to.User, Name: to.Name}))
}

func (c chatAccounts) Disconnect(ctx context.Context, by bot.Identity, accountID int64) error {
	id, err := c.identify(ctx, by)
	if err != nil {
		return err
	}
	_, err = c.svc.Disconnect(ctx, id, accountID)
	return forbidden(err)
}

func (c chatAccounts) CreateAPIToken(ctx context.Context, who bot.Identity) (string, error) {
	id, err := c.identify(ctx, who)
	if err != nil {
		return "", err
	}
	return c.svc.CreateAPIToken(ctx, id)
}
