package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// The approval verbs: an account's owner requires approval for posts by grantees, webhooks,
// feeds or the API ("approvals on …"), names approvers ("approvals add"), and the owner and
// approvers approve or reject the posts held ("approve", "reject").
const (
	VerbApprovals = "approvals"
	VerbApprove   = "approve"
	VerbReject    = "reject"
)

// Approvals stores approval policies and approvers, and decides held posts (storage.DB).
type Approvals interface {
	SetApprovalPolicy(ctx context.Context, p storage.ApprovalPolicy) error
	ApprovalPolicyFor(ctx context.Context, accountID int64) (storage.ApprovalPolicy, error)
	Decide(ctx context.Context, id string, d storage.Decision) (storage.Post, error)
	ApprovalOf(ctx context.Context, postID string) (storage.Approval, error)
	// AddApproverAsOwner names who an approver, as owner (storage.ErrNotOwner when owner no
	// longer owns the account).
	AddApproverAsOwner(ctx context.Context, accountID int64, who, owner storage.ApproverIdentity) error
	RemoveApprover(ctx context.Context, accountID int64, who storage.ApproverIdentity) error
	Approvers(ctx context.Context, accountID int64) ([]storage.ApproverIdentity, error)
	ApprovedAccounts(ctx context.Context, door, team, user string) ([]storage.Account, error)
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
	line := upperFirst(a.Decision) + " by " + nameOrKey(a) + " " + FormatWhen(a.DecidedAt, c.zone)
	if a.Reason != "" {
		line += ": " + a.Reason
	}
	return line + "."
}

// parseDecision reads "approve <id>" and "reject <id> [reason]". The id may carry the
// approval round its card showed, "<id>:<round>" (DecisionRef): what an approval card's
// buttons type, so a press decides only the text the card showed.
func parseDecision(verb, rest string) (Command, error) {
	w, reason := cutWord(rest)
	if w == "" {
		return Command{}, usage(verb, "“%s” needs the post id (see “list”).", verb)
	}
	if verb == VerbApprove && reason != "" {
		return Command{}, usage(verb, "“approve” takes only the post id; got “%s” after it.", reason)
	}
	id, err := parsePostID(verb, w)
	round := 0
	if i := strings.LastIndexByte(w, ':'); err != nil && i >= 0 {
		// "<id>:<round>"; a word whose part before the colon is no id is refused as typed.
		idPart, r := w[:i], w[i+1:]
		var idErr error
		if id, idErr = parsePostID(verb, idPart); idErr != nil {
			return Command{}, err
		}
		n, perr := strconv.ParseInt(r, 10, 32)
		if perr != nil || n < 1 {
			return Command{}, usage(verb, "“%s” is not a post id with its approval round; ids look like p7k2m9 (or p7k2m9:2, as a card's button sends), and “approvals” shows what waits.", w)
		}
		round, err = int(n), nil
	}
	if err != nil {
		return Command{}, err
	}
	return Command{Verb: verb, PostID: id, Round: round, Text: strings.TrimSpace(reason)}, nil
}

// DecisionRef is how a decision names the post and the approval round its card showed,
// "<id>:<round>" ("<id>" for round 0): the text an approval card's buttons type after
// approve or reject.
func DecisionRef(postID string, round int) string {
	if round <= 0 {
		return postID
	}
	return postID + ":" + strconv.Itoa(round)
}

// nameOrKey is who decided, for status: their name, else their identity key.
func nameOrKey(a storage.Approval) string {
	if d := a.Decider(); d != "" {
		return d
	}
	return "an approver"
}

// approvals is the "approvals" verb: the policy and pending list, on and off, and the named
// approvers.
func (c *call) approvals(ctx context.Context) Reply {
	if c.d.o.Approvals == nil {
		return c.unavailable("approvals")
	}
	switch c.cmd.Sub {
	case "":
		return c.pending(ctx)
	case "add", "remove":
		return c.approver(ctx)
	}
	return c.setPolicy(ctx)
}

