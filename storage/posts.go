package storage

// The post queue is one table, posts, and the statements in this file and lease.go.
//
// States:
//
//	queued ──Lease──► publishing ──Complete──► posted
//	  ▲                   │ │
//	  └──────Retry────────┘ └──────Fail──────► failed
//	queued ──Cancel──► cancelled
//	pending_approval ──Approve──► queued
//	pending_approval ──Reject/Expire/Cancel──► cancelled   (approvals.go)
//
// A scheduled post is a queued post whose next_attempt_at is in the future. Lease claims due
// posts: queued ones whose next_attempt_at has come, and publishing ones whose lease expired
// (their worker died; the publisher resumes them from the container id it committed, so an
// expired lease never means a blind second publish). At most one post per account is in flight,
// and an account's posts are leased oldest-due first.
//
// Every lease bumps attempts, and attempts is the fencing token: Complete, Retry, Fail and
// SetContainer name the attempt they hold and change nothing (ErrLeaseLost) if the post was
// reclaimed since. Cancel applies only to queued posts.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// State is a post's place in the state machine above.
type State string

// The states of a post.
const (
	StateQueued     State = "queued"
	StatePublishing State = "publishing"
	StatePosted     State = "posted"
	StateFailed     State = "failed"
	StateCancelled  State = "cancelled"
	// StatePendingApproval holds a post until an approver decides (approvals.go); Lease never
	// takes it, so it is neither published nor counted against quota.
	StatePendingApproval State = "pending_approval"
)

// States lists every state, in the order of the state machine, for those that report on all
// of them (metrics keeps a series for each). It matches posts.state's CHECK.
func States() []State {
	return []State{StatePendingApproval, StateQueued, StatePublishing, StatePosted, StateFailed, StateCancelled}
}

// Media is one attachment as stored.
type Media struct {
	Kind    string `json:"kind"`
	URL     string `json:"url"`
	AltText string `json:"alt_text,omitempty"`
}

// NewPost is what Enqueue stores. Validation is the ingest service's job; storage only keeps it.
type NewPost struct {
	AccountID      int64
	Door           string
	OriginRef      []byte // JSON or empty
	Text           string
	Media          []Media
	ReplyToID      string
	QuoteID        string
	LinkAttachment string
	TopicTag       string
	Thread         bool
	ScheduledAt    time.Time // zero: now
	IdempotencyKey string    // empty: none
	// IdempotencyScope is whose key IdempotencyKey is (see idempotency.go): the same key in
	// another scope, or for another account, is another post. Empty for doors whose keys name
	// their own namespace (feeds, the CLI).
	IdempotencyScope string
	// RequestDigest fingerprints the request sent with IdempotencyKey; the key repeated with
	// another digest is a *KeyConflictError. Empty: any repeat of the key answers its post.
	RequestDigest string
	// BodyDigest is the hex SHA-256 of a verified raw body: the same body again in the same
	// scope within BodyReplayWindow answers its post. Empty: not checked.
	BodyDigest string
	RequestID  string
	// BySlot places the post in the account's next free posting slot (slots.go) instead of
	// at ScheduledAt, and marks it so a change of schedule moves it; SlotDailyPosts is the
	// posts quota per 24 hours placement keeps within (0: DefaultDailyPosts).
	BySlot bool
	// Approval, when its ExpiresAt is set, holds the post in pending_approval (approvals.go).
	Approval       ApprovalHold
	SlotDailyPosts int
	// Shape is what the post asks for beyond text and media (polls, spoilers, …).
	Shape Shape
	// SeriesID is the recurring series this post is an occurrence of (SeriesRef), 0 if none.
	SeriesID int64
}

// Post is one row of the queue.
type Post struct {
	ID             string
	AccountID      int64
	Door           string
	OriginRef      []byte
	Text           string
	Media          []Media
	ReplyToID      string
	QuoteID        string
	LinkAttachment string
	TopicTag       string
	Thread         bool
	ScheduledAt    time.Time
	State          State
	Attempts       int
	NextAttemptAt  time.Time
	LeaseExpiresAt time.Time
	ContainerID    string
	MediaID        string
	Permalink      string
	LastError      string
	IdempotencyKey string
	RequestID      string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// DeletedAt is when the posted post was deleted from Threads on request; zero if it was not.
	// The state stays posted (it was published, and counted so); Status says "deleted".
	DeletedAt time.Time
	// Shape is what the post asks for beyond text and media (polls, spoilers, …).
	Shape Shape
	// SeriesID is the recurring series this post is an occurrence of (SeriesRef), 0 if none.
	SeriesID int64
}

