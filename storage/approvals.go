package storage

// Approvals. An account's owner may require approval for posts made by grantees or through the
// machine doors (ApprovalPolicy). Such a post is enqueued in pending_approval (NewPost.Approval)
// with a post_approvals row, and stays there until Decide moves it, in one guarded UPDATE:
// approved → queued (due at its schedule, or at once if that has passed), rejected or expired →
// cancelled. Two approvers racing, or an approver racing expiry, yield one outcome: the UPDATE
// only matches a post still pending, and the loser gets a *StateError.
//
// A decision is about what its decider saw. An edit of a pending post (EditQueued with
// Rehold) changes the text, makes the editor the request's author and starts a new round, in
// one transaction; Decide checks the round and the author in its own transaction, on the
// request row it writes, so a decision made on round N never approves round N+1's text, and a
// named approver never decides a post they last edited, however the edit and the decision
// interleave across replicas (*RoundError, *OwnPostError).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ApprovalPolicy says whose posts to an account need approval. The zero value needs none.
type ApprovalPolicy struct {
	AccountID int64
	Grantees  bool // posts by people the owner granted the account to
	Webhooks  bool
	Feeds     bool
	API       bool
	UpdatedBy string // the owner's identity key
	UpdatedAt time.Time
}

// On reports whether the policy holds anything for approval.
func (p ApprovalPolicy) On() bool { return p.Grantees || p.Webhooks || p.Feeds || p.API }

// ApprovalHold asks Enqueue to hold a post for approval until ExpiresAt; Author is the identity
// key of who made it ("" for a machine door).
type ApprovalHold struct {
	Author    string
	ExpiresAt time.Time
	// Notice, when set, is the event telling the approvers a post waits, written in the
	// enqueue's transaction (the publisher's EventPendingApproval, to the owner).
	Notice func(Post) OutboxEvent
}

// Decisions recorded in post_approvals.
const (
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
	DecisionExpired  = "expired"
)

// Approval is a post's approval record.
type Approval struct {
	PostID      string
	Author      string
	RequestedAt time.Time
	ExpiresAt   time.Time
	Decision    string // "" while pending
	DecidedBy   string // the approver's identity key
	// DecidedByName is the approver's display name when they decided ("" for expiry, and for
	// decisions recorded before names were); show it rather than DecidedBy.
	DecidedByName string
	DecidedAt     time.Time
	Reason        string
	Rounds        int // how many times the post was sent for approval (an edit sends it again)
}

// Decider is who decided, for people: the name, else the identity key, else "".
func (a Approval) Decider() string {
	if a.DecidedByName != "" {
		return a.DecidedByName
	}
	return a.DecidedBy
}

// SetApprovalPolicy stores p for its account (the caller checked that the sender owns it).
func (db *DB) SetApprovalPolicy(ctx context.Context, p ApprovalPolicy) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO approval_policies (account_id, grantees, webhooks, feeds, api, updated_by, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET grantees = excluded.grantees,
			webhooks = excluded.webhooks, feeds = excluded.feeds, api = excluded.api,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			p.AccountID, boolInt(p.Grantees), boolInt(p.Webhooks), boolInt(p.Feeds), boolInt(p.API), p.UpdatedBy, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set approval policy of account %d: %w", p.AccountID, err)
	}
	return nil
}

