package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/bottest"
	"github.com/spindle-threads/spindle/bot/mcp"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// connect opens an MCP session with the "other" token (door api, user ci) on a server over d.
func connect(t *testing.T, d mcp.Dispatcher) *sdk.ClientSession {
	t.Helper()
	srv := httptest.NewServer(mcp.Handler(mcp.Options{Dispatcher: d}, tokens))
	t.Cleanup(srv.Close)
	auth := "Bearer other"
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil).Connect(context.Background(),
		&sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: &http.Client{Transport: header{&auth}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// TestEditAndSeriesTools: edit, series and schedule with every hand the dispatcher the chat
// grammar's commands, with text and time as separate fields; what they cannot read is a tool
// error that runs nothing.
func TestEditAndSeriesTools(t *testing.T) {
	rec := &recorder{}
	cs := connect(t, rec)
	for _, tc := range []struct {
		name string
		tool string
		args map[string]any
		want *bot.Command // nil: a tool error, nothing run
	}{
		{"edit the text", "edit", map[string]any{"id": "#P7K2M9", "text": "at last, v1.3"}, &bot.Command{Verb: bot.VerbEdit, PostID: "p7k2m9", Text: "at last, v1.3"}},
		{"edit the time", "edit", map[string]any{"id": "p7k2m9", "when": "in 2h"}, &bot.Command{Verb: bot.VerbEdit, PostID: "p7k2m9", When: "in 2h"}},
		{"edit nothing", "edit", map[string]any{"id": "p7k2m9"}, nil},
		{"edit without an id", "edit", map[string]any{"text": "x"}, nil},
		{"edit with text in when", "edit", map[string]any{"id": "p7k2m9", "when": "in 2h hello"}, nil},
		{"edit at a time nobody reads", "edit", map[string]any{"id": "p7k2m9", "when": "someday"}, nil},
		{"schedule every", "schedule", map[string]any{"text": "Weekly update", "every": "monday 09:00 until 2027-03-01", "account": "@Acme"},
			&bot.Command{Verb: bot.VerbSchedule, Text: "Weekly update", Every: "week mon 09:00 until 2027-03-01", Account: "acme"}},
		{"schedule every and when", "schedule", map[string]any{"text": "x", "every": "day 18:00", "when": "in 2h"}, nil},
		{"schedule every with the text in it", "schedule", map[string]any{"text": "x", "every": "day 18:00 hello"}, nil},
		{"schedule every nonsense", "schedule", map[string]any{"text": "x", "every": "fortnightly"}, nil},
		{"series", "series", map[string]any{}, &bot.Command{Verb: bot.VerbSeries, Sub: "list"}},
		{"series list of one account", "series", map[string]any{"action": "list", "account": "acme"}, &bot.Command{Verb: bot.VerbSeries, Sub: "list", Account: "acme"}},
		{"series pause", "series", map[string]any{"action": "Pause", "id": "S3"}, &bot.Command{Verb: bot.VerbSeries, Sub: "pause", ID: "s3"}},
		{"series cancel", "series", map[string]any{"action": "cancel", "id": "s12"}, &bot.Command{Verb: bot.VerbSeries, Sub: "cancel", ID: "s12"}},
		{"series pause without an id", "series", map[string]any{"action": "pause"}, nil},
		{"series pause of a post id", "series", map[string]any{"action": "pause", "id": "p7k2m9"}, nil},
		{"series delete", "series", map[string]any{"action": "delete", "id": "s3"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rec.cmd)
			res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tc.tool, Arguments: tc.args})
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == nil {
				if !res.IsError || len(rec.cmd) != before {
					t.Fatalf("%v: %+v, want a tool error that runs nothing", tc.args, res)
				}
				return
			}
			if res.IsError || len(rec.cmd) != before+1 {
				t.Fatalf("%v: %+v, want one command run", tc.args, res)
			}
			got := rec.cmd[before]
			if got.When != "" && got.At.IsZero() {
				t.Errorf("a time %q with no instant", got.When)
			}
			got.At = time.Time{}
			if got.Verb != tc.want.Verb || got.PostID != tc.want.PostID || got.Text != tc.want.Text || got.When != tc.want.When ||
				got.Every != tc.want.Every || got.Account != tc.want.Account || got.Sub != tc.want.Sub || got.ID != tc.want.ID {
				t.Errorf("command %+v, want %+v", got, *tc.want)
			}
		})
	}
}

// TestEditAndSeriesToolsChangeWhatIsQueued runs the tools through the real dispatcher: a
// series made with schedule every queues its first post, which edit changes; series lists,
// pauses and cancels it; a post that is no longer queued cannot be edited.
func TestEditAndSeriesToolsChangeWhatIsQueued(t *testing.T) {
	clock := storagetest.NewClock(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)) // a Monday
	db := storagetest.Open(t, clock.Now)
	acc := storagetest.Account(t, db, "acme")
	accs := &bottest.Accounts{DB: db}
	ctx := context.Background()
	if err := accs.Link(ctx, bot.Identity{Door: ingest.DoorAPI, User: "ci"}, acc); err != nil {
		t.Fatal(err)
	}
	svc := ingest.NewService(ingest.Options{Queue: db, Now: clock.Now})
	d := bot.NewDispatcher(bot.DispatcherOptions{Ingest: svc, Queue: db, Accounts: accs, Now: clock.Now,
		Series: recur.NewService(recur.Options{Store: db, Validator: svc, Now: clock.Now})})
	cs := connect(t, d)
	call := func(tool string, args map[string]any) (string, bool) {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil || len(res.Content) == 0 {
			t.Fatalf("%s %v: %v %+v", tool, args, err, res)
		}
		return res.Content[0].(*sdk.TextContent).Text, res.IsError
	}
	text, isErr := call("schedule", map[string]any{"text": "Weekly update", "every": "monday 10:00"})
	if isErr || !strings.Contains(text, "Series s") {
		t.Fatalf("schedule every: %q", text)
	}
	ps, err := db.List(ctx, storage.ListFilter{States: []storage.State{storage.StateQueued}})
	if err != nil || len(ps) != 1 || ps[0].Text != "Weekly update" {
		t.Fatalf("queued %+v, %v: want the series' first post", ps, err)
	}
	first := ps[0]
	if text, isErr = call("edit", map[string]any{"id": first.ID, "text": "Weekly update, edited"}); isErr || !strings.Contains(text, "Edited") {
		t.Fatalf("edit: %q", text)
	}
	if p, _ := db.Get(ctx, first.ID); p.Text != "Weekly update, edited" {
		t.Errorf("the post's text is %q after edit", p.Text)
	}
	text, isErr = call("series", nil)
	ref := strings.Fields(text)
	if isErr || !strings.Contains(text, "@acme") || len(ref) < 3 {
		t.Fatalf("series list: %q", text)
	}
	id := ref[2] // "1 series:\ns1  @acme …"
	if text, isErr = call("series", map[string]any{"action": "pause", "id": id}); isErr || !strings.Contains(text, "Paused") {
		t.Fatalf("series pause %s: %q", id, text)
	}
	if text, isErr = call("edit", map[string]any{"id": first.ID, "text": "too late"}); !isErr {
		t.Errorf("edit of a post the pause cancelled: %q, want a refusal", text)
	}
	if text, isErr = call("series", map[string]any{"action": "cancel", "id": id}); isErr || !strings.Contains(text, "Cancelled series") {
		t.Fatalf("series cancel %s: %q", id, text)
	}
}
