package storage

// Deleting a published post from Threads. A post published in several parts (a chain) is
// deleted part by part, one DELETE call each, and every call Threads performs counts against
// the account's deletion quota (100 in 24 hours). What is kept here makes that exact across
// replicas, crashes and lost answers:
//
//   - A claim on the post (publish_state.delete_claim, delete_claim_until): one request at a
//     time deletes a post, on whichever replica, as one worker at a time publishes it under a
//     lease. The claim ends by the database's clock (leaseClock), so that the post of a
//     deleter that crashed can be finished by a later request; every write of the request
//     carries the claim's number and is refused once another request claimed the post since.
//   - Each part's outcome (publish_parts.deleted_at): the post reads deleted only once every
//     part is gone, and a later request deletes what is left, not the whole post again.
//   - Each part's quota use (publish_parts.delete_use, a quota_events row): reserved before the
//     call, in the transaction that names the part. A use whose call has an unknown outcome
//     (no answer, a 5xx, a crash before the answer was recorded) stays counted, since Threads
//     may have counted it, and the next attempt on that part reuses it instead of reserving
//     another: Threads deletes a part at most once, so it counts at most one use per part.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ErrDeletionClaimLost means another request claimed the post's deletion since this one did
// (its claim had lapsed): nothing was written, and the other request goes on from here.
var ErrDeletionClaimLost = errors.New("storage: the post's deletion was claimed by another request")

// DeletionClaim is one request's hold on deleting a post. Claim fences the request's writes;
// TTL is how long the claim lasts after each of them.
type DeletionClaim struct {
	PostID string
	Claim  int64
	TTL    time.Duration
}

// DeletionPart is one part of a post being deleted.
type DeletionPart struct {
	Part    int
	MediaID string
	Gone    bool  // Threads deleted it, or answered that it does not exist
	Use     int64 // the quota use reserved for deleting it; 0 when it holds none
	// UseAt is when Use is dated: a use that has left the quota window by the time of the next
	// attempt counts again, so that attempt needs room for it as for a new one.
	UseAt time.Time
	// Earlier: Use was reserved by an earlier attempt whose outcome is unknown (that call may
	// have deleted the part), and this attempt reuses it (ReserveDeletion).
	Earlier bool
}

// Deletion is what ClaimDeletion found: the claim and the post's parts, or why not claimed.
type Deletion struct {
	DeletionClaim                // Claim is 0 when the post was not claimed
	Parts         []DeletionPart // every part Threads gave an id, in order
	DeletedAt     time.Time      // the post was deleted before (nothing claimed)
	BusyUntil     time.Time      // another request holds the claim until then (nothing claimed)
}

// Claimed reports whether the claim is this request's.
func (d Deletion) Claimed() bool { return d.Claim != 0 }

// ClaimDeletion claims deleting postID for ttl, unless the post was deleted already or another
// request holds a claim that has not ended. With the claim it returns the post's parts and
// what is known of each; a post that Threads gave an id but whose parts were never recorded
// (published through Complete alone) gets its part 0 from the post's media id.
func (db *DB) ClaimDeletion(ctx context.Context, postID string, ttl time.Duration) (Deletion, error) {
	var d Deletion
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error {
		d = Deletion{}
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		var claim int64
		err = tx.QueryRowContext(ctx, claimDeletion, postID, ms(now.Add(ttl)), ms(now)).Scan(&claim)
		if errors.Is(err, sql.ErrNoRows) {
			var deleted, until int64
			if err := tx.QueryRowContext(ctx, `SELECT deleted_at, delete_claim_until FROM publish_state
				WHERE post_id = ?`, postID).Scan(&deleted, &until); err != nil {
				return err
			}
			if deleted > 0 {
				d.DeletedAt = fromMS(deleted)
			} else {
				d.BusyUntil = fromMS(until)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, soleDeletionPart, postID); err != nil {
			return err
		}
		rows, err := deletionParts(ctx, tx, postID, false)
		if err != nil {
			return err
		}
		d.DeletionClaim = DeletionClaim{PostID: postID, Claim: claim, TTL: ttl}
		for _, r := range rows {
			d.Parts = append(d.Parts, r.DeletionPart)
		}
		return nil
	})
	if err != nil {
		return Deletion{}, fmt.Errorf("storage: claim deletion of %s: %w", postID, err)
	}
	return d, nil
}

