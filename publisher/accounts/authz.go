package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/storage"
)

// Role says what id may do with accountID: storage.RoleOwner (manage and post),
// storage.RoleGrantee (post) or storage.RoleNone.
func (s *Service) Role(ctx context.Context, id Identity, accountID int64) (storage.Role, error) {
	if id.ID == 0 {
		return storage.RoleNone, nil
	}
	r, err := s.access.Role(ctx, id.ID, accountID)
	if err != nil {
		return storage.RoleNone, fmt.Errorf("accounts: %w", err)
	}
	return r, nil
}

// CanPost returns nil if id may post to accountID, and list, cancel, schedule and delete its
// posts: its owner and the identities it was granted to. Otherwise the error wraps
// ErrForbidden (or storage.ErrNotFound) and says what to do.
func (s *Service) CanPost(ctx context.Context, id Identity, accountID int64) error {
	a, role, err := s.roleOn(ctx, id, accountID)
	if err != nil {
		return err
	}
	if role == storage.RoleNone {
		return fmt.Errorf("you may not post to @%s: ask its owner to grant you access (grant @you): %w", a.Username, ErrForbidden)
	}
	return nil
}

// CanManage returns nil if id owns accountID, and may so disconnect it and grant or revoke
// posting rights. Otherwise the error wraps ErrForbidden.
func (s *Service) CanManage(ctx context.Context, id Identity, accountID int64) error {
	a, role, err := s.roleOn(ctx, id, accountID)
	if err != nil {
		return err
	}
	if role != storage.RoleOwner {
		return fmt.Errorf("only the owner of @%s (who connected it) may do that: %w", a.Username, ErrForbidden)
	}
	return nil
}

func (s *Service) roleOn(ctx context.Context, id Identity, accountID int64) (storage.Account, storage.Role, error) {
	a, err := s.accts.Account(ctx, accountID)
	if err != nil {
		return storage.Account{}, storage.RoleNone, fmt.Errorf("accounts: %w", err)
	}
	role, err := s.Role(ctx, id, accountID)
	return a, role, err
}

// AccountsFor lists the accounts id owns or was granted, by username.
func (s *Service) AccountsFor(ctx context.Context, id Identity) ([]storage.Access, error) {
	if id.ID == 0 {
		return nil, nil
	}
	acc, err := s.access.AccessFor(ctx, id.ID)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	return acc, nil
}

// DefaultAccount is the account id posts to when naming none: the one it chose with
// SetDefault while it may still post there, else its only account (owned before granted when
// it owns exactly one). With none the error wraps ErrNoAccount; with several, ErrAmbiguousAccount.
func (s *Service) DefaultAccount(ctx context.Context, id Identity) (storage.Account, error) {
	acc, err := s.AccountsFor(ctx, id)
	if err != nil {
		return storage.Account{}, err
	}
	return s.DefaultAmong(ctx, id, acc)
}

// DefaultAmong is DefaultAccount for a caller that already read id's accounts with AccountsFor.
func (s *Service) DefaultAmong(ctx context.Context, id Identity, acc []storage.Access) (storage.Account, error) {
	if id.ID != 0 {
		st, err := s.ids.Identity(ctx, id.ID)
		if err != nil {
			return storage.Account{}, fmt.Errorf("accounts: %w", err)
		}
		for _, a := range acc {
			if a.Account.ID == st.DefaultAccountID {
				return a.Account, nil
			}
		}
	}
	var owned []storage.Account
	for _, a := range acc {
		if a.Role == storage.RoleOwner {
			owned = append(owned, a.Account)
		}
	}
	switch {
	case len(acc) == 0:
		return storage.Account{}, fmt.Errorf("no Threads account is connected for you yet: send connect to link one, or ask an owner to grant you theirs: %w", ErrNoAccount)
	case len(acc) == 1:
		return acc[0].Account, nil
	case len(owned) == 1:
		return owned[0], nil
	}
	names := make([]string, len(acc))
	for i, a := range acc {
		names[i] = "@" + a.Account.Username
	}
	return storage.Account{}, fmt.Errorf("you can post to %s: name one (account @name) or choose a default: %w",
		strings.Join(names, ", "), ErrAmbiguousAccount)
}

