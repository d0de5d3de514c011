package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// TestDeleteOutcomes: every way a deletion can go has its own answer a script can act on.
func TestDeleteOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		status     int
		want       string // in the body
		retryAfter string
	}{
		{"deleted", nil, 200, `"success":true`, ""},
		{"already deleted at Threads", &publisher.DeleteError{Kind: publisher.ErrAlreadyDeleted, Msg: "post x was already deleted from Threads"}, 410, "already deleted", ""},
		{"deletion quota used up", &publisher.DeleteError{Kind: publisher.ErrQuotaExceeded, Msg: "the account has used its deletion quota",
			Until: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}, 429, `"retryAt":"2026-11-23T10:00:00Z"`, "3600"},
		{"missing permission", &publisher.DeleteError{Kind: publisher.ErrMissingScope, Scope: "threads_delete", Msg: "the token lacks the threads_delete permission; " + publisher.RelinkHint},
			403, `"scope":"threads_delete"`, ""},
		{"not deletable", &publisher.DeleteError{Kind: publisher.ErrNotDeletable, Msg: "Threads never told Spindle the id"}, 409, "never told", ""},
		{"another request deleting it", &publisher.DeleteError{Kind: publisher.ErrDeleteInProgress, Msg: "post x is being deleted by another request right now",
			Until: time.Date(2026, 11, 23, 9, 1, 0, 0, time.UTC)}, 409, `"retryAt":"2026-11-23T09:01:00Z"`, "60"},
		{"Threads refused a part", &publisher.DeleteError{Kind: publisher.ErrDeleteFailed, Msg: "post x is only partly deleted (1 of its 3 parts is gone from Threads)",
			Err: &threads.Error{Op: "delete", HTTPStatus: 400, Code: 100}}, 502, `"code":"threads_error"`, ""},
		{"deleted but not recorded", &publisher.DeleteError{Kind: publisher.ErrDeleteUnrecorded, Msg: "post x: Threads deleted what it was asked, but Spindle could not record it",
			Err: errors.New("storage: database is locked")}, 503, `"code":"unavailable"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			p := e.published("1790077")
			e.del.err = tc.err
			status, _, raw := e.do("owner", "DELETE", "/api/threads/post/"+p.ID, nil)
			if status != tc.status || !strings.Contains(string(raw), tc.want) {
				t.Errorf("answer %d %s, want %d with %s", status, raw, tc.status, tc.want)
			}
			if tc.status == 403 && !strings.Contains(string(raw), "/threads connect") {
				t.Errorf("a missing permission does not say how to link again: %s", raw)
			}
			if tc.retryAfter != "" {
				req, _ := http.NewRequest("DELETE", e.srv.URL+"/api/threads/post/"+p.ID, nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens["owner"])
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if got := resp.Header.Get("Retry-After"); got != tc.retryAfter {
					t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
				}
			}
		})
	}
}

// TestDeletedPostReadsDeleted: once deleted, a post says so on GET, and deleting it again is
// 410 Gone without asking Threads.
func TestDeletedPostReadsDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.published("1790078")
	if err := e.db.RecordDeletion(context.Background(), p.ID, nil, nil); err != nil {
		t.Fatal(err)
	}
	status, got, raw := e.do("owner", "GET", "/api/posts/"+p.ID, nil)
	if status != 200 || got["status"] != storage.StatusDeleted || got["deletedAt"] == nil {
		t.Errorf("GET: %d %s, want status deleted with deletedAt", status, raw)
	}
	status, _, raw = e.do("owner", "DELETE", "/api/threads/post/"+p.ID, nil)
	if status != 410 || !strings.Contains(string(raw), "already deleted") {
		t.Errorf("DELETE again: %d %s, want 410", status, raw)
	}
	if len(e.del.ids) != 0 {
		t.Errorf("the publisher was asked to delete %v again", e.del.ids)
	}
}
