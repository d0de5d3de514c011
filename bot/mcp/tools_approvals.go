package mcp

import (
	"context"
	"fmt"
	"math"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
)

// approveArgs names a held post and, optionally, the approval round the agent read.
type approveArgs struct {
	ID    string `json:"id" jsonschema:"the Spindle post id of a post waiting for approval (see approvals)"`
	Round int    `json:"round,omitempty" jsonschema:"the approval round you read (approvals lists it for each post); when given, nothing is decided if the post was edited since, so you never approve words you did not read; omit it to decide whatever round waits"`
}

// rejectArgs names a held post, optionally the round read, and optionally why it is rejected
// (its author is told).
type rejectArgs struct {
	ID     string `json:"id" jsonschema:"the Spindle post id of a post waiting for approval (see approvals)"`
	Reason string `json:"reason,omitempty" jsonschema:"why, in a few words; the post's author is told"`
	Round  int    `json:"round,omitempty" jsonschema:"the approval round you read (approvals lists it for each post); when given, nothing is decided if the post was edited since, so you never approve words you did not read; omit it to decide whatever round waits"`
}

// waitingPost is one post of the approvals tool's structured answer: what the agent reads
// before it decides, and the round to send back with approve or reject.
type waitingPost struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	Round   int    `json:"round"`
	Text    string `json:"text"`
}

// registerApprovals adds the approval tools. They run the chat verbs, so the same people are
// obeyed: the account's owner and the approvers the owner named, never the post's author
// (which storage checks with the decision itself).
func (t tools) registerApprovals(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "approvals", Description: "List the posts waiting for your approval (on accounts you own or were named approver of), with their ids, and the approval policy of the accounts you own. The structured result lists each post's id, account, text and approval round (pass the round to approve or reject)."},
		func(ctx context.Context, req *sdk.CallToolRequest, a accountArgs) (*sdk.CallToolResult, any, error) {
			res, r := t.runReply(ctx, req, bot.Command{Verb: bot.VerbApprovals, Account: account(a.Account)})
			if len(r.Cards) > 0 {
				waiting := make([]waitingPost, 0, len(r.Cards))
				for _, c := range r.Cards {
					waiting = append(waiting, waitingPost{ID: c.PostID, Account: c.Account, Round: c.Round, Text: c.Text})
				}
				res.StructuredContent = map[string]any{"waiting": waiting, "message": r.Text}
			}
			return res, nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "approve", Description: "Approve a post waiting for approval: it keeps its schedule, or goes out at once if that time has passed. Only the account's owner or an approver the owner named may; no approver decides a post they wrote or last edited."},
		func(ctx context.Context, req *sdk.CallToolRequest, a approveArgs) (*sdk.CallToolResult, any, error) {
			if r := badRound(a.Round); r != nil {
				return r, nil, nil
			}
			return t.run(ctx, req, bot.Command{Verb: bot.VerbApprove, PostID: postID(a.ID), Round: a.Round})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "reject", Description: "Reject a post waiting for approval: it is cancelled and never published, and its author is told why. Only the account's owner or an approver the owner named may; no approver decides a post they wrote or last edited."},
		func(ctx context.Context, req *sdk.CallToolRequest, a rejectArgs) (*sdk.CallToolResult, any, error) {
			if r := badRound(a.Round); r != nil {
				return r, nil, nil
			}
			return t.run(ctx, req, bot.Command{Verb: bot.VerbReject, PostID: postID(a.ID), Text: strings.TrimSpace(a.Reason), Round: a.Round})
		})
}

// badRound refuses a round no request can have; nil for one that may (0: none given).
func badRound(round int) *sdk.CallToolResult {
	if round < 0 || round > math.MaxInt32 {
		return toolError(fmt.Sprintf("round %d is not an approval round: give the round approvals lists for the post, or leave it out; nothing was decided.", round))
	}
	return nil
}
