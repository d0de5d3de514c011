package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/storage"
)

const approvalsUsage = `spindle approvals --account <username> [--json]              the policy and the approvers
spindle approvals on --account <username> [--who grantees,webhooks,feeds,api] [--json]
spindle approvals off --account <username> [--json]
spindle approvals approvers --account <username> [add|remove <door>:<team>:<user>] [--json]
spindle approvals pending [--account <username>] [--json]`

// runApprovals is `spindle approvals`: an account's approval policy (whose posts wait for
// approval), its named approvers, and the posts waiting, as the operator (who may change any
// account's). Decisions are `spindle posts approve|reject`.
func runApprovals(ctx context.Context, env *cliEnv, args []string) error {
	sub := ""
	if len(args) > 0 && slices.Contains([]string{"on", "off", "approvers", "pending"}, args[0]) {
		sub, args = args[0], args[1:]
	}
	fs, cf := env.flags(strings.TrimSpace("approvals "+sub), approvalsUsage)
	account := fs.String("account", "", "Threads username the policy is for (required, except for pending)")
	who := fs.String("who", "", "on: whose posts wait, comma separated: grantees, webhooks, feeds, api (default grantees,feeds)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	req, err := approvalsRequest(sub, *account, *who, pos)
	if err != nil {
		return err
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "pending" {
		return showPending(ctx, env, db, *account, *asJSON)
	}
	acct, err := accountByName(ctx, db, *account)
	if err != nil {
		return err
	}
	if err := req.apply(ctx, db, acct); err != nil {
		return err
	}
	return showPolicy(ctx, env, db, acct, *asJSON)
}

// approvalsChange is what one `spindle approvals` asks to change, checked before anything is
// opened: a policy (on, off), an approver (approvers add|remove), or nothing (show).
type approvalsChange struct {
	policy   *storage.ApprovalPolicy
	approver *approverChange
}

// approvalsRequest checks the flags and words of `spindle approvals <sub>`.
func approvalsRequest(sub, account, who string, pos []string) (approvalsChange, error) {
	var c approvalsChange
	if account == "" && sub != "pending" {
		return c, usagef("give the account: spindle approvals --account yourname\nusage:\n%s", approvalsUsage)
	}
	if who != "" && sub != "on" {
		return c, usagef("--who goes with approvals on; usage:\n%s", approvalsUsage)
	}
	switch {
	case sub == "approvers" && len(pos) > 0:
		ch, err := parseApproverChange(pos)
		c.approver = ch
		return c, err
	case len(pos) > 0:
		return c, usagef("unexpected %q; usage:\n%s", strings.Join(pos, " "), approvalsUsage)
	case sub == "on":
		p, err := whoPolicy(who)
		c.policy = &p
		return c, err
	case sub == "off":
		c.policy = &storage.ApprovalPolicy{}
	}
	return c, nil
}

// apply makes the change on acct.
func (c approvalsChange) apply(ctx context.Context, db *storage.DB, acct storage.Account) error {
	if c.approver != nil {
		return c.approver.apply(ctx, db, acct)
	}
	if c.policy == nil {
		return nil
	}
	p := *c.policy
	p.AccountID, p.UpdatedBy = acct.ID, "cli"
	return db.SetApprovalPolicy(ctx, p)
}

// whoPolicy reads --who; empty is the default, grantees and feeds.
func whoPolicy(who string) (storage.ApprovalPolicy, error) {
	if who == "" {
		return storage.ApprovalPolicy{Grantees: true, Feeds: true}, nil
	}
	var p storage.ApprovalPolicy
	for w := range strings.SplitSeq(who, ",") {
		switch strings.ToLower(strings.TrimSpace(w)) {
		case "grantee", "grantees":
			p.Grantees = true
		case "webhook", "webhooks":
			p.Webhooks = true
		case "feed", "feeds":
			p.Feeds = true
		case "api":
			p.API = true
		case "":
		default:
			return p, usagef("--who %q: %q is not one of grantees, webhooks, feeds, api", who, w)
		}
	}
	if !p.On() {
		return p, usagef("--who %q names nobody; use grantees, webhooks, feeds or api, or approvals off", who)
	}
	return p, nil
}

// approverChange is `approvers add|remove <door>:<team>:<user>`.
type approverChange struct {
	add bool
	who storage.ApproverIdentity
}

func parseApproverChange(pos []string) (*approverChange, error) {
	if len(pos) != 2 || (pos[0] != "add" && pos[0] != "remove") {
		return nil, usagef("approvers takes add or remove and one person, like: spindle approvals approvers add slack:T0123:U0456 --account yourname")
	}
	who, err := storage.ParseApproverKey(pos[1])
	if err != nil {
		return nil, usagef("%v", err)
	}
	return &approverChange{add: pos[0] == "add", who: who}, nil
}

func (c approverChange) apply(ctx context.Context, db *storage.DB, acct storage.Account) error {
	if owner, err := db.AccountOwner(ctx, acct.ID); err == nil && owner.Door == c.who.Door && owner.Team == c.who.Team && owner.User == c.who.User {
		return usagef("%s owns @%s and approves its posts already; name someone else", c.who.Key(), acct.Username)
	}
	if c.add {
		return db.AddApprover(ctx, acct.ID, c.who, "cli")
	}
	err := db.RemoveApprover(ctx, acct.ID, c.who)
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%s is not an approver of @%s; nothing changed (spindle approvals approvers --account %s lists them)", c.who.Key(), acct.Username, acct.Username)
	}
	return err
}

// showPolicy prints an account's policy and its named approvers.
func showPolicy(ctx context.Context, env *cliEnv, db *storage.DB, acct storage.Account, asJSON bool) error {
	p, err := db.ApprovalPolicyFor(ctx, acct.ID)
	if err != nil {
		return err
	}
	list, err := db.ApproverList(ctx, acct.ID)
	if err != nil {
		return err
	}
	if asJSON {
		type approver struct {
			Key     string `json:"key"`
			Name    string `json:"name,omitempty"`
			AddedBy string `json:"added_by"`
		}
		out := struct {
			Account   string     `json:"account"`
			On        bool       `json:"on"`
			Who       []string   `json:"who"`
			Approvers []approver `json:"approvers"`
		}{Account: acct.Username, On: p.On(), Who: policyWho(p), Approvers: []approver{}}
		for _, a := range list {
			out.Approvers = append(out.Approvers, approver{a.Key(), a.Name, a.AddedBy})
		}
		return env.printJSON(out)
	}
	if p.On() {
		fmt.Fprintf(env.stdout, "@%s: approvals on for posts by %s\n", acct.Username, bot.PolicyWords(p))
	} else {
		fmt.Fprintf(env.stdout, "@%s: approvals off\n", acct.Username)
	}
	fmt.Fprintf(env.stdout, "approvers: the owner")
	for _, a := range list {
		fmt.Fprintf(env.stdout, ", %s", a.Key())
		if a.Name != "" {
			fmt.Fprintf(env.stdout, " (%s)", a.Name)
		}
	}
	fmt.Fprintln(env.stdout)
	return nil
}

// policyWho lists whose posts p holds, as --who names them.
func policyWho(p storage.ApprovalPolicy) []string {
	out := []string{}
	for _, x := range []struct {
		on bool
		w  string
	}{{p.Grantees, "grantees"}, {p.Webhooks, "webhooks"}, {p.Feeds, "feeds"}, {p.API, "api"}} {
		if x.on {
			out = append(out, x.w)
		}
	}
	return out
}

// showPending prints the posts waiting for approval, on one account or all.
func showPending(ctx context.Context, env *cliEnv, db *storage.DB, account string, asJSON bool) error {
	f := storage.ListFilter{States: []storage.State{storage.StatePendingApproval}, Limit: 1000}
	if account != "" {
		acct, err := accountByName(ctx, db, account)
		if err != nil {
			return err
		}
		f.AccountID = acct.ID
	}
	ps, err := db.List(ctx, f)
	if err != nil {
		return err
	}
	type row struct {
		ID        string `json:"id"`
		Account   string `json:"account"`
		Text      string `json:"text"`
		Author    string `json:"author,omitempty"`
		ExpiresAt string `json:"expires_at"`
	}
	rows := []row{}
	names := map[int64]string{}
	for _, p := range ps {
		if _, ok := names[p.AccountID]; !ok {
			a, err := db.Account(ctx, p.AccountID)
			if err != nil {
				return err
			}
			names[p.AccountID] = a.Username
		}
		ap, err := db.ApprovalOf(ctx, p.ID)
		if err != nil {
			return err
		}
		rows = append(rows, row{p.ID, names[p.AccountID], p.Text, ap.Author, ap.ExpiresAt.UTC().Format("2006-01-02T15:04:05Z")})
	}
	if asJSON {
		return env.printJSON(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintln(env.stdout, "nothing is waiting for approval")
		return nil
	}
	for _, r := range rows {
		fmt.Fprintf(env.stdout, "%s  @%s  expires %s  %q\n", r.ID, r.Account, r.ExpiresAt, firstLine(r.Text))
	}
	return nil
}

// firstLine is a post's text cut to one line of at most 60 characters, for listings.
func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
