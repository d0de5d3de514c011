package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// APIToken is a REST API bearer token as stored: its SHA-256 and a display prefix, never the
// token. AccountID, when not zero, pins the token to one account.
type APIToken struct {
	ID         int64
	Prefix     string
	IdentityID int64
	AccountID  int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time // zero while the token is valid
}

const apiTokenColumns = `id, prefix, identity_id, COALESCE(account_id, 0), name, created_at, last_used_at, revoked_at`

func scanAPIToken(s scanner) (APIToken, error) {
	var (
		t                      APIToken
		created, used, revoked int64
	)
	err := s.Scan(&t.ID, &t.Prefix, &t.IdentityID, &t.AccountID, &t.Name, &created, &used, &revoked)
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromMS(used), fromMS(revoked)
	return t, err
}

// CreateAPIToken stores a token by its hash. ID, CreatedAt, LastUsedAt and RevokedAt of t are
// ignored.
func (db *DB) CreateAPIToken(ctx context.Context, hash []byte, t APIToken) (APIToken, error) {
	var acct any
	if t.AccountID != 0 {
		acct = t.AccountID
	}
	var out APIToken
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanAPIToken(tx.QueryRowContext(ctx, `INSERT INTO api_tokens (hash, prefix, identity_id, account_id, name, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING `+apiTokenColumns, hash, t.Prefix, t.IdentityID, acct, t.Name, ms(db.now())))
		return err
	})
	if err != nil {
		return APIToken{}, fmt.Errorf("storage: create api token: %w", err)
	}
	return out, nil
}

// APITokenByHash finds a token by its hash, revoked ones included (the caller tells them
// apart by RevokedAt).
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (APIToken, error) {
	return db.apiToken(ctx, `hash = ?`, hash)
}

// APITokenByID reads a token by id.
func (db *DB) APITokenByID(ctx context.Context, id int64) (APIToken, error) {
	return db.apiToken(ctx, `id = ?`, id)
}

func (db *DB) apiToken(ctx context.Context, where string, arg any) (APIToken, error) {
	t, err := scanAPIToken(db.r.QueryRowContext(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return APIToken{}, fmt.Errorf("storage: api token: %w", ErrNotFound)
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("storage: api token: %w", err)
	}
	return t, nil
}

// TouchAPIToken records that a token was used at t.
func (db *DB) TouchAPIToken(ctx context.Context, id int64, t time.Time) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, ms(t), id)
		return err
	})
}

// RevokeAPIToken revokes a token for good; ErrNotFound if there is no such valid token.
func (db *DB) RevokeAPIToken(ctx context.Context, id int64) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ms(db.now()), id)
		if err != nil {
			return fmt.Errorf("storage: revoke api token %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("storage: valid api token %d: %w", id, ErrNotFound)
		}
		return nil
	})
}

// APITokens lists tokens, newest first: those of identityID, or every one when it is 0.
func (db *DB) APITokens(ctx context.Context, identityID int64) ([]APIToken, error) {
	q, args := `SELECT `+apiTokenColumns+` FROM api_tokens`, []any{}
	if identityID != 0 {
		q, args = q+` WHERE identity_id = ?`, append(args, identityID)
	}
	return queryAll(ctx, db.r, "list api tokens", scanAPIToken, q+` ORDER BY id DESC`, args...)
}

// PostByMediaID finds the post Spindle published as the Threads media id mediaID.
func (db *DB) PostByMediaID(ctx context.Context, mediaID string) (Post, error) {
	if mediaID == "" {
		return Post{}, fmt.Errorf("storage: post with media id \"\": %w", ErrNotFound)
	}
	p, err := scanPost(db.r.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE media_id = ? ORDER BY seq DESC LIMIT 1`, mediaID))
	if errors.Is(err, sql.ErrNoRows) {
		return Post{}, fmt.Errorf("storage: post with media id %s: %w", mediaID, ErrNotFound)
	}
	if err != nil {
		return Post{}, fmt.Errorf("storage: post with media id %s: %w", mediaID, err)
	}
	return p, nil
}
