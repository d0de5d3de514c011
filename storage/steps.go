package storage

// Publishing progress. The publisher drives each leased post through a state machine whose
// every step is committed here before the next call to Threads, in one fenced transaction with
// whatever else the step changes (the post's own state, the quota ledger, the outbox), so that a
// crash at any instant resumes from a consistent point: a container id is on disk before it is
// published, and a publish is on disk together with its quota use and its result event.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Part is the persisted progress of one part of a post: part 0 of a plain post, or one reply
// of a long text posted as a chain.
type Part struct {
	PostID        string
	Part          int
	ContainerID   string    // the container to publish (a carousel's own container)
	Children      []string  // a carousel's item containers
	ContainerAt   time.Time // when the current containers were created
	AutoPublishAt time.Time // an auto_publish_text create began then; its outcome may be unknown
	MediaID       string    // set once published
	Permalink     string
	PublishedAt   time.Time
	NotReady      int // 24/4279009 answers for the current container
	Recreates     int // containers given up on (EXPIRED, ERROR, never ready)
}

// Published reports whether the part is live on Threads.
func (p Part) Published() bool { return !p.PublishedAt.IsZero() }

// PublishState is a post's retry bookkeeping.
type PublishState struct {
	Failures       int       // transient failures since the last success
	FirstFailureAt time.Time // the first of them, for a time budget
	DelayedUntil   time.Time // the quota delay last reported to the owner
	DelayedKind    QuotaKind // the quota DelayedUntil waits for
	DeletedAt      time.Time // when the post was deleted from Threads on request
}

// Step is everything one step of the state machine commits at once, fenced by the lease.
// At most one of Complete, Retry and Fail is set; with none, the post stays in flight.
type Step struct {
	Parts  []Part        // upserted
	State  *PublishState // replaces the post's retry bookkeeping when set
	Quota  []QuotaUse    // publish events for the quota ledger
	Events []OutboxEvent // results to deliver (deduplicated by key)

	Complete *Completion
	Retry    *RetryAt
	Fail     string // the reason, for a person

	// NeedsReconnect marks the post's account needs_reconnect if it is active and, when
	// Refused is set, still holds that sealed token, the one Threads refused (see
	// MarkNeedsReconnect); the ReconnectEvents are written only if that changed the status, so
	// the owner is told once.
	NeedsReconnect  bool
	Refused         []byte
	ReconnectEvents []OutboxEvent
}

// Completion is the media id and permalink a post is marked posted with.
type Completion struct{ MediaID, Permalink string }

// RetryAt puts the post back in the queue, due at Next.
type RetryAt struct {
	Next   time.Time
	Reason string
}

// Advance commits one step of a leased post. ErrLeaseLost means the post was reclaimed since
// the lease and nothing was written.
//
// On PostgreSQL the step runs in READ COMMITTED, not SERIALIZABLE like most writes: every
// replica's workers commit steps at once, and serializable steps failed each other by the
// thousand on neighbouring index pages. The step needs no more: it locks its post's row first
// (fenceQ), so no reclaim can change the post until the step commits, and everything else it
// writes is keyed by that post or is an insert deduplicated by a unique key.
func (db *DB) Advance(ctx context.Context, l Lease, s Step) error {
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error { return db.advanceTx(ctx, tx, l, s) })
	if err != nil {
		return fmt.Errorf("storage: advance post %s: %w", l.ID, err)
	}
	return nil
}

func (db *DB) advanceTx(ctx context.Context, tx *sql.Tx, l Lease, s Step) error {
	now := ms(db.now())
	var account int64
	err := tx.QueryRowContext(ctx, db.sql(fenceQ), l.ID, l.Attempt).Scan(&account)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrLeaseLost
	}
	if err != nil {
		return err
	}
	for _, p := range s.Parts {
		if _, err := tx.ExecContext(ctx, upsertPart, l.ID, p.Part, p.ContainerID, strings.Join(p.Children, ","),
			ms(p.ContainerAt), ms(p.AutoPublishAt), p.MediaID, p.Permalink, ms(p.PublishedAt), p.NotReady,
			p.Recreates); err != nil {
			return err
		}
	}
	if s.State != nil {
		if err := putState(ctx, tx, l.ID, *s.State); err != nil {
			return err
		}
	}
	for _, q := range s.Quota {
		if err := db.insertQuota(ctx, tx, q); err != nil {
			return err
		}
	}
	if err := addOutbox(ctx, tx, now, s.Events); err != nil {
		return err
	}
	if s.NeedsReconnect {
		changed, err := markNeedsReconnect(ctx, tx, account, now, s.Refused)
		if err != nil {
			return err
		}
		if changed {
			if err := addOutbox(ctx, tx, now, s.ReconnectEvents); err != nil {
				return err
			}
		}
	}
	var (
		q    string
		args []any
	)
	switch {
	case s.Complete != nil:
		q, args = completePost, []any{s.Complete.MediaID, s.Complete.Permalink, now}
	case s.Retry != nil:
		q, args = retryPost, []any{ms(s.Retry.Next), s.Retry.Reason, now}
	case s.Fail != "":
		q, args = failPost, []any{s.Fail, now}
	default:
		return nil
	}
	st, err := db.txStmt(ctx, tx, q)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(ctx, append(args, l.ID, l.Attempt)...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrLeaseLost
	}
	return nil
}

