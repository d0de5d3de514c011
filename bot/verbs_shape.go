package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// LongTexts keeps each account's choice of how a text over 500 characters goes out: "thread"
// (a chain of replies, the default), "attach" (one post with a text attachment), or "" (none
// made).
type LongTexts interface {
	AccountLongText(ctx context.Context, accountID int64) (string, error)
	SetAccountLongText(ctx context.Context, accountID int64, v string) error
}

// applyShape puts the command's shape options on req: the poll, reply control, ghost and topic,
// ||spoiler|| markup in the text, and how a long text goes out (--long, --thread, else the
// account's choice, else a chain).
func (c *call) applyShape(ctx context.Context, req *ingest.Request) error {
	s := c.cmd.Shape
	in := ingest.Shapes{Poll: s.PollOptions(), ReplyControl: s.Replies, Ghost: s.Ghost, TopicTag: s.Topic, LocationID: s.Location}
	if err := in.Apply(req); err != nil {
		return err
	}
	stored := ""
	if c.d.o.LongTexts != nil && req.AccountID != 0 {
		v, err := c.d.o.LongTexts.AccountLongText(ctx, req.AccountID)
		if err != nil {
			return err
		}
		stored = v
	}
	req.Long, req.Thread = ingest.LongText(s.Long, s.Thread, stored, true)
	return nil
}

// shapeNotes describes a request's shapes in a few words each, for confirmations and preview.
func shapeNotes(r ingest.Request) []string {
	var out []string
	if len(r.Poll) > 0 {
		out = append(out, "a poll: "+strings.Join(r.Poll, " / "))
	}
	if n := len(r.Spoilers); n > 0 {
		out = append(out, plural(n, "spoiler")+" hidden in the text")
	}
	if r.SpoilerMedia {
		out = append(out, "the media hidden as a spoiler")
	}
	if r.ReplyControl != "" {
		out = append(out, "replies: "+ingest.ReplyWord(r.ReplyControl))
	}
	if r.Ghost {
		out = append(out, "a ghost post (archived after 24 hours)")
	}
	if r.TopicTag != "" {
		out = append(out, "topic #"+strings.TrimPrefix(r.TopicTag, "#"))
	}
	return out
}

// longNote says how a text over 500 characters goes out, or "".
func longNote(r ingest.Request) string {
	n := threads.CountChars(r.Text)
	if n <= threads.MaxTextChars {
		return ""
	}
	if r.Long {
		return fmt.Sprintf("It is %d characters, so it goes out as one post with the rest of the text attached (a text attachment).", n)
	}
	if r.Thread {
		return fmt.Sprintf("It is %d characters, so it goes out as a thread of %d posts.", n, len(threads.Split(r.Text, threads.MaxTextChars)))
	}
	return ""
}

// longtext shows or sets how an account's texts over 500 characters go out.
func (c *call) longtext(ctx context.Context) Reply {
	if c.d.o.LongTexts == nil {
		return c.unavailable("choosing how long texts go out")
	}
	acc, r := c.pick(ctx, c.cmd.Account, c.cmd.Sub != "")
	if r != nil {
		return *r
	}
	if c.cmd.Sub == "" {
		v, err := c.d.o.LongTexts.AccountLongText(ctx, acc.ID)
		if err != nil {
			return c.fail(ctx, err)
		}
		how := "as a thread of replies (the default)"
		if v == "attach" {
			how = "as one post with the rest of the text attached"
		}
		return privatef("Texts over 500 characters on @%s go out %s. Change it with %slongtext attach or %slongtext thread; --long or --thread on one post overrides it.", acc.Username, how, c.prefix, c.prefix)
	}
	if err := c.d.o.LongTexts.SetAccountLongText(ctx, acc.ID, c.cmd.Sub); err != nil {
		return c.fail(ctx, err)
	}
	if c.cmd.Sub == "attach" {
		return sayf("From now on, texts over 500 characters on @%s go out as one post with the rest of the text attached.", acc.Username)
	}
	return sayf("From now on, texts over 500 characters on @%s go out as a thread of replies.", acc.Username)
}

// parseLongText reads “longtext [attach|thread] [--account @name]”.
func parseLongText(rest string) (Command, error) {
	cmd := Command{Verb: VerbLongText}
	ws, err := words(VerbLongText, &cmd, rest)
	if err != nil {
		return Command{}, err
	}
	switch {
	case len(ws) == 0:
		return cmd, nil
	case len(ws) > 1:
		return Command{}, usage(VerbLongText, "“longtext” takes one word: attach or thread.")
	}
	switch w := strings.ToLower(ws[0]); w {
	case "attach", "long", "attachment":
		cmd.Sub = "attach"
	case "thread", "chain":
		cmd.Sub = "thread"
	default:
		return Command{}, usage(VerbLongText, "“longtext” takes attach (one post with the text attached) or thread (a chain of replies), not “%s”.", short(w))
	}
	return cmd, nil
}
