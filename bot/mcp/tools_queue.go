package mcp

import (
	"context"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/storage"
)

// The arguments of the tools that change what is queued: edit and series.
type (
	editArgs struct {
		ID   string `json:"id" jsonschema:"the Spindle post id of a post still waiting to go out"`
		Text string `json:"text,omitempty" jsonschema:"the new text, verbatim; empty: keep the text"`
		When string `json:"when,omitempty" jsonschema:"the new time, as in schedule (RFC 3339, 'in 2h', 'tomorrow 09:00'); empty: keep the time"`
	}
	seriesArgs struct {
		Action  string `json:"action,omitempty" jsonschema:"list (the default), pause, resume or cancel"`
		ID      string `json:"id,omitempty" jsonschema:"the series id (like s3) to pause, resume or cancel; list shows them"`
		Account string `json:"account,omitempty" jsonschema:"for list: Threads username, without @; empty: every account you may use"`
	}
)

func (t tools) registerQueue(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "edit", Description: "Change a post that is still waiting to go out: its text, its time, or both. The new text is checked again as when it was queued; once the post is being published the edit is refused and nothing changes."},
		func(ctx context.Context, req *sdk.CallToolRequest, a editArgs) (*sdk.CallToolResult, any, error) {
			return t.edit(ctx, req, a)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "series", Description: "List recurring posts (made with schedule and every), or pause, resume or cancel one by its id. Pausing or cancelling also cancels the occurrence waiting; resuming queues the next one from now."},
		func(ctx context.Context, req *sdk.CallToolRequest, a seriesArgs) (*sdk.CallToolResult, any, error) {
			return t.series(ctx, req, a)
		})
}

// edit reads the new time as schedule does; text and time stay separate fields, so a text
// that starts like a time is never read as one.
func (t tools) edit(ctx context.Context, req *sdk.CallToolRequest, a editArgs) (*sdk.CallToolResult, any, error) {
	id := postID(a.ID)
	if id == "" {
		return toolError("Give the post's id in \"id\" (post, schedule and list_posts show it)."), nil, nil
	}
	cmd := bot.Command{Verb: bot.VerbEdit, PostID: id, Text: strings.TrimSpace(a.Text)}
	if when := strings.TrimSpace(a.When); when != "" {
		at, r := t.when(when)
		if r != nil {
			return r, nil, nil
		}
		cmd.When, cmd.At = when, at
	}
	if cmd.Text == "" && cmd.At.IsZero() {
		return toolError("Give the new \"text\", the new \"when\", or both; nothing was changed."), nil, nil
	}
	return t.run(ctx, req, cmd)
}

// series runs list, pause, resume or cancel.
func (t tools) series(ctx context.Context, req *sdk.CallToolRequest, a seriesArgs) (*sdk.CallToolResult, any, error) {
	action := strings.ToLower(strings.TrimSpace(a.Action))
	switch action {
	case "", "list":
		return t.run(ctx, req, bot.Command{Verb: bot.VerbSeries, Sub: "list", Account: account(a.Account)})
	case "pause", "resume", "cancel":
	default:
		return toolError(fmt.Sprintf("%q is not an action of series; use list, pause, resume or cancel.", a.Action)), nil, nil
	}
	n, ok := storage.ParseSeriesRef(strings.ToLower(strings.TrimSpace(a.ID)))
	if !ok {
		return toolError(fmt.Sprintf("%q is not a series id; they look like s3, and series with action list shows them.", a.ID)), nil, nil
	}
	return t.run(ctx, req, bot.Command{Verb: bot.VerbSeries, Sub: action, ID: storage.SeriesRef(n)})
}

// every reads a recurrence as chat's "schedule every" does; all of it must be the rule.
func every(s string) (string, *sdk.CallToolResult) {
	rule, rest, err := recur.Parse(s)
	if err != nil {
		return "", toolError(fmt.Sprintf("Cannot read %q in \"every\": %v. Give the days and time, like \"monday 09:00\", \"weekday 08:30\" or \"2 weeks friday 17:00 until 2027-03-01\".", s, err))
	}
	if strings.TrimSpace(rest) != "" {
		return "", toolError(fmt.Sprintf("Cannot read %q in \"every\" as part of the rule; give only the rule there and the post in \"text\".", strings.TrimSpace(rest)))
	}
	return rule.String(), nil
}
