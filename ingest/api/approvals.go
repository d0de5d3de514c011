package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Approvals decides posts held for approval; *storage.DB implements it.
type Approvals interface {
	Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error)
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
// post the caller cannot see, 403 for one it may post to but not manage (a grantee cannot
// approve its own post), 409 for a post no longer waiting (another approver was quicker).
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
	p, a, err := h.visiblePost(r, r.PathValue("id"), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := caller(r)
	if err := h.acct.CanManage(r.Context(), c.Identity, p.AccountID); err != nil {
		writeError(w, http.StatusForbidden, httperr.CodeForbidden, "only the owner of @"+a.Username+" may approve or reject its posts")
		return
	}
	d := storage.Decision{Outcome: outcome, By: c.Identity.Key(), Reason: body.Reason}
	d.Events = publisher.DecisionEvents(d, c.Identity.Name)
	out, err := h.approvals.Decide(r.Context(), p.ID, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.postJSON(out, a.Username))
}
