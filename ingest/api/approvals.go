package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
	Status      string     `json:"status"` // pending, approved, rejected or expired
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
	out := &approvalJSON{Status: cmp.Or(a.Decision, "pending"), RequestedAt: a.RequestedAt.UTC(), ExpiresAt: a.ExpiresAt.UTC(),
		DecidedBy: a.Decider(), Reason: a.Reason}
	if !a.DecidedAt.IsZero() {
		at := a.DecidedAt.UTC()
		out.DecidedAt = &at
	}
	return out
}

// decisionRequest is the optional body of POST /api/threads/post/{id}/reject.
type decisionRequest struct {
	Reason string `json:"reason"`
}

// maxReason bounds a rejection's reason: it is shown to the author in chat.
const maxReason = 500

// approvePost is POST /api/threads/post/{id}/approve.
func (h *Handler) approvePost(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, storage.DecisionApproved)
}

// rejectPost is POST /api/threads/post/{id}/reject, with an optional {"reason": "…"}.
func (h *Handler) rejectPost(w http.ResponseWriter, r *http.Request) {
	h.decide(w, r, storage.DecisionRejected)
}

// decide approves or rejects a post waiting for approval: the post as decided (200), 404 for a
// post the caller cannot see, 403 for one it may post to but not decide (a grantee cannot
// approve its own post), 409 for a post no longer waiting (another approver was quicker).
// The owner and the approvers the owner named may decide.
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
	p, a, err := h.decidablePost(r, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := caller(r)
	d := storage.Decision{Outcome: outcome, By: c.Identity.Key(), ByName: c.Identity.Name, Reason: body.Reason}
	d.Events = publisher.DecisionEvents(d, c.Identity.Name)
	out, err := h.approvals.Decide(r.Context(), p.ID, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pj := h.postJSON(out, a.Username)
	pj.Approval = h.approvalOf(r, out.ID)
	writeJSON(w, http.StatusOK, pj)
}

// decidablePost reads a post the caller may approve or reject: one on an account it owns, or
// whose owner named it an approver. A post it may only post to is 403 (a grantee cannot
// approve its own post, nor a named approver one they wrote or last edited); any other, like
// an unknown id, is 404, so ids cannot be probed.
func (h *Handler) decidablePost(r *http.Request, id string) (storage.Post, storage.Account, error) {
	ctx := r.Context()
	c := caller(r)
	notFound := fmt.Errorf("no post %s that you can see: %w", id, storage.ErrNotFound)
	p, err := h.posts.Get(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return p, storage.Account{}, notFound
	}
	if err != nil {
		return p, storage.Account{}, err
	}
	if c.Token.AccountID != 0 && c.Token.AccountID != p.AccountID {
		return p, storage.Account{}, notFound
	}
	a, err := h.posts.Account(ctx, p.AccountID)
	if err != nil {
		return p, storage.Account{}, err
	}
	if h.acct.CanManage(ctx, c.Identity, p.AccountID) == nil {
		return p, a, nil
	}
	named, err := h.approvals.ApprovedAccounts(ctx, c.Identity.Door, c.Identity.Team, c.Identity.User)
	if err != nil {
		return p, storage.Account{}, err
	}
	if slices.ContainsFunc(named, func(x storage.Account) bool { return x.ID == p.AccountID }) {
		// A second pair of eyes: a named approver never decides a post they wrote or last edited.
		if ap, err := h.approvals.ApprovalOf(ctx, p.ID); err == nil && ap.Author != "" && ap.Author == c.Identity.Key() {
			return p, storage.Account{}, fmt.Errorf("you wrote (or last edited) post %s; the owner of @%s or another approver must decide it: %w", p.ID, a.Username, httperr.ErrForbidden)
		}
		return p, a, nil
	}
	if h.acct.CanPost(ctx, c.Identity, p.AccountID) == nil {
		return p, storage.Account{}, fmt.Errorf("only the owner of @%s, or an approver the owner named, may approve or reject its posts: %w", a.Username, httperr.ErrForbidden)
	}
	return p, storage.Account{}, notFound
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
