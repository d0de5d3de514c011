package httperr_test

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// TestClassify is the vocabulary: every sentinel and typed error a door can meet, bare and
// wrapped, with its status, code and log level.
func TestClassify(t *testing.T) {
	secret := errors.New("sql: database is closed at /var/lib/spindle/spindle.db")
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		level  slog.Level
	}{
		{"forbidden", httperr.ErrForbidden, 403, "forbidden", slog.LevelInfo},
		{"accounts forbidden, wrapped", fmt.Errorf("not yours: %w", accounts.ErrForbidden), 403, "forbidden", slog.LevelInfo},
		{"bot forbidden", bot.ErrForbidden, 403, "forbidden", slog.LevelInfo},
		{"no account", accounts.ErrNoAccount, 404, "no_account", slog.LevelInfo},
		{"ambiguous account", accounts.ErrAmbiguousAccount, 409, "ambiguous_account", slog.LevelInfo},
		{"not connected", accounts.ErrNotConnected, 409, "not_connected", slog.LevelInfo},
		{"needs reconnect (accounts)", accounts.ErrNeedsReconnect, 409, "needs_reconnect", slog.LevelInfo},
		{"needs reconnect (publisher), over a Threads error", fmt.Errorf("@a: %w: %w", publisher.ErrNeedsReconnect, &threads.Error{Class: threads.ClassAuth}), 409, "needs_reconnect", slog.LevelInfo},
		{"token too young", accounts.ErrTooYoung, 409, "token_too_young", slog.LevelInfo},
		{"token invalid", accounts.ErrTokenInvalid, 401, "unauthorized", slog.LevelInfo},
		{"token revoked", accounts.ErrTokenRevoked, 401, "unauthorized", slog.LevelInfo},
		{"storage not found", fmt.Errorf("post x: %w", storage.ErrNotFound), 404, "not_found", slog.LevelInfo},
		{"idempotency conflict", &storage.KeyConflictError{Key: "k", PostID: "p1"}, 409, "idempotency_conflict", slog.LevelInfo},
		{"wrong state", &storage.StateError{ID: "p1", State: "published"}, 409, "wrong_state", slog.LevelInfo},
		{"threads error", &threads.Error{Class: threads.ClassPermanent, Message: "bad"}, 502, "threads_error", slog.LevelWarn},
		{"threads rate limit", &threads.Error{Class: threads.ClassRateLimited}, 429, "rate_limited", slog.LevelInfo},
		{"invalid post", &ingest.InvalidError{Field: "text", Reason: "empty"}, 400, "invalid", slog.LevelInfo},
		{"post over a limit", &ingest.InvalidError{Field: "text", Reason: "too long", Limit: 500}, 413, "too_large", slog.LevelInfo},
		{"body over the cap", &http.MaxBytesError{Limit: 10}, 413, "too_large", slog.LevelInfo},
		{"a sentinel with its own level", &httperr.Error{Status: 401, Code: "misconfigured", Message: "m", Level: slog.LevelError}, 401, "misconfigured", slog.LevelError},
		{"unknown", secret, 500, "internal", slog.LevelError},
		{"unknown, wrapped", fmt.Errorf("accounts: %w", secret), 500, "internal", slog.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := httperr.Classify(tt.err)
			if p.Status != tt.status || p.Code != tt.code || p.Level != tt.level {
				t.Errorf("Classify = %d %s %v, want %d %s %v", p.Status, p.Code, p.Level, tt.status, tt.code, tt.level)
			}
			if p.Message == "" {
				t.Error("no message for people")
			}
			if p.Status >= 500 && strings.Contains(p.Message, "sql") {
				t.Errorf("a server error's message leaks its detail: %q", p.Message)
			}
		})
	}
}

// TestOneSentinelPerMeaning: the names other packages export are the same values, so
// errors.Is matches across packages without translation.
func TestOneSentinelPerMeaning(t *testing.T) {
	if accounts.ErrForbidden != httperr.ErrForbidden || bot.ErrForbidden != httperr.ErrForbidden {
		t.Error("ErrForbidden is declared more than once")
	}
	if accounts.ErrNeedsReconnect != publisher.ErrNeedsReconnect {
		t.Error("ErrNeedsReconnect is declared more than once")
	}
}

// TestRulesFirst: a door's own rule wins over the shared vocabulary.
func TestRulesFirst(t *testing.T) {
	mine := httperr.Rule(func(err error) (httperr.Problem, bool) {
		if errors.Is(err, storage.ErrNotFound) {
			return httperr.Problem{Status: 410, Code: "gone", Message: "gone"}, true
		}
		return httperr.Problem{}, false
	})
	if p := httperr.Classify(storage.ErrNotFound, mine); p.Status != 410 {
		t.Errorf("rule ignored: %+v", p)
	}
}

// TestWrite: the body keeps the error field clients read and adds code.
func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	httperr.Write(w, httperr.Classify(fmt.Errorf("@a is gone: %w", accounts.ErrNoAccount)))
	if w.Code != 404 || w.Body.String() != `{"error":"@a is gone: no Threads account","code":"no_account"}`+"\n" {
		t.Errorf("answer %d %s", w.Code, w.Body)
	}
	if w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", w.Header())
	}
}
