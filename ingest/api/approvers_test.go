package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestNamedApproverOverREST: an approver the owner named decides over REST, and GET shows
// the decision by the approver's name. The attackers: an approver of another account, and a
// removed approver, get 404 and change nothing; a grantee still gets 403.
func TestNamedApproverOverREST(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := storagetest.Account(t, e.db, "other")
	for role, acc := range map[string]storage.Account{"ann": e.brand, "elsewhere": other, "removed": e.brand} {
		id, err := e.acct.Identify(ctx, accounts.Identity{Door: accounts.DoorTelegram, User: role, Name: "Ann " + role})
		if err != nil {
			t.Fatal(err)
		}
		if e.tokens[role], err = e.acct.CreateAPIToken(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := e.db.AddApprover(ctx, acc.ID, storage.ApproverIdentity{Door: id.Door, Team: id.Team, User: id.User}, "cli"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.RemoveApprover(ctx, e.brand.ID, storage.ApproverIdentity{Door: accounts.DoorTelegram, User: "removed"}); err != nil {
		t.Fatal(err)
	}
	p := e.held()
	for role, want := range map[string]int{"ann": http.StatusOK, "elsewhere": http.StatusNotFound, "removed": http.StatusNotFound} {
		if st, _, raw := e.do(role, "GET", "/api/posts/"+p.ID, nil); st != want {
			t.Errorf("%s reads the held post: %d %s, want %d", role, st, raw, want)
		}
	}
	for _, tc := range []struct {
		role, verb string
		status     int
	}{
		{"elsewhere", "approve", http.StatusNotFound},
		{"removed", "approve", http.StatusNotFound},
		{"removed", "reject", http.StatusNotFound},
		{"grantee", "approve", http.StatusForbidden},
	} {
		if st, _, raw := e.do(tc.role, "POST", "/api/threads/post/"+p.ID+"/"+tc.verb, nil); st != tc.status {
			t.Errorf("%s %s: %d %s, want %d", tc.role, tc.verb, st, raw, tc.status)
		}
	}
	if got, _ := e.db.Get(ctx, p.ID); got.State != storage.StatePendingApproval {
		t.Fatalf("refused requests changed the post: %s", got.State)
	}
	st, m, raw := e.do("ann", "POST", "/api/threads/post/"+p.ID+"/approve", nil)
	if st != http.StatusOK || m["status"] != "queued" {
		t.Fatalf("approver approves: %d %s", st, raw)
	}
	if ap, _ := m["approval"].(map[string]any); ap["decidedBy"] != "Ann ann" || ap["status"] != "approved" {
		t.Fatalf("approve answer's approval: %s", raw)
	}
	st, m, raw = e.do("owner", "GET", "/api/posts/"+p.ID, nil)
	ap, _ := m["approval"].(map[string]any)
	if st != http.StatusOK || ap["status"] != "approved" || ap["decidedBy"] != "Ann ann" || ap["decidedAt"] == nil || ap["requestedAt"] == nil {
		t.Fatalf("GET after approval: %d %s", st, raw)
	}
	q := e.held()
	if _, m, raw := e.do("owner", "GET", "/api/posts/"+q.ID, nil); m["approval"].(map[string]any)["status"] != "pending" {
		t.Fatalf("GET of a pending post: %s", raw)
	}
	if _, m, raw := e.do("owner", "POST", "/api/threads/post", map[string]string{"text": "never held"}); m["approval"] != nil {
		t.Fatalf("a post never held shows an approval: %s", raw)
	}
}

// TestApproverCannotDecideOwnPostOverREST: a grantee the owner named approver gets 403 on the
// post they wrote, and it stays pending.
func TestApproverCannotDecideOwnPostOverREST(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g := e.ids["grantee"]
	if err := e.db.AddApprover(ctx, e.brand.ID, storage.ApproverIdentity{Door: g.Door, Team: g.Team, User: g.User}, "cli"); err != nil {
		t.Fatal(err)
	}
	p := e.held() // written by telegram:grantee
	st, _, raw := e.do("grantee", "POST", "/api/threads/post/"+p.ID+"/approve", nil)
	if st != http.StatusForbidden || !strings.Contains(string(raw), "you wrote") {
		t.Fatalf("the author approves as approver: %d %s", st, raw)
	}
	if got, _ := e.db.Get(ctx, p.ID); got.State != storage.StatePendingApproval {
		t.Fatalf("the refused approval changed the post: %s", got.State)
	}
}
