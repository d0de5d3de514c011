package threads_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// TestMissingScopeNamed: an account linked with only the scopes to publish gets its reply and
// its delete refused by Threads (code 10, which names no permission), and the error names the
// permission to grant, so the person knows what linking again fixes.
func TestMissingScopeNamed(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	id := e.post(t, e.token, "parent")
	publishOnly := e.sim.IssueToken(e.user.ID, threads.ScopeBasic, threads.ScopeContentPublish)
	tests := []struct {
		name, scope string
		call        func() error
	}{
		{"reply", threads.ScopeManageReplies, func() error {
			_, err := e.c.CreateContainer(ctx, publishOnly, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "r", ReplyToID: id})
			return err
		}},
		{"delete", threads.ScopeDelete, func() error { return e.c.Delete(ctx, publishOnly, id) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			e.wantErr(t, err, threads.ClassPermission)
			if got := threads.MissingScope(err); got != tc.scope {
				t.Errorf("MissingScope = %q, want %q (%v)", got, tc.scope, err)
			}
			if !strings.Contains(err.Error(), tc.scope) {
				t.Errorf("error does not name %s: %v", tc.scope, err)
			}
		})
	}
	// A plain post without the scope is no permission problem; a permission error of a call
	// needing no extra scope names none.
	if _, err := e.c.CreateContainer(ctx, e.sim.IssueToken(e.user.ID, threads.ScopeBasic), "me",
		threads.Container{MediaType: threads.MediaTypeText, Text: "x"}); threads.MissingScope(err) != "" {
		t.Errorf("MissingScope of a post refused for threads_content_publish = %q, want none", threads.MissingScope(err))
	}
}

// TestDefaultScopesCoverFeatures: the scopes Spindle asks for by default let an account reply
// and delete.
func TestDefaultScopesCoverFeatures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, threadstest.Options{})
	tok := e.sim.IssueToken(e.user.ID, threads.DefaultScopes()...)
	id := e.post(t, tok, "parent")
	if _, err := e.c.CreateContainer(ctx, tok, "me", threads.Container{MediaType: threads.MediaTypeText, Text: "r", ReplyToID: id}); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if err := e.c.Delete(ctx, tok, id); err != nil {
		t.Fatalf("delete: %v", err)
	}
}
