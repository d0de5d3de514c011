package api

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
)

// TestInternalErrorNeverLeaks makes a dependency fail with words only an operator should read
// (a file path, a driver's message): the API answers 500 with code internal and a generic
// message, and none of those words.
func TestInternalErrorNeverLeaks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.published("1790077")
	e.del.err = fmt.Errorf("publisher: delete: %w", errors.New("sqlite: disk I/O error at /var/lib/spindle/secret.db"))
	status, body, raw := e.do("owner", "DELETE", "/api/threads/post/"+p.ID, nil)
	if status != 500 || body["code"] != "internal" || body["error"] == "" {
		t.Errorf("answer %d %s, want 500 with code internal and a message", status, raw)
	}
	for _, leak := range []string{"sqlite", "/var/lib", "secret.db", "publisher:"} {
		if strings.Contains(string(raw), leak) {
			t.Errorf("body leaks %q: %s", leak, raw)
		}
	}
}

// TestErrorCodes checks the machine-readable code the API adds beside the words it always
// gave, for the errors a client meets most.
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.published("1790077")
	tests := []struct {
		name         string
		role, method string
		path         string
		delErr       error
		status       int
		code         string
	}{
		{"no such route", "owner", "GET", "/api/nope", nil, 404, "not_found"},
		{"stranger's account", "stranger", "GET", "/api/threads/connection?account=@brand", nil, 404, "not_found"},
		{"needs reconnect", "owner", "DELETE", "/api/threads/post/" + p.ID, fmt.Errorf("@brand: %w", accounts.ErrNeedsReconnect), 409, "needs_reconnect"},
		{"not found in storage", "owner", "DELETE", "/api/threads/post/" + p.ID, fmt.Errorf("post: %w", storage.ErrNotFound), 404, "not_found"},
		{"bad token", "nope", "GET", "/api/threads/connection", nil, 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.del.err = tt.delErr
			status, body, raw := e.do(tt.role, tt.method, tt.path, nil)
			if status != tt.status || body["code"] != tt.code {
				t.Errorf("answer %d %s, want %d with code %s", status, raw, tt.status, tt.code)
			}
		})
	}
}