// ResolveAccount is the account a request from id goes to: the one named (with or without
// the @) if id may post there, else DefaultAccount.
func (s *Service) ResolveAccount(ctx context.Context, id Identity, name string) (storage.Account, error) {
	name = strings.TrimPrefix(strings.TrimSpace(name), "@")
	if name == "" {
		return s.DefaultAccount(ctx, id)
	}
	a, err := s.accts.AccountByUsername(ctx, name)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.Account{}, fmt.Errorf("no Threads account @%s is connected to Spindle: %w", name, storage.ErrNotFound)
	}
	if err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	if err := s.CanPost(ctx, id, a.ID); err != nil {
		return storage.Account{}, err
	}
	return a, nil
}

// SetDefault makes the account named the one id posts to by default.
func (s *Service) SetDefault(ctx context.Context, id Identity, name string) (storage.Account, error) {
	a, err := s.ResolveAccount(ctx, id, name)
	if err != nil {
		return storage.Account{}, err
	}
	if err := s.ids.SetDefaultAccount(ctx, id.ID, a.ID); err != nil {
		return storage.Account{}, fmt.Errorf("accounts: %w", err)
	}
	return a, nil
}

// Grant lets grantee post to accountID; only the owner may. The grantee is identified (and
// created if new) from its door, team and user, and told.
func (s *Service) Grant(ctx context.Context, owner Identity, accountID int64, grantee Identity) (Identity, error) {
	if err := s.CanManage(ctx, owner, accountID); err != nil {
		return Identity{}, err
	}
	g, err := s.Identify(ctx, grantee)
	if err != nil {
		return Identity{}, err
	}
	if g.ID == owner.ID {
		return Identity{}, fmt.Errorf("you own this account already; grant it to someone else: %w", ErrForbidden)
	}
	if err := s.access.GrantAccess(ctx, accountID, g.ID, owner.ID); errors.Is(err, storage.ErrNotOwner) {
		return Identity{}, fmt.Errorf("you no longer own this account (it was connected again by someone else); nothing was granted: %w", ErrForbidden)
	} else if err != nil {
		return Identity{}, fmt.Errorf("accounts: %w", err)
	}
	if a, err := s.accts.Account(ctx, accountID); err == nil {
		s.notify(ctx, g, fmt.Sprintf("%s gave you the right to post to Threads as @%s.", owner, a.Username))
	}
	return g, nil
}

// Revoke takes back grantee's right to post to accountID; only the owner may. The feeds and
// webhook sources the grantee added to the account are paused and the owner told. The error
// wraps storage.ErrNotFound when the grantee had no grant.
func (s *Service) Revoke(ctx context.Context, owner Identity, accountID int64, grantee Identity) error {
	if err := s.CanManage(ctx, owner, accountID); err != nil {
		return err
	}
	g, err := s.LookupIdentity(ctx, grantee)
	if err != nil {
		return fmt.Errorf("%s has no access to revoke: %w", grantee, err)
	}
	if err := s.access.RevokeAccess(ctx, accountID, g.ID); err != nil {
		return fmt.Errorf("%s has no access to revoke: %w", g, err)
	}
	if st, err := s.ids.Identity(ctx, g.ID); err == nil && st.DefaultAccountID == accountID {
		_ = s.ids.SetDefaultAccount(ctx, g.ID, 0)
	}
	// What the grantee set up stops with their right: a feed or webhook of theirs would
	// otherwise keep posting as the account.
	if a, err := s.accts.Account(ctx, accountID); err == nil {
		paused := s.pauseAddedBy(ctx, accountID, g.ID, fmt.Sprintf("paused: %s no longer has access to @%s", g, a.Username))
		if paused.Len() > 0 {
			s.notify(ctx, owner, fmt.Sprintf("%s can no longer post to @%s.%s", g, a.Username, pausedSentence(paused)))
		}
	}
	return nil
}

// Grants lists the identities granted posting rights on accountID.
func (s *Service) Grants(ctx context.Context, accountID int64) ([]Identity, error) {
	gs, err := s.access.Grants(ctx, accountID)
	if err != nil {
		return nil, fmt.Errorf("accounts: %w", err)
	}
	out := make([]Identity, len(gs))
	for i, g := range gs {
		out[i] = fromStorage(g.Identity)
	}
	return out, nil
}

// Owner returns the identity owning accountID; the error wraps storage.ErrNotFound if none.
func (s *Service) Owner(ctx context.Context, accountID int64) (Identity, error) {
	o, err := s.access.AccountOwner(ctx, accountID)
	if err != nil {
		return Identity{}, fmt.Errorf("accounts: %w", err)
	}
	return fromStorage(o), nil
}
