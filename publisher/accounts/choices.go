package accounts

import (
	"context"
	"errors"

	"github.com/spindle-threads/spindle/storage"
)

// Choice is an account a person may use, as every door shows it.
type Choice struct {
	Account storage.Account
	Owner   bool // they linked it: they may disconnect it, grant and revoke
	Default bool // their posts go here when they name no account
}

// Choices is the one answer, for every door, to which accounts id may use (AccountsFor) and
// which of them takes their posts when they name none (DefaultAmong: the one they chose, else
// their only account, else the only one they own). With no default (no account, or several
// and none of these) no choice is marked. A door that decided this by rules of its own let a
// person post text to the account they own but refused their photo as "no default".
func (s *Service) Choices(ctx context.Context, id Identity) ([]Choice, error) {
	acc, err := s.AccountsFor(ctx, id)
	if err != nil {
		return nil, err
	}
	def, err := s.DefaultAmong(ctx, id, acc)
	if err != nil && !errors.Is(err, ErrNoAccount) && !errors.Is(err, ErrAmbiguousAccount) {
		return nil, err
	}
	out := make([]Choice, len(acc))
	for i, a := range acc {
		out[i] = Choice{Account: a.Account, Owner: a.Role == storage.RoleOwner, Default: err == nil && a.Account.ID == def.ID}
	}
	return out, nil
}
