package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// errorBody is every error answer: a message a person can act on, and for invalid posts the
// field at fault and every problem found.
type errorBody struct {
	Error  string       `json:"error"`
	Field  string       `json:"field,omitempty"`
	Errors []fieldError `json:"errors,omitempty"`
	// Scope is the Threads permission the account's token lacks (403): link it again to grant it.
	Scope string `json:"scope,omitempty"`
	// RetryAt is when a used-up quota has room again (429); Retry-After says the same.
	RetryAt *time.Time `json:"retryAt,omitempty"`
}

type fieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

// fail maps an error to its status and answer. Messages of the packages below are written for
// people and carry no secrets; unexpected errors are logged and answered generically.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		inv *ingest.InvalidError
		se  *storage.StateError
		te  *threads.Error

		conflict *storage.KeyConflictError
		del      *publisher.DeleteError
	)
	switch {
	case errors.As(err, &inv):
		body := errorBody{Error: "the post was not accepted: " + err.Error(), Field: inv.Field}
		if problems := ingest.Problems(err); len(problems) > 1 {
			for _, p := range problems {
				body.Errors = append(body.Errors, fieldError{Field: p.Field, Message: p.Reason})
			}
		}
		status := http.StatusBadRequest
		if inv.Limit > 0 {
			status = http.StatusRequestEntityTooLarge // over a size limit: smaller would pass
		}
		writeJSON(w, status, body)
	case errors.Is(err, accounts.ErrForbidden):
		writeError(w, http.StatusForbidden, err.Error())
	case errors.Is(err, accounts.ErrAmbiguousAccount):
		writeError(w, http.StatusConflict, err.Error()+" (add ?account=@name)")
	case errors.Is(err, accounts.ErrNoAccount), errors.Is(err, storage.ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, accounts.ErrNotConnected), errors.Is(err, accounts.ErrNeedsReconnect), errors.Is(err, accounts.ErrTooYoung):
		writeError(w, http.StatusConflict, err.Error())
	case errors.As(err, &conflict):
		writeJSON(w, http.StatusConflict, errorBody{Error: conflict.Error(), Field: "Idempotency-Key"})
	case errors.As(err, &se):
		writeError(w, http.StatusConflict, "can only cancel posts with status queued: "+se.Error())
	case errors.As(err, &del):
		h.deleteFailed(w, del)
	case errors.As(err, &te):
		status := http.StatusBadGateway
		if te.Class == threads.ClassRateLimited {
			status = http.StatusTooManyRequests
		}
		writeError(w, status, err.Error())
	default:
		h.log.ErrorContext(r.Context(), "api request failed", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.String("error", err.Error()))
		writeError(w, http.StatusInternalServerError, "Spindle could not complete the request; try again in a moment (details are in the server log)")
	}
}

// deleteFailed answers a deletion the publisher refused: 410 already deleted, 429 with
// Retry-After when the deletion quota is used up, 403 naming a missing permission, else 409.
func (h *Handler) deleteFailed(w http.ResponseWriter, de *publisher.DeleteError) {
	body := errorBody{Error: de.Msg}
	status := http.StatusConflict
	switch {
	case errors.Is(de, publisher.ErrAlreadyDeleted):
		status = http.StatusGone
	case errors.Is(de, publisher.ErrQuotaExceeded):
		status = http.StatusTooManyRequests
		if !de.Until.IsZero() {
			at := de.Until.UTC()
			body.RetryAt = &at
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(at.Sub(h.now()).Seconds()+0.999))))
		}
	case errors.Is(de, publisher.ErrMissingScope):
		status = http.StatusForbidden
		body.Scope = de.Scope
		body.Error += " (or open " + accounts.StartPath + " to link it from a browser)"
	}
	writeJSON(w, status, body)
}
