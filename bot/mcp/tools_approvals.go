package mcp

import (
	"context"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/spindle-threads/spindle/bot"
)

// rejectArgs names a held post and, optionally, why it is rejected (its author is told).
type rejectArgs struct {
	ID     string `json:"id" jsonschema:"the Spindle post id of a post waiting for approval (see approvals)"`
	Reason string `json:"reason,omitempty" jsonschema:"why, in a few words; the post's author is told"`
}

// registerApprovals adds the approval tools. They run the chat verbs, so the same people are
// obeyed: the account's owner and the approvers the owner named, never the post's author.
func (t tools) registerApprovals(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "approvals", Description: "List the posts waiting for your approval (on accounts you own or were named approver of), with their ids, and the approval policy of the accounts you own."},
		func(ctx context.Context, req *sdk.CallToolRequest, a accountArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbApprovals, Account: account(a.Account)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "approve", Description: "Approve a post waiting for approval: it keeps its schedule, or goes out at once if that time has passed. Only the account's owner or an approver the owner named may; nobody approves their own post."},
		func(ctx context.Context, req *sdk.CallToolRequest, a postIDArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbApprove, PostID: postID(a.ID)})
		})
	sdk.AddTool(s, &sdk.Tool{Name: "reject", Description: "Reject a post waiting for approval: it is cancelled and never published, and its author is told why. Only the account's owner or an approver the owner named may."},
		func(ctx context.Context, req *sdk.CallToolRequest, a rejectArgs) (*sdk.CallToolResult, any, error) {
			return t.run(ctx, req, bot.Command{Verb: bot.VerbReject, PostID: postID(a.ID), Text: strings.TrimSpace(a.Reason)})
		})
}