// The statements of a claim. claimDeletion takes the claim when the post is not deleted and
// no claim holds at the given time ($3), numbering it; on PostgreSQL the upsert locks the row
// and judges the WHERE on its newest version, so of two replicas claiming at once one gets
// the row back and the other none. A post not deleted has deleted_at <= 0, not just 0: the
// publishing steps store the zero time as its (negative) unix milliseconds. soleDeletionPart gives a post without recorded parts its
// part 0 (the INSERT's SELECT needs its WHERE on SQLite: it ends before ON CONFLICT).
const (
	claimDeletion = `INSERT INTO publish_state (post_id, delete_claim, delete_claim_until) VALUES (?, 1, ?)
		ON CONFLICT (post_id) DO UPDATE SET delete_claim = publish_state.delete_claim + 1,
			delete_claim_until = excluded.delete_claim_until
		WHERE publish_state.deleted_at <= 0 AND publish_state.delete_claim_until <= ?
		RETURNING delete_claim`
	soleDeletionPart = `INSERT INTO publish_parts (post_id, part, media_id, permalink)
		SELECT p.id, 0, p.media_id, p.permalink FROM posts p
		WHERE p.id = ? AND p.media_id <> ''
			AND NOT EXISTS (SELECT 1 FROM publish_parts pp WHERE pp.post_id = p.id AND pp.media_id <> '')
		ON CONFLICT (post_id, part) DO UPDATE SET media_id = excluded.media_id, permalink = excluded.permalink`
)

// deletionRow is a DeletionPart with the time of its use, for ReserveDeletion.
type deletionRow struct {
	DeletionPart
	useAt int64
}

// deletionParts reads the post's parts that have a media id, only those not gone when left is
// set. A part's use is read only while its quota_events row exists and is this post's: a use
// pruned from the ledger (older than every window) no longer counts, and SQLite may give its
// id to a new row.
func deletionParts(ctx context.Context, tx *sql.Tx, postID string, left bool) ([]deletionRow, error) {
	q := `SELECT pp.part, pp.media_id, pp.deleted_at, COALESCE(q.id, 0), COALESCE(q.at, 0)
		FROM publish_parts pp
		LEFT JOIN quota_events q ON q.id = pp.delete_use AND q.post_id = pp.post_id AND q.kind = 'deletes'
		WHERE pp.post_id = ? AND pp.media_id <> ''`
	if left {
		q += ` AND pp.deleted_at <= 0`
	}
	rows, err := tx.QueryContext(ctx, q+` ORDER BY pp.part`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []deletionRow
	for rows.Next() {
		var (
			r       deletionRow
			deleted int64
		)
		if err := rows.Scan(&r.Part, &r.MediaID, &deleted, &r.Use, &r.useAt); err != nil {
			return nil, err
		}
		r.UseAt = fromMS(r.useAt)
		r.Gone = deleted > 0
		out = append(out, r)
	}
	return out, rows.Err()
}

// holdDeletion checks that c is still the post's claim, and extends it by its TTL (keep) or
// ends it. ErrDeletionClaimLost if another request claimed the post since.
func (db *DB) holdDeletion(ctx context.Context, tx *sql.Tx, c DeletionClaim, keep bool) error {
	var until int64
	if keep {
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		until = ms(now.Add(c.TTL))
	}
	res, err := tx.ExecContext(ctx, `UPDATE publish_state SET delete_claim_until = ?
		WHERE post_id = ? AND delete_claim = ?`, until, c.PostID, c.Claim)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrDeletionClaimLost
	}
	return nil
}

// ReserveDeletion reserves the quota uses the claimed post's parts left need before they are
// deleted, and returns those parts (none when nothing is left); ok is false, and nothing is
// reserved, when the uses do not fit r (whose Kind and PostID it sets, and whose N it counts
// itself). A part that holds the use of an earlier attempt whose outcome is unknown reuses
// it, moved to r.At: if this attempt is the one Threads performs, Threads counts it now, and a
// use dated earlier would leave the window before Threads' does. Such a use needs no room of
// its own, unless it had already left the window. The count, the check and the writes are one
// step per account (quotaLockKey): exact across replicas.
func (db *DB) ReserveDeletion(ctx context.Context, c DeletionClaim, r QuotaReservation) (parts []DeletionPart, ok bool, err error) {
	r.Kind, r.PostID = QuotaDeletes, c.PostID
	at := r.At
	fn := func(tx *sql.Tx) error {
		parts, ok, r.At = nil, false, at
		if db.pg {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, quotaLockKey(r.AccountID, r.Kind)); err != nil {
				return err
			}
		}
		if err := db.holdDeletion(ctx, tx, c, true); err != nil {
			return err
		}
		// The ledger's clock is read after the lock, as claims read theirs: a reservation
		// that waited for the lock is dated when it counts.
		if at.IsZero() {
			now, err := db.leaseClock(ctx, tx)
			if err != nil {
				return err
			}
			r.At = now
		}
		left, err := deletionParts(ctx, tx, c.PostID, true)
		if err != nil {
			return err
		}
		since := ms(r.At.Add(-r.Window))
		adds := 0
		for _, p := range left {
			if p.Use == 0 || p.useAt <= since {
				adds++ // a new use, or an earlier one back in the window
			}
		}
		if adds > 0 {
			used, limit, err := quotaUsedTx(ctx, tx, r)
			if err != nil {
				return err
			}
			if used+adds > limit {
				return nil
			}
		}
		for _, p := range left {
			if err := reservePartUse(ctx, tx, r, &p.DeletionPart); err != nil {
				return err
			}
			parts = append(parts, p.DeletionPart)
		}
		ok = true
		return nil
	}
	if err := db.guardedWrite(ctx, fn); err != nil {
		return nil, false, fmt.Errorf("storage: reserve deletion quota for %s: %w", c.PostID, err)
	}
	return parts, ok, nil
}