// StatusDeleted is the status shown for a posted post deleted from Threads since.
const StatusDeleted = "deleted"

// ErrNoTarget is returned (wrapped, with the reason) by Target for a post that cannot be
// replied to or quoted.
var ErrNoTarget = errors.New("post cannot be replied to or quoted")

// Target is the Threads media id a reply to, or a quote of, this post names: only a published
// post that was not deleted since has one.
func (p Post) Target() (string, error) {
	switch {
	case p.State != StatePosted || p.MediaID == "":
		return "", fmt.Errorf("%w: post %s is %s, not published, so it has no Threads id yet", ErrNoTarget, p.ID, p.State)
	case !p.DeletedAt.IsZero():
		return "", fmt.Errorf("%w: post %s was deleted from Threads", ErrNoTarget, p.ID)
	}
	return p.MediaID, nil
}

// Status is the post's status as people read it: its state, or "deleted" for a posted post
// deleted from Threads since.
func (p Post) Status() string {
	if p.State == StatePosted && !p.DeletedAt.IsZero() {
		return StatusDeleted
	}
	return string(p.State)
}

// postColumns is the column list every post scan reads, in scanPost's order.
const postColumns = `id, account_id, door, origin_ref, text, media, reply_to_id, quote_id,
	link_attachment, topic_tag, thread, scheduled_at, state, attempts, next_attempt_at,
	lease_expires_at, container_id, media_id, permalink, last_error,
	COALESCE(idempotency_key, ''), request_id, created_at, updated_at, deleted_at, shape,
	COALESCE(series_id, 0)`

type scanner interface{ Scan(dest ...any) error }

func scanPost(s scanner) (Post, error) {
	var (
		p                                        Post
		originRef, media                         string
		scheduled, next, lease, created, updated int64
		deleted                                  int64
		thread                                   int
		shape                                    string
	)
	err := s.Scan(&p.ID, &p.AccountID, &p.Door, &originRef, &p.Text, &media, &p.ReplyToID, &p.QuoteID,
		&p.LinkAttachment, &p.TopicTag, &thread, &scheduled, &p.State, &p.Attempts, &next,
		&lease, &p.ContainerID, &p.MediaID, &p.Permalink, &p.LastError,
		&p.IdempotencyKey, &p.RequestID, &created, &updated, &deleted, &shape, &p.SeriesID)
	if err != nil {
		return Post{}, err
	}
	if err := decodeShape(p.ID, shape, &p.Shape); err != nil {
		return Post{}, err
	}
	if originRef != "" {
		p.OriginRef = []byte(originRef)
	}
	if media != "" {
		if err := json.Unmarshal([]byte(media), &p.Media); err != nil {
			return Post{}, fmt.Errorf("post %s: decode media: %w", p.ID, err)
		}
	}
	p.Thread = thread != 0
	p.ScheduledAt, p.NextAttemptAt, p.LeaseExpiresAt = fromMS(scheduled), fromMS(next), fromMS(lease)
	p.CreatedAt, p.UpdatedAt, p.DeletedAt = fromMS(created), fromMS(updated), fromMS(deleted)
	return p, nil
}

// Enqueue stores a new post durably: it returns only after the transaction holding the row has
// been committed and synced. If the caller already enqueued a post with the same idempotency key
// (or the same signed body), that post is returned with existed true and nothing is written;
// the same key with a different request is a *KeyConflictError (see idempotency.go).
// Concurrent calls share transactions (group commit), so throughput grows with concurrency.
func (db *DB) Enqueue(ctx context.Context, np NewPost) (p Post, existed bool, err error) {
	if db.pg && np.BodyDigest == "" && !np.BySlot && np.Approval.ExpiresAt.IsZero() {
		return db.enqueuePG(ctx, np)
	}
	var conflict error
	run := db.batch.do
	if np.BySlot {
		run = func(ctx context.Context, fn func(*sql.Tx) error) error { return db.slotWrite(ctx, np.AccountID, fn) }
	}
	err = run(ctx, func(tx *sql.Tx) error {
		p, existed, err = db.EnqueueTx(ctx, tx, np)
		// A conflict (or an account without a free slot) wrote nothing, so it is no reason to
		// roll the shared transaction back and run everyone else's writes again (which a
		// caller could provoke at will).
		if _, ok := errors.AsType[*KeyConflictError](err); ok || errors.Is(err, ErrNoSlots) || errors.Is(err, ErrNoFreeSlot) {
			conflict = err
			return nil
		}
		conflict = nil
		return err
	})
	if err == nil && conflict != nil {
		err = conflict
	}
	if err != nil {
		return Post{}, false, fmt.Errorf("storage: enqueue: %w", err)
	}
	return p, existed, nil
}

