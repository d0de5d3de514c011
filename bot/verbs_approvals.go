package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// The approval verbs: an account's owner requires approval for posts by grantees and feeds
// ("approvals on"), and approves or rejects the posts held ("approve", "reject").
const (
	VerbApprovals = "approvals"
	VerbApprove   = "approve"
	VerbReject    = "reject"
)

// Approvals stores approval policies and decides held posts (storage.DB).
type Approvals interface {
	SetApprovalPolicy(ctx context.Context, p storage.ApprovalPolicy) error
	Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error)
	ApprovalOf(ctx context.Context, postID string) (storage.Approval, error)
}

// approvalLine is status's line on a post's approval record; "" for a post never held.
func (c *call) approvalLine(ctx context.Context, id string) string {
	if c.d.o.Approvals == nil {
		return ""
	}
	a, err := c.d.o.Approvals.ApprovalOf(ctx, id)
	if err != nil {
		return ""
	}
	switch a.Decision {
	case "":
		return "Approval requested " + FormatWhen(a.RequestedAt, c.zone) + "; it expires " + FormatWhen(a.ExpiresAt, c.zone) + "."
	case storage.DecisionExpired:
		return "Approval request expired " + FormatWhen(a.DecidedAt, c.zone) + "."
	}
	line := upperFirst(a.Decision) + " by " + a.DecidedBy + " " + FormatWhen(a.DecidedAt, c.zone)
	if a.Reason != "" {
		line += ": " + a.Reason
	}
	return line + "."
}

