package mcp_test

import (
	"context"
	"encoding/json"
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

// TestApproveToolDecidesTheRoundRead: the approvals tool gives each waiting post's round with
// its text; an approve with a round the post has left (it was edited since) decides nothing
// and says so, and one with the round waiting decides. An agent named approver of an
// account never decides a post it last edited, with a round or without.
func TestApproveToolDecidesTheRoundRead(t *testing.T) {
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
	if err := db.AddApprover(ctx, beta.ID, storage.ApproverIdentity{Door: string(agent.Door), User: agent.User}, owner.Key()); err != nil {
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
	edit := func(id, author, text string) {
		t.Helper()
		if _, err := db.EditQueued(ctx, id, storage.PostEdit{Text: &text,
			Rehold: storage.ApprovalHold{Author: author, ExpiresAt: clock.Now().Add(time.Hour)}}); err != nil {
			t.Fatal(err)
		}
	}
	d := bot.NewDispatcher(bot.DispatcherOptions{Queue: db, Accounts: accs, Approvals: db, Cards: db, Now: clock.Now})
	cs := connect(t, d)
	call := func(tool string, args map[string]any) *sdk.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil || len(res.Content) == 0 {
			t.Fatalf("%s: %v %+v", tool, err, res)
		}
		return res
	}
	text := func(res *sdk.CallToolResult) string { return res.Content[0].(*sdk.TextContent).Text }
	state := func(id string) storage.State {
		t.Helper()
		p, err := db.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return p.State
	}

	p := held(acme, "the words the agent reads")
	var listed struct {
		Waiting []struct {
			ID    string `json:"id"`
			Round int    `json:"round"`
			Text  string `json:"text"`
		} `json:"waiting"`
	}
	raw, _ := json.Marshal(call("approvals", map[string]any{"account": "acme"}).StructuredContent)
	if err := json.Unmarshal(raw, &listed); err != nil || len(listed.Waiting) != 1 || listed.Waiting[0].ID != p.ID ||
		listed.Waiting[0].Round != 1 || listed.Waiting[0].Text != "the words the agent reads" {
		t.Fatalf("approvals' structured answer: %s %v", raw, err)
	}
	edit(p.ID, "telegram:7", "the words the agent never read")
	res := call("approve", map[string]any{"id": p.ID, "round": listed.Waiting[0].Round})
	if !res.IsError || !strings.Contains(text(res), "changed since you saw it") || !strings.Contains(text(res), "round 2") {
		t.Errorf("approve of round 1 after an edit: %v %q", res.IsError, text(res))
	}
	if s := state(p.ID); s != storage.StatePendingApproval {
		t.Fatalf("after a decision on an old round the post is %s", s)
	}
	if res := call("approve", map[string]any{"id": p.ID, "round": 2}); res.IsError || !strings.Contains(text(res), "Approved") {
		t.Fatalf("approve of round 2: %q", text(res))
	}
	if res := call("approve", map[string]any{"id": p.ID, "round": -1}); !res.IsError || !strings.Contains(text(res), "not an approval round") {
		t.Errorf("a negative round: %q", text(res))
	}

	q := held(beta, "someone else's words")
	edit(q.ID, agent.Key(), "the agent's own words")
	for _, args := range []map[string]any{{"id": q.ID}, {"id": q.ID, "round": 2}} {
		if res := call("approve", args); !res.IsError || !strings.Contains(text(res), "You wrote (or last edited) post "+q.ID) {
			t.Errorf("the agent approving its own edit (%v): %q", args, text(res))
		}
	}
	if s := state(q.ID); s != storage.StatePendingApproval {
		t.Fatalf("after the agent's own approval the post is %s", s)
	}
}
