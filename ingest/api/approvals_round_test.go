package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// raceApprovals is replica A's approvals storage: the real database, with a hook run once just
// before Decide, standing for what another replica commits between the approve request's
// reads and its decision.
type raceApprovals struct {
	Approvals
	once   sync.Once
	before func()
}

func (r *raceApprovals) Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error) {
	r.once.Do(r.before)
	return r.Approvals.Decide(ctx, id, d)
}

// heldBy enqueues a post to @brand written by author, waiting for approval.
func (e *env) heldBy(author, text string) storage.Post {
	e.t.Helper()
	p, _, err := e.db.Enqueue(context.Background(), storage.NewPost{AccountID: e.brand.ID, Door: "api", Text: text,
		ScheduledAt: e.clock.Now().Add(2 * time.Hour),
		Approval:    storage.ApprovalHold{Author: author, ExpiresAt: e.clock.Now().Add(time.Hour)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// nameGranteeApprover makes the grantee also an approver the owner named, and holds the
// grantees' posts for approval.
func (e *env) nameGranteeApprover() {
	e.t.Helper()
	ctx := context.Background()
	g := e.ids["grantee"]
	if err := e.db.AddApprover(ctx, e.brand.ID, storage.ApproverIdentity{Door: g.Door, Team: g.Team, User: g.User}, "cli"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: e.brand.ID, Grantees: true}); err != nil {
		e.t.Fatal(err)
	}
}

// send is e.do against another server (another replica of the same database).
func (e *env) send(base, role, method, path string, body any) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// TestEditRacingApprovalOnAnotherReplica: the grantee is also a named approver of @brand. A
// post someone else wrote waits. On replica B the grantee edits it (making it theirs, round 2),
// landing after replica A read the post for an approve and before A decides. A's approve by
// the grantee is refused 403 (they last edited it), and the owner's approve of round 1, the
// round the owner read, is refused 409 (it changed); either way the grantee's words still
// wait, undecided. Before the check moved into storage.Decide, the grantee's own words went
// out approved by the grantee.
func TestEditRacingApprovalOnAnotherReplica(t *testing.T) {
	storagetest.EachDialect(t, func(t *testing.T) {
		for _, tc := range []struct {
			name, approver string
			body           any
			status         int
			words          string
		}{
			{"the editor approves their own edit", "grantee", nil, http.StatusForbidden, "you wrote (or last edited) post"},
			{"the editor approves with round 2", "grantee", map[string]int{"round": 2}, http.StatusForbidden, "you wrote (or last edited) post"},
			{"the owner approves the round read", "owner", map[string]int{"round": 1}, http.StatusConflict, "changed since you read it: round 2 is waiting"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e := newEnv(t)
				ctx := context.Background()
				e.nameGranteeApprover()
				p := e.heldBy("telegram:writer", "the writer's words")

				dbA := storagetest.Reopen(t, e.db, e.clock.Now)
				ra := &raceApprovals{Approvals: dbA}
				svcA := ingest.NewService(ingest.Options{Queue: dbA, Now: e.clock.Now, Approvals: dbA})
				replicaA := httptest.NewServer(New(Options{Accounts: e.acct, Posts: dbA, Enqueuer: svcA, Approvals: ra,
					PublicURL: "http://spindle.test", Now: e.clock.Now}))
				t.Cleanup(replicaA.Close)
				ra.before = func() {
					st, raw := e.send(e.srv.URL, "grantee", "PATCH", "/api/threads/post/schedule/"+p.ID, map[string]string{"text": "the grantee's own words"})
					if st != http.StatusOK {
						t.Errorf("edit on replica B: %d %s", st, raw)
					}
				}
				st, raw := e.send(replicaA.URL, tc.approver, "POST", "/api/threads/post/"+p.ID+"/approve", tc.body)
				if st != tc.status || !strings.Contains(string(raw), tc.words) {
					t.Errorf("approve on replica A: %d %s, want %d with %q", st, raw, tc.status, tc.words)
				}
				got, err := e.db.Get(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				ap, err := e.db.ApprovalOf(ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.State != storage.StatePendingApproval || got.Text != "the grantee's own words" || ap.Decision != "" || ap.Rounds != 2 {
					t.Fatalf("after the race the post is %s %q, its request %+v: want the grantee's words waiting, round 2, undecided",
						got.State, got.Text, ap)
				}
			})
		}
	})
}

// TestApproveTheRoundRead: GET shows the approval round; an approve or reject sent with a
// round the post has left (it was edited since) is 409 and changes nothing; a round that is no
// round is 400; the round waiting, or none, decides. A named approver who last edited the post
// gets 403 without any race.
func TestApproveTheRoundRead(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.nameGranteeApprover()
	p := e.heldBy("telegram:writer", "the writer's words")
	st, m, raw := e.do("owner", "GET", "/api/posts/"+p.ID, nil)
	if ap, _ := m["approval"].(map[string]any); st != http.StatusOK || ap["round"] != float64(1) {
		t.Fatalf("GET of a held post: %d %s, want approval.round 1", st, raw)
	}
	if st, _, raw := e.do("grantee", "PATCH", "/api/threads/post/schedule/"+p.ID, map[string]string{"text": "the grantee's words"}); st != http.StatusOK {
		t.Fatalf("the grantee's edit: %d %s", st, raw)
	}
	for _, tc := range []struct {
		verb   string
		body   any
		status int
		code   string
		words  string
	}{
		{"approve", map[string]int{"round": 1}, http.StatusConflict, "wrong_state", "post " + p.ID + " changed since you read it: round 2 is waiting, and you sent round 1"},
		{"reject", map[string]any{"round": 1, "reason": "no"}, http.StatusConflict, "wrong_state", "changed since you read it"},
		{"approve", map[string]int{"round": -1}, http.StatusBadRequest, "invalid", "round is the approval round you read"},
		{"approve", map[string]int64{"round": 1 << 31}, http.StatusBadRequest, "invalid", "round is the approval round you read"},
		{"approve", map[string]string{"round": "2"}, http.StatusBadRequest, "invalid", ""},
		{"approve", nil, http.StatusForbidden, "forbidden", "you wrote (or last edited) post " + p.ID},
	} {
		who := "owner"
		if tc.code == "forbidden" {
			who = "grantee"
		}
		st, m, raw := e.do(who, "POST", "/api/threads/post/"+p.ID+"/"+tc.verb, tc.body)
		if st != tc.status || m["code"] != tc.code || !strings.Contains(fmt.Sprint(m["error"]), tc.words) {
			t.Errorf("%s %s %v: %d %s, want %d %s %q", who, tc.verb, tc.body, st, raw, tc.status, tc.code, tc.words)
		}
	}
	if got, err := e.db.Get(ctx, p.ID); err != nil || got.State != storage.StatePendingApproval {
		t.Fatalf("refused decisions changed the post: %+v %v", got, err)
	}
	st, m, raw = e.do("owner", "POST", "/api/threads/post/"+p.ID+"/approve", map[string]int{"round": 2})
	if ap, _ := m["approval"].(map[string]any); st != http.StatusOK || m["text"] != "the grantee's words" || ap["status"] != "approved" || ap["round"] != float64(2) {
		t.Fatalf("the owner approves round 2: %d %s", st, raw)
	}
}
