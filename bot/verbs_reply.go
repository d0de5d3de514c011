package bot

import (
	"context"
	"regexp"
	"strings"

	"github.com/spindle-threads/spindle/storage"
)

// mediaIDRE is a Threads media id: Meta's ids are 15 to 19 digits, longer than any Spindle
// post id (6 to 12 characters), so the two cannot be confused.
var mediaIDRE = regexp.MustCompile(`^[0-9]{13,25}$`)

// parseReplyQuote reads "reply|quote [--account @name] <post> <text>", where <post> is a
// Spindle post id, the permalink of a post Spindle published, or a Threads media id.
func parseReplyQuote(verb, rest string) (Command, error) {
	cmd := Command{Verb: verb}
	rest, err := leadingOptions(verb, &cmd, rest, false)
	if err != nil {
		return Command{}, err
	}
	ref, text := cutWord(rest)
	if ref == "" {
		return Command{}, usage(verb, "“%s” needs the post (its id or Threads link) and then your text.", verb)
	}
	if code, link, ok := parsePermalink(ref); ok {
		cmd.Permalink, cmd.Shortcode = link, code
	} else if mediaIDRE.MatchString(ref) {
		cmd.MediaID = ref
	} else if cmd.PostID, err = parsePostID(verb, ref); err != nil {
		return Command{}, err
	}
	cmd.Text = strings.TrimSpace(text)
	if cmd.Text == "" {
		return Command{}, usage(verb, "“%s %s” needs your text after the post.", verb, ref)
	}
	return cmd, nil
}

// replyOrQuote queues a reply to, or a quote of, a published post. A Spindle id or permalink
// names a post on the sender's accounts, and the reply goes out from that post's account
// unless --account says otherwise; a Threads media id is used as given, from the sender's
// default account.
func (c *call) replyOrQuote(ctx context.Context) Reply {
	mediaID, account := c.cmd.MediaID, c.cmd.Account
	if mediaID == "" {
		p, acc, r := c.namedPost(ctx)
		if r != nil {
			return *r
		}
		if p.State != storage.StatePosted || p.MediaID == "" {
			return refuse("%s is %s, not published, so there is nothing to %s yet; %sstatus %s tells when it is.",
				p.ID, p.State, c.cmd.Verb, c.prefix, p.ID)
		}
		if p.Status() == storage.StatusDeleted {
			return refuse("%s was deleted from Threads, so it cannot be %s.", p.ID, map[string]string{VerbReply: "replied to", VerbQuote: "quoted"}[c.cmd.Verb])
		}
		mediaID = p.MediaID
		if account == "" {
			account = acc.Username
		}
	}
	if c.cmd.Verb == VerbReply {
		return c.queue(ctx, account, mediaID, "")
	}
	return c.queue(ctx, account, "", mediaID)
}
