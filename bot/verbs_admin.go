package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// start welcomes a person and points at connect.
func (c *call) start() Reply {
	var b strings.Builder
	b.WriteString("👋 Hello! I publish to Threads for you: posts now or later, feeds and webhooks.\n")
	fmt.Fprintf(&b, "First link your Threads account with %sconnect. Then try %spost Hello, Threads!\n", c.prefix, c.prefix)
	fmt.Fprintf(&b, "%shelp lists everything I can do.", c.prefix)
	if c.in.Identity.Door == ingest.DoorTelegram && c.in.Identity.User != "" {
		fmt.Fprintf(&b, "\nYour Telegram user id is %s (an account owner needs it to grant you the right to post).", c.in.Identity.User)
	}
	return Reply{Text: b.String(), Private: true}
}

// connect hands out a private, single-use link to link a Threads account.
func (c *call) connect(ctx context.Context) Reply {
	if c.d.o.Accounts == nil {
		return c.unavailable("linking Threads accounts")
	}
	link, err := c.d.o.Accounts.LinkFor(ctx, c.in.Identity)
	if err != nil {
		return c.fail(ctx, err)
	}
	return Reply{Private: true, Link: link, LinkLabel: "Connect a Threads account",
		Text: "Open this link to connect your Threads account (it works once, for 15 minutes, and only for you):\n" + link}
}

// disconnect unlinks an account the sender owns.
func (c *call) disconnect(ctx context.Context) Reply {
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	if err := c.d.o.Accounts.Disconnect(ctx, c.in.Identity, acc.ID); err != nil {
		return c.fail(ctx, err)
	}
	return sayf("🔌 Disconnected @%s. Its queued posts wait until it is connected again (%sconnect).", acc.Username, c.prefix)
}

// token creates a REST API token for the sender, shown once and privately.
func (c *call) token(ctx context.Context) Reply {
	if c.d.o.Accounts == nil {
		return c.unavailable("API tokens")
	}
	tok, err := c.d.o.Accounts.CreateAPIToken(ctx, c.in.Identity)
	if err != nil {
		return c.fail(ctx, err)
	}
	return Reply{Private: true, Text: "🔑 Your API token, shown only this once:\n" + tok +
		"\nSend it as “Authorization: Bearer <token>”. Keep it secret: it can post as you. Revoke it with spindle tokens revoke."}
}

// grant and revoke give or take back someone's right to post to an account the sender owns.
func (c *call) grant(ctx context.Context) Reply {
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	u := c.cmd.User
	to, r := c.resolveUser(u)
	if r != nil {
		return *r
	}
	if to.Door == c.in.Identity.Door && to.User == c.in.Identity.User {
		return refuse("You own @%s already.", acc.Username)
	}
	if c.cmd.Verb == VerbGrant {
		if err := c.d.o.Accounts.Grant(ctx, c.in.Identity, acc.ID, to); err != nil {
			return c.fail(ctx, err)
		}
		return sayf("✅ %s may now post to @%s.", c.mention(u), acc.Username)
	}
	err := c.d.o.Accounts.Revoke(ctx, c.in.Identity, acc.ID, to)
	if errors.Is(err, storage.ErrNotFound) {
		return refuse("%s had no right to @%s.", c.mention(u), acc.Username)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	return sayf("%s may no longer post to @%s.", c.mention(u), acc.Username)
}

// mention renders a user for a reply in the sender's door.
func (c *call) mention(u UserRef) string {
	if c.in.Identity.Door == ingest.DoorSlack && u.ID != "" {
		if telegramIDRE.MatchString(u.ID) {
			return "Telegram user " + u.ID
		}
		return "<@" + u.ID + ">"
	}
	return u.String()
}

// route binds the Slack channel the command came from to an account, or unbinds it.
//
// The rule: a route only chooses a default, it never grants anything, so anyone who may post
// to an account may bind a channel to it. To change or remove an existing binding you also
// need a right to the account it points at now, so a stranger cannot redirect a team's channel.
func (c *call) route(ctx context.Context) Reply {
	if c.in.Identity.Door != ingest.DoorSlack || c.in.Channel == "" {
		return refuse("Routes bind a Slack channel to an account; use %shelp here instead.", c.prefix)
	}
	if c.d.o.Routes == nil {
		return c.unavailable("channel routes")
	}
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	door, team, ch := string(c.in.Identity.Door), c.in.Identity.Team, c.in.Channel
	cur, err := c.d.o.Routes.ChannelRoute(ctx, door, team, ch)
	bound := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return c.fail(ctx, err)
	}
	if bound {
		if _, ok := byID(accs, cur.AccountID); !ok {
			return refuse("This channel is bound to an account you have no right to; only someone who may post there can change it.")
		}
	}
	if c.cmd.Account == "" {
		if !bound {
			return refuse("This channel is not bound to any account.")
		}
		if err := c.d.o.Routes.DeleteChannelRoute(ctx, door, team, ch); err != nil {
			return c.fail(ctx, err)
		}
		return say("This channel is no longer bound to an account; post here needs --account when you have several.")
	}
	acc, ok := byName(accs, c.cmd.Account)
	if !ok {
		return refuse("You cannot bind this channel to @%s: you have no right to it. Your accounts: %s.", c.cmd.Account, names(accs))
	}
	if err := c.d.o.Routes.SetChannelRoute(ctx, storage.ChannelRoute{Door: door, Team: team, Channel: ch,
		AccountID: acc.ID, SetBy: c.in.Identity.User}); err != nil {
		return c.fail(ctx, err)
	}
	return sayf("📌 %spost in this channel now goes to @%s. Posting still needs the right to it.", c.prefix, acc.Username)
}