// ApprovalPolicyFor returns an account's policy; an account without one needs no approval.
func (db *DB) ApprovalPolicyFor(ctx context.Context, accountID int64) (ApprovalPolicy, error) {
	p := ApprovalPolicy{AccountID: accountID}
	var g, w, f, a int
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT grantees, webhooks, feeds, api, updated_by, updated_at
		FROM approval_policies WHERE account_id = ?`, accountID).Scan(&g, &w, &f, &a, &p.UpdatedBy, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return ApprovalPolicy{}, fmt.Errorf("storage: approval policy of account %d: %w", accountID, err)
	}
	p.Grantees, p.Webhooks, p.Feeds, p.API, p.UpdatedAt = g == 1, w == 1, f == 1, a == 1, fromMS(at)
	return p, nil
}

// holdTx moves a just-inserted post to pending_approval and records the request, when h asks.
func (db *DB) holdTx(ctx context.Context, tx *sql.Tx, id string, h ApprovalHold) error {
	if h.ExpiresAt.IsZero() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE posts SET state = 'pending_approval' WHERE id = ? AND state = 'queued'`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO post_approvals (post_id, author, requested_at, expires_at) VALUES (?, ?, ?, ?)`,
		id, h.Author, ms(db.now()), ms(h.ExpiresAt))
	if err != nil || h.Notice == nil {
		return err
	}
	p, err := scanPost(tx.QueryRowContext(ctx, `SELECT `+postColumns+` FROM posts WHERE id = ?`, id))
	if err != nil {
		return err
	}
	return addOutbox(ctx, tx, ms(db.now()), []OutboxEvent{h.Notice(p)})
}

// Decision is what Decide records.
type Decision struct {
	Outcome string // DecisionApproved, DecisionRejected or DecisionExpired
	By      string // the approver's identity key; "" for expiry
	ByName  string // the approver's display name, shown in status
	Reason  string // a rejection's reason, for the author
	// Round is the round of the approval request the decider saw (Approval.Rounds, on the
	// card, list or record they acted on): the decision applies only while that round is the
	// one waiting, since an edit sends the post back with new text. 0: the decider's door
	// knows no round (a typed command, a button from before rounds were on buttons, an API
	// call without one); the decision then applies to whatever waits, still never by its
	// author (Owner).
	Round int
	// Owner says By owns the account. The owner may decide a post they wrote or last edited
	// (their policy holds their own API posts, say); anyone else (a named approver) is a
	// second pair of eyes and may not, which Decide checks on the request it decides.
	Owner bool
	// Events builds the results to write in the same transaction (the author is told through
	// the post's door), from the post as decided. nil: none.
	Events func(Post) []OutboxEvent
}

// RoundError says a decision was made on a round of a post's approval request that no longer
// waits: the post was edited, and sent back for approval, after the decider saw it. Nothing
// was decided; the decider should look at the post again.
type RoundError struct {
	ID      string
	Seen    int // the round the decider saw
	Waiting int // the round waiting now
}

func (e *RoundError) Error() string {
	return fmt.Sprintf("post %s changed since you saw it: round %d is waiting, you saw round %d; look again", e.ID, e.Waiting, e.Seen)
}

// OwnPostError says a named approver tried to decide a post they wrote or last edited (the
// author of the round waiting). Nothing was decided; another approver or the owner must.
type OwnPostError struct {
	ID string
}

func (e *OwnPostError) Error() string {
	return fmt.Sprintf("you wrote or last edited post %s; another approver must decide it", e.ID)
}

// Decide applies d to a post pending approval, in one transaction: the guarded UPDATE of the
// post (it must still be pending), then the guarded UPDATE of its request (the round d saw,
// and an author who is not d's decider unless d.Owner). A post no longer pending (decided by
// someone else first, expired, cancelled) is a *StateError naming its state; a request whose
// round or author refuses d is a *RoundError or *OwnPostError, and the post's UPDATE is rolled
// back with it; an unknown id wraps ErrNotFound.
//
// Why this holds across replicas: the edit (EditQueued, reholdTx) writes the post, then its
// request, in one transaction; Decide writes them in the same order. Whichever takes the
// post's row first commits before the other gets past it (SQLite has one writer; PostgreSQL
// runs every write serializable and retries the loser), so the request row Decide checks is
// the one written with the text it approves. The checks are in the request's UPDATE, on the
// row it locks, rather than in a subquery of the post's UPDATE, so they hold even at a weaker
// isolation level, where a subquery could read the request as of the statement's start.
func (db *DB) Decide(ctx context.Context, id string, d Decision) (Post, error) {
	if d.Round < 0 || d.Round > math.MaxInt32 {
		// The doors refuse such a round from people; the column is a 32-bit INTEGER.
		return Post{}, fmt.Errorf("storage: %s: %d is not an approval round", d.Outcome, d.Round)
	}
	id = strings.ToLower(id)
	var p Post
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		var row *sql.Row
		switch d.Outcome {
		case DecisionApproved:
			row = tx.QueryRowContext(ctx, `UPDATE posts SET state = 'queued', updated_at = ?,
				next_attempt_at = CASE WHEN scheduled_at > ? THEN scheduled_at ELSE ? END
				WHERE id = ? AND state = 'pending_approval' RETURNING `+postColumns, now, now, now, id)
		case DecisionRejected, DecisionExpired:
			row = tx.QueryRowContext(ctx, `UPDATE posts SET state = 'cancelled', updated_at = ?, last_error = ?
				WHERE id = ? AND state = 'pending_approval' RETURNING `+postColumns, now, decisionWords(d), id)
		default:
			return fmt.Errorf("unknown decision %q", d.Outcome)
		}
		var err error
		if p, err = scanPost(row); errors.Is(err, sql.ErrNoRows) {
			return whyNotPending(ctx, tx, id, d.Outcome)
		} else if err != nil {
			return err
		}
		if err := recordDecisionTx(ctx, tx, id, d, now); err != nil {
			return err
		}
		if d.Events != nil {
			return addOutbox(ctx, tx, now, d.Events(p))
		}
		return nil
	})
	if err != nil {
		return Post{}, fmt.Errorf("storage: %s: %w", d.Outcome, err)
	}
	return p, nil
}

// recordDecisionTx writes d on post id's request, guarded by the round d saw and by its
// author: the checks and the write are one statement on the request row, so no edit can slip
// between them. A request that refuses d is explained (*RoundError, *OwnPostError) and the
// caller's transaction rolls back with the post's UPDATE.
func recordDecisionTx(ctx context.Context, tx *sql.Tx, id string, d Decision, now int64) error {
	notBy := d.By // "" matches no author: the owner (and expiry, by nobody) may decide a post they wrote
	if d.Owner {
		notBy = ""
	}
	res, err := tx.ExecContext(ctx, `UPDATE post_approvals SET decision = ?, decided_by = ?, decided_by_name = ?, decided_at = ?, reason = ?
		WHERE post_id = ? AND CAST(? AS INTEGER) IN (0, rounds) AND (author = '' OR author != ?)`,
		d.Outcome, d.By, d.ByName, now, d.Reason, id, d.Round, notBy)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var (
		rounds int
		author string
	)
	switch err := tx.QueryRowContext(ctx, `SELECT rounds, author FROM post_approvals WHERE post_id = ?`, id).Scan(&rounds, &author); {
	case errors.Is(err, sql.ErrNoRows):
		return nil // pending without a request row (never written since 0025): nothing to check, as before
	case err != nil:
		return err
	case notBy != "" && author == notBy:
		return &OwnPostError{ID: id}
	}
	return &RoundError{ID: id, Seen: d.Round, Waiting: rounds}
}

// decisionWords is what a rejected or expired post's last_error says.
func decisionWords(d Decision) string {
	if d.Outcome == DecisionExpired {
		return "approval request expired: nobody approved it in time"
	}
	if d.Reason == "" {
		return "rejected by an approver"
	}
	return "rejected by an approver: " + d.Reason
}

func whyNotPending(ctx context.Context, tx *sql.Tx, id, outcome string) error {
	var state State
	switch err := tx.QueryRowContext(ctx, `SELECT state FROM posts WHERE id = ?`, id).Scan(&state); {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("post %s: %w", id, ErrNotFound)
	case err != nil:
		return err
	}
	return &StateError{ID: id, State: state, Op: outcome}
}

// ApprovalOf returns a post's approval record; ErrNotFound if it was never held.
func (db *DB) ApprovalOf(ctx context.Context, postID string) (Approval, error) {
	a := Approval{PostID: strings.ToLower(postID)}
	var req, exp, dec int64
	err := db.r.QueryRowContext(ctx, `SELECT author, requested_at, expires_at, decision, decided_by, decided_by_name, decided_at, reason, rounds
		FROM post_approvals WHERE post_id = ?`, a.PostID).Scan(&a.Author, &req, &exp, &a.Decision, &a.DecidedBy, &a.DecidedByName, &dec, &a.Reason, &a.Rounds)
	if errors.Is(err, sql.ErrNoRows) {
		return Approval{}, fmt.Errorf("storage: approval of %s: %w", postID, ErrNotFound)
	}
	if err != nil {
		return Approval{}, fmt.Errorf("storage: approval of %s: %w", postID, err)
	}
	a.RequestedAt, a.ExpiresAt = fromMS(req), fromMS(exp)
	if dec > 0 {
		a.DecidedAt = fromMS(dec)
	}
	return a, nil
}

// DueApproval is a request that expired: the post, and the round that expired. Expiry
// decides that round only (Decision.Round), so a post an edit sent back for approval since,
// with a new deadline, is not cancelled for the old request's.
type DueApproval struct {
	PostID string
	Round  int
}

// DueApprovals returns up to limit posts still pending whose request expired by now.
func (db *DB) DueApprovals(ctx context.Context, now time.Time, limit int) ([]DueApproval, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT a.post_id, a.rounds FROM post_approvals a JOIN posts p ON p.id = a.post_id
		WHERE a.decision = '' AND a.expires_at <= ? AND p.state = 'pending_approval' ORDER BY a.expires_at LIMIT ?`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: due approvals: %w", err)
	}
	defer rows.Close()
	var due []DueApproval
	for rows.Next() {
		var d DueApproval
		if err := rows.Scan(&d.PostID, &d.Round); err != nil {
			return nil, fmt.Errorf("storage: due approvals: %w", err)
		}
		due = append(due, d)
	}
	return due, rows.Err()
}
