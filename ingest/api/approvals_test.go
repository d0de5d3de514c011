package api

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// held stores a post on @brand held for approval, as a grantee's would be.
func (e *env) held() storage.Post {
	e.t.Helper()
	p, _, err := e.db.Enqueue(context.Background(), storage.NewPost{AccountID: e.brand.ID, Door: "api", Text: "held",
		Approval: storage.ApprovalHold{Author: "telegram:grantee", ExpiresAt: e.clock.Now().Add(time.Hour)}})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// TestApproveRejectAuthz: only the owner decides; a grantee (who may see the post) gets 403, a
// stranger and a revoked grantee 404, and nothing changes for any of them.
func TestApproveRejectAuthz(t *testing.T) {
	e := newEnv(t)
	p := e.held()
	for _, tc := range []struct {
		role, verb string
		status     int
	}{
		{"grantee", "approve", http.StatusForbidden},
		{"grantee", "reject", http.StatusForbidden},
		{"stranger", "approve", http.StatusNotFound},
		{"revoked", "reject", http.StatusNotFound},
		{"", "approve", http.StatusUnauthorized},
	} {
		if st, _, raw := e.do(tc.role, "POST", "/api/threads/post/"+p.ID+"/"+tc.verb, nil); st != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.role, tc.verb, st, raw, tc.status)
		}
	}
	if got, _ := e.db.Get(context.Background(), p.ID); got.State != storage.StatePendingApproval {
		t.Fatalf("refused requests changed the post: %s", got.State)
	}
	st, m, raw := e.do("owner", "POST", "/api/threads/post/"+p.ID+"/reject", map[string]string{"reason": "off brand"})
	if st != http.StatusOK || m["status"] != "cancelled" {
		t.Fatalf("owner reject: %d %s", st, raw)
	}
	ap, err := e.db.ApprovalOf(context.Background(), p.ID)
	if err != nil || ap.Decision != storage.DecisionRejected || ap.Reason != "off brand" || ap.DecidedBy != e.ids["owner"].Key() {
		t.Fatalf("record: %+v %v", ap, err)
	}
	if st, _, raw := e.do("owner", "POST", "/api/threads/post/"+p.ID+"/approve", nil); st != http.StatusConflict {
		t.Fatalf("approve after reject: %d %s", st, raw)
	}
}

// TestApproveRace: owners' requests racing on one post yield one 200; the rest 409.
func TestApproveRace(t *testing.T) {
	e := newEnv(t)
	p := e.held()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		oks  int
		errs []int
	)
	for i := range 6 {
		wg.Go(func() {
			verb := "approve"
			if i%2 == 1 {
				verb = "reject"
			}
			st, _, _ := e.do("owner", "POST", "/api/threads/post/"+p.ID+"/"+verb, nil)
			mu.Lock()
			defer mu.Unlock()
			if st == http.StatusOK {
				oks++
			} else if st != http.StatusConflict {
				errs = append(errs, st)
			}
		})
	}
	wg.Wait()
	if oks != 1 || len(errs) != 0 {
		t.Fatalf("%d decisions won, other statuses %v", oks, errs)
	}
}

// TestGranteeCannotSkipApprovalThroughREST: with approvals on for grantees, a grantee's REST
// post waits for the owner, and so does a grantee's edit of a queued post; the owner's own post
// goes out. Before, the API door did not say who posted, so a grantee bypassed the policy by
// posting with an API token instead of from chat.
func TestGranteeCannotSkipApprovalThroughREST(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.db.SetApprovalPolicy(ctx, storage.ApprovalPolicy{AccountID: e.brand.ID, Grantees: true}); err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"text": "From the grantee's script", "account": e.brand.Username}
	st, m, raw := e.do("grantee", "POST", "/api/threads/post", body)
	if st != http.StatusAccepted && st != http.StatusCreated {
		t.Fatalf("grantee post: %d %s", st, raw)
	}
	if got, _ := e.db.Get(ctx, m["id"].(string)); got.State != storage.StatePendingApproval {
		t.Fatalf("a grantee's REST post is %s, want pending_approval", got.State)
	}
	st, m, raw = e.do("owner", "POST", "/api/threads/post", map[string]any{"text": "From the owner", "account": e.brand.Username})
	if st != http.StatusAccepted && st != http.StatusCreated {
		t.Fatalf("owner post: %d %s", st, raw)
	}
	if got, _ := e.db.Get(ctx, m["id"].(string)); got.State != storage.StateQueued {
		t.Fatalf("the owner's REST post is %s, want queued", got.State)
	}

	// A post queued before the policy, edited by a grantee, goes back for approval.
	p, _, err := e.db.Enqueue(ctx, storage.NewPost{AccountID: e.brand.ID, Door: "api", Text: "queued earlier",
		ScheduledAt: e.clock.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if st, _, raw := e.do("grantee", "PATCH", "/api/threads/post/schedule/"+p.ID, map[string]any{"text": "changed by the grantee"}); st != http.StatusOK {
		t.Fatalf("grantee edit: %d %s", st, raw)
	}
	if got, _ := e.db.Get(ctx, p.ID); got.State != storage.StatePendingApproval || got.Text != "changed by the grantee" {
		t.Fatalf("after a grantee's edit the post is %s %q, want pending_approval with the new text", got.State, got.Text)
	}
}
