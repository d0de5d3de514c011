package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// VerbEdit changes a queued post: its text, or with "at <when>" its time.
const VerbEdit = "edit"

// Editor changes a queued post after running the preflight again (ingest.Service).
type Editor interface {
	Edit(ctx context.Context, p storage.Post, e ingest.Edit) (storage.Post, error)
}

// editDoc is edit's help.
func editDoc() verbDoc {
	return verbDoc{VerbInfo{VerbEdit, "Change a queued post's text or time", "<id> [at <when>] [<new text>]", ""},
		[]string{"edit <id> <new text>", "edit <id> at <when> [<new text>]"},
		[]string{"edit p7k2m9 Shipping v1.3 today!", "edit p7k2m9 at tomorrow 09:00"},
		"Only a post still waiting can be changed; once it is being published the edit is refused and nothing changes. The new text is checked again as when it was queued. “at <when>” moves it (same times as schedule); a new text that itself starts with “at ” is protected with “--” first (edit p7k2m9 -- at last!)."}
}

// parseEdit reads `edit <id> <text>`, `edit <id> at <when> [<text>]` and `edit <id> -- <text>`.
func parseEdit(rest string, now time.Time, loc *time.Location) (Command, error) {
	w, rest := cutWord(rest)
	if w == "" {
		return Command{}, usage(VerbEdit, "“edit” needs a post id (see “list”) and what to change.")
	}
	id, err := parsePostID(VerbEdit, w)
	if err != nil {
		return Command{}, err
	}
	cmd := Command{Verb: VerbEdit, PostID: id}
	first, after := cutWord(rest)
	switch {
	case first == "--" || first == "—":
		rest = after
	case strings.EqualFold(first, "at"):
		if strings.TrimSpace(after) == "" {
			return Command{}, usage(VerbEdit, "“edit %s at” needs the new time, like “edit %s at tomorrow 09:00”.", id, id)
		}
		at, text, err := ParseWhen(after, now, loc)
		if err != nil {
			return Command{}, &UsageError{Verb: VerbEdit, Problem: upperFirst(err.Error()) + ".", Err: err}
		}
		cmd.At, cmd.When = at, strings.TrimSpace(after[:len(after)-len(text)])
		rest = text
	}
	cmd.Text = strings.TrimSpace(rest)
	if cmd.Text == "" && cmd.At.IsZero() {
		return Command{}, usage(VerbEdit, "“edit %s” needs the new text, or “at <when>” to move it.", id)
	}
	return cmd, nil
}

// edit changes a queued post the sender may act on (the same right as cancel).
func (c *call) edit(ctx context.Context) Reply {
	if c.d.o.Editor == nil {
		return c.unavailable("editing posts")
	}
	p, acc, r := c.readPost(ctx, c.cmd.PostID)
	if r != nil {
		return *r
	}
	if p.State != storage.StateQueued && p.State != storage.StatePendingApproval {
		return refuse("%s.", upperFirst((&storage.StateError{ID: p.ID, State: p.State, Op: "edited"}).Error()))
	}
	e := ingest.Edit{Grantee: !acc.Owner, Author: c.in.Identity.Key()}
	if c.cmd.Text != "" {
		e.Text = &c.cmd.Text
	}
	e.ScheduledAt = c.cmd.At
	out, err := c.d.o.Editor.Edit(ctx, p, e)
	if err != nil {
		return c.fail(ctx, err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "✏️ Edited %s for @%s", out.ID, acc.Username)
	if e.Text != nil {
		fmt.Fprintf(&b, ": now “%s”", firstWords(out.Text))
	}
	switch {
	case out.State == storage.StatePendingApproval:
		fmt.Fprintf(&b, "; ⏸️ it waits for approval by the owner of @%s again.", acc.Username)
	case out.NextAttemptAt.After(c.d.now()):
		fmt.Fprintf(&b, "; it goes out at %s.", FormatWhen(out.NextAttemptAt, c.zone))
	default:
		b.WriteString("; it goes out in a moment.")
	}
	if n := len(threads.Split(out.Text, threads.MaxTextChars)); n > 1 {
		fmt.Fprintf(&b, " It is %d characters, so it goes out as a thread of %d posts.", threads.CountChars(out.Text), n)
	}
	return say(b.String())
}