// EnqueueTx is like Enqueue, but inside the caller's transaction, so a door can commit its own
// rows (a webhook delivery, a feed item) and the post together.
func (db *DB) EnqueueTx(ctx context.Context, tx *sql.Tx, np NewPost) (Post, bool, error) {
	if p, existed, err := db.existing(ctx, tx, np); existed || err != nil {
		return p, existed, err
	}
	if np.BySlot {
		at, err := db.placeTx(ctx, tx, np.AccountID, np.SlotDailyPosts)
		if err != nil {
			return Post{}, false, err
		}
		np.ScheduledAt = at
	}
	insert, err := db.txStmt(ctx, tx, insertPost)
	if err != nil {
		return Post{}, false, err
	}
	p, existed, err := db.insertNew(ctx, np, insert.ExecContext, func(id string) error {
		if err := db.rememberBody(ctx, tx, np, id); err != nil {
			return err
		}
		if err := db.holdTx(ctx, tx, id, np.Approval); err != nil {
			return err
		}
		if np.BySlot { // placeTx gave a time in the future, which insertNew keeps
			return markSlotTx(ctx, tx, np.AccountID, id, np.ScheduledAt)
		}
		return nil
	})
	if err != nil {
		return p, existed, err
	}
	if !np.Approval.ExpiresAt.IsZero() {
		p.State = StatePendingApproval // its pending_approval event is the hold's Notice
		return p, existed, nil
	}
	return p, existed, db.lifecycleTx(ctx, tx, EventKindQueued, "post.queued", p)
}

// insertNew inserts np as a new queued post through insert (insertPost, bound to a transaction
// or to the pool) and calls after with its id before returning it.
//
// A fresh random id collides with an existing one very rarely; ON CONFLICT turns that into no
// row, and we draw again. (The idempotency index cannot conflict here under SQLite's one
// writer, which checked it in the same transaction; on PostgreSQL see enqueuePG.)
func (db *DB) insertNew(ctx context.Context, np NewPost, insert func(context.Context, ...any) (sql.Result, error), after func(id string) error) (Post, bool, error) {
	r, err := db.newRow(np)
	if err != nil {
		return Post{}, false, err
	}
	for range 8 {
		r.id = db.postID()
		res, err := insert(ctx, r.args()...)
		if err != nil {
			return Post{}, false, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			if err := after(r.id); err != nil {
				return Post{}, false, err
			}
			return r.post(), false, nil
		}
	}
	return Post{}, false, errors.New("could not draw a free post id")
}

// postRow is a new post's row as insertPost writes it: np's fields encoded, its times fixed.
type postRow struct {
	np           NewPost
	id           string
	at, now      int64 // due, and created
	media, shape string
}

// newRow encodes np as of now; its id is drawn later (see insertNew).
func (db *DB) newRow(np NewPost) (postRow, error) {
	now := db.now()
	at := np.ScheduledAt
	if at.IsZero() || at.Before(now) {
		at = now
	}
	r := postRow{np: np, at: ms(at), now: ms(now)}
	if len(np.Media) > 0 {
		b, err := json.Marshal(np.Media)
		if err != nil {
			return postRow{}, err
		}
		r.media = string(b)
	}
	var err error
	r.shape, err = encodeShape(np.Shape)
	return r, err
}

// args are insertPost's arguments for r.
func (r postRow) args() []any {
	np := r.np
	var key any
	if np.IdempotencyKey != "" {
		key = np.IdempotencyKey
	}
	return []any{r.id, np.AccountID, np.Door, string(np.OriginRef), np.Text, r.media,
		np.ReplyToID, np.QuoteID, np.LinkAttachment, np.TopicTag, boolInt(np.Thread), r.at,
		r.at, key, np.IdempotencyScope, np.RequestDigest, np.RequestID, r.now, r.now, r.shape}
}

