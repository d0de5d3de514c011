package api

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// TestEditScheduled is PATCH /api/threads/post/schedule/{id} end to end: the owner and a
// grantee edit; a revoked grantee, a stranger and a wrong token are answered 404/401 and
// change nothing; the preflight refuses bad content; a post the publisher leased is 409
// "already publishing", unchanged.
func TestEditScheduled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	p := e.queued()
	path := "/api/threads/post/schedule/" + p.ID
	stored := func() storage.Post {
		t.Helper()
		got, err := e.db.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	at := e.clock.Now().Add(3 * time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name, role string
		body       map[string]any
		status     int
		want       string // a piece of the answer
		text       string // the stored text after
	}{
		{"owner edits text", "owner", map[string]any{"text": "edited"}, 200, `"text":"edited"`, "edited"},
		{"grantee edits time and media", "grantee", map[string]any{"scheduledAt": at, "mediaUrl": "https://cdn.example/a.png"}, 200, `"mediaUrl":"https://cdn.example/a.png"`, "edited"},
		{"revoked grantee", "revoked", map[string]any{"text": "hijack"}, 404, "not_found", "edited"},
		{"stranger", "stranger", map[string]any{"text": "hijack"}, 404, "not_found", "edited"},
		{"no token", "", map[string]any{"text": "hijack"}, 401, "", "edited"},
		{"bad token", "nope", map[string]any{"text": "hijack"}, 401, "", "edited"},
		{"past time", "owner", map[string]any{"scheduledAt": "2020-01-01T00:00:00Z"}, 400, "in the past", "edited"},
		{"bad time", "owner", map[string]any{"scheduledAt": "tomorrow"}, 400, "not an RFC 3339", "edited"},
		{"preflight", "owner", map[string]any{"text": "a https://1.ex b https://2.ex c https://3.ex d https://4.ex e https://5.ex f https://6.ex"}, 400, "at most 5", "edited"},
		{"bad media type", "owner", map[string]any{"mediaUrl": "https://cdn.example/a.png", "mediaType": "GIF"}, 400, "IMAGE or VIDEO", "edited"},
		{"nothing to change", "owner", map[string]any{}, 400, "nothing to change", "edited"},
		{"remove media", "owner", map[string]any{"mediaUrl": ""}, 200, `"text":"edited"`, "edited"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.snapshot()
			code, _, raw := e.do(tc.role, http.MethodPatch, path, tc.body)
			if code != tc.status || !strings.Contains(string(raw), tc.want) {
				t.Fatalf("PATCH %v as %s: %d %s; want %d with %q", tc.body, tc.role, code, raw, tc.status, tc.want)
			}
			if got := stored(); got.Text != tc.text {
				t.Fatalf("stored text %q, want %q", got.Text, tc.text)
			}
			if code != 200 && e.snapshot() != before {
				t.Fatalf("a refused edit changed something")
			}
		})
	}
	if got := stored(); len(got.Media) != 0 || got.ScheduledAt.UTC().Format(time.RFC3339) != at {
		t.Fatalf("after the edits: media %v, at %s (want none, %s)", got.Media, got.ScheduledAt, at)
	}
	e.clock.Advance(4 * time.Hour)
	leased, err := e.db.Lease(ctx, 1, time.Minute)
	if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
		t.Fatalf("lease: %v %v", leased, err)
	}
	code, _, raw := e.do("owner", http.MethodPatch, path, map[string]any{"text": "too late"})
	if code != http.StatusConflict || !strings.Contains(string(raw), "already publishing") || !strings.Contains(string(raw), "wrong_state") {
		t.Fatalf("PATCH while publishing: %d %s", code, raw)
	}
	if got := stored(); got.Text != "edited" || got.State != storage.StatePublishing {
		t.Fatalf("a refused edit changed the leased post: %+v", got)
	}
}

// TestEditRacesPublisherOverREST sends PATCH and a real lease at the same instant, many times:
// a 200 means the publisher leased the new text, a 409 "already publishing" means it leased
// the old one and nothing changed. Never anything else.
func TestEditRacesPublisherOverREST(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var won, lost int
	for i := range 25 {
		p, _, err := e.db.Enqueue(ctx, storage.NewPost{AccountID: e.brand.ID, Door: "api", Text: "old"})
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg     sync.WaitGroup
			start  = make(chan struct{})
			leased []storage.Post
			code   int
			raw    []byte
		)
		wg.Go(func() {
			<-start
			for range i * i * 40 { // the lease starts later each round, so both orders happen
				runtime.Gosched()
			}
			leased, err = e.db.Lease(ctx, 1, time.Minute)
		})
		wg.Go(func() {
			<-start
			code, _, raw = e.do("owner", http.MethodPatch, "/api/threads/post/schedule/"+p.ID, map[string]any{"text": "new"})
		})
		close(start)
		wg.Wait()
		if err != nil || len(leased) != 1 || leased[0].ID != p.ID {
			t.Fatalf("round %d: lease %v %v", i, leased, err)
		}
		switch {
		case code == http.StatusOK && leased[0].Text == "new":
			won++
		case code == http.StatusConflict && strings.Contains(string(raw), "already publishing") && leased[0].Text == "old":
			lost++
		default:
			t.Fatalf("round %d: PATCH %d %s, leased text %q", i, code, raw, leased[0].Text)
		}
		if err := e.db.Complete(ctx, storage.LeaseOf(leased[0]), "1790000000000"+strconv.Itoa(100+i), ""); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("edit first %d, lease first %d", won, lost)
}
