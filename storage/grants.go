package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Role is what an identity may do with an account.
type Role string

// Roles. The owner linked the account by OAuth and may manage it (disconnect, grant, revoke);
// a grantee may post to it. RoleNone may do nothing.
const (
	RoleNone    Role = ""
	RoleOwner   Role = "owner"
	RoleGrantee Role = "grantee"
)

// ErrOwnedByOther means a Threads account is already connected to another identity.
var ErrOwnedByOther = errors.New("the Threads account is already connected to another user")

// ErrNotOwner means the identity giving a right on an account (a grant, an approver) no
// longer owns it: another identity linked it since (a takeover, on any replica), which drops
// every right the previous owner gave.
var ErrNotOwner = errors.New("no longer the account's owner")

// Access is one account an identity may act on, and as what.
type Access struct {
	Account Account
	Role    Role
}

// Grant is one identity's right to post to an account.
type Grant struct {
	AccountID int64
	Identity  Identity
	GrantedBy int64
	CreatedAt time.Time
}

// LinkAccount stores a for identityID in one transaction: the account is inserted, or updated
// if it exists (a reconnect: new sealed token, expiry, username, status active), and the
// identity becomes its owner. If another identity owns it and it is not disconnected, nothing
// changes and the error wraps ErrOwnedByOther. Another identity may take over a disconnected
// account: the previous owner's grants are dropped (the new owner grants again), its queued
// (held) posts are cancelled rather than published under the new owner, and the feeds and
// webhook sources others added are paused (see LinkAccountWith).
func (db *DB) LinkAccount(ctx context.Context, a Account, identityID int64) (Account, error) {
	out, _, err := db.LinkAccountWith(ctx, a, identityID, LinkOptions{})
	return out, err
}

// LinkAccountWith is LinkAccount, telling the authors of posts a takeover cancelled through
// o.Notice, and saying what the takeover did.
func (db *DB) LinkAccountWith(ctx context.Context, a Account, identityID int64, o LinkOptions) (Account, Takeover, error) {
	now := ms(db.now())
	var (
		out Account
		t   Takeover
	)
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		t = Takeover{}
		var (
			owner  int64
			status AccountStatus
		)
		err := tx.QueryRowContext(ctx, `SELECT COALESCE(o.identity_id, 0), a.status FROM accounts a
			LEFT JOIN account_owners o ON o.account_id = a.id WHERE a.threads_user_id = ?`, a.ThreadsUserID).Scan(&owner, &status)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if owner != 0 && owner != identityID && status != AccountDisconnected {
			return ErrOwnedByOther
		}
		if out, err = upsertAccountTx(ctx, tx, a, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO account_owners (account_id, identity_id, linked_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET identity_id = excluded.identity_id, linked_at = excluded.linked_at`,
			out.ID, identityID, now)
		if err != nil {
			return err
		}
		if err := db.accountConnectedTx(ctx, tx, out, now); err != nil {
			return err
		}
		if owner != 0 && owner != identityID {
			// A takeover: the grants were the previous owner's to give, not the new one's.
			if _, err = tx.ExecContext(ctx, `DELETE FROM account_grants WHERE account_id = ?`, out.ID); err != nil {
				return err
			}
			// So were the approvers: the new owner names their own.
			if _, err = tx.ExecContext(ctx, `DELETE FROM account_approvers WHERE account_id = ?`, out.ID); err != nil {
				return err
			}
			t, err = takeoverTx(ctx, tx, now, out.ID, identityID, o)
			t.PreviousOwner = owner
		} else {
			// An owner needs no grant, nor a named approver's right, of its own.
			if _, err = tx.ExecContext(ctx, `DELETE FROM account_grants WHERE account_id = ? AND identity_id = ?`, out.ID, identityID); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `DELETE FROM account_approvers WHERE account_id = ? AND identity_id = ?`, out.ID, identityID)
		}
		return err
	})
	if err != nil {
		return Account{}, Takeover{}, fmt.Errorf("storage: link account @%s: %w", a.Username, err)
	}
	return out, t, nil
}

// ErrTokenReplaced means an account no longer holds the token a refresh started from: while
// Threads answered, the owner linked it again, another refresh (the REST refresh on another
// replica, or the leader's job) stored its own token, or the account was marked
// needs_reconnect. The newer state stands; the refresh's token is dropped, which is not a
// failure of the account.
var ErrTokenReplaced = errors.New("the account's token changed while it was being refreshed")

// UpdateAccountToken stores the sealed token a refresh obtained, with its expiry, only if the
// account is still active and still holds from, the sealed token the refresh started from.
//
// The compare is what makes a refresh safe across replicas: a refresh is a round trip to
// Threads, and anything may be written meanwhile. An unconditional write let a late answer,
// derived from a token the user had since revoked, overwrite the token a relink on another
// replica had just stored (and flip an account marked needs_reconnect back to active), so the
// account looked fine with a dead token. Sealing uses a fresh nonce every time, so the sealed
// bytes name one write of a token exactly: a relink of the same token still changes them.
//
// It fails with ErrTokenReplaced when the account holds another token or is no longer active,
// and with ErrNotFound when the account is gone or disconnected (a refresh racing a disconnect
// must not bring the token back).
func (db *DB) UpdateAccountToken(ctx context.Context, id int64, from, sealed []byte, expires time.Time) error {
	now := ms(db.now())
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET token_sealed = ?, token_expires_at = ?,
			token_refreshed_at = ?, updated_at = ? WHERE id = ? AND status = 'active' AND token_sealed = ?`,
			sealed, ms(expires), now, now, id, from)
		if err != nil {
			return fmt.Errorf("storage: update token of account %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var status AccountStatus
		err = tx.QueryRowContext(ctx, `SELECT status FROM accounts WHERE id = ?`, id).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows) || err == nil && status == AccountDisconnected:
			return fmt.Errorf("storage: connected account %d: %w", id, ErrNotFound)
		case err != nil:
			return fmt.Errorf("storage: update token of account %d: %w", id, err)
		}
		return fmt.Errorf("storage: update token of account %d (now %s): %w", id, status, ErrTokenReplaced)
	})
}

