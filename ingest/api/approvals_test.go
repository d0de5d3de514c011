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
