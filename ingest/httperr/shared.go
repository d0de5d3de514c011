package httperr

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Codes are part of the API contract: programs match them, so they never change meaning.
const (
	CodeInvalid             = "invalid"
	CodeTooLarge            = "too_large"
	CodeForbidden           = "forbidden"
	CodeUnauthorized        = "unauthorized"
	CodeNotFound            = "not_found"
	CodeNoAccount           = "no_account"
	CodeAmbiguousAccount    = "ambiguous_account"
	CodeNotConnected        = "not_connected"
	CodeNeedsReconnect      = "needs_reconnect"
	CodeTooYoung            = "token_too_young"
	CodeIdempotencyConflict = "idempotency_conflict"
	CodeWrongState          = "wrong_state"
	CodeThreads             = "threads_error"
	CodeRateLimited         = "rate_limited"
	CodeGone                = "gone"
	CodeMissingScope        = "missing_scope"
	CodeMethod              = "method_not_allowed"
	CodeMediaType           = "unsupported_media_type"
	CodeNotImplemented      = "not_implemented"
	CodeBadSignature        = "bad_signature"
	CodeMisconfigured       = "misconfigured"
	CodeUnavailable         = "unavailable"
	CodeInternal            = "internal"
	CodeNoSlots             = "no_slots" // an account without a free posting slot (or any)
)

// shared maps the errors every door can meet: sentinels declared as *Error, storage's and
// Threads' typed errors, and invalid posts.
func shared(err error) (Problem, bool) {
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return Problem{Status: http.StatusRequestEntityTooLarge, Code: CodeTooLarge, Level: slog.LevelInfo,
			Message: fmt.Sprintf("the body is over %d bytes", e.Limit)}, true
	}
	if inv, ok := errors.AsType[*ingest.InvalidError](err); ok {
		p := Problem{Status: http.StatusBadRequest, Code: CodeInvalid, Level: slog.LevelInfo,
			Message: "the post was not accepted: " + err.Error(), Field: inv.Field}
		if inv.Limit > 0 {
			p.Status, p.Code = http.StatusRequestEntityTooLarge, CodeTooLarge // smaller would pass
		}
		return p, true
	}
	if se, ok := errors.AsType[*ingest.ScopeError](err); ok {
		return Problem{Status: http.StatusForbidden, Code: CodeMissingScope, Level: slog.LevelInfo,
			Message: se.Error(), Scope: se.Scope}, true
	}
	if e, ok := errors.AsType[*Error](err); ok {
		p := FromError(e)
		p.Message = err.Error() // the wrapping words say which account, which post
		return p, true
	}
	if errors.Is(err, storage.ErrNotFound) {
		return Problem{Status: http.StatusNotFound, Code: CodeNotFound, Level: slog.LevelInfo, Message: err.Error()}, true
	}
	if c, ok := errors.AsType[*storage.KeyConflictError](err); ok {
		return Problem{Status: http.StatusConflict, Code: CodeIdempotencyConflict, Level: slog.LevelInfo,
			Message: c.Error(), Field: "Idempotency-Key"}, true
	}
	if se, ok := errors.AsType[*storage.StateError](err); ok {
		return Problem{Status: http.StatusConflict, Code: CodeWrongState, Level: slog.LevelInfo,
			Message: "can only " + opVerb(se.Op) + " posts with status queued: " + se.Error()}, true
	}
	if te, ok := errors.AsType[*threads.Error](err); ok {
		p := Problem{Status: http.StatusBadGateway, Code: CodeThreads, Level: slog.LevelWarn, Message: err.Error()}
		if te.Class == threads.ClassRateLimited {
			p.Status, p.Code, p.Level = http.StatusTooManyRequests, CodeRateLimited, slog.LevelInfo
		}
		return p, true
	}
	return Problem{}, false
}

// opVerb turns a StateError's operation ("cancelled", "edited") back into its verb.
func opVerb(op string) string {
	switch op {
	case "cancelled":
		return "cancel"
	case "edited":
		return "edit"
	}
	return op
}