// parseApprovals reads "approvals [on|off] [--account @name]"; without on or off it lists the
// posts waiting for the sender's approval.
func parseApprovals(rest string) (Command, error) {
	cmd := Command{Verb: VerbApprovals}
	ws, err := words(VerbApprovals, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	if len(ws) == 0 {
		return cmd, nil // the pending list
	}
	if len(ws) != 1 {
		return Command{}, usage(VerbApprovals, "“approvals” takes on or off, like “approvals on”, or nothing to list the posts waiting.")
	}
	switch sw := strings.ToLower(ws[0]); sw {
	case "on", "off":
		cmd.Sub = sw
		return cmd, nil
	}
	return Command{}, usage(VerbApprovals, "“approvals” takes on or off, not “%s”.", ws[0])
}

// parseDecision reads "approve <id>" and "reject <id> [reason]".
func parseDecision(verb, rest string) (Command, error) {
	w, reason := cutWord(rest)
	if w == "" {
		return Command{}, usage(verb, "“%s” needs the post id (see “list”).", verb)
	}
	if verb == VerbApprove && reason != "" {
		return Command{}, usage(verb, "“approve” takes only the post id; got “%s” after it.", reason)
	}
	id, err := parsePostID(verb, w)
	if err != nil {
		return Command{}, err
	}
	return Command{Verb: verb, PostID: id, Text: strings.TrimSpace(reason)}, nil
}

// approvals sets the policy of an account the sender owns: on holds posts by grantees and
// feeds (the sensible default), off holds nothing.
func (c *call) approvals(ctx context.Context) Reply {
	if c.d.o.Approvals == nil {
		return c.unavailable("approvals")
	}
	if c.cmd.Sub == "" {
		return c.pending(ctx)
	}
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	on := c.cmd.Sub == "on"
	p := storage.ApprovalPolicy{AccountID: acc.ID, Grantees: on, Feeds: on, UpdatedBy: c.in.Identity.Key()}
	if err := c.d.o.Approvals.SetApprovalPolicy(ctx, p); err != nil {
		return c.fail(ctx, err)
	}
	if on {
		return sayf("✅ Approvals on for @%s: posts by people you granted it to, and by feeds, wait until you %sapprove them (or %sreject them).", acc.Username, c.prefix, c.prefix)
	}
	return sayf("Approvals off for @%s: posts go out without waiting. Posts already waiting still need a decision.", acc.Username)
}

// decide approves or rejects a held post. Only the owner of the post's account may: a grantee
// cannot approve their own post, and a stranger learns nothing about it.
func (c *call) decide(ctx context.Context) Reply {
	if c.d.o.Approvals == nil || c.d.o.Queue == nil {
		return c.unavailable("approvals")
	}
	p, err := c.d.o.Queue.Get(ctx, c.cmd.PostID)
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	var acc Account
	for _, a := range accs {
		if err == nil && a.ID == p.AccountID {
			acc = a
		}
	}
	switch {
	case errors.Is(err, storage.ErrNotFound) || (err == nil && acc.ID == 0):
		return refuse("There is no post %s on any account you can use.", c.cmd.PostID)
	case err != nil:
		return c.fail(ctx, err)
	case !acc.Owner:
		return refuse("Only the owner of @%s can approve or reject its posts.", acc.Username)
	}
	outcome := storage.DecisionApproved
	if c.cmd.Verb == VerbReject {
		outcome = storage.DecisionRejected
	}
	d := storage.Decision{Outcome: outcome, By: c.in.Identity.Key(), Reason: c.cmd.Text}
	d.Events = publisher.DecisionEvents(d, c.in.Identity.Name)
	got, err := c.d.o.Approvals.Decide(ctx, p.ID, d)
	var se *storage.StateError
	if errors.As(err, &se) {
		gone := refuse("Post %s is not waiting for approval any more (it is %s); nothing was changed.", p.ID, se.State)
		gone.Decided = p.ID
		return gone
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	by := orDefault(c.in.Identity.Name, "you")
	reply := sayf("👎 Rejected by %s: %s for @%s will not go out; its author is told%s.", by, got.ID, acc.Username, reasonSuffix(c.cmd.Text))
	if outcome == storage.DecisionApproved {
		reply = sayf("👍 Approved by %s: %s for @%s goes out %s. Its author is told.", by, got.ID, acc.Username, FormatWhen(got.NextAttemptAt, c.zone))
	}
	reply.Decided = got.ID
	return reply
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return fmt.Sprintf(" why (“%s”)", short(reason))
}

// maxPending is how many waiting posts "approvals" lists.
const maxPending = 20

// pending lists the posts waiting for approval on the accounts the sender owns, each with its
// id for approve and reject (Reply.Approvals: doors with buttons offer Approve and Reject).
func (c *call) pending(ctx context.Context) Reply {
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	var (
		b   strings.Builder
		ids []string
	)
	for _, a := range accs {
		if !a.Owner || (c.cmd.Account != "" && !strings.EqualFold(a.Username, c.cmd.Account)) {
			continue
		}
		ps, err := c.d.o.Queue.List(ctx, storage.ListFilter{AccountID: a.ID, States: []storage.State{storage.StatePendingApproval}, Limit: maxPending})
		if err != nil {
			return c.fail(ctx, err)
		}
		for _, p := range ps {
			if len(ids) == maxPending {
				break
			}
			ids = append(ids, p.ID)
			fmt.Fprintf(&b, "\n• %s @%s “%s”", p.ID, a.Username, firstWords(p.Text))
		}
	}
	if len(ids) == 0 {
		return Reply{Text: "Nothing is waiting for your approval.", Private: true}
	}
	return Reply{Text: fmt.Sprintf("%d waiting for your approval (%sapprove <id> or %sreject <id> [reason]):", len(ids), c.prefix, c.prefix) + b.String(),
		Private: true, Approvals: ids, Cards: c.cards(ctx, ids)}
}

// cards builds the approval card of each post in ids; nil when any cannot be built (the list
// then shows its plain lines and buttons, which is still right).
func (c *call) cards(ctx context.Context, ids []string) []ApprovalCard {
	if c.d.o.Cards == nil {
		return nil
	}
	out := make([]ApprovalCard, 0, len(ids))
	for _, id := range ids {
		card, err := LoadApprovalCard(ctx, c.d.o.Cards, id)
		if err != nil {
			c.d.log.WarnContext(ctx, "approvals: no card for a waiting post", slog.String("post_id", id), slog.Any("error", err))
			return nil
		}
		out = append(out, card)
	}
	return out
}
