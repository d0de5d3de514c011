package mcp_test

import (
	"context"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestApprovalTools: an agent holding the owner's token lists what waits, rejects a post with
// a reason (cancelled, never published) and is told a second decision changes nothing; on an
// account it was only granted, approve is refused and the post keeps waiting.
func TestApprovalTools(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	acme, beta := storagetest.Account(t, db, "acme"), storagetest.Account(t, db, "beta")
	accs := &bottest.Accounts{DB: db}
	ctx := context.Background()
	agent := bot.Identity{Door: ingest.DoorAPI, User: "ci"}
	owner := bot.Identity{Door: ingest.DoorSlack, Team: "T1", User: "UOWN", Name: "own"}
	if err := accs.Link(ctx, agent, acme); err != nil {
		t.Fatal(err)
	}
	if err := accs.Link(ctx, owner, beta); err != nil {
		t.Fatal(err)
	}
	if err := accs.Grant(ctx, owner, beta.ID, agent); err != nil {
		t.Fatal(err)
	}
	held := func(acc storage.Account, text string) storage.Post {
		t.Helper()
		p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acc.ID, Door: "telegram", Text: text,
			Approval: storage.ApprovalHold{Author: "telegram:7", ExpiresAt: clock.Now().Add(time.Hour)}})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mine, theirs := held(acme, "for the owner"), held(beta, "for someone else")
	d := bot.NewDispatcher(bot.DispatcherOptions{Queue: db, Accounts: accs, Approvals: db, Now: clock.Now})
	cs := connect(t, d)
	call := func(tool string, args map[string]any) string {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil || len(res.Content) == 0 {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		return res.Content[0].(*sdk.TextContent).Text
	}
	if got := call("approvals", map[string]any{}); !strings.Contains(got, mine.ID) || strings.Contains(got, theirs.ID) {
		t.Errorf("approvals: %q", got)
	}
	if got := call("reject", map[string]any{"id": mine.ID, "reason": "off brand"}); !strings.Contains(got, "Rejected") {
		t.Errorf("reject: %q", got)
	}
	if p, _ := db.Get(ctx, mine.ID); p.State != storage.StateCancelled || !strings.Contains(p.LastError, "off brand") {
		t.Errorf("after reject: %s %q", p.State, p.LastError)
	}
	if got := call("approve", map[string]any{"id": mine.ID}); !strings.Contains(got, "not waiting for approval any more") {
		t.Errorf("a second decision: %q", got)
	}
	if got := call("approve", map[string]any{"id": theirs.ID}); !strings.Contains(got, "Only the owner of @beta") {
		t.Errorf("approve on a granted account: %q", got)
	}
	if p, _ := db.Get(ctx, theirs.ID); p.State != storage.StatePendingApproval {
		t.Errorf("the granted account's post is %s, want still pending", p.State)
	}
}
