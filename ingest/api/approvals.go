package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Approvals decides posts held for approval and reads their records; *storage.DB implements it.
type Approvals interface {
	Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error)
	ApprovalOf(ctx context.Context, postID string) (storage.Approval, error)
	ApprovedAccounts(ctx context.Context, door, team, user string) ([]storage.Account, error)
}

// approvalJSON is a post's approval record as GET /api/posts/{id} shows it.
type approvalJSON struct {
	Status string `json:"status"` // pending, approved, rejected or expired
	// Round counts the times the post was sent for approval (an edit sends it again): send it
	// back with approve or reject, and the decision applies only to the text you read.
	Round       int        `json:"round"`
	RequestedAt time.Time  `json:"requestedAt"`
	ExpiresAt   time.Time  `json:"expiresAt"`
	DecidedBy   string     `json:"decidedBy,omitempty"` // the approver's display name (else identity key)
	DecidedAt   *time.Time `json:"decidedAt,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// approvalOf is p's approval record for the API; nil for a post never held.
func (h *Handler) approvalOf(r *http.Request, id string) *approvalJSON {
	if h.approvals == nil {
		return nil
	}
	a, err := h.approvals.ApprovalOf(r.Context(), id)
	if err != nil {
		return nil
	}
	out := &approvalJSON{Status: cmp.Or(a.Decision, "pending"), Round: a.Rounds, RequestedAt: a.RequestedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(),
		DecidedBy: a.Decider(), Reason: a.Reason}
	if !a.DecidedAt.IsZero() {
		at := a.DecidedAt.UTC()
		out.DecidedAt = &at
	}
	return out
}

// decisionRequest is the optional body of POST /api/threads/post/{id}/approve and …/reject.
type decisionRequest struct {
	Reason string `json:"reason"` // reject: why, told to the author
	// Round is the approval round the caller read (approval.round of GET /api/posts/{id}):
	// when set, the decision applies only while that round waits, so an edit made after the
	// caller read the post is never approved unread. 0 or absent: whatever round waits.
	Round int `json:"round"`
}

// maxReason bounds a rejection's reason: it is shown to the author in chat.
const maxReason = 500

// errChanged answers a decision on a round that no longer waits: 409, nothing decided.
var errChanged = httperr.New(http.StatusConflict, httperr.CodeWrongState, "nothing was decided")

// approvePost is POST /api/threads/post/{id}/approve, with an optional {"round": N}.
func (h *Handler) approvePost(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, storage.DecisionApproved)
}

// rejectPost is POST /api/threads/post/{id}/reject, with an optional {"reason": "…", "round": N}.
func (h *Handler) rejectPost(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, storage.DecisionRejected)
}

// decide approves or rejects a post waiting for approval: the post as decided (200), 404 for a
// post the caller cannot see, 403 for one it may post to but not decide (a grantee cannot
// approve its own post) or that it wrote or last edited, 409 for a post no longer waiting
// (another approver was quicker) or edited since the round the caller sent. The owner and
// the approvers the owner named may decide. Who wrote the round that waits, and which round
// it is, are checked by storage.Decide in the decision's own transaction: a check here,
// before it, could read the request as it was before an edit on another replica.
func (h *Handler) decide(w http.ResponseWriter, r *http.Request, outcome string) {
	if h.approvals == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "approvals are not available in this Spindle")
		return
	}
	var body decisionRequest
	if r.ContentLength != 0 && !decode(w, r, &body) {
		return
	}
	if len(body.Reason) > maxReason {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, fmt.Sprintf("the reason is over %d bytes; say it shorter", maxReason))
		return
	}
	if body.Round < 0 || body.Round > math.MaxInt32 {
		writeError(w, http.StatusBadRequest, httperr.CodeInvalid, "round is the approval round you read (approval.round of GET /api/posts/{id}), a positive number; leave it out to decide whatever round waits")
		return
	}
	p, a, owner, err := h.decidablePost(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := caller(r)
	d := storage.Decision{Outcome: outcome, By: c.Identity.Key(), ByName: c.Identity.Name, Reason: body.Reason,
		Round: body.Round, Owner: owner}
	d.Events = publisher.DecisionEvents(d, c.Identity.Name)
	out, err := h.approvals.Decide(r.Context(), p.ID, d)
	if err != nil {
		h.fail(w, r, refusedDecision(err, a.Username))
		return
	}
	pj := h.postJSON(out, a.Username)
	pj.Approval = h.approvalOf(r, out.ID)
	writeJSON(w, http.StatusOK, pj)
}

// refusedDecision words Decide's refusals for the API: a round that no longer waits is 409,
// a post the caller wrote or last edited 403. Any other error is left as it is.
func refusedDecision(err error, username string) error {
	if re, ok := errors.AsType[*storage.RoundError](err); ok {
		return fmt.Errorf("post %s changed since you read it: round %d is waiting, and you sent round %d; read it again (GET /api/posts/%s) and decide round %d: %w",
			re.ID, re.Waiting, re.Seen, re.ID, re.Waiting, errChanged)
	}
	if oe, ok := errors.AsType[*storage.OwnPostError](err); ok {
		return fmt.Errorf("you wrote (or last edited) post %s; the owner of @%s or another approver must decide it: %w", oe.ID, username, httperr.ErrForbidden)
	}
	return err
}

// decidablePost reads a post the caller may approve or reject: one on an account it owns
// (owner is true), or whose owner named it an approver. A post it may only post to is 403 (a
// grantee cannot approve its own post); any other, like an unknown id, is 404, so ids cannot
// be probed. That a named approver did not write or last edit the post is for Decide to
// check, atomically with the decision.
func (h *Handler) decidablePost(r *http.Request, id string) (p storage.Post, a storage.Account, owner bool, err error) {
	ctx := r.Context()
	c := caller(r)
	notFound := fmt.Errorf("no post %s that you can see: %w", id, storage.ErrNotFound)
	p, err = h.posts.Get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return p, storage.Account{}, false, notFound
	}
	if err != nil {
		return p, storage.Account{}, false, err
	}
	if c.Token.AccountID != 0 && c.Token.AccountID != p.AccountID {
		return p, storage.Account{}, false, notFound
	}
	a, err = h.posts.Account(ctx, p.AccountID)
	if err != nil {
		return p, storage.Account{}, false, err
	}
	if h.acct.CanManage(ctx, c.Identity, p.AccountID) == nil {
		return p, a, true, nil
	}
	named, err := h.approvals.ApprovedAccounts(ctx, c.Identity.Door, c.Identity.Team, c.Identity.User)
	if err != nil {
		return p, storage.Account{}, false, err
	}
	if slices.ContainsFunc(named, func(x storage.Account) bool { return x.ID == p.AccountID }) {
		return p, a, false, nil
	}
	if h.acct.CanPost(ctx, c.Identity, p.AccountID) == nil {
		return p, storage.Account{}, false, fmt.Errorf("only the owner of @%s, or an approver the owner named, may approve or reject its posts: %w", a.Username, httperr.ErrForbidden)
	}
	return p, storage.Account{}, false, notFound
}

// approverSees reads post id for a caller the account's owner named approver without a right
// to post to it, so the approver can read what they decide (GET /api/posts/{id}). ok is false
// for anyone else, whose 404 stays as visiblePost gave it.
func (h *Handler) approverSees(r *http.Request, id string) (storage.Post, storage.Account, bool) {
	if h.approvals == nil {
		return storage.Post{}, storage.Account{}, false
	}
	ctx := r.Context()
	c := caller(r)
	p, err := h.posts.Get(ctx, id)
	if err != nil || (c.Token.AccountID != 0 && c.Token.AccountID != p.AccountID) {
		return storage.Post{}, storage.Account{}, false
	}
	named, err := h.approvals.ApprovedAccounts(ctx, c.Identity.Door, c.Identity.Team, c.Identity.User)
	if err != nil || !slices.ContainsFunc(named, func(x storage.Account) bool { return x.ID == p.AccountID }) {
		return storage.Post{}, storage.Account{}, false
	}
	a, err := h.posts.Account(ctx, p.AccountID)
	return p, a, err == nil
}
