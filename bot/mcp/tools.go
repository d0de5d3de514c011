package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
)

// The tools' arguments. The jsonschema tags are the descriptions an agent reads.
type (
	postArgs struct {
		Text    string `json:"text" jsonschema:"the text to publish, verbatim; over 500 characters it goes out as a thread of replies (or one post with a text attachment, see long); ||words|| between double bars are hidden as spoilers"`
		Account string `json:"account,omitempty" jsonschema:"Threads username to post as, without @; empty: your default (or only) account"`
		shapeArgs
	}
	scheduleArgs struct {
		Text    string `json:"text" jsonschema:"the text to publish, verbatim; ||words|| between double bars are hidden as spoilers"`
		When    string `json:"when,omitempty" jsonschema:"when to publish: RFC 3339 (2026-12-01T09:00:00Z), or 'in 2h', 'in 45m', 'tomorrow 09:00', '2026-12-01 09:00' (times without a zone are in Spindle's zone); must be in the future, at most a year ahead. Give this or every"`
		Every   string `json:"every,omitempty" jsonschema:"instead of when, to publish again and again: the days and time, like 'monday 09:00', 'day 18:00', 'weekday 08:30', 'mon,thu 9am' or '2 weeks friday 17:00', then optionally 'until 2027-03-01' or 'times 10'; each occurrence becomes its own post. The text may rotate (a line with only --- between texts) and use {{.Date}}, {{.Weekday}} and {{.N}}"`
		Account string `json:"account,omitempty" jsonschema:"Threads username to post as, without @; empty: your default account"`
		shapeArgs
	}
	previewArgs struct {
		Text string `json:"text" jsonschema:"the text to check: length, links, how it would be split; nothing is queued"`
		shapeArgs
	}
	accountArgs struct {
		Account string `json:"account,omitempty" jsonschema:"Threads username, without @; empty: every account you may use"`
	}
	postIDArgs struct {
		ID string `json:"id" jsonschema:"the Spindle post id that post or schedule returned"`
	}
	// statsArgs name a post, or else an account (the account's last 7 and 30 days).
	statsArgs struct {
		ID      string `json:"id,omitempty" jsonschema:"the Spindle post id whose insights to show; empty: the account's insights"`
		Account string `json:"account,omitempty" jsonschema:"Threads username, without @, whose last 7 and 30 days to show when id is empty; empty: your default account"`
	}
	noArgs struct{}
)

type tools struct {
	d   Dispatcher
	who Who
}

func (t tools) register(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "post", Description: "Queue a post to publish on Threads now. Returns the post id; the post goes out within moments, so check post_status for its permalink or the reason it failed. Run preview first to catch problems."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postArgs) (*sdk.CallToolResult, any, error) {
			shape, r := a.shape()
			if r != nil {
				return r, nil, nil
			}
			return t.run(ctx, req, bot.Command{Verb: bot.VerbPost, Text: a.Text, Account: account(a.Account), Shape: shape})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "schedule", Description: "Queue a post to publish on Threads at a later time (when), or again and again (every: a recurring series, see series). Returns the post id and the instant chosen, or the series id; cancel stops a post before then."},
		func(ctx context.Context, req *sdk.CallToolRequest, a scheduleArgs) (*sdk.CallToolResult, any, error) {
			return t.schedule(ctx, req, a)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "queue", Description: "Queue a post in the account's next free posting slot (its weekly schedule; see slots). Returns the post id and the slot's time; fails with how to set slots when the account has none."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbQueue, Text: a.Text, Account: account(a.Account)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "slots", Description: "Show an account's weekly posting slots (in their zone) and the next ones, taken (with the post id) or free. Only the account's owner sets them, in chat or with spindle slots."},
		func(ctx context.Context, req *sdk.CallToolRequest, a accountArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbSlots, Account: account(a.Account)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "preview", Description: "Dry run: check a text as Threads would (500-character limit, links, thread split) and say what to fix. Nothing is queued or published."},
		func(ctx context.Context, req *sdk.CallToolRequest, a previewArgs) (*sdk.CallToolResult, any, error) {
			shape, r := a.shape()
			if r != nil {
				return r, nil, nil
			}
			return t.run(ctx, req, bot.Command{Verb: bot.VerbPreview, Text: a.Text, Shape: shape})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "list_posts", Description: "List the posts waiting to go out (queued, scheduled, being published), soonest first, with their ids; then the few that finished last (posted, failed, cancelled or deleted)."},
		func(ctx context.Context, req *sdk.CallToolRequest, a accountArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbList, Account: account(a.Account)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "post_status", Description: "Tell what became of one post: queued or scheduled (and when), being published, posted (with its permalink), failed (with the reason), cancelled or deleted."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postIDArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbStatus, PostID: postID(a.ID)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "cancel", Description: "Cancel a post that has not been published yet; it will not go out. A published post cannot be cancelled."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postIDArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbCancel, PostID: postID(a.ID)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "delete", Description: "Delete a post Spindle published from Threads (it counts against the account's deletion quota, 100 a day). A post not yet published is cancelled instead."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postIDArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbDelete, PostID: postID(a.ID)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "stats", Description: "Show insights from Threads (refreshed at most every 10 minutes): with id, a published post's views, likes, replies, reposts, quotes and shares; without id, an account's views, likes, replies, reposts, quotes and followers over the last 7 and 30 days. Needs the account to have granted threads_manage_insights."},
		func(ctx context.Context, req *sdk.CallToolRequest, a statsArgs) (*sdk.CallToolResult, any, error) {
			if strings.TrimSpace(a.ID) == "" {
				return t.run(ctx, req, bot.Command{Verb: bot.VerbStats, Account: account(a.Account)})
			}
			return t.run(ctx, req, bot.Command{Verb: bot.VerbStats, PostID: postID(a.ID)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "quota", Description: "Show an account's use of its moving 24-hour Threads quotas (posts, replies, deletions) and when the next slot frees. Posts over quota wait; they do not fail."},
		func(ctx context.Context, req *sdk.CallToolRequest, a accountArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbQuota, Account: account(a.Account)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "list_accounts", Description: "List the Threads accounts you may post to, with their status (active, needs_reconnect, disconnected) and which one is the default."},
		func(ctx context.Context, req *sdk.CallToolRequest, _ noArgs) (*sdk.CallToolResult, any, error) {
			return t.accounts(ctx, req)
		})
	t.registerQueue(s)
	t.registerApprovals(s)
}

