package bot

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/spindle-threads/spindle/storage"
)

// accounts lists the accounts the sender may use. A nil Accounts means nobody may use any.
func (c *call) accounts(ctx context.Context) ([]Account, *Reply) {
	if c.d.o.Accounts == nil {
		r := c.unavailable("linking Threads accounts")
		return nil, &r
	}
	accs, err := c.d.o.Accounts.AccountsFor(ctx, c.in.Identity)
	if err != nil {
		r := c.fail(ctx, err)
		return nil, &r
	}
	if c.in.Only != 0 {
		accs = slices.DeleteFunc(accs, func(a Account) bool { return a.ID != c.in.Only })
	}
	return accs, nil
}

// pick chooses the account a command acts on and checks the sender may use it: the one named
// with --account (or as the argument), else the channel's route, else the sender's default,
// else their only account. owner asks for the owner's rights (disconnect, grant, revoke,
// webhook add).
func (c *call) pick(ctx context.Context, name string, owner bool) (Account, *Reply) {
	accs, r := c.accounts(ctx)
	if r != nil {
		return Account{}, r
	}
	if len(accs) == 0 {
		rr := refuse("You have no Threads account here yet. Link one with %sconnect, or ask an account's owner to run %sgrant for you.", c.prefix, c.prefix)
		return Account{}, &rr
	}
	var (
		acc Account
		ok  bool
	)
	switch {
	case name != "":
		acc, ok = byName(accs, name)
		if !ok {
			rr := refuse("You cannot use @%s: it is not linked to Spindle, or nobody gave you the right to it. Its owner can run %sgrant for you; your accounts: %s.", name, c.prefix, names(accs))
			return Account{}, &rr
		}
	default:
		var rr *Reply
		if acc, ok, rr = c.routed(ctx, accs); rr != nil {
			return Account{}, rr
		}
		if !ok {
			if acc, ok = defaultAccount(accs); !ok {
				rr := refuse("You can use several accounts (%s); say which with --account @name.", names(accs))
				return Account{}, &rr
			}
		}
	}
	if owner && !acc.Owner {
		rr := refuse("Only the owner of @%s (who linked it) can do that.", acc.Username)
		return Account{}, &rr
	}
	return acc, nil
}

// routed is the account the command's channel is bound to, if any. A bound channel never lets
// anyone post to an account they have no right to.
func (c *call) routed(ctx context.Context, accs []Account) (Account, bool, *Reply) {
	if c.d.o.Routes == nil || c.in.Channel == "" {
		return Account{}, false, nil
	}
	rt, err := c.d.o.Routes.ChannelRoute(ctx, string(c.in.Identity.Door), c.in.Identity.Team, c.in.Channel)
	if errors.Is(err, storage.ErrNotFound) {
		return Account{}, false, nil
	}
	if err != nil {
		r := c.fail(ctx, err)
		return Account{}, false, &r
	}
	for _, a := range accs {
		if a.ID == rt.AccountID {
			return a, true, nil
		}
	}
	r := refuse("This channel posts to an account you have no right to. Ask its owner to run %sgrant for you, or name one of yours with --account (%s).", c.prefix, names(accs))
	return Account{}, false, &r
}

func byName(accs []Account, name string) (Account, bool) {
	for _, a := range accs {
		if strings.EqualFold(a.Username, name) {
			return a, true
		}
	}
	return Account{}, false
}

func byID(accs []Account, id int64) (Account, bool) {
	for _, a := range accs {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// defaultAccount is the sender's default, or their only account.
func defaultAccount(accs []Account) (Account, bool) {
	for _, a := range accs {
		if a.Default {
			return a, true
		}
	}
	if len(accs) == 1 {
		return accs[0], true
	}
	return Account{}, false
}

// names lists accounts as "@a, @b".
func names(accs []Account) string {
	out := make([]string, len(accs))
	for i, a := range accs {
		out[i] = "@" + a.Username
	}
	return strings.Join(out, ", ")
}

// scope is the accounts a list-like command covers: the named one, or all the sender's.
func (c *call) scope(ctx context.Context, name string) ([]Account, *Reply) {
	if name != "" {
		acc, r := c.pick(ctx, name, false)
		if r != nil {
			return nil, r
		}
		return []Account{acc}, nil
	}
	accs, r := c.accounts(ctx)
	if r != nil {
		return nil, r
	}
	if len(accs) == 0 {
		rr := refuse("You have no Threads account here yet. Link one with %sconnect.", c.prefix)
		return nil, &rr
	}
	return accs, nil
}

// post reads a post the sender may see: one on an account they may use. Anything else is
// answered as if the post did not exist, so ids cannot be probed.
func (c *call) readPost(ctx context.Context, id string) (storage.Post, Account, *Reply) {
	if c.d.o.Queue == nil {
		r := c.unavailable("the post queue")
		return storage.Post{}, Account{}, &r
	}
	accs, r := c.accounts(ctx)
	if r != nil {
		return storage.Post{}, Account{}, r
	}
	p, err := c.d.o.Queue.Get(ctx, id)
	acc, ok := byID(accs, p.AccountID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !ok) {
		rr := refuse("I know no post %s on your accounts. %slist shows your posts.", id, c.prefix)
		return storage.Post{}, Account{}, &rr
	}
	if err != nil {
		rr := c.fail(ctx, err)
		return storage.Post{}, Account{}, &rr
	}
	return p, acc, nil
}