// reservePartUse dates p's earlier use at r.At, or reserves a new one and names it on the part.
func reservePartUse(ctx context.Context, tx *sql.Tx, r QuotaReservation, p *DeletionPart) error {
	if p.Use != 0 {
		p.Earlier = true
		_, err := tx.ExecContext(ctx, `UPDATE quota_events SET at = ? WHERE id = ?`, ms(r.At), p.Use)
		return err
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO quota_events (account_id, kind, at, post_id)
		VALUES (?, ?, ?, ?) RETURNING id`, r.AccountID, string(r.Kind), ms(r.At), r.PostID).Scan(&p.Use); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE publish_parts SET delete_use = ? WHERE post_id = ? AND part = ?`,
		p.Use, r.PostID, p.Part)
	return err
}

// DeletionStep is what one step of a deletion commits at once, fenced by its claim.
type DeletionStep struct {
	// Gone are the parts Threads deleted, or answered do not exist.
	Gone []int
	// Unused are the parts whose reserved use no call of Threads used (it refused, found the
	// part gone, or was not called): the uses are released. A use whose call's outcome is
	// unknown is never listed: it stays counted, and the part's next attempt reuses it.
	Unused []int
	// Done: every part is gone. The post is recorded deleted with Events, and the claim ends.
	Done   bool
	Events []OutboxEvent
	// Stop: the request stops with parts left; the claim ends, so another request may
	// delete them at once.
	Stop bool
}

// SettleDeletion commits one step of a claimed deletion: the parts' outcomes and, with Done,
// the post's deletion and its events, in one transaction. Without Done or Stop it extends the
// claim, so that the claim outlives each call to Threads. ErrDeletionClaimLost means another
// request claimed the post since, and nothing was written.
func (db *DB) SettleDeletion(ctx context.Context, c DeletionClaim, s DeletionStep) error {
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error {
		if err := db.holdDeletion(ctx, tx, c, !s.Done && !s.Stop); err != nil {
			return err
		}
		now := ms(db.now())
		for _, part := range s.Gone {
			if _, err := tx.ExecContext(ctx, `UPDATE publish_parts SET deleted_at = ?
				WHERE post_id = ? AND part = ? AND deleted_at <= 0`, now, c.PostID, part); err != nil {
				return err
			}
		}
		for _, part := range s.Unused {
			if err := releasePartUse(ctx, tx, c.PostID, part); err != nil {
				return err
			}
		}
		if s.Done {
			return recordDeleted(ctx, tx, c.PostID, now, s.Events)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: settle deletion of %s: %w", c.PostID, err)
	}
	return nil
}

// releasePartUse forgets the use reserved for deleting a part, when it is still that post's.
func releasePartUse(ctx context.Context, tx *sql.Tx, postID string, part int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM quota_events WHERE post_id = ? AND kind = 'deletes'
		AND id = (SELECT delete_use FROM publish_parts WHERE post_id = ? AND part = ?)`, postID, postID, part); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE publish_parts SET delete_use = 0 WHERE post_id = ? AND part = ?`, postID, part)
	return err
}

// recordDeleted marks the post deleted, where the publisher and the doors read it, once no
// part is left on Threads.
func recordDeleted(ctx context.Context, tx *sql.Tx, postID string, now int64, events []OutboxEvent) error {
	var left int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM publish_parts
		WHERE post_id = ? AND media_id <> '' AND deleted_at <= 0`, postID).Scan(&left); err != nil {
		return err
	}
	if left > 0 {
		return fmt.Errorf("%d parts are still on Threads; the post is not deleted", left)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE publish_state SET deleted_at = ? WHERE post_id = ?`, now, postID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET deleted_at = ?, updated_at = ? WHERE id = ?`, now, now, postID); err != nil {
		return err
	}
	return addOutbox(ctx, tx, now, events)
}
