package api

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestPostReplyQuoteThread: replyToId, quotePostId and thread in a post body reach the queue
// as Threads ids; what cannot be aimed at is refused with the field at fault, storing nothing.
func TestPostReplyQuoteThread(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Words that go on. ", 70) // 1,260 characters: three parts
	tests := []struct {
		name      string
		body      func(e *env) map[string]any
		want      int
		field     string // of a refusal
		replyTo   string // of the stored post ("$parent": the parent's media id)
		quote     string
		thread    bool
		wantInErr string
	}{
		{name: "reply to a media id", body: func(*env) map[string]any { return map[string]any{"text": "hi", "replyToId": "18032251077019748"} },
			want: 202, replyTo: "18032251077019748"},
		{name: "reply to a Spindle id", body: func(e *env) map[string]any {
			return map[string]any{"text": "hi", "replyToId": e.published("17900000000000009").ID}
		},
			want: 202, replyTo: "17900000000000009"},
		{name: "quote a Spindle id", body: func(e *env) map[string]any {
			return map[string]any{"text": "hi", "quotePostId": e.published("17900000000000010").ID}
		},
			want: 202, quote: "17900000000000010"},
		{name: "long text as a thread", body: func(*env) map[string]any { return map[string]any{"text": long, "thread": true} },
			want: 202, thread: true},
		{name: "long reply chain", body: func(*env) map[string]any {
			return map[string]any{"text": long, "thread": true, "replyToId": "18032251077019748"}
		}, want: 202, thread: true, replyTo: "18032251077019748"},
		{name: "long text without thread", body: func(*env) map[string]any { return map[string]any{"text": long} },
			want: 400, field: "text", wantInErr: `send \"thread\": true`},
		{name: "reply to a queued post", body: func(e *env) map[string]any { return map[string]any{"text": "hi", "replyToId": e.queued().ID} },
			want: 400, field: "replyToId", wantInErr: "not published"},
		{name: "reply to nonsense", body: func(*env) map[string]any { return map[string]any{"text": "hi", "replyToId": "not-an-id"} },
			want: 400, field: "replyToId", wantInErr: "neither a Threads media id"},
		{name: "quote nonsense", body: func(*env) map[string]any { return map[string]any{"text": "hi", "quotePostId": "abc def"} },
			want: 400, field: "quotePostId"},
		{name: "thread not a bool", body: func(*env) map[string]any { return map[string]any{"text": "hi", "thread": "yes"} },
			want: 400, wantInErr: "expected JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			body := tc.body(e)
			before, _ := e.db.List(context.Background(), storage.ListFilter{States: []storage.State{storage.StateQueued}})
			status, m, raw := e.do("owner", "POST", "/api/threads/post", body)
			if status != tc.want {
				t.Fatalf("%d %s, want %d", status, raw, tc.want)
			}
			after, _ := e.db.List(context.Background(), storage.ListFilter{States: []storage.State{storage.StateQueued}})
			if tc.want != 202 {
				if tc.field != "" && m["field"] != tc.field {
					t.Errorf("field %v, want %s (%s)", m["field"], tc.field, raw)
				}
				if !strings.Contains(string(raw), tc.wantInErr) {
					t.Errorf("%s lacks %q", raw, tc.wantInErr)
				}
				if len(after) != len(before) {
					t.Errorf("a refused post was stored")
				}
				return
			}
			p, err := e.db.Get(context.Background(), m["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if p.ReplyToID != tc.replyTo || p.QuoteID != tc.quote || p.Thread != tc.thread {
				t.Errorf("stored reply_to %q quote %q thread %v; want %q %q %v", p.ReplyToID, p.QuoteID, p.Thread, tc.replyTo, tc.quote, tc.thread)
			}
		})
	}
}
