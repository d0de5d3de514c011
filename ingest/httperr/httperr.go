// Package httperr is Spindle's one error vocabulary for HTTP: which status, which stable
// machine-readable code, which words a person sees and how loudly the failure is logged. The
// REST API (ingest/api), the webhook door (ingest/webhook) and the OAuth routes
// (publisher/accounts) all answer errors through Classify and Write, so the same error gets the
// same answer at every door and an internal failure never leaks its text.
//
// It lives under ingest because it is part of how requests come in, and it imports only the
// leaf packages whose errors it knows (ingest, storage, publisher/threads): every door can
// import it without a cycle, and the packages that own sentinels (accounts, publisher, bot)
// declare them as *Error values from here. The model is ntfy's server/errors.go.
package httperr

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// Error is a sentinel that knows its answer: declare one per meaning with New and match it
// with errors.Is; wrapping it with fmt.Errorf("...: %w") keeps the answer and adds words.
type Error struct {
	Status  int    // HTTP status
	Code    string // stable machine-readable code, part of the API contract
	Message string // plain words; Error() returns them
	// Level, when set, overrides the level chosen from Status (an operator's mistake answered
	// 401, say, is still logged at Error).
	Level slog.Leveler
}

// New returns a sentinel answered status with code. msg is also its Error() text.
func New(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

func (e *Error) Error() string { return e.Message }

// ErrForbidden is the one "not allowed" sentinel: accounts and bot alias it, so a refusal
// made by the accounts service is recognised by the chat dispatcher without translation.
var ErrForbidden = New(http.StatusForbidden, CodeForbidden, "not allowed")

// Problem is an error as answered: the status, the public body and the log level.
type Problem struct {
	Status  int
	Code    string
	Message string
	Field   string
	Level   slog.Level
	Scope   string // CodeMissingScope: the Threads permission the account's token lacks
}

// Body is the JSON of every error answer. Error is the plain-words message (the field
// clients and the README have always read); Code is stable and meant for programs.
type Body struct {
	Error  string       `json:"error"`
	Code   string       `json:"code"`
	Field  string       `json:"field,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
	// Scope is the Threads permission the account's token lacks (403): link it again to grant it.
	Scope string `json:"scope,omitempty"`
	// RetryAt is when a used-up quota has room again (429); Retry-After says the same.
	RetryAt *time.Time `json:"retryAt,omitempty"`
}

// FieldError is one problem of an invalid request.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Body returns the public JSON of p.
func (p Problem) Body() Body {
	return Body{Error: p.Message, Code: p.Code, Field: p.Field, Scope: p.Scope}
}

// LevelFor is the log level of an answer with status: a server's failure is an Error, a
// client's mistake only Info.
func LevelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Rule recognises a door's own errors before the shared ones.
type Rule func(error) (Problem, bool)

// Classify maps err to its answer: the rules first, then the shared vocabulary (Mapper), and
// anything unrecognised is a 500 whose text goes only to the log.
func Classify(err error, rules ...Rule) Problem {
	for _, rule := range rules {
		if p, ok := rule(err); ok {
			return p
		}
	}
	if p, ok := shared(err); ok {
		return p
	}
	return Internal()
}

// Internal is the answer to a failure the client cannot fix; the detail stays in the log.
func Internal() Problem {
	return Problem{Status: http.StatusInternalServerError, Code: CodeInternal, Level: slog.LevelError,
		Message: "Spindle could not complete the request; try again in a moment (details are in the server log)"}
}

// FromError is the answer e declares.
func FromError(e *Error) Problem {
	p := Problem{Status: e.Status, Code: e.Code, Message: e.Message, Level: LevelFor(e.Status)}
	if e.Level != nil {
		p.Level = e.Level.Level()
	}
	return p
}

// Log records err at p's level with the full chain (never in the body) and attrs.
func Log(r *http.Request, log *slog.Logger, p Problem, err error, msg string, attrs ...slog.Attr) {
	attrs = append(attrs, slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", p.Status), slog.String("code", p.Code), slog.String("error", err.Error()))
	log.LogAttrs(r.Context(), p.Level, msg, attrs...)
}

// Write answers p as JSON.
func Write(w http.ResponseWriter, p Problem) {
	WriteJSON(w, p.Status, p.Body())
}

// WriteJSON is every JSON answer of the doors: never cached, never sniffed as HTML.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
