package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Taking access back. A grant revoked or an account disconnected must also stop what that
// person set up on the account (feeds, webhook sources), and an account taken over by someone
// else must not publish what was queued under its previous owner.

// Paused lists the feeds and webhook sources a take-back paused.
type Paused struct {
	Feeds   []Feed
	Sources []WebhookSource
}

// Len is how many things were paused.
func (p Paused) Len() int { return len(p.Feeds) + len(p.Sources) }

// nullID stores 0 as NULL, for optional references to identities.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// PauseAddedBy pauses the enabled feeds and webhook sources on accountID that identityID
// added, with reason shown on each feed, and returns them. Their recurring posts (series) are
// paused too, and the occurrence each had waiting is cancelled.
func (db *DB) PauseAddedBy(ctx context.Context, accountID, identityID int64, reason string) (Paused, error) {
	var out Paused
	err := db.batch.do(ctx, func(tx *sql.Tx) (err error) {
		now := ms(db.now())
		if out, err = pauseTx(ctx, tx, now, `account_id = ? AND created_by = ?`, reason, accountID, identityID); err != nil {
			return err
		}
		return stopSeriesTx(ctx, tx, now, SeriesPaused, `account_id = ? AND created_by = `+identityKeyOf, accountID, identityID)
	})
	if err != nil {
		return Paused{}, fmt.Errorf("storage: pause what identity %d added to account %d: %w", identityID, accountID, err)
	}
	return out, nil
}

// pauseTx pauses the enabled feeds and sources matching where (on both tables).
func pauseTx(ctx context.Context, tx *sql.Tx, now int64, where, reason string, args ...any) (Paused, error) {
	var out Paused
	rows, err := tx.QueryContext(ctx, `UPDATE feeds SET enabled = 0, paused_reason = ?, updated_at = ?
		WHERE enabled = 1 AND `+where+` RETURNING `+feedColumns, append([]any{reason, now}, args...)...)
	if err != nil {
		return Paused{}, err
	}
	for rows.Next() {
		f, err := scanFeed(rows)
		if err != nil {
			rows.Close()
			return Paused{}, err
		}
		out.Feeds = append(out.Feeds, f)
	}
	if err := rows.Close(); err != nil {
		return Paused{}, err
	}
	rows, err = tx.QueryContext(ctx, `UPDATE webhook_sources SET enabled = 0, updated_at = ?
		WHERE enabled = 1 AND `+where+` RETURNING `+webhookSourceColumns, append([]any{now}, args...)...)
	if err != nil {
		return Paused{}, err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanWebhookSource(rows)
		if err != nil {
			return Paused{}, err
		}
		out.Sources = append(out.Sources, s)
	}
	return out, rows.Err()
}

// Takeover is what LinkAccount did when another identity took over a disconnected account.
// PreviousOwner is 0 when it was no takeover.
type Takeover struct {
	PreviousOwner int64
	// Cancelled are the posts that were queued (held) under the previous owner.
	Cancelled []Post
	// Paused are the feeds and sources added by anyone but the new owner (and the operator).
	Paused Paused
}

// LinkOptions refine LinkAccountWith.
type LinkOptions struct {
	// Reason is written as the last error of each post cancelled by a takeover and as the
	// paused reason of each feed; empty means a generic sentence.
	Reason string
	// Notice, when set, makes the outbox event telling a cancelled post's author; it is
	// written in the takeover's transaction, so the notice cannot be lost.
	Notice func(p Post) OutboxEvent
}

const takeoverReason = "the Threads account was connected by someone else after its owner disconnected it"

// takeoverTx cancels the account's queued posts (and those pending approval) and pauses what
// others added, in the link's transaction: the account turns active in the same commit, so the
// publisher never sees it active with the previous owner's posts still queued.
func takeoverTx(ctx context.Context, tx *sql.Tx, now int64, accountID, newOwner int64, o LinkOptions) (Takeover, error) {
	reason := o.Reason
	if reason == "" {
		reason = takeoverReason
	}
	var t Takeover
	rows, err := tx.QueryContext(ctx, `UPDATE posts SET state = 'cancelled', last_error = ?, updated_at = ?
		WHERE account_id = ? AND state IN ('queued', 'pending_approval') RETURNING `+postColumns, reason, now, accountID)
	if err != nil {
		return t, err
	}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			rows.Close()
			return t, err
		}
		t.Cancelled = append(t.Cancelled, p)
	}
	if err := rows.Close(); err != nil {
		return t, err
	}
	if o.Notice != nil {
		events := make([]OutboxEvent, 0, len(t.Cancelled))
		for _, p := range t.Cancelled {
			events = append(events, o.Notice(p))
		}
		if err := addOutbox(ctx, tx, now, events); err != nil {
			return t, err
		}
	}
	t.Paused, err = pauseTx(ctx, tx, now, `account_id = ? AND created_by IS NOT NULL AND created_by <> ?`, reason, accountID, newOwner)
	if err != nil {
		return t, err
	}
	return t, stopSeriesTx(ctx, tx, now, SeriesCancelled, `account_id = ? AND created_by <> `+identityKeyOf, accountID, newOwner)
}
