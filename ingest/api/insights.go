package api

import (
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
)

// insightsJSON is GET /api/threads/post/{id}/insights: the post's lifetime counts on Threads
// and when Threads reported them (answers are cached for a few minutes).
type insightsJSON struct {
	ID        string    `json:"id"`
	ThreadsID string    `json:"threads_id"`
	Views     int       `json:"views"`
	Likes     int       `json:"likes"`
	Replies   int       `json:"replies"`
	Reposts   int       `json:"reposts"`
	Quotes    int       `json:"quotes"`
	Shares    int       `json:"shares"`
	FetchedAt time.Time `json:"fetchedAt"`
	// PollResults is a poll post's votes, once Threads reports them.
	PollResults *pollResultsJSON `json:"pollResults,omitempty"`
}

// postInsights answers a published post's insights, by Spindle id or Threads media id, to a
// caller who may see the post: 409 for a post not published or deleted, 403 missing_scope when
// the account's token lacks threads_manage_insights.
func (h *Handler) postInsights(w http.ResponseWriter, r *http.Request) {
	p, _, err := h.visiblePost(r, r.PathValue("id"), true)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if h.ins == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "insights are not available in this Spindle")
		return
	}
	in, err := h.ins.Insights(r.Context(), p.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, insightsJSON{ID: p.ID, ThreadsID: p.MediaID, Views: in.Views, Likes: in.Likes,
		Replies: in.Replies, Reposts: in.Reposts, Quotes: in.Quotes, Shares: in.Shares, FetchedAt: in.At.UTC(),
		PollResults: h.pollResults(r, p)})
}
