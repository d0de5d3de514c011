package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
)

// errorBody is every error answer: httperr's one body (error, code, field, errors, scope,
// retryAt).
type errorBody = httperr.Body

type fieldError = httperr.FieldError

func writeJSON(w http.ResponseWriter, status int, v any) { httperr.WriteJSON(w, status, v) }

// writeError answers a problem the handler found itself (a wrong route, a body that is not JSON).
func writeError(w http.ResponseWriter, status int, code, msg string) {
	httperr.Write(w, httperr.Problem{Status: status, Code: code, Message: msg})
}

// fail maps an error to its answer through httperr, the one vocabulary, adding what only the
// REST API says: every problem of an invalid post, how to pick among accounts, and the
// details of a refused deletion. Unexpected errors are logged and answered generically.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	if del, ok := errors.AsType[*publisher.DeleteError](err); ok {
		h.deleteFailed(w, r, del)
		return
	}
	p := httperr.Classify(err, slotProblem)
	httperr.Log(r, h.log, p, err, "api request refused")
	body := p.Body()
	switch p.Code {
	case httperr.CodeInvalid, httperr.CodeTooLarge:
		if problems := ingest.Problems(err); len(problems) > 1 {
			for _, ie := range problems {
				body.Errors = append(body.Errors, fieldError{Field: ie.Field, Message: ie.Reason})
			}
		}
	case httperr.CodeAmbiguousAccount:
		body.Error += " (add ?account=@name)"
	}
	writeJSON(w, p.Status, body)
}

// deleteFailed answers a deletion the publisher refused: 410 already deleted, 429 with
// Retry-After when the deletion quota is used up, 403 naming a missing permission, 409 with
// Retry-After while another request deletes the post, 502 when Threads refused or did not
// answer, 503 when Spindle could not record what Threads did (each message says what is gone
// and that deleting again finishes), else 409.
func (h *Handler) deleteFailed(w http.ResponseWriter, r *http.Request, de *publisher.DeleteError) {
	p := httperr.Problem{Status: http.StatusConflict, Code: httperr.CodeWrongState, Message: de.Msg, Level: slog.LevelInfo}
	body := p.Body()
	switch {
	case errors.Is(de, publisher.ErrAlreadyDeleted):
		p.Status, body.Code = http.StatusGone, httperr.CodeGone
	case errors.Is(de, publisher.ErrQuotaExceeded):
		p.Status, body.Code = http.StatusTooManyRequests, httperr.CodeRateLimited
		h.retryAt(w, &body, de.Until)
	case errors.Is(de, publisher.ErrDeleteInProgress):
		h.retryAt(w, &body, de.Until)
	case errors.Is(de, publisher.ErrDeleteUnrecorded):
		p.Status, body.Code, p.Level = http.StatusServiceUnavailable, httperr.CodeUnavailable, slog.LevelWarn
	case errors.Is(de, publisher.ErrDeleteFailed):
		p.Status, body.Code, p.Level = http.StatusBadGateway, httperr.CodeThreads, slog.LevelWarn
	case errors.Is(de, publisher.ErrMissingScope):
		p.Status, body.Code = http.StatusForbidden, httperr.CodeMissingScope
		body.Scope = de.Scope
		body.Error += " (or open " + accounts.StartPath + " to link it from a browser)"
	}
	p.Code = body.Code
	httperr.Log(r, h.log, p, de, "api deletion refused")
	writeJSON(w, p.Status, body)
}

// retryAt tells when to try again, in the body and as Retry-After; nothing for the zero time.
func (h *Handler) retryAt(w http.ResponseWriter, body *httperr.Body, until time.Time) {
	if until.IsZero() {
		return
	}
	at := until.UTC()
	body.RetryAt = &at
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(at.Sub(h.now()).Seconds()+0.999))))
}
