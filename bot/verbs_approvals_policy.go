package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// Whose posts "approvals on" can hold, as typed and as Command.Who lists them.
const (
	WhoGrantees = "grantees"
	WhoWebhooks = "webhooks"
	WhoFeeds    = "feeds"
	WhoAPI      = "api"
)

// whoOrder is the canonical order of Command.Who.
var whoOrder = []string{WhoGrantees, WhoWebhooks, WhoFeeds, WhoAPI}

// defaultWho is what a bare "approvals on" holds: the sensible default.
const defaultWho = WhoGrantees + "," + WhoFeeds

// whoWord reads one word of "approvals on …": the four names, singular or plural, any case.
func whoWord(w string) (string, bool) {
	switch strings.ToLower(w) {
	case "grantee", "grantees":
		return WhoGrantees, true
	case "webhook", "webhooks":
		return WhoWebhooks, true
	case "feed", "feeds":
		return WhoFeeds, true
	case "api":
		return WhoAPI, true
	}
	return "", false
}

// parseApprovals reads "approvals [--account @name]" (the policy and the pending list),
// "approvals on [grantees] [webhooks] [feeds] [api]" (in any order, separated by spaces or
// commas; none: grantees and feeds), "approvals off", and "approvals add|remove <user>".
func parseApprovals(rest string) (Command, error) {
	cmd := Command{Verb: VerbApprovals}
	ws, err := words(VerbApprovals, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	if len(ws) == 0 {
		return cmd, nil
	}
	cmd.Sub = strings.ToLower(ws[0])
	args := ws[1:]
	switch cmd.Sub {
	case "on":
		return parseApprovalsOn(cmd, args)
	case "off":
		if len(args) > 0 {
			return Command{}, usage(VerbApprovals, "“approvals off” takes nothing after it; got “%s”.", strings.Join(args, " "))
		}
		return cmd, nil
	case "add", "remove":
		if len(args) != 1 {
			return Command{}, errOneSub(VerbApprovals, "approvals "+cmd.Sub, "user (@name, a mention, or a Telegram user id)", len(args))
		}
		u, ok := parseUser(args[0])
		if !ok {
			return Command{}, usage(VerbApprovals, "“%s” is not a user; write @name, mention them, or give a Telegram user id.", args[0])
		}
		cmd.User = u
		return cmd, nil
	}
	return Command{}, usage(VerbApprovals, "“approvals” takes on, off, add or remove, not “%s”; or nothing, to see the policy and the posts waiting.", ws[0])
}

// parseApprovalsOn reads who needs approval after "approvals on".
func parseApprovalsOn(cmd Command, args []string) (Command, error) {
	set := map[string]bool{}
	for _, a := range args {
		for part := range strings.SplitSeq(a, ",") {
			if part == "" {
				continue
			}
			w, ok := whoWord(part)
			if !ok {
				return Command{}, usage(VerbApprovals, "“approvals on” holds posts by grantees, webhooks, feeds or api, not “%s”.", part)
			}
			set[w] = true
		}
	}
	if len(set) == 0 {
		cmd.Who = defaultWho
		return cmd, nil
	}
	var who []string
	for _, w := range whoOrder {
		if set[w] {
			who = append(who, w)
		}
	}
	cmd.Who = strings.Join(who, ",")
	return cmd, nil
}

// policyOf is the policy Command.Who asks for, on accountID.
func policyOf(accountID int64, who, by string) storage.ApprovalPolicy {
	p := storage.ApprovalPolicy{AccountID: accountID, UpdatedBy: by}
	for w := range strings.SplitSeq(who, ",") {
		switch w {
		case WhoGrantees:
			p.Grantees = true
		case WhoWebhooks:
			p.Webhooks = true
		case WhoFeeds:
			p.Feeds = true
		case WhoAPI:
			p.API = true
		}
	}
	return p
}

// PolicyWords says whose posts p holds, for people: "people granted the account and feeds";
// "" when it holds none.
func PolicyWords(p storage.ApprovalPolicy) string {
	var parts []string
	for _, x := range []struct {
		on   bool
		word string
	}{{p.Grantees, "people granted the account"}, {p.Webhooks, "webhooks"}, {p.Feeds, "feeds"}, {p.API, "the REST API and MCP"}} {
		if x.on {
			parts = append(parts, x.word)
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// setPolicy is "approvals on|off": only the owner may.
func (c *call) setPolicy(ctx context.Context) Reply {
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	p := policyOf(acc.ID, c.cmd.Who, c.in.Identity.Key())
	if err := c.d.o.Approvals.SetApprovalPolicy(ctx, p); err != nil {
		return c.fail(ctx, err)
	}
	if p.On() {
		return sayf("✅ Approvals on for @%s: posts by %s wait until you, or an approver you name with %sapprovals add, %sapprove them (or %sreject them).",
			acc.Username, PolicyWords(p), c.prefix, c.prefix, c.prefix)
	}
	return sayf("Approvals off for @%s: posts go out without waiting. Posts already waiting still need a decision.", acc.Username)
}

// resolveUser is the identity a <user> of grant, revoke or approvals add|remove names: a
// Slack member of the sender's team, or a Telegram user by id from any door.
func (c *call) resolveUser(u UserRef) (Identity, *Reply) {
	if u.ID == "" {
		var r Reply
		if c.in.Identity.Door == ingest.DoorSlack {
			r = refuse("Mention the person (type @ and pick them from the list) so I know exactly who %s is.", u)
		} else {
			r = refuse("I cannot tell who %s is; give their numeric Telegram user id (they see it with /start).", u)
		}
		return Identity{}, &r
	}
	to := Identity{Door: c.in.Identity.Door, Team: c.in.Identity.Team, User: u.ID, Name: u.Name}
	if telegramIDRE.MatchString(u.ID) {
		// A bare number is a Telegram user id whatever door the owner writes from (Slack's
		// ids start with U or W), so an owner in Slack can name someone on Telegram.
		to = Identity{Door: ingest.DoorTelegram, User: u.ID}
	}
	return to, nil
}

// approver is "approvals add|remove <user>": the owner names, or stops naming, someone who
// may approve and reject the account's held posts.
func (c *call) approver(ctx context.Context) Reply {
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	to, r := c.resolveUser(c.cmd.User)
	if r != nil {
		return *r
	}
	if to.Door == c.in.Identity.Door && to.Team == c.in.Identity.Team && to.User == c.in.Identity.User {
		return refuse("You own @%s: you approve its posts already.", acc.Username)
	}
	who := storage.ApproverIdentity{Door: string(to.Door), Team: to.Team, User: to.User, Name: to.Name}
	if c.cmd.Sub == "add" {
		me := storage.ApproverIdentity{Door: string(c.in.Identity.Door), Team: c.in.Identity.Team, User: c.in.Identity.User}
		err := c.d.o.Approvals.AddApproverAsOwner(ctx, acc.ID, who, me)
		if errors.Is(err, storage.ErrNotOwner) {
			return refuse("You no longer own @%s (it was connected again by someone else); nothing changed.", acc.Username)
		}
		if err != nil {
			return c.fail(ctx, err)
		}
		return sayf("✅ %s may now approve and reject posts waiting for @%s (%sapprovals lists them).", c.mention(c.cmd.User), acc.Username, c.prefix)
	}
	err := c.d.o.Approvals.RemoveApprover(ctx, acc.ID, who)
	if errors.Is(err, storage.ErrNotFound) {
		return refuse("%s was not an approver of @%s; nothing changed.", c.mention(c.cmd.User), acc.Username)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	return sayf("%s may no longer approve posts for @%s.", c.mention(c.cmd.User), acc.Username)
}

// deciding lists the accounts whose held posts the sender may approve or reject: those they
// own and those whose owner named them an approver. A grant gives no such right.
func (c *call) deciding(ctx context.Context) ([]Account, *Reply) {
	accs, r := c.accounts(ctx)
	if r != nil {
		return nil, r
	}
	var out []Account
	for _, a := range accs {
		if a.Owner {
			out = append(out, a)
		}
	}
	named, err := c.d.o.Approvals.ApprovedAccounts(ctx, string(c.in.Identity.Door), c.in.Identity.Team, c.in.Identity.User)
	if err != nil {
		rr := c.fail(ctx, err)
		return nil, &rr
	}
	for _, a := range named {
		if (c.in.Only != 0 && a.ID != c.in.Only) || slices.ContainsFunc(out, func(x Account) bool { return x.ID == a.ID }) {
			continue
		}
		out = append(out, Account{ID: a.ID, Username: a.Username})
	}
	return out, nil
}

// policyLines says, for each account the sender owns, whom approvals hold and who approves.
func (c *call) policyLines(ctx context.Context, accs []Account) (string, *Reply) {
	var b strings.Builder
	for _, a := range accs {
		if !a.Owner || (c.cmd.Account != "" && !strings.EqualFold(a.Username, c.cmd.Account)) {
			continue
		}
		p, err := c.d.o.Approvals.ApprovalPolicyFor(ctx, a.ID)
		if err != nil {
			r := c.fail(ctx, err)
			return "", &r
		}
		ap, err := c.d.o.Approvals.Approvers(ctx, a.ID)
		if err != nil {
			r := c.fail(ctx, err)
			return "", &r
		}
		if p.On() {
			fmt.Fprintf(&b, "@%s: approvals on for posts by %s; approved by you", a.Username, PolicyWords(p))
		} else {
			fmt.Fprintf(&b, "@%s: approvals off; approved by you", a.Username)
		}
		for _, x := range ap {
			b.WriteString(", " + c.approverName(x))
		}
		b.WriteString(".\n")
	}
	return b.String(), nil
}

// approverName renders a named approver in the sender's door.
func (c *call) approverName(a storage.ApproverIdentity) string {
	switch {
	case a.Door == string(c.in.Identity.Door) && a.Door == string(ingest.DoorSlack) && a.Team == c.in.Identity.Team:
		return "<@" + a.User + ">"
	case a.Door == string(ingest.DoorTelegram) && a.Name != "":
		return "@" + a.Name + " (Telegram " + a.User + ")"
	case a.Door == string(ingest.DoorTelegram):
		return "Telegram user " + a.User
	case a.Name != "":
		return "@" + a.Name
	}
	return a.Key()
}

// approversPost finds post id on an account the sender approves for without being able to
// post to it, so a named approver can ask the status of what they decide. ok is false for
// anyone else, who learns nothing more than readPost told them.
func (c *call) approversPost(ctx context.Context, id string) (storage.Post, Account, bool) {
	if c.d.o.Approvals == nil || c.d.o.Queue == nil {
		return storage.Post{}, Account{}, false
	}
	p, err := c.d.o.Queue.Get(ctx, id)
	if err != nil {
		return storage.Post{}, Account{}, false
	}
	accs, r := c.deciding(ctx)
	if r != nil {
		return storage.Post{}, Account{}, false
	}
	acc, ok := byID(accs, p.AccountID)
	return p, acc, ok
}
