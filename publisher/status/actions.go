package status

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/spindle-threads/spindle/storage"
)

// pausedReason is what a feed paused from this page says about itself.
const pausedReason = "paused from the status page"

func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r) {
		return
	}
	id := r.PathValue("id")
	_, err := h.opts.Store.Cancel(r.Context(), id)
	h.done(w, r, fmt.Sprintf("Post %s cancelled.", id), "cancel post "+id, err)
}

func (h *Handler) retry(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r) {
		return
	}
	id := r.PathValue("id")
	_, err := h.opts.Store.RetryFailed(r.Context(), id)
	if err == nil && h.opts.Wake != nil {
		h.opts.Wake()
	}
	h.done(w, r, fmt.Sprintf("Post %s is queued again and will be retried now.", id), "retry post "+id, err)
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request)  { h.setFeed(w, r, false) }
func (h *Handler) resume(w http.ResponseWriter, r *http.Request) { h.setFeed(w, r, true) }

func (h *Handler) setFeed(w http.ResponseWriter, r *http.Request, enable bool) {
	if !h.checkCSRF(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.redirect(w, r, fmt.Sprintf("%q is not a feed number.", r.PathValue("id")))
		return
	}
	verb := map[bool]string{true: "resumed", false: "paused"}[enable]
	f, err := h.opts.Store.Feed(r.Context(), id)
	if err != nil {
		h.done(w, r, "", fmt.Sprintf("find feed %d", id), err)
		return
	}
	if f.Enabled == enable {
		h.redirect(w, r, fmt.Sprintf("Feed %d is already %s; nothing changed.", id, map[bool]string{true: "running", false: "paused"}[enable]))
		return
	}
	_, err = h.opts.Store.SetFeedEnabled(r.Context(), id, enable, pausedReason, h.opts.Now())
	h.done(w, r, fmt.Sprintf("Feed %d %s.", id, verb), fmt.Sprintf("change feed %d", id), err)
}

// done redirects back to the page with ok, or with a message saying why the action on what
// did not apply.
func (h *Handler) done(w http.ResponseWriter, r *http.Request, ok, what string, err error) {
	var se *storage.StateError
	switch {
	case err == nil:
		h.opts.Logger.InfoContext(r.Context(), "status page action", "action", r.URL.Path)
		h.redirect(w, r, ok)
	case errors.As(err, &se):
		h.redirect(w, r, fmt.Sprintf("Post %s is %s, so it cannot be %s; nothing changed.", se.ID, se.State, se.Op))
	case errors.Is(err, storage.ErrNotFound):
		h.redirect(w, r, fmt.Sprintf("Could not %s: it does not exist (any more?).", what))
	default:
		h.opts.Logger.ErrorContext(r.Context(), "status page action failed", "action", r.URL.Path, "err", err)
		h.redirect(w, r, fmt.Sprintf("Could not %s: %v. Check the server log and try again.", what, err))
	}
}

func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, flash string) {
	http.Redirect(w, r, "/?flash="+url.QueryEscape(flash), http.StatusSeeOther)
}