// post is the post r stored.
func (r postRow) post() Post {
	np := r.np
	return Post{
		ID: r.id, AccountID: np.AccountID, Door: np.Door, OriginRef: np.OriginRef, Text: np.Text,
		Media: np.Media, ReplyToID: np.ReplyToID, QuoteID: np.QuoteID,
		LinkAttachment: np.LinkAttachment, TopicTag: np.TopicTag, Thread: np.Thread,
		ScheduledAt: fromMS(r.at), State: StateQueued, NextAttemptAt: fromMS(r.at),
		IdempotencyKey: np.IdempotencyKey, RequestID: np.RequestID,
		CreatedAt: fromMS(r.now), UpdatedAt: fromMS(r.now), Shape: np.Shape,
	}
}

// hotStatements are prepared once, after migrating; see txStmt.
var hotStatements = []string{insertPost, addLifecycleQ, selectByIdempotencyKey, selectByBody, pruneBodies, insertBody, extendLease, setContainer, completePost, retryPost, failPost}

// sqliteLeaseStatements are SQLite's lease, prepared once beside hotStatements (PostgreSQL
// leases in one statement of its own, leasePG).
var sqliteLeaseStatements = []string{inFlightPosts, awaitingPosts, duePosts, dueHeadPerAccount, claimPost}

const insertPost = `INSERT INTO posts (id, account_id, door, origin_ref, text, media,
	reply_to_id, quote_id, link_attachment, topic_tag, thread, scheduled_at, state,
	next_attempt_at, idempotency_key, idem_scope, idem_digest, request_id, created_at, updated_at, shape)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (id) DO NOTHING`

// Get reads one post by its id.
func (db *DB) Get(ctx context.Context, id string) (Post, error) {
	row := db.r.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, strings.ToLower(id))
	p, err := scanPost(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Post{}, fmt.Errorf("storage: post %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Post{}, fmt.Errorf("storage: get post %s: %w", id, err)
	}
	return p, nil
}

// ListFilter selects posts for List. Zero fields do not filter.
type ListFilter struct {
	AccountID int64
	Door      string
	States    []State
	Limit     int // zero: 50; capped at 1000
}

// List returns posts matching f, newest first.
func (db *DB) List(ctx context.Context, f ListFilter) ([]Post, error) {
	var (
		where []string
		args  []any
	)
	if f.AccountID != 0 {
		where, args = append(where, "account_id = "+boundInt), append(args, f.AccountID)
	}
	if f.Door != "" {
		where, args = append(where, "door = ?"), append(args, f.Door)
	}
	if len(f.States) > 0 {
		where = append(where, "state IN (?"+strings.Repeat(", ?", len(f.States)-1)+")")
		for _, s := range f.States {
			args = append(args, string(s))
		}
	}
	q := `SELECT ` + postColumns + ` FROM posts`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	q += ` ORDER BY seq DESC LIMIT ` + boundInt
	args = append(args, min(limit, 1000))
	return queryAll(ctx, db.r, "list posts", scanPost, q, args...)
}

// StateError says an operation does not apply to a post in its current state.
type StateError struct {
	ID    string
	State State
	Op    string
}

func (e *StateError) Error() string {
	if e.State == StatePublishing {
		return fmt.Sprintf("post %s is already publishing, so it cannot be %s", e.ID, e.Op)
	}
	return fmt.Sprintf("post %s is %s, so it cannot be %s", e.ID, e.State, e.Op)
}

// Cancel cancels a queued post (scheduled or waiting) or one pending approval. A post in any other state is left alone
// and a *StateError says which state it is in.
func (db *DB) Cancel(ctx context.Context, id string) (Post, error) {
	var p Post
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE posts SET state = 'cancelled', updated_at = ?
			WHERE id = ? AND state IN ('queued', 'pending_approval') RETURNING `+postColumns, ms(db.now()), strings.ToLower(id))
		var err error
		p, err = scanPost(row)
		if err == nil {
			return db.lifecycleTx(ctx, tx, EventKindCancelled, "post.cancelled", p)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var state State
		switch err := tx.QueryRowContext(ctx, `SELECT state FROM posts WHERE id = ?`, strings.ToLower(id)).Scan(&state); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("post %s: %w", id, ErrNotFound)
		case err != nil:
			return err
		}
		return &StateError{ID: id, State: state, Op: "cancelled"}
	})
	if err != nil {
		return Post{}, fmt.Errorf("storage: cancel: %w", err)
	}
	return p, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
