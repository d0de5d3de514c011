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

	// NeedsReconnect marks the post's account needs_reconnect if it is active; the
	// ReconnectEvents are written only if that changed the status, so the owner is told once.
	NeedsReconnect  bool
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
		if err := insertQuota(ctx, tx, q); err != nil {
			return err
		}
	}
	if err := addOutbox(ctx, tx, now, s.Events); err != nil {
		return err
	}
	if s.NeedsReconnect {
		changed, err := markNeedsReconnect(ctx, tx, account, now)
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

func markNeedsReconnect(ctx context.Context, tx *sql.Tx, account, now int64) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET status = 'needs_reconnect', updated_at = ?
		WHERE id = ? AND status = 'active'`, now, account)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkNeedsReconnect marks an active account needs_reconnect and, only if that changed its
// status, writes events in the same transaction, so the owner is told once. It reports
// whether the status changed.
func (db *DB) MarkNeedsReconnect(ctx context.Context, accountID int64, events []OutboxEvent) (bool, error) {
	var changed bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		var err error
		if changed, err = markNeedsReconnect(ctx, tx, accountID, now); err != nil || !changed {
			return err
		}
		return addOutbox(ctx, tx, now, events)
	})
	if err != nil {
		return false, fmt.Errorf("storage: mark account %d needs reconnect: %w", accountID, err)
	}
	return changed, nil
}

// Parts reads a post's publishing progress, by part.
func (db *DB) Parts(ctx context.Context, postID string) ([]Part, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT part, container_id, children, container_at, auto_publish_at,
		media_id, permalink, published_at, not_ready, recreates
		FROM publish_parts WHERE post_id = `+boundText+` ORDER BY part`, postID)
	if err != nil {
		return nil, fmt.Errorf("storage: parts of %s: %w", postID, err)
	}
	defer rows.Close()
	var out []Part
	for rows.Next() {
		var (
			p                        Part
			children                 string
			created, auto, published int64
		)
		if err := rows.Scan(&p.Part, &p.ContainerID, &children, &created, &auto, &p.MediaID, &p.Permalink,
			&published, &p.NotReady, &p.Recreates); err != nil {
			return nil, fmt.Errorf("storage: parts of %s: %w", postID, err)
		}
		p.PostID = postID
		if children != "" {
			p.Children = strings.Split(children, ",")
		}
		p.ContainerAt, p.AutoPublishAt, p.PublishedAt = fromMS(created), fromMS(auto), fromMS(published)
		out = append(out, p)
	}
	return out, rows.Err()
}

// PostPublishState reads a post's retry bookkeeping; the zero value if it has none.
func (db *DB) PostPublishState(ctx context.Context, postID string) (PublishState, error) {
	var (
		s                       PublishState
		first, delayed, deleted int64
		kind                    string
	)
	err := db.r.QueryRowContext(ctx, `SELECT failures, first_failure_at, delayed_until, deleted_at, delayed_kind
		FROM publish_state WHERE post_id = ?`, postID).Scan(&s.Failures, &first, &delayed, &deleted, &kind)
	s.DelayedKind = QuotaKind(kind)
	if errors.Is(err, sql.ErrNoRows) {
		return PublishState{}, nil
	}
	if err != nil {
		return PublishState{}, fmt.Errorf("storage: publish state of %s: %w", postID, err)
	}
	s.FirstFailureAt, s.DelayedUntil, s.DeletedAt = fromMS(first), fromMS(delayed), fromMS(deleted)
	return s, nil
}

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
