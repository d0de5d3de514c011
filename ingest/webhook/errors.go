package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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

// problem is one error as answered: status, public JSON and how loudly to log it.
type problem struct {
	status int
	msg    string
	field  string
	level  slog.Level
}

// classify is the one place typed errors become HTTP answers. Messages of the sentinel and
// typed errors are written for the sender and never hold a secret; anything unrecognised is an
// internal failure whose details go only to the log.
func classify(err error) problem {
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return problem{status: http.StatusRequestEntityTooLarge, level: slog.LevelInfo,
			msg: fmt.Sprintf("body is over %d bytes; send the post, not the whole payload, or use a template source", e.Limit)}
	}
	if ce, ok := errors.AsType[*configError](err); ok {
		return problem{status: http.StatusInternalServerError, level: slog.LevelError,
			msg: "the webhook source " + ce.source + " is misconfigured; ask the Spindle operator to check it with `spindle sources show`"}
	}
	if fe, ok := errors.AsType[*FieldError](err); ok && fe.TooLarge {
		return problem{status: http.StatusRequestEntityTooLarge, level: slog.LevelInfo, msg: fe.Error(), field: fe.Field}
	}
	if fe, ok := errors.AsType[*FieldError](err); ok {
		return problem{status: http.StatusBadRequest, level: slog.LevelInfo, msg: fe.Error(), field: fe.Field}
	}
	if ce, ok := errors.AsType[*ConflictError](err); ok {
		return problem{status: http.StatusConflict, level: slog.LevelWarn, msg: ce.Error(), field: "idempotency_key"}
	}
	if nf, ok := errors.AsType[*notFoundError](err); ok {
		return problem{status: http.StatusNotFound, level: slog.LevelInfo, msg: nf.Error()}
	}
	switch {
	case errors.Is(err, errMethod):
		return problem{status: http.StatusMethodNotAllowed, level: slog.LevelInfo, msg: err.Error()}
	case errors.Is(err, errContentType):
		return problem{status: http.StatusUnsupportedMediaType, level: slog.LevelInfo, msg: err.Error()}
	case errors.Is(err, ErrNoSecret):
		return problem{status: http.StatusUnauthorized, level: slog.LevelError,
			msg: "the signature cannot be checked: the source has no usable secret; ask the Spindle operator to rotate it"}
	case errors.Is(err, ErrStale):
		return problem{status: http.StatusUnauthorized, level: slog.LevelWarn, msg: err.Error()}
	case errors.Is(err, ErrMissingSignature), errors.Is(err, ErrBadSignature):
		return problem{status: http.StatusUnauthorized, level: slog.LevelWarn,
			msg: err.Error() + "; check the source's secret and signature scheme"}
	}
	return problem{status: http.StatusInternalServerError, level: slog.LevelError,
		msg: "internal error; nothing was queued, try again later"}
}

// writeError answers err and logs it. The log gets the full error chain (never a secret: no
// error in this package carries one); the sender gets only the public message.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) problem {
	p := classify(err)
	attrs := []slog.Attr{
		slog.String("source", h.sourceName(r)), slog.Int("status", p.status), slog.String("error", err.Error()),
	}
	h.log.LogAttrs(r.Context(), p.level, "webhook rejected", attrs...)
	body := map[string]string{"error": p.msg}
	if p.field != "" {
		body["field"] = p.field
	}
	writeJSON(w, p.status, body)
	return p
}