// fenceQ reads the leased post's account if the lease still holds. PostgreSQL's step locks
// the row too, until it commits; SQLite's one writer needs no lock.
var fenceQ = pair{
	sqlite:   `SELECT account_id FROM posts WHERE id = ? AND state = 'publishing' AND attempts = ?`,
	postgres: `SELECT account_id FROM posts WHERE id = ? AND state = 'publishing' AND attempts = ? FOR NO KEY UPDATE`,
}

const upsertPart = `INSERT INTO publish_parts (post_id, part, container_id, children, container_at,
	auto_publish_at, media_id, permalink, published_at, not_ready, recreates)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (post_id, part) DO UPDATE SET container_id = excluded.container_id,
		children = excluded.children, container_at = excluded.container_at,
		auto_publish_at = excluded.auto_publish_at, media_id = excluded.media_id,
		permalink = excluded.permalink, published_at = excluded.published_at,
		not_ready = excluded.not_ready, recreates = excluded.recreates`

func putState(ctx context.Context, tx *sql.Tx, postID string, s PublishState) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO publish_state (post_id, failures, first_failure_at,
		delayed_until, deleted_at, delayed_kind) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (post_id) DO UPDATE SET failures = excluded.failures,
			first_failure_at = excluded.first_failure_at, delayed_until = excluded.delayed_until,
			deleted_at = excluded.deleted_at, delayed_kind = excluded.delayed_kind`,
		postID, s.Failures, ms(s.FirstFailureAt), ms(s.DelayedUntil), ms(s.DeletedAt), string(s.DelayedKind))
	return err
}

// markNeedsReconnect marks an active account needs_reconnect; with refused set, only while it
// still holds that sealed token (see MarkNeedsReconnect).
func markNeedsReconnect(ctx context.Context, tx *sql.Tx, account, now int64, refused []byte) (bool, error) {
	q, args := `UPDATE accounts SET status = 'needs_reconnect', updated_at = ?
		WHERE id = ? AND status = 'active'`, []any{now, account}
	if refused != nil {
		q, args = q+` AND token_sealed = ?`, append(args, refused)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkNeedsReconnect marks an active account needs_reconnect and, only if that changed its
// status, writes events in the same transaction, so the owner is told once. It reports
// whether the status changed.
//
// refused is the sealed token Threads refused (as the caller read it before the call); the
// account is marked only while it still holds that token. A call is a round trip, and the
// owner may have linked the account again meanwhile, on any replica: its new token is not the
// one refused, and marking the account would ask them to link what they just linked. nil
// marks the account whatever token it holds.
func (db *DB) MarkNeedsReconnect(ctx context.Context, accountID int64, refused []byte, events []OutboxEvent) (bool, error) {
	var changed bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		var err error
		if changed, err = markNeedsReconnect(ctx, tx, accountID, now, refused); err != nil || !changed {
			return err
		}
		return addOutbox(ctx, tx, now, events)
	})
	if err != nil {
		return false, fmt.Errorf("storage: mark account %d needs reconnect: %w", accountID, err)
	}
	return changed, nil
}

// Progress reads a post's publishing progress, by part, and its retry bookkeeping (the zero
// value if it has none): what each run of the state machine starts from, in one round trip.
func (db *DB) Progress(ctx context.Context, postID string) ([]Part, PublishState, error) {
	rows, err := db.r.QueryContext(ctx, progressQ, postID)
	if err != nil {
		return nil, PublishState{}, fmt.Errorf("storage: progress of %s: %w", postID, err)
	}
	defer rows.Close()
	var (
		parts []Part
		state PublishState
	)
	for rows.Next() {
		var (
			failures, first, delayed, deleted             sql.NullInt64
			kind                                          sql.NullString
			part, created, auto, published, nr, recreates sql.NullInt64
			container, children, media, permalink         sql.NullString
		)
		if err := rows.Scan(&failures, &first, &delayed, &deleted, &kind, &part, &container, &children,
			&created, &auto, &media, &permalink, &published, &nr, &recreates); err != nil {
			return nil, PublishState{}, fmt.Errorf("storage: progress of %s: %w", postID, err)
		}
		if failures.Valid {
			state = PublishState{Failures: int(failures.Int64), FirstFailureAt: fromMS(first.Int64),
				DelayedUntil: fromMS(delayed.Int64), DeletedAt: fromMS(deleted.Int64), DelayedKind: QuotaKind(kind.String)}
		}
		if !part.Valid {
			continue // no part recorded yet: the one row carries the state alone
		}
		p := Part{PostID: postID, Part: int(part.Int64), ContainerID: container.String, ContainerAt: fromMS(created.Int64),
			AutoPublishAt: fromMS(auto.Int64), MediaID: media.String, Permalink: permalink.String,
			PublishedAt: fromMS(published.Int64), NotReady: int(nr.Int64), Recreates: int(recreates.Int64)}
		if children.String != "" {
			p.Children = strings.Split(children.String, ",")
		}
		parts = append(parts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, PublishState{}, fmt.Errorf("storage: progress of %s: %w", postID, err)
	}
	return parts, state, nil
}

// progressQ joins a post's state and parts to one row per part, or one row of NULL parts:
// the post id is the left side, so a post with neither still answers a row.
const progressQ = `SELECT s.failures, s.first_failure_at, s.delayed_until, s.deleted_at, s.delayed_kind,
		pp.part, pp.container_id, pp.children, pp.container_at, pp.auto_publish_at, pp.media_id,
		pp.permalink, pp.published_at, pp.not_ready, pp.recreates
	FROM (SELECT ` + boundText + ` AS id) x
	LEFT JOIN publish_state s ON s.post_id = x.id
	LEFT JOIN publish_parts pp ON pp.post_id = x.id
	ORDER BY pp.part`

// MediaIDTaken reports whether another post already recorded mediaID, so that reconciling a
// lost publish answer never claims someone else's post.
func (db *DB) MediaIDTaken(ctx context.Context, mediaID string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM publish_parts WHERE media_id = ?`, mediaID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("storage: media id lookup: %w", err)
	}
	return n > 0, nil
}

