package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/storage"
)

// Editor changes a queued post after running the preflight again; *ingest.Service implements
// it. When Options.Editor is nil, an Enqueuer that is also an Editor serves.
type Editor interface {
	Edit(ctx context.Context, p storage.Post, e ingest.Edit) (storage.Post, error)
}

// editRequest is the body of PATCH /api/threads/post/schedule/{id}: every field is optional,
// and an absent one is kept. "mediaUrl": "" removes the media.
type editRequest struct {
	Text        *string `json:"text"`
	ScheduledAt *string `json:"scheduledAt"`
	MediaURL    *string `json:"mediaUrl"`
	MediaType   string  `json:"mediaType"`
	AltText     string  `json:"altText"`
}

// editScheduled is PATCH /api/threads/post/schedule/{id}: the post as changed (200), 404 for
// a post the caller cannot see, 409 once the publisher has taken it ("already publishing")
// or it is no longer queued, 400 for a change the preflight refuses. Nothing changes on error.
func (h *Handler) editScheduled(w http.ResponseWriter, r *http.Request) {
	if h.edit == nil {
		writeError(w, http.StatusNotImplemented, httperr.CodeNotImplemented, "editing posts is not available in this Spindle")
		return
	}
	var body editRequest
	if !decode(w, r, &body) {
		return
	}
	p, a, err := h.visiblePost(r, r.PathValue("id"), false)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.editOf(body)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// A grantee's edit goes back for approval when the account's policy holds grantees' posts.
	c := caller(r)
	e.Grantee, e.Author = h.acct.CanManage(r.Context(), c.Identity, p.AccountID) != nil, c.Identity.Key()
	out, err := h.edit.Edit(r.Context(), p, e)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h.postJSON(out, a.Username))
}

// editOf reads the change a PATCH body asks for.
func (h *Handler) editOf(body editRequest) (ingest.Edit, error) {
	var e ingest.Edit
	e.Text = body.Text
	if body.ScheduledAt != nil {
		at, err := time.Parse(time.RFC3339, *body.ScheduledAt)
		if err != nil {
			return e, &ingest.InvalidError{Field: "scheduledAt", Reason: fmt.Sprintf("scheduledAt %q is not an RFC 3339 time such as 2025-12-01T12:00:00Z", *body.ScheduledAt)}
		}
		e.ScheduledAt = at
	}
	if body.MediaURL != nil {
		media := []ingest.Media{}
		if *body.MediaURL != "" {
			kind, err := mediaKind(body.MediaType, *body.MediaURL)
			if err != nil {
				return e, err
			}
			media = append(media, ingest.Media{Kind: kind, URL: *body.MediaURL, AltText: body.AltText})
		}
		e.Media = &media
	}
	return e, nil
}