// run acts as the caller and answers with the dispatcher's reply.
func (t tools) run(ctx context.Context, req *sdk.CallToolRequest, cmd bot.Command) (*sdk.CallToolResult, any, error) {
	res, _ := t.runReply(ctx, req, cmd)
	return res, nil, nil
}

// runReply is run, also returning the dispatcher's reply (empty when the caller is unknown)
// for a tool that adds what the reply holds in structured form.
func (t tools) runReply(ctx context.Context, req *sdk.CallToolRequest, cmd bot.Command) (*sdk.CallToolResult, bot.Reply) {
	in, err := t.who(ctx, req)
	if err != nil {
		return toolError(err.Error()), bot.Reply{}
	}
	in.RequestID = requestID()
	r := t.d.Run(ctx, in, cmd)
	res := &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: r.Text}}, IsError: r.Refused}
	if r.Queued != "" {
		res.StructuredContent = map[string]string{"post_id": r.Queued, "message": r.Text}
	}
	return res, r
}

// schedule reads the time as chat does (bot.ParseWhen, in the dispatcher's zone); what the
// agent sent is never joined into a command line, so its text cannot be misread as the time.
func (t tools) schedule(ctx context.Context, req *sdk.CallToolRequest, a scheduleArgs) (*sdk.CallToolResult, any, error) {
	when, rule := strings.TrimSpace(a.When), strings.TrimSpace(a.Every)
	switch {
	case when != "" && rule != "":
		return toolError("Give \"when\" for one post or \"every\" for a recurring one, not both; nothing was queued."), nil, nil
	case rule != "":
		ev, r := every(rule)
		if r != nil {
			return r, nil, nil
		}
		return t.run(ctx, req, bot.Command{Verb: bot.VerbSchedule, Text: a.Text, Every: ev, Account: account(a.Account)})
	case when == "":
		return toolError("Give the time to publish in \"when\": RFC 3339 (2026-12-01T09:00:00Z), \"in 2h\" or \"tomorrow 09:00\" (or \"every\" for a recurring post)."), nil, nil
	}
	at, r := t.when(when)
	if r != nil {
		return r, nil, nil
	}
	shape, r := a.shape()
	if r != nil {
		return r, nil, nil
	}
	return t.run(ctx, req, bot.Command{Verb: bot.VerbSchedule, Text: a.Text, When: when, At: at, Account: account(a.Account), Shape: shape})
}

// when reads a time as chat does; all of it must be the time.
func (t tools) when(when string) (time.Time, *sdk.CallToolResult) {
	at, rest, err := bot.ParseWhen(when, t.d.Now(), t.d.Zone())
	if err != nil {
		return time.Time{}, toolError(fmt.Sprintf("Cannot read the time %q: %v.", when, err))
	}
	if strings.TrimSpace(rest) != "" {
		return time.Time{}, toolError(fmt.Sprintf("Cannot read %q in \"when\" as part of a time; give only the time there (RFC 3339, \"in 2h\", \"tomorrow 09:00\") and the post in \"text\".", strings.TrimSpace(rest)))
	}
	return at, nil
}

// accounts lists the caller's accounts, one a line.
func (t tools) accounts(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, any, error) {
	in, err := t.who(ctx, req)
	if err != nil {
		return toolError(err.Error()), nil, nil
	}
	in.RequestID = requestID()
	accs, r := t.d.Accounts(ctx, in)
	if r != nil {
		return toolError(r.Text), nil, nil
	}
	if len(accs) == 0 {
		return toolError("You have no Threads account here yet. Its owner links one (connect in chat) and grants you the right, or creates a token for it."), nil, nil
	}
	type row struct {
		Username string `json:"username"`
		Status   string `json:"status"`
		Owner    bool   `json:"owner"`
		Default  bool   `json:"default"`
	}
	var b strings.Builder
	rows := make([]row, len(accs))
	for i, a := range accs {
		rows[i] = row{a.Username, a.Status, a.Owner, a.Default}
		fmt.Fprintf(&b, "@%s  %s", a.Username, a.Status)
		if a.Default || len(accs) == 1 {
			b.WriteString("  (default)")
		}
		if a.Owner {
			b.WriteString("  owner")
		}
		b.WriteByte('\n')
	}
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: strings.TrimSuffix(b.String(), "\n")}},
		StructuredContent: map[string]any{"accounts": rows}}, nil, nil
}

func toolError(msg string) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: msg}}, IsError: true}
}

// account is a username as chat's --account takes it: lower case, without "@".
func account(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "@")) }

// postID is a post id as chat takes it: lower case, without "#".
func postID(s string) string { return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#")) }