// NextDue is the earliest time Lease could take something: the oldest due time of an idle
// active account's posts, the due time of a post awaiting its container (its account's only
// candidate), or the expiry of a lease to reclaim; ok is false when nothing waits. The posts
// of an account that is busy (a post in flight, here or on another replica) or awaiting are
// not counted: they are due only once that post is done, and a drain woken for them would
// find nothing to lease and wake again at once.
func (db *DB) NextDue(ctx context.Context) (at time.Time, ok bool, err error) {
	var v sql.NullInt64
	err = db.r.QueryRowContext(ctx, db.sql(nextDueQ)).Scan(&v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: next due: %w", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(v.Int64), true, nil
}

// nextDueQ asks each idle active account for its oldest queued post (an index probe each)
// rather than walking the queue past the backlogs of busy accounts. SQLite is told to read the
// posts awaiting their container through their partial index: its planner otherwise read them
// among every queued post of the account, or of the queue.
var nextDueQ = pair{
	sqlite:   fmt.Sprintf(nextDueSQL, " INDEXED BY posts_awaiting_container"),
	postgres: fmt.Sprintf(nextDueSQL, ""),
}

// nextDueSQL is nextDueQ with the posts awaiting their container read from posts%[1]s.
const nextDueSQL = `SELECT min(t) FROM (
	SELECT (SELECT min(p.next_attempt_at) FROM posts p
			WHERE p.account_id = a.id AND p.state = 'queued') AS t
	FROM accounts a
	WHERE a.status = 'active'
		AND NOT EXISTS (SELECT 1 FROM posts b WHERE b.account_id = a.id AND b.state = 'publishing')
		AND NOT EXISTS (SELECT 1 FROM posts w%[1]s
			WHERE w.account_id = a.id AND w.state = 'queued' AND w.awaiting_container = 1)
	UNION ALL
	SELECT min(p.next_attempt_at) FROM posts p%[1]s JOIN accounts a ON a.id = p.account_id
	WHERE p.state = 'queued' AND p.awaiting_container = 1 AND a.status = 'active'
	UNION ALL
	SELECT min(lease_expires_at) FROM posts WHERE state = 'publishing') due`