// AccountsExpiringBefore lists the active accounts whose token expires before t, soonest first;
// the refresh job renews them.
func (db *DB) AccountsExpiringBefore(ctx context.Context, t time.Time) ([]Account, error) {
	return db.accounts(ctx, `SELECT `+accountColumns+` FROM accounts WHERE status = 'active'
		AND token_expires_at < ? ORDER BY token_expires_at`, ms(t))
}

func (db *DB) accounts(ctx context.Context, q string, args ...any) ([]Account, error) {
	return queryAll(ctx, db.r, "list accounts", scanAccount, q, args...)
}

// AccountOwner returns the identity owning an account; ErrNotFound when nobody does.
func (db *DB) AccountOwner(ctx context.Context, accountID int64) (Identity, error) {
	i, err := scanIdentity(db.r.QueryRowContext(ctx, `SELECT `+prefixed("i.", identityColumns)+` FROM identities i
		JOIN account_owners o ON o.identity_id = i.id WHERE o.account_id = ?`, accountID))
	if errors.Is(err, sql.ErrNoRows) {
		return Identity{}, fmt.Errorf("storage: owner of account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return Identity{}, fmt.Errorf("storage: owner of account %d: %w", accountID, err)
	}
	return i, nil
}

// Role says what identityID may do with accountID.
func (db *DB) Role(ctx context.Context, identityID, accountID int64) (Role, error) {
	var role string
	err := db.r.QueryRowContext(ctx, `SELECT 'owner' FROM account_owners WHERE account_id = ? AND identity_id = ?
		UNION ALL SELECT 'grantee' FROM account_grants WHERE account_id = ? AND identity_id = ? LIMIT 1`,
		accountID, identityID, accountID, identityID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return RoleNone, nil
	}
	if err != nil {
		return RoleNone, fmt.Errorf("storage: role of identity %d on account %d: %w", identityID, accountID, err)
	}
	return Role(role), nil
}

// AccessFor lists the accounts identityID owns or was granted, by username.
func (db *DB) AccessFor(ctx context.Context, identityID int64) ([]Access, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+prefixed("a.", accountColumns)+`, r.role FROM accounts a JOIN (
			SELECT account_id, 'owner' AS role FROM account_owners WHERE identity_id = `+boundInt+`
			UNION ALL SELECT account_id, 'grantee' FROM account_grants WHERE identity_id = `+boundInt+`
		) r ON r.account_id = a.id ORDER BY a.username`, identityID, identityID)
	if err != nil {
		return nil, fmt.Errorf("storage: accounts of identity %d: %w", identityID, err)
	}
	defer rows.Close()
	var out []Access
	for rows.Next() {
		var (
			x    Access
			role string
		)
		x.Account, err = scanAccount(rowWithTail{rows, []any{&role}})
		if err != nil {
			return nil, fmt.Errorf("storage: accounts of identity %d: %w", identityID, err)
		}
		x.Role = Role(role)
		out = append(out, x)
	}
	return out, rows.Err()
}

