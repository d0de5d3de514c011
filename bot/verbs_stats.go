package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// stats shows a published post's insights, named by id or permalink, on the sender's accounts.
func (c *call) stats(ctx context.Context) Reply {
	if c.d.o.Insights == nil {
		return c.unavailable("post insights")
	}
	if c.cmd.PostID == "" && c.cmd.Shortcode == "" {
		return c.accountStats(ctx)
	}
	p, acc, r := c.namedPost(ctx)
	if r != nil {
		return *r
	}
	in, err := c.d.o.Insights.Insights(ctx, p.ID)
	if errors.Is(err, publisher.ErrNoInsights) {
		// The wrapping words say why ("post p… is queued, not published, …"); the cause's
		// words after the last ": " are the sentinel's, for programs.
		why := err.Error()
		if i := strings.LastIndex(why, ": "); i > 0 {
			why = why[:i]
		}
		return refuse("%s.", upperFirst(why))
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	out := sayf("📊 %s on @%s (“%s”): %s · %s · %s · %s · %s · %s (as of %s).", p.ID, acc.Username, firstWords(p.Text),
		plural(in.Views, "view"), plural(in.Likes, "like"), counted(in.Replies, "reply", "replies"),
		plural(in.Reposts, "repost"), plural(in.Quotes, "quote"), plural(in.Shares, "share"), shortWhen(in.At, c.zone))
	// A poll's votes are what its author most wants to see, once Threads reports them.
	if line := c.pollLine(ctx, p); line != "" {
		out.Text += "\n" + line
	}
	return out
}

// accountStats shows an account's insights over the last 7 and 30 days ("stats", "stats @acme").
func (c *call) accountStats(ctx context.Context) Reply {
	acc, r := c.pick(ctx, c.cmd.Account, false)
	if r != nil {
		return *r
	}
	in, err := c.d.o.Insights.AccountInsights(ctx, acc.ID)
	if err != nil {
		return c.fail(ctx, err)
	}
	line := func(days int, n threads.AccountCounts) string {
		return fmt.Sprintf("Last %d days: %s · %s · %s · %s · %s", days, plural(n.Views, "view"), plural(n.Likes, "like"),
			counted(n.Replies, "reply", "replies"), plural(n.Reposts, "repost"), plural(n.Quotes, "quote"))
	}
	return sayf("📊 @%s (%s, as of %s):\n%s\n%s", acc.Username, plural(in.Month.Followers, "follower"),
		shortWhen(in.At, c.zone), line(7, in.Week), line(30, in.Month))
}

// counted is plural for a word whose plural is not one + "s".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
