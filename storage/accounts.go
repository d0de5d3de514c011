package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// AccountStatus says whether Spindle can publish as an account.
type AccountStatus string

// Account statuses.
const (
	AccountActive         AccountStatus = "active"
	AccountNeedsReconnect AccountStatus = "needs_reconnect" // token expired or revoked: posts wait
	AccountDisconnected   AccountStatus = "disconnected"
)

// Account is one linked Threads account. TokenSealed is the access token encrypted by the
// caller; storage never sees it in clear.
type Account struct {
	ID               int64
	ThreadsUserID    string
	Username         string
	TokenSealed      []byte
	TokenExpiresAt   time.Time
	TokenRefreshedAt time.Time
	Status           AccountStatus
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// Scopes are the permissions the token was granted, recorded when the account was linked;
	// nil when unknown (linked before Spindle recorded them). Saving an account (a link) stores
	// them and forgets ScopesMissing.
	Scopes []string
	// ScopesMissing are the permissions Threads refused a call for since the last link
	// (ForgetScope); read only.
	ScopesMissing []string
}

// Lacks reports whether the account's token is known to lack scope: Threads refused a call for
// it since the last link, or the scopes recorded at link time do not include it. An account
// whose scopes are unknown lacks nothing that Threads has not refused.
func (a Account) Lacks(scope string) bool {
	if slices.Contains(a.ScopesMissing, scope) {
		return true
	}
	return len(a.Scopes) > 0 && !slices.Contains(a.Scopes, scope)
}

const accountColumns = `id, threads_user_id, username, token_sealed, token_expires_at,
	token_refreshed_at, status, created_at, updated_at, scopes, scopes_missing`

// splitScopes reads a comma-separated scope column; ” is nil.
func splitScopes(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanAccount(s scanner) (Account, error) {
	var (
		a                                    Account
		expires, refreshed, created, updated int64
		scopes, missing                      string
	)
	err := s.Scan(&a.ID, &a.ThreadsUserID, &a.Username, &a.TokenSealed, &expires, &refreshed,
		&a.Status, &created, &updated, &scopes, &missing)
	a.Scopes, a.ScopesMissing = splitScopes(scopes), splitScopes(missing)
	a.TokenExpiresAt, a.TokenRefreshedAt = fromMS(expires), fromMS(refreshed)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return a, err
}

// SaveAccount inserts the account, or updates the one with the same Threads user id (a
// reconnect): username, sealed token, expiry, granted scopes and status active.
func (db *DB) SaveAccount(ctx context.Context, a Account) (Account, error) {
	now := ms(db.now())
	var out Account
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = upsertAccountTx(ctx, tx, a, now)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("storage: save account @%s: %w", a.Username, err)
	}
	return out, nil
}

// upsertAccountTx is the one statement that stores an account: it inserts a, or updates the
// account with the same Threads user id (a reconnect: username, sealed token, expiry and
// status active, its id and creation time kept). SaveAccount and LinkAccountWith share it.
func upsertAccountTx(ctx context.Context, tx *sql.Tx, a Account, now int64) (Account, error) {
	row := tx.QueryRowContext(ctx, `INSERT INTO accounts (threads_user_id, username, token_sealed,
		token_expires_at, token_refreshed_at, status, created_at, updated_at, scopes, scopes_missing)
		VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, '')
		ON CONFLICT (threads_user_id) DO UPDATE SET username = excluded.username,
			token_sealed = excluded.token_sealed, token_expires_at = excluded.token_expires_at,
			token_refreshed_at = excluded.token_refreshed_at, status = 'active',
			updated_at = excluded.updated_at, scopes = excluded.scopes, scopes_missing = ''
		RETURNING `+accountColumns,
		a.ThreadsUserID, strings.TrimPrefix(a.Username, "@"), a.TokenSealed, ms(a.TokenExpiresAt),
		ms(a.TokenRefreshedAt), now, now, strings.Join(a.Scopes, ","))
	return scanAccount(row)
}

// Account reads an account by id.
func (db *DB) Account(ctx context.Context, id int64) (Account, error) {
	return db.account(ctx, `id = ?`, id)
}

// AccountByUsername reads an account by its Threads username, with or without the @.
func (db *DB) AccountByUsername(ctx context.Context, username string) (Account, error) {
	return db.account(ctx, `username = ?`, strings.TrimPrefix(username, "@"))
}

func (db *DB) account(ctx context.Context, where string, arg any) (Account, error) {
	a, err := scanAccount(db.r.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("storage: account %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("storage: account %v: %w", arg, err)
	}
	return a, nil
}

// Accounts lists every account, by username.
func (db *DB) Accounts(ctx context.Context) ([]Account, error) {
	return db.accounts(ctx, `SELECT `+accountColumns+` FROM accounts ORDER BY username`)
}

// SetAccountStatus changes an account's status; disconnecting also drops its token.
func (db *DB) SetAccountStatus(ctx context.Context, id int64, s AccountStatus) error {
	q := `UPDATE accounts SET status = ?, updated_at = ? WHERE id = ?`
	if s == AccountDisconnected {
		q = `UPDATE accounts SET status = ?, token_sealed = NULL, updated_at = ? WHERE id = ?`
	}
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, string(s), ms(db.now()), id)
		if err != nil {
			return fmt.Errorf("storage: set account %d status: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: account %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// ForgetScope records that Threads refused a call of the account for want of scope, so the
// doors refuse what needs it at once, naming it, until the account is linked again.
func (db *DB) ForgetScope(ctx context.Context, accountID int64, scope string) error {
	if scope == "" || strings.Contains(scope, ",") {
		return fmt.Errorf("storage: forget scope %q: not a scope", scope)
	}
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		var missing string
		err := tx.QueryRowContext(ctx, `SELECT scopes_missing FROM accounts WHERE id = ?`, accountID).Scan(&missing)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("storage: account %d: %w", accountID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("storage: forget scope of account %d: %w", accountID, err)
		}
		list := splitScopes(missing)
		if slices.Contains(list, scope) {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET scopes_missing = ?, updated_at = ? WHERE id = ?`,
			strings.Join(append(list, scope), ","), ms(db.now()), accountID); err != nil {
			return fmt.Errorf("storage: forget scope of account %d: %w", accountID, err)
		}
		return nil
	})
}
