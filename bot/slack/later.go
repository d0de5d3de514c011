package slack

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
)

// laterBudget bounds a slow verb's work once it has been acknowledged: a feed that takes its
// time to answer (feed add fetches it) gets the fetcher's own timeout and some.
const laterBudget = 2 * time.Minute

// slowVerb reports the commands whose work reaches out to another server and may outlast
// Slack's 3-second budget: `feed add` fetches the feed before following it.
func slowVerb(text string) bool {
	f := strings.Fields(strings.ToLower(text))
	return len(f) >= 2 && f[0] == bot.VerbFeed && f[1] == "add"
}

// answerLater acknowledges a slow command at once and answers it through its response_url
// when the work is done, replacing the "working on it" note. Slack would show a timeout
// after 3 seconds, and retry nothing: without this a slow feed's answer was lost.
func (d *Door) answerLater(w http.ResponseWriter, in bot.Incoming, c command) {
	d.writeReply(w, bot.Reply{Private: true, Text: "⏳ Working on it: I am reading the feed, and will answer here in a moment."}, "")
	d.background(laterBudget, func(ctx context.Context) {
		reply := d.dispatch.Handle(ctx, in)
		// The answer spends one of the response_url's uses, counted like the results' uses.
		if ok, err := d.store.ClaimResponseURL(ctx, c.ResponseURL, c.received, ResponseURLUses, ResponseURLTTL); err != nil || !ok {
			d.log.InfoContext(ctx, "slack: a slow command's response_url is used up or expired; its answer is dropped")
			return
		}
		msg := render(reply)
		msg.ResponseType, msg.ReplaceOriginal = slack.ResponseTypeEphemeral, true
		d.replaceVia(ctx, c.ResponseURL, c.ChannelID, "a slow command's answer", msg)
	})
}
