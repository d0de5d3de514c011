package storage

import (
	"context"
	"encoding/json"
	"errors"
)

// Group inserts: PostgreSQL's answer to many producers, as group commit is SQLite's. One
// enqueue per statement (and a second statement for its post.queued event) had the server
// start, plan and commit a one-row statement per post; with 64 producers on two cores that,
// not the disk, was the ceiling. The inserter gathers the enqueues that arrive while a group
// runs and writes them, their events with them, in one statement over arrays: one round trip,
// one plan, one commit for the lot, and a post and its event are now one atomic write.

// insertLanes is how many groups one process runs at once: one being written while the
// next one fills and is sent.
const insertLanes = 2

// maxInsertGroup bounds one statement.
const maxInsertGroup = 256

// errAlone answers an enqueue its group did not write: its id was taken (ON CONFLICT skipped
// it), or the statement failed. The caller writes it alone, with a fresh id, and a failure is
// then the caller's own error.
var errAlone = errors.New("storage: write alone")

// inserter is PostgreSQL's group insert; see enqueuePG.
type inserter struct {
	db *DB
	g  gather[*postRow]
}

func newInserter(db *DB) *inserter {
	in := &inserter{db: db}
	in.g = gather[*postRow]{run: in.insert, lanes: insertLanes, max: maxInsertGroup}
	return in
}

// insert writes rows in one statement and tells each whether it was written.
func (in *inserter) insert(rows []*postRow) []error {
	errs := make([]error, len(rows))
	for i := range errs {
		errs[i] = errAlone
	}
	var a groupArrays
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		for seen[r.id] { // two ids drawn in one 10 ms tick may collide; one statement cannot hold both
			r.id = in.db.postID()
		}
		seen[r.id] = true
		if err := a.add(r); err != nil {
			return errs
		}
	}
	// The statement serves many callers, so it is not bound to any one caller's context.
	ids, err := claimQuery(context.Background(), in.db, scanID, insertGroupQ, a.args()...)
	if err != nil {
		return errs
	}
	written := make(map[string]bool, len(ids))
	for _, id := range ids {
		written[id] = true
	}
	for i, r := range rows {
		if written[r.id] {
			errs[i] = nil
		}
	}
	return errs
}

// groupArrays are insertGroupQ's arguments: one array per column.
type groupArrays struct {
	id, door, originRef, text, media, replyTo, quote, link, topic []string
	scope, digest, requestID, shape, event                        []string
	account, thread, at, now                                      []int64
}

func (a *groupArrays) add(r *postRow) error {
	np := r.np
	ev, err := json.Marshal(lifecyclePayload{Kind: EventKindQueued, PostID: r.id, AccountID: np.AccountID,
		Door: np.Door, Text: np.Text, At: fromMS(r.now)})
	if err != nil {
		return err
	}
	a.id, a.door, a.originRef = append(a.id, r.id), append(a.door, np.Door), append(a.originRef, string(np.OriginRef))
	a.text, a.media, a.replyTo = append(a.text, np.Text), append(a.media, r.media), append(a.replyTo, np.ReplyToID)
	a.quote, a.link, a.topic = append(a.quote, np.QuoteID), append(a.link, np.LinkAttachment), append(a.topic, np.TopicTag)
	a.scope, a.digest = append(a.scope, np.IdempotencyScope), append(a.digest, np.RequestDigest)
	a.requestID, a.shape, a.event = append(a.requestID, np.RequestID), append(a.shape, r.shape), append(a.event, string(ev))
	a.account, a.thread = append(a.account, np.AccountID), append(a.thread, int64(boolInt(np.Thread)))
	a.at, a.now = append(a.at, r.at), append(a.now, r.now)
	return nil
}

func (a *groupArrays) args() []any {
	return []any{a.id, a.account, a.door, a.originRef, a.text, a.media, a.replyTo, a.quote, a.link,
		a.topic, a.thread, a.at, a.scope, a.digest, a.requestID, a.now, a.shape, a.event}
}

// insertGroupQ inserts a group of posts, given as arrays (groupArrays), with the post.queued
// event of each post it wrote when a subscription wants it (addLifecycleQ's condition), and
// returns the ids it wrote. ON CONFLICT skips a post whose id is taken; its caller then
// writes it alone. Its posts have no idempotency key: a keyed enqueue looks its key up first
// (existing), which the unique index alone cannot stand in for (keys from before 0009 match
// across scopes).
const insertGroupQ = `WITH input AS (
		SELECT * FROM unnest(CAST($1 AS TEXT[]), CAST($2 AS BIGINT[]), CAST($3 AS TEXT[]),
			CAST($4 AS TEXT[]), CAST($5 AS TEXT[]), CAST($6 AS TEXT[]), CAST($7 AS TEXT[]),
			CAST($8 AS TEXT[]), CAST($9 AS TEXT[]), CAST($10 AS TEXT[]), CAST($11 AS BIGINT[]),
			CAST($12 AS BIGINT[]), CAST($13 AS TEXT[]), CAST($14 AS TEXT[]), CAST($15 AS TEXT[]),
			CAST($16 AS BIGINT[]), CAST($17 AS TEXT[]), CAST($18 AS TEXT[]))
		AS i (id, account_id, door, origin_ref, text, media, reply_to_id, quote_id,
			link_attachment, topic_tag, thread, at, idem_scope, idem_digest, request_id, now,
			shape, event)),
	new AS (
		INSERT INTO posts (id, account_id, door, origin_ref, text, media, reply_to_id, quote_id,
			link_attachment, topic_tag, thread, scheduled_at, state, next_attempt_at,
			idem_scope, idem_digest, request_id, created_at, updated_at, shape)
		SELECT id, account_id, door, origin_ref, text, media, reply_to_id, quote_id,
			link_attachment, topic_tag, thread, at, 'queued', at, idem_scope, idem_digest,
			request_id, now, now, shape
		FROM input
		ON CONFLICT (id) DO NOTHING
		RETURNING id),
	queued AS (
		INSERT INTO outbox (dedupe_key, door, payload, created_at, next_attempt_at, post_id)
		SELECT i.id || ':` + EventKindQueued + `', i.door, i.event, i.now, i.now, i.id
		FROM input i JOIN new n ON n.id = i.id
		WHERE EXISTS (SELECT 1 FROM event_subscriptions s
			WHERE (s.events = '' OR s.events LIKE '%"post.queued"%')
				AND (s.account_id = 0 OR s.account_id = i.account_id))
		ON CONFLICT (dedupe_key) DO NOTHING)
	SELECT id FROM new`

// scanID reads a row of one id.
func scanID(s scanner) (string, error) {
	var id string
	err := s.Scan(&id)
	return id, err
}