// feed adds, lists, removes or pauses followed feeds on the sender's accounts.
func (c *call) feed(ctx context.Context) Reply {
	if c.d.o.Feeds == nil {
		return c.unavailable("feeds")
	}
	switch c.cmd.Sub {
	case "add":
		acc, r := c.pick(ctx, c.cmd.Account, false)
		if r != nil {
			return *r
		}
		f, err := c.d.o.Feeds.AddFeed(ctx, NewFeed{AccountID: acc.ID, URL: c.cmd.URL, Template: c.cmd.Template,
			Backfill: c.cmd.Backfill, Origin: c.in.Origin, AddedBy: c.in.Identity})
		if err != nil {
			return c.fail(ctx, err)
		}
		s := fmt.Sprintf("📰 Following %s as feed %s for @%s; new items will be posted.", f.URL, f.ID, acc.Username)
		if c.cmd.Backfill > 0 {
			s += fmt.Sprintf(" The %s latest existing items will be posted too.", plural(c.cmd.Backfill, "item"))
		}
		return say(s)
	case "list":
		accs, r := c.scope(ctx, "")
		if r != nil {
			return *r
		}
		ids := make([]int64, len(accs))
		for i, a := range accs {
			ids[i] = a.ID
		}
		fs, err := c.d.o.Feeds.Feeds(ctx, ids)
		if err != nil {
			return c.fail(ctx, err)
		}
		if len(fs) == 0 {
			return sayf("No feeds on %s. Add one with %sfeed add <url>.", names(accs), c.prefix)
		}
		var b strings.Builder
		b.WriteString(plural(len(fs), "feed") + ":")
		for _, f := range fs {
			a, _ := byID(accs, f.AccountID)
			fmt.Fprintf(&b, "\n%s  @%s  %s", f.ID, a.Username, f.URL)
			if f.Paused {
				b.WriteString("  (paused)")
			} else if f.Every != "" {
				b.WriteString("  " + f.Every)
			}
			if f.LastError != "" {
				b.WriteString("  ⚠️ " + f.LastError)
			}
		}
		return say(b.String())
	}
	// remove, pause: only on a feed of an account the sender may use.
	accs, r := c.accounts(ctx)
	if r != nil {
		return *r
	}
	f, err := c.d.o.Feeds.Feed(ctx, c.cmd.ID)
	if _, ok := byID(accs, f.AccountID); errors.Is(err, storage.ErrNotFound) || (err == nil && !ok) {
		return refuse("I know no feed %s on your accounts; %sfeed list shows them.", c.cmd.ID, c.prefix)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	if c.cmd.Sub == "pause" {
		if err := c.d.o.Feeds.PauseFeed(ctx, f.ID); err != nil {
			return c.fail(ctx, err)
		}
		return sayf("⏸️ Paused feed %s (%s).", f.ID, f.URL)
	}
	if err := c.d.o.Feeds.RemoveFeed(ctx, f.ID); err != nil {
		return c.fail(ctx, err)
	}
	return sayf("Removed feed %s (%s); nothing more will be posted from it.", f.ID, f.URL)
}

// webhook creates an inbound webhook for an account the sender owns, answered privately
// because the answer holds the signing secret. Owners only: a webhook is a lasting
// credential that would outlive a revoked grant.
func (c *call) webhook(ctx context.Context) Reply {
	if c.d.o.Webhooks == nil {
		return c.unavailable("webhooks")
	}
	acc, r := c.pick(ctx, c.cmd.Account, true)
	if r != nil {
		return *r
	}
	url, secret, err := c.d.o.Webhooks.AddWebhook(ctx, c.cmd.Name, acc.ID)
	if err != nil {
		return c.fail(ctx, err)
	}
	return Reply{Private: true, Text: fmt.Sprintf("🔗 Webhook %s posts to @%s.\nURL: %s\nSigning secret (shown only this once): %s\n"+
		"Sign each request's raw body with HMAC-SHA256 of this secret (GitHub style: X-Hub-Signature-256).", c.cmd.Name, acc.Username, url, secret)}
}
