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
	h.done(w, r, flashCancelled, "cancel post "+id, err)
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
	h.done(w, r, flashRetried, "retry post "+id, err)
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request)  { h.setFeed(w, r, false) }
func (h *Handler) resume(w http.ResponseWriter, r *http.Request) { h.setFeed(w, r, true) }

func (h *Handler) setFeed(w http.ResponseWriter, r *http.Request, enable bool) {
	if !h.checkCSRF(w, r) {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.redirect(w, r, flashNotFeedNumber)
		return
	}
	f, err := h.opts.Store.Feed(r.Context(), id)
	if err != nil {
		h.done(w, r, "", fmt.Sprintf("find feed %d", id), err)
		return
	}
	if f.Enabled == enable {
		h.redirect(w, r, map[bool]string{true: flashFeedWasOn, false: flashFeedWasPaused}[enable])
		return
	}
	_, err = h.opts.Store.SetFeedEnabled(r.Context(), id, enable, pausedReason, h.opts.Now())
	h.done(w, r, map[bool]string{true: flashFeedResumed, false: flashFeedPaused}[enable], fmt.Sprintf("change feed %d", id), err)
}

// done redirects back to the page with the flash code ok, or with the code saying why the
// action on what did not apply (what and the details go to the log).
func (h *Handler) done(w http.ResponseWriter, r *http.Request, ok, what string, err error) {
	var se *storage.StateError
	switch {
	case err == nil:
		h.opts.Logger.InfoContext(r.Context(), "status page action", "action", r.URL.Path)
		h.redirect(w, r, ok)
	case errors.As(err, &se):
		h.opts.Logger.InfoContext(r.Context(), "status page action refused", "action", what, "state", string(se.State))
		h.redirect(w, r, flashWrongState)
	case errors.Is(err, storage.ErrNotFound):
		h.redirect(w, r, flashNotFound)
	case errors.Is(err, storage.ErrMediaGone):
		h.opts.Logger.InfoContext(r.Context(), "status page action refused", "action", what, "error", err)
		h.redirect(w, r, flashMediaGone)
	default:
		h.opts.Logger.ErrorContext(r.Context(), "status page action failed", "action", what, "error", err)
		h.redirect(w, r, flashFailed)
	}
}

// redirect goes back to the page with a flash code (flash.go), never with text.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, code string) {
	http.Redirect(w, r, "/?flash="+url.QueryEscape(code), http.StatusSeeOther)
}
