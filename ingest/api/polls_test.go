package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/storage"
)

// TestPollResultsOnceReported: a poll post read with GET /api/posts/{id} and its insights
// shows no results while queued, then the votes Threads (the simulator) reports for it once
// published, each option with its count and share; the options asked for stay in "poll".
func TestPollResultsOnceReported(t *testing.T) {
	e := newEnv(t)
	stack := publishertest.New(t, publishertest.Options{DB: e.db, Server: e.sim, Clock: e.clock,
		Publisher: publisher.Options{Tokens: e.acct}})
	svc := ingest.NewService(ingest.Options{Queue: e.db, Now: e.clock.Now})
	h := New(Options{Accounts: e.acct, Posts: e.db, Enqueuer: svc, Insights: stack.Pub, Polls: stack.Pub,
		PublicURL: "http://spindle.test", Now: e.clock.Now})
	e.srv = httptest.NewServer(h)
	t.Cleanup(e.srv.Close)

	code, m, raw := e.do("owner", "POST", "/api/threads/post", map[string]any{"text": "Lunch?", "poll": []string{"Soup", "Salad"}})
	if code != http.StatusAccepted {
		t.Fatalf("post: %d %s", code, raw)
	}
	id, _ := m["id"].(string)
	if _, m, raw = e.do("owner", "GET", "/api/posts/"+id, nil); m["pollResults"] != nil {
		t.Fatalf("a queued poll shows results: %s", raw)
	}
	posted := stack.Finish(id)[0]
	if posted.State != storage.StatePosted {
		t.Fatalf("the poll was not published: %+v", posted)
	}
	if !e.sim.SetPollVotes(posted.MediaID, 1, 3) {
		t.Fatal("the simulator has no poll for the published post")
	}
	for _, path := range []string{"/api/posts/" + id, "/api/threads/post/" + id + "/insights"} {
		code, m, raw := e.do("owner", "GET", path, nil)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, raw)
		}
		res, _ := m["pollResults"].(map[string]any)
		opts, _ := res["options"].([]any)
		if res == nil || res["totalVotes"] != 4.0 || len(opts) != 2 {
			t.Fatalf("GET %s: pollResults %v, want 4 votes on 2 options: %s", path, res, raw)
		}
		for i, want := range []struct {
			text  string
			votes float64
			share float64
		}{{"Soup", 1, 0.25}, {"Salad", 3, 0.75}} {
			o, _ := opts[i].(map[string]any)
			if o["text"] != want.text || o["votes"] != want.votes || o["share"] != want.share {
				t.Errorf("GET %s: option %d = %v, want %+v", path, i, o, want)
			}
		}
		if path == "/api/posts/"+id {
			if poll, _ := m["poll"].([]any); len(poll) != 2 {
				t.Errorf("the options asked for are gone from \"poll\": %s", raw)
			}
		}
	}
	// Another caller who may not see the post learns nothing of it.
	if code, m, _ := e.do("stranger", "GET", "/api/posts/"+id, nil); code != http.StatusNotFound || m["pollResults"] != nil {
		t.Errorf("a stranger read the poll: %d %v", code, m)
	}
}
