package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/spindle-threads/spindle/ingest/httperr"
)

// Errors the handler answers without needing more context.
var (
	errMethod      = errors.New("use POST")
	errContentType = errors.New("content type must be application/json; set it on the webhook (GitHub: Content type application/json; curl: -H 'Content-Type: application/json')")
)

// configError is an operator's mistake in a source (a broken template, an unknown preset):
// the sender cannot fix it, so it is answered 500 with a pointer to the operator.
type configError struct {
	source string
	err    error
}

func (e *configError) Error() string {
	return fmt.Sprintf("source %s is misconfigured: %v", e.source, e.err)
}
func (e *configError) Unwrap() error { return e.err }

// sourceError turns a lookup failure into what the mapper answers: unknown and disabled
// sources alike are 404, so a probe cannot tell which names exist but are switched off.
func sourceError(name string, err error) error {
	if errors.Is(err, ErrSourceNotFound) {
		return &notFoundError{name: name}
	}
	return fmt.Errorf("webhook: look up source %q: %w", name, err)
}

type notFoundError struct{ name string }

func (e *notFoundError) Error() string {
	return fmt.Sprintf("no enabled webhook source named %q; check the URL printed by `spindle sources show`", e.name)
}

// ConflictError says a delivery reused an idempotency key (its idempotency_key, else its
// delivery id) that its source already used for a different post. The Enqueuer returns it;
// it is answered 409 and nothing is queued.
type ConflictError struct {
	PostID string // the source's own post the key already names
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("this delivery's idempotency key (its idempotency_key, else its delivery id) was already used "+
		"for post %s with a different request; nothing was queued: use a new key for a new post", e.PostID)
}

// rules are the webhook door's own errors, tried before httperr's shared vocabulary: the one
// mapper answers everything else, and anything unrecognised is an internal failure whose
// details go only to the log. Messages here are written for the sender and never hold a secret.
func rules(err error) (httperr.Problem, bool) {
	info := func(status int, code, msg, field string) (httperr.Problem, bool) {
		return httperr.Problem{Status: status, Code: code, Message: msg, Field: field, Level: slog.LevelInfo}, true
	}
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return info(http.StatusRequestEntityTooLarge, httperr.CodeTooLarge,
			fmt.Sprintf("body is over %d bytes; send the post, not the whole payload, or use a template source", e.Limit), "")
	}
	if ce, ok := errors.AsType[*configError](err); ok {
		return httperr.Problem{Status: http.StatusInternalServerError, Code: httperr.CodeMisconfigured, Level: slog.LevelError,
			Message: "the webhook source " + ce.source + " is misconfigured; ask the Spindle operator to check it with `spindle sources show`"}, true
	}
	if fe, ok := errors.AsType[*FieldError](err); ok {
		if fe.TooLarge {
			return info(http.StatusRequestEntityTooLarge, httperr.CodeTooLarge, fe.Error(), fe.Field)
		}
		return info(http.StatusBadRequest, httperr.CodeInvalid, fe.Error(), fe.Field)
	}
	if ce, ok := errors.AsType[*ConflictError](err); ok {
		return httperr.Problem{Status: http.StatusConflict, Code: httperr.CodeIdempotencyConflict, Level: slog.LevelWarn,
			Message: ce.Error(), Field: "idempotency_key"}, true
	}
	if nf, ok := errors.AsType[*notFoundError](err); ok {
		return info(http.StatusNotFound, httperr.CodeNotFound, nf.Error(), "")
	}
	warn := func(msg string) (httperr.Problem, bool) {
		return httperr.Problem{Status: http.StatusUnauthorized, Code: httperr.CodeBadSignature, Level: slog.LevelWarn, Message: msg}, true
	}
	switch {
	case errors.Is(err, errMethod):
		return info(http.StatusMethodNotAllowed, httperr.CodeMethod, err.Error(), "")
	case errors.Is(err, errContentType):
		return info(http.StatusUnsupportedMediaType, httperr.CodeMediaType, err.Error(), "")
	case errors.Is(err, ErrNoSecret):
		return httperr.Problem{Status: http.StatusUnauthorized, Code: httperr.CodeMisconfigured, Level: slog.LevelError,
			Message: "the signature cannot be checked: the source has no usable secret; ask the Spindle operator to rotate it"}, true
	case errors.Is(err, ErrStale):
		return warn(err.Error())
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrBadSignature):
		return warn(err.Error() + "; check the source's secret and signature scheme")
	}
	return httperr.Problem{}, false
}

// classify is the door's answer to err: its own rules, then the shared vocabulary.
func classify(err error) httperr.Problem {
	p := httperr.Classify(err, rules)
	if p.Code == httperr.CodeInternal {
		p.Message = "internal error; nothing was queued, try again later"
	}
	return p
}

// writeError answers err and logs it. The log gets the full error chain (never a secret: no
// error in this package carries one); the sender gets only the public message.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) httperr.Problem {
	p := classify(err)
	httperr.Log(r, h.log, p, err, "webhook rejected", slog.String("source", h.sourceName(r)))
	httperr.Write(w, p)
	return p
}
