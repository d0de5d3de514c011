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

// TestPostStatusNamesTheApprover: post_status of a post that was held says who decided it by
// name, as chat's status does, never by identity key.
func TestPostStatusNamesTheApprover(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	db := storagetest.Open(t, clock.Now)
	acc := storagetest.Account(t, db, "acme")
	accs := &bottest.Accounts{DB: db}
	ctx := context.Background()
	if err := accs.Link(ctx, bot.Identity{Door: ingest.DoorAPI, User: "ci"}, acc); err != nil {
		t.Fatal(err)
	}
	p, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acc.ID, Door: "api", Text: "held",
		Approval: storage.ApprovalHold{Author: "telegram:7", ExpiresAt: clock.Now().Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour / 2)
	if _, err := db.Decide(ctx, p.ID, storage.Decision{Outcome: storage.DecisionApproved, By: "slack:T1:UANN", ByName: "Ann"}); err != nil {
		t.Fatal(err)
	}
	d := bot.NewDispatcher(bot.DispatcherOptions{Queue: db, Accounts: accs, Approvals: db, Now: clock.Now})
	res, err := connect(t, d).CallTool(ctx, &sdk.CallToolParams{Name: "post_status", Arguments: map[string]any{"id": p.ID}})
	if err != nil || res.IsError || len(res.Content) == 0 {
		t.Fatalf("post_status: %v %+v", err, res)
	}
	text := res.Content[0].(*sdk.TextContent).Text
	if !strings.Contains(text, "Approved by Ann Thu 3 Dec 2026 09:30 UTC") || strings.Contains(text, "UANN") {
		t.Fatalf("post_status: %q", text)
	}
}
