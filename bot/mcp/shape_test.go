package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/mcp"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// TestToolsTakeShapes: post, schedule and preview take the post shapes as fields and hand
// them to the dispatcher as the chat grammar's options; contradictory ones are tool errors
// that run nothing.
func TestToolsTakeShapes(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(mcp.Handler(mcp.Options{Dispatcher: rec}, tokens))
	defer srv.Close()
	auth := "Bearer pinned"
	ctx := context.Background()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx,
		&sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "post", Arguments: map[string]any{"text": "Lunch? ||soup||",
		"poll": []string{"Soup", "Salad"}, "replyControl": "followers", "ghost": true, "topicTag": "#Food", "long": true, "locationId": "77"}})
	if err != nil || res.IsError {
		t.Fatalf("post: %v %+v", err, res)
	}
	want := bot.PostShape{Poll: "Soup | Salad", Replies: threads.ReplyFollowersOnly, Ghost: true, Topic: "Food", Long: true, Location: "77"}
	if got := rec.cmd[0]; got.Shape != want || got.Text != "Lunch? ||soup||" {
		t.Errorf("command %+v, want shape %+v", got, want)
	}
	for _, args := range []map[string]any{
		{"text": "x", "long": true, "thread": true},
		{"text": "x", "replyControl": "friends"},
		{"text": "x", "poll": []string{"A|B", "C"}},
	} {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "preview", Arguments: args})
		if err != nil || !res.IsError {
			t.Errorf("preview %v: %v %+v, want a tool error", args, err, res)
		}
	}
	if len(rec.cmd) != 1 {
		t.Errorf("dispatcher ran %d commands, want only the post", len(rec.cmd))
	}
}