// decide approves or rejects a held post. Only the owner of the post's account, and the
// approvers the owner named, may: a grantee cannot approve their own post, and a stranger
// learns nothing about it. That a named approver did not write or last edit the round that
// waits, and that it is the round they saw (a card's), storage.Decide checks in the
// decision's own transaction: read here, before it, an edit on another replica could come
// between the check and the decision.
func (c *call) decide(ctx context.Context) Reply {
	if c.d.o.Approvals == nil || c.d.o.Queue == nil {
		return c.unavailable("approvals")
	}
	p, err := c.d.o.Queue.Get(ctx, c.cmd.PostID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return c.fail(ctx, err)
	}
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	deciding, r := c.deciding(ctx)
	if r != nil {
		return *r
	}
	seen, visible := byID(accs, p.AccountID)
	acc, may := byID(deciding, p.AccountID)
	switch {
	case err != nil || (!visible && !may):
		return refuse("There is no post %s on any account you can use.", c.cmd.PostID)
	case !may:
		return refuse("Only the owner of @%s, or an approver the owner named, can approve or reject its posts.", seen.Username)
	}
	outcome := storage.DecisionApproved
	if c.cmd.Verb == VerbReject {
		outcome = storage.DecisionRejected
	}
	d := storage.Decision{Outcome: outcome, By: c.in.Identity.Key(), ByName: c.in.Identity.Name, Reason: c.cmd.Text,
		Round: c.cmd.Round, Owner: acc.Owner}
	d.Events = publisher.DecisionEvents(d, c.in.Identity.Name)
	got, err := c.d.o.Approvals.Decide(ctx, p.ID, d)
	if err != nil {
		return c.refusedDecision(ctx, p.ID, acc, err)
	}
	by := orDefault(c.in.Identity.Name, "you")
	reply := sayf("👎 Rejected by %s: %s for @%s will not go out; its author is told%s.", by, got.ID, acc.Username, reasonSuffix(c.cmd.Text))
	if outcome == storage.DecisionApproved {
		reply = sayf("👍 Approved by %s: %s for @%s goes out %s. Its author is told.", by, got.ID, acc.Username, FormatWhen(got.NextAttemptAt, c.zone))
	}
	reply.Decided = got.ID
	return reply
}

// refusedDecision answers a decision Decide refused. A post no longer waiting, and a card's
// round that no longer waits, are over for the card that asked (Reply.Decided: its buttons
// go); the decider's own post is refused and the card stays for the others.
func (c *call) refusedDecision(ctx context.Context, id string, acc Account, err error) Reply {
	if se, ok := errors.AsType[*storage.StateError](err); ok {
		gone := refuse("Post %s is not waiting for approval any more (it is %s); nothing was changed.", id, se.State)
		gone.Decided = id
		return gone
	}
	if re, ok := errors.AsType[*storage.RoundError](err); ok {
		stale := refuse("Post %s changed since you saw it: it was edited, and round %d of its approval is waiting (you saw round %d). Nothing was changed; look at it again (%sapprovals) before you decide.",
			id, re.Waiting, re.Seen, c.prefix)
		stale.Decided = id
		return stale
	}
	if _, ok := errors.AsType[*storage.OwnPostError](err); ok {
		return refuse("You wrote (or last edited) post %s, so you cannot decide it; the owner of @%s or another approver must.", id, acc.Username)
	}
	return c.fail(ctx, err)
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return fmt.Sprintf(" why (“%s”)", short(reason))
}

// maxPending is how many waiting posts "approvals" lists.
const maxPending = 20

// pending answers a bare "approvals": the policy of each account the sender owns, then the
// posts waiting for the sender's decision (on accounts they own or approve), each with its id
// for approve and reject (Reply.Approvals: doors with buttons offer Approve and Reject).
func (c *call) pending(ctx context.Context) Reply {
	accs, r := c.deciding(ctx)
	if r != nil {
		return *r
	}
	head, r := c.policyLines(ctx, accs)
	if r != nil {
		return *r
	}
	var (
		b   strings.Builder
		ids []string
	)
	for _, a := range accs {
		if c.cmd.Account != "" && !strings.EqualFold(a.Username, c.cmd.Account) {
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
		return Reply{Text: head + "Nothing is waiting for your approval.", Private: true}
	}
	return Reply{Text: head + fmt.Sprintf("%d waiting for your approval (%sapprove <id> or %sreject <id> [reason]):", len(ids), c.prefix, c.prefix) + b.String(),
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
