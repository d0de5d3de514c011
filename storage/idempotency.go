package storage

// Idempotency: how Enqueue recognises a request it has already accepted.
//
// A key belongs to whoever sent it. It is looked up by door, key, account and scope, where the
// scope names the caller (an API token's identity, a chat identity, a webhook source), so two
// tenants who pick the same key get two posts, never each other's. A request sent with a key
// carries a digest of what it asks for (NewPost.RequestDigest); the same key again with another
// digest is a *KeyConflictError, because answering the first post would tell the caller a
// request was stored that never was.
//
// Rows written before migration 0009 have scope '' and no digest: a lookup matches the
// caller's scope or '', so keys from before the upgrade still answer their post (to callers
// who may post to that account, the only ones that reach it).
//
// Independently of keys, a door may name the raw body it verified (NewPost.BodyDigest): a body
// already accepted in the same scope within BodyReplayWindow answers its post again. Signed
// webhooks whose signature covers neither a timestamp nor a delivery id (GitHub) need it, since
// their only id header can be changed by whoever captured a delivery.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// BodyReplayWindow is how long a verified body is remembered against replay. GitHub redelivers
// failed deliveries for a few days at most; a week covers that and a manual redelivery.
const BodyReplayWindow = 7 * 24 * time.Hour

// KeyConflictError says an idempotency key was used again by the same caller, for the same
// account, with a different request. Nothing was stored: the caller must use a new key for a new
// post, or repeat the original request exactly to learn what became of it.
type KeyConflictError struct {
	Key    string
	PostID string // the post the key already names: the caller's own
}

func (e *KeyConflictError) Error() string {
	return fmt.Sprintf("idempotency key %q was already used for post %s with a different request; "+
		"use a new key for a new post, or repeat the original request exactly", e.Key, e.PostID)
}

// withDigest reads postColumns followed by idem_digest.
type withDigest struct {
	s      scanner
	digest *string
}

func (w withDigest) Scan(dest ...any) error { return w.s.Scan(append(dest, w.digest)...) }

// existing returns the post np repeats, if any: one whose signed body was seen in the same scope
// lately, else one holding np's key in the caller's scope (or from before scopes existed).
func (db *DB) existing(ctx context.Context, tx *sql.Tx, np NewPost) (Post, bool, error) {
	return db.lookupExisting(np, func(q string, args ...any) (*sql.Row, error) {
		st, err := db.txStmt(ctx, tx, q)
		if err != nil {
			return nil, err
		}
		return st.QueryRowContext(ctx, args...), nil
	})
}

// Replayed returns the post np repeats, as Enqueue would find it, without writing anything: a
// door asks before work that only a new request needs (probing its media), so a true replay is
// answered with its post even when that work would now fail. A different request under the
// same key is a *KeyConflictError, as from Enqueue.
func (db *DB) Replayed(ctx context.Context, np NewPost) (Post, bool, error) {
	p, ok, err := db.lookupExisting(np, func(q string, args ...any) (*sql.Row, error) {
		return db.r.QueryRowContext(ctx, q, args...), nil
	})
	if err != nil {
		return Post{}, false, fmt.Errorf("storage: look up a replay: %w", err)
	}
	return p, ok, nil
}

// lookupExisting is existing on any way of running a one-row query.
func (db *DB) lookupExisting(np NewPost, query func(q string, args ...any) (*sql.Row, error)) (Post, bool, error) {
	if np.BodyDigest != "" {
		since := ms(db.now().Add(-BodyReplayWindow))
		row, err := query(selectByBody, np.IdempotencyScope, np.BodyDigest, since)
		if err != nil {
			return Post{}, false, err
		}
		switch p, err := scanPost(row); {
		case err == nil:
			return p, true, nil
		case !errors.Is(err, sql.ErrNoRows):
			return Post{}, false, err
		}
	}
	if np.IdempotencyKey == "" {
		return Post{}, false, nil
	}
	var digest string
	row, err := query(selectByIdempotencyKey, np.Door, np.IdempotencyKey, np.AccountID, np.IdempotencyScope)
	if err != nil {
		return Post{}, false, err
	}
	switch p, err := scanPost(withDigest{row, &digest}); {
	case errors.Is(err, sql.ErrNoRows):
		return Post{}, false, nil
	case err != nil:
		return Post{}, false, err
	case digest != "" && np.RequestDigest != "" && digest != np.RequestDigest:
		return Post{}, false, &KeyConflictError{Key: np.IdempotencyKey, PostID: p.ID}
	default:
		return p, true, nil
	}
}

// rememberBody records np's verified body for the post just stored, and forgets bodies that
// left the replay window (the index on seen_at keeps that cheap when there are none).
func (db *DB) rememberBody(ctx context.Context, tx *sql.Tx, np NewPost, postID string) error {
	if np.BodyDigest == "" {
		return nil
	}
	if np.IdempotencyScope == "" {
		return errors.New("a body digest needs a scope: whose body it is")
	}
	now := db.now()
	prune, err := db.txStmt(ctx, tx, pruneBodies)
	if err != nil {
		return err
	}
	if _, err := prune.ExecContext(ctx, ms(now.Add(-BodyReplayWindow))); err != nil {
		return fmt.Errorf("prune signed bodies: %w", err)
	}
	insert, err := db.txStmt(ctx, tx, insertBody)
	if err != nil {
		return err
	}
	if _, err := insert.ExecContext(ctx, np.IdempotencyScope, np.BodyDigest, postID, ms(now)); err != nil {
		return fmt.Errorf("remember signed body: %w", err)
	}
	return nil
}

// selectByIdempotencyKey finds the caller's row, or one from before scopes existed (empty
// scope). At most one of them exists: while a row from before matches, no scoped row for the
// same key and account is ever written. (No ORDER BY: with one, SQLite re-prepared the
// statement on every call.)
const selectByIdempotencyKey = `SELECT ` + postColumns + `, idem_digest FROM posts
	WHERE door = ? AND idempotency_key = ? AND account_id = ` + boundInt + ` AND idem_scope IN (` + boundText + `, '')`

const selectByBody = `SELECT ` + postColumns + ` FROM posts WHERE id =
	(SELECT post_id FROM signed_bodies WHERE scope = ? AND digest = ? AND seen_at >= ` + boundInt + `)`

const pruneBodies = `DELETE FROM signed_bodies WHERE seen_at < ` + boundInt

// insertBody replaces a row left from before the window that pruning has not reached yet.
const insertBody = `INSERT INTO signed_bodies (scope, digest, post_id, seen_at) VALUES (?, ?, ?, ?)
	ON CONFLICT (scope, digest) DO UPDATE SET post_id = excluded.post_id, seen_at = excluded.seen_at`