// GrantAccess lets identityID post to accountID, as grantedBy, who must own the account as the
// grant is written: ErrNotOwner otherwise. The check is in the grant's own transaction
// (serializable on PostgreSQL, the one writer on SQLite), not before it: a takeover drops
// every grant, and one checked before the takeover committed but written after it would
// survive it, giving the new owner's account a poster they never allowed. Granting twice is
// not an error.
func (db *DB) GrantAccess(ctx context.Context, accountID, identityID, grantedBy int64) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		if err := ownsTx(ctx, tx, accountID, grantedBy); err != nil {
			return fmt.Errorf("storage: grant account %d to identity %d: %w", accountID, identityID, err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO account_grants (account_id, identity_id, granted_by, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, accountID, identityID, grantedBy, ms(db.now()))
		if err != nil {
			return fmt.Errorf("storage: grant account %d to identity %d: %w", accountID, identityID, err)
		}
		return nil
	})
}

// ownsTx is ErrNotOwner unless identityID owns accountID.
func ownsTx(ctx context.Context, tx *sql.Tx, accountID, identityID int64) error {
	var owns bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM account_owners WHERE account_id = ? AND identity_id = ?)`,
		accountID, identityID).Scan(&owns); err != nil {
		return err
	}
	if !owns {
		return ErrNotOwner
	}
	return nil
}

// RevokeAccess takes back identityID's grant on accountID; ErrNotFound if it had none.
func (db *DB) RevokeAccess(ctx context.Context, accountID, identityID int64) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM account_grants WHERE account_id = ? AND identity_id = ?`, accountID, identityID)
		if err != nil {
			return fmt.Errorf("storage: revoke grant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: grant of account %d to identity %d: %w", accountID, identityID, ErrNotFound)
		}
		return nil
	})
}

// Grants lists who was granted posting rights on accountID, oldest grant first.
func (db *DB) Grants(ctx context.Context, accountID int64) ([]Grant, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+prefixed("i.", identityColumns)+`, g.granted_by, g.created_at
		FROM account_grants g JOIN identities i ON i.id = g.identity_id WHERE g.account_id = ? ORDER BY g.created_at, i.id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("storage: grants of account %d: %w", accountID, err)
	}
	defer rows.Close()
	var out []Grant
	for rows.Next() {
		g := Grant{AccountID: accountID}
		var created int64
		if g.Identity, err = scanIdentity(rowWithTail{rows, []any{&g.GrantedBy, &created}}); err != nil {
			return nil, fmt.Errorf("storage: grants of account %d: %w", accountID, err)
		}
		g.CreatedAt = fromMS(created)
		out = append(out, g)
	}
	return out, rows.Err()
}

// rowWithTail scans extra columns after the ones a scan function reads.
type rowWithTail struct {
	s    scanner
	tail []any
}

func (r rowWithTail) Scan(dest ...any) error { return r.s.Scan(append(dest, r.tail...)...) }

// prefixed qualifies each column of a column list (which may hold expressions like
// COALESCE(x, 0)) with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if rest, ok := strings.CutPrefix(p, "COALESCE("); ok {
			parts[i] = "COALESCE(" + alias + rest
			continue
		}
		if strings.HasSuffix(p, ")") || strings.HasPrefix(p, "0") {
			parts[i] = p
			continue
		}
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}
