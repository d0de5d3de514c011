package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/mcp"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
)

// TestStatsShowPollResults: once Threads (the simulator) reports a published poll's votes,
// chat stats and the MCP stats tool show each option's share and the votes under the counts.
func TestStatsShowPollResults(t *testing.T) {
	stack := publishertest.New(t, publishertest.Options{})
	acc := stack.Account("pollster")
	ci := bot.Identity{Door: ingest.DoorAPI, User: "ci"} // the "other" token's identity
	accs := &bottest.Accounts{DB: stack.DB}
	ctx := context.Background()
	if err := accs.Link(ctx, ci, acc); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: stack.DB})
	d := bot.NewDispatcher(bot.DispatcherOptions{Ingest: svc, Accounts: accs, Queue: stack.DB, Insights: stack.Pub, Polls: stack.Pub})
	r := d.Run(ctx, bot.Incoming{Identity: ci, Origin: ingest.Origin{Door: ingest.DoorAPI}},
		bot.Command{Verb: bot.VerbPost, Text: "Lunch?", Shape: bot.PostShape{Poll: "Soup | Salad"}})
	if r.Queued == "" {
		t.Fatalf("post: %q", r.Text)
	}
	posted := stack.Finish(r.Queued)[0]
	if !stack.Sim.SetPollVotes(posted.MediaID, 1, 3) {
		t.Fatalf("the simulator has no poll for %+v", posted)
	}
	const want = "📊 Soup 25% · Salad 75% — 4 votes"

	chat := d.Handle(ctx, bot.Incoming{Identity: ci, Text: "stats " + posted.ID, Origin: ingest.Origin{Door: ingest.DoorAPI}})
	if chat.Refused || !strings.Contains(chat.Text, "views") || !strings.Contains(chat.Text, want) {
		t.Errorf("chat stats %q lacks the counts or %q", chat.Text, want)
	}

	srv := httptest.NewServer(mcp.Handler(mcp.Options{Dispatcher: d}, tokens))
	defer srv.Close()
	auth := "Bearer other"
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "stats", Arguments: map[string]any{"id": posted.ID}})
	if err != nil || res.IsError || len(res.Content) == 0 {
		t.Fatalf("stats tool: %v %+v", err, res)
	}
	if text := res.Content[0].(*sdk.TextContent).Text; !strings.Contains(text, want) {
		t.Errorf("MCP stats %q lacks %q", text, want)
	}
}

// TestStatsToolAccount: the MCP stats tool without an id shows the account's last 7 and 30 days
// from the simulator's user insights endpoint.
func TestStatsToolAccount(t *testing.T) {
	stack := publishertest.New(t, publishertest.Options{})
	acc := stack.Account("counted")
	ci := bot.Identity{Door: ingest.DoorAPI, User: "ci"} // the "other" token's identity
	accs := &bottest.Accounts{DB: stack.DB}
	ctx := context.Background()
	if err := accs.Link(ctx, ci, acc); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: stack.DB})
	d := bot.NewDispatcher(bot.DispatcherOptions{Ingest: svc, Accounts: accs, Queue: stack.DB, Insights: stack.Pub})
	srv := httptest.NewServer(mcp.Handler(mcp.Options{Dispatcher: d}, tokens))
	defer srv.Close()
	auth := "Bearer other"
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	for _, args := range []map[string]any{{}, {"account": "counted"}} {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "stats", Arguments: args})
		if err != nil || res.IsError || len(res.Content) == 0 {
			t.Fatalf("stats tool %v: %v %+v", args, err, res)
		}
		text := res.Content[0].(*sdk.TextContent).Text
		for _, want := range []string{"@counted", "Last 7 days: 0 views", "Last 30 days: 0 views"} {
			if !strings.Contains(text, want) {
				t.Errorf("MCP stats %v: %q lacks %q", args, text, want)
			}
		}
	}
	if n := stack.Sim.CallCount(threadstest.EndpointUserInsights); n != 2 {
		t.Errorf("two reads made %d user-insights calls, want 2 (the second from the cache)", n)
	}
}
