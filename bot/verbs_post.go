package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// post queues a post now (post) or later (schedule) and confirms it; the result comes later
// through the door's notifier.
func (c *call) post(ctx context.Context) Reply {
	if c.cmd.Every != "" {
		return c.scheduleEvery(ctx)
	}
	return c.queue(ctx, c.cmd.Account, "", "")
}

// queue queues the command's text on the named account (empty: the sender's default),
// replying to or quoting the Threads media id given, if any.
func (c *call) queue(ctx context.Context, account, replyTo, quote string) Reply {
	if c.d.o.Ingest == nil {
		return c.unavailable("posting")
	}
	acc, r := c.pick(ctx, account, false)
	if r != nil {
		return *r
	}
	req := ingest.Request{
		Origin: c.in.Origin, AccountID: acc.ID, Text: c.cmd.Text, Thread: true,
		ScheduledAt: c.cmd.At, RequestID: c.in.RequestID, ReplyToID: replyTo, QuoteID: quote,
		BySlot: c.cmd.Verb == VerbQueue, Grantee: !acc.Owner, Author: c.in.Identity.Key(),
	}
	if req.Origin.Door == "" {
		req.Origin.Door = c.in.Identity.Door
	}
	if err := c.applyShape(ctx, &req); err != nil {
		return c.fail(ctx, err)
	}
	if c.in.Key != "" {
		req.IdempotencyKey = c.cmd.Verb + ":" + c.in.Key
		req.KeyScope = c.in.Identity.Key()
	}
	acc2, err := c.d.o.Ingest.Enqueue(ctx, req)
	if r, ok := c.slotRefusal(err, acc); ok {
		return r
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	p := acc2.Post
	var b strings.Builder
	switch {
	case acc2.Existed:
		fmt.Fprintf(&b, "Already queued as %s for @%s (the same request arrived twice).", p.ID, acc.Username)
	case c.cmd.Verb == VerbQueue:
		fmt.Fprintf(&b, "🗓️ Queued %s for @%s in the next free slot: %s.", p.ID, acc.Username, FormatWhen(p.ScheduledAt, c.zone))
	case c.cmd.Verb == VerbSchedule:
		fmt.Fprintf(&b, "🗓️ Scheduled %s for @%s at %s.", p.ID, acc.Username, FormatWhen(c.cmd.At, c.zone))
	case replyTo != "":
		fmt.Fprintf(&b, "↩️ Queued reply %s for @%s; I will report here when it is posted.", p.ID, acc.Username)
	case quote != "":
		fmt.Fprintf(&b, "🔁 Queued quote %s for @%s; I will report here when it is posted.", p.ID, acc.Username)
	default:
		fmt.Fprintf(&b, "📝 Queued %s for @%s; I will report here when it is posted.", p.ID, acc.Username)
	}
	if note := longNote(req); note != "" {
		b.WriteString(" " + note)
	}
	if notes := shapeNotes(req); len(notes) > 0 {
		b.WriteString(" With " + strings.Join(notes, ", ") + ".")
	}
	if acc.Status == "needs_reconnect" || acc.Status == "disconnected" {
		fmt.Fprintf(&b, " @%s must be connected again first (%sconnect); the post waits until then.", acc.Username, c.prefix)
	}
	if p.State == storage.StatePendingApproval {
		fmt.Fprintf(&b, " ⏸️ It waits for approval by the owner of @%s; I will tell you here what they decide.", acc.Username)
	}
	fmt.Fprintf(&b, " Cancel with %scancel %s.", c.prefix, p.ID)
	return Reply{Text: b.String(), Queued: p.ID}
}

// preview is the dry run: what Threads would see, and nothing queued.
func (c *call) preview(ctx context.Context) Reply {
	req := ingest.Request{Text: c.cmd.Text, AccountID: c.previewAccount(ctx)}
	if err := c.applyShape(ctx, &req); err != nil {
		return c.fail(ctx, err)
	}
	pv, r := previewOf(req)
	var b strings.Builder
	fmt.Fprintf(&b, "Preview (nothing was queued): %d of %d characters as Threads counts them", pv.Chars, pv.Limit)
	if len(pv.Links) > 0 {
		fmt.Fprintf(&b, "; %s: %s", plural(len(pv.Links), "link"), strings.Join(pv.Links, " "))
	} else {
		b.WriteString("; no links")
	}
	b.WriteString(".")
	if len(pv.Shape) > 0 {
		b.WriteString("\nWith " + strings.Join(pv.Shape, ", ") + ".")
	}
	if pv.Attached > 0 {
		fmt.Fprintf(&b, "\nIt would go out as one post of %d characters with %d more attached (a text attachment): %s", threads.CountChars(r.Text), pv.Attached, firstWords(r.Text))
	}
	if len(pv.Parts) > 1 {
		fmt.Fprintf(&b, "\nIt would go out as a thread of %d posts:", len(pv.Parts))
		for i, p := range pv.Parts {
			fmt.Fprintf(&b, "\n%d/%d (%d): %s", i+1, len(pv.Parts), threads.CountChars(p), firstWords(p))
		}
	}
	for _, p := range pv.Problems {
		b.WriteString("\n⚠️ " + p)
	}
	if len(pv.Problems) == 0 {
		fmt.Fprintf(&b, "\nLooks good: send it with %spost.", c.prefix)
	}
	return Reply{Text: b.String(), Preview: pv, Private: true}
}

// previewAccount is the account a post would go to, for its long-text choice; 0 when the
// sender has none or several without a default (preview needs no account).
func (c *call) previewAccount(ctx context.Context) int64 {
	if c.d.o.LongTexts == nil || c.d.o.Accounts == nil {
		return 0
	}
	acc, r := c.pick(ctx, c.cmd.Account, false)
	if r != nil {
		return 0
	}
	return acc.ID
}

// previewOf checks req as the ingest service would (text attachment, chain split, Meta's
// rules for each part and shape) and returns the findings with the request as it would go out.
func previewOf(req ingest.Request) (*PreviewView, ingest.Request) {
	full := req.Text
	r := ingest.AttachLong(req)
	pv := &PreviewView{Chars: threads.CountChars(full), Limit: threads.MaxTextChars, Links: threads.Links(full),
		Parts: []string{r.Text}, Shape: shapeNotes(r)}
	if r.TextAttachment != nil && req.TextAttachment == nil {
		pv.Attached = threads.CountChars(r.TextAttachment.Plaintext)
	}
	if r.Thread {
		if parts := threads.Split(r.Text, threads.MaxTextChars); len(parts) > 0 {
			pv.Parts = parts
		}
	}
	for i, part := range pv.Parts {
		p := threads.Post{Text: part}
		if i == 0 {
			p = threads.Post{Text: part, Poll: r.Poll, TextAttachment: r.TextAttachment, ReplyControl: r.ReplyControl,
				Ghost: r.Ghost, TopicTag: r.TopicTag}
			if len(pv.Parts) == 1 {
				p.Spoilers = r.Spoilers
			}
		}
		if err := threads.Validate(p); err != nil {
			for _, e := range flatten(err) {
				msg := upperFirst(strings.TrimSuffix(e.Error(), "."))
				if len(pv.Parts) > 1 {
					msg = fmt.Sprintf("Part %d: %s", i+1, msg)
				}
				pv.Problems = append(pv.Problems, msg+".")
			}
		}
	}
	if r.Ghost && len(pv.Parts) > 1 {
		pv.Problems = append(pv.Problems, "A ghost post cannot be a thread; shorten it to 500 characters or add --long.")
	}
	return pv, r
}

// flatten unwraps joined errors.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// maxRows bounds a list; chat messages get unreadable beyond it.
const maxRows = 20

// recentRows is how many finished posts list shows after the waiting ones, so a post just
// posted, failed, cancelled or deleted can be found (and its id read) without status.
const recentRows = 5

// list shows the posts waiting to go out on the sender's accounts, soonest first, then the
// few that finished last (a deleted one says deleted).
func (c *call) list(ctx context.Context) Reply {
	if c.d.o.Queue == nil {
		return c.unavailable("the post queue")
	}
	accs, r := c.scope(ctx, c.cmd.Account)
	if r != nil {
		return *r
	}
	var rows, recent []Row
	for _, a := range accs {
		ps, err := c.d.o.Queue.List(ctx, storage.ListFilter{AccountID: a.ID,
			States: []storage.State{storage.StatePendingApproval, storage.StateQueued, storage.StatePublishing}, Limit: 200})
		if err != nil {
			return c.fail(ctx, err)
		}
		for _, p := range ps {
			rows = append(rows, c.row(p, a.Username))
		}
		done, err := c.d.o.Queue.List(ctx, storage.ListFilter{AccountID: a.ID,
			States: []storage.State{storage.StatePosted, storage.StateFailed, storage.StateCancelled}, Limit: recentRows})
		if err != nil {
			return c.fail(ctx, err)
		}
		for _, p := range done {
			row := c.row(p, a.Username)
			row.When, row.WhenText = p.UpdatedAt, shortWhen(p.UpdatedAt, c.zone)
			if !p.DeletedAt.IsZero() {
				row.When, row.WhenText = p.DeletedAt, shortWhen(p.DeletedAt, c.zone)
			}
			recent = append(recent, row)
		}
	}
	slices.SortStableFunc(recent, func(a, b Row) int { return b.When.Compare(a.When) })
	recent = recent[:min(len(recent), recentRows)]
	slotText := c.slotLines(ctx, accs)
	var b strings.Builder
	if len(rows) == 0 {
		fmt.Fprintf(&b, "Nothing is waiting to be posted on %s. Queue something with %spost or %sschedule.", names(accs), c.prefix, c.prefix)
	}
	slices.SortStableFunc(rows, func(a, b Row) int { return a.When.Compare(b.When) })
	total := len(rows)
	rows = rows[:min(total, maxRows)]
	if total > 0 {
		fmt.Fprintf(&b, "%s waiting:", plural(total, "post"))
	}
	for _, r := range rows {
		b.WriteString("\n" + r.Line())
	}
	if total > len(rows) {
		fmt.Fprintf(&b, "\n…and %d more.", total-len(rows))
	}
	b.WriteString(slotText)
	if len(recent) > 0 {
		b.WriteString("\n" + RecentHeading)
	}
	for _, r := range recent {
		b.WriteString("\n" + r.Line())
	}
	return Reply{Text: b.String(), Rows: rows, Recent: recent}
}

// RecentHeading introduces list's finished posts in its text.
const RecentHeading = "Recently finished:"

// row renders one post for list.
func (c *call) row(p storage.Post, account string) Row {
	when := p.NextAttemptAt
	state := p.Status()
	if p.State == storage.StateQueued && when.After(c.d.now()) {
		state = "scheduled"
	}
	r := Row{ID: p.ID, Account: account, When: when, WhenText: shortWhen(when, c.zone),
		Words: firstWords(p.Text), State: state}
	if p.SeriesID != 0 {
		r.Series = storage.SeriesRef(p.SeriesID)
	}
	return r
}

// status tells what became of one post.
func (c *call) status(ctx context.Context) Reply {
	p, acc, r := c.readPost(ctx, c.cmd.PostID)
	if r != nil {
		var ok bool
		if p, acc, ok = c.approversPost(ctx, c.cmd.PostID); !ok {
			return *r
		}
	}
	head := fmt.Sprintf("%s for @%s (“%s”): ", p.ID, acc.Username, firstWords(p.Text))
	r2 := c.statusOf(ctx, p, head)
	if line := c.approvalLine(ctx, p.ID); line != "" {
		r2.Text += "\n" + line
	}
	return r2
}

// statusOf is status's answer for p, before the approval record.
func (c *call) statusOf(ctx context.Context, p storage.Post, head string) Reply {
	switch p.State {
	case storage.StatePendingApproval:
		return say(head + "⏸️ waiting for approval by the account's owner or an approver it named (" + c.prefix + "approve or " + c.prefix + "reject).")
	case storage.StatePosted:
		if p.Status() == storage.StatusDeleted {
			return say(head + "🗑️ deleted from Threads at " + FormatWhen(p.DeletedAt, c.zone) + "; it was posted " + orDefault(p.Permalink, "to Threads") + ".")
		}
		msg := head + "✅ posted " + orDefault(p.Permalink, "to Threads") + "."
		if line := c.pollLine(ctx, p); line != "" {
			msg += "\n" + line
		}
		return say(msg)
	case storage.StateFailed:
		return say(head + "❌ failed: " + orDefault(p.LastError, "Threads refused it.") + " Fix it and post again.")
	case storage.StateCancelled:
		return say(head + "cancelled; it was not posted.")
	case storage.StatePublishing:
		return say(head + "being published right now.")
	}
	if p.NextAttemptAt.After(c.d.now()) {
		s := head + "scheduled for " + FormatWhen(p.NextAttemptAt, c.zone) + "."
		if p.LastError != "" {
			s += " Last attempt: " + p.LastError
		}
		return say(s)
	}
	return say(head + "queued; it goes out in a moment.")
}

// cancel stops a post that has not gone out.
func (c *call) cancel(ctx context.Context) Reply {
	if c.cmd.ID != "" {
		if c.d.o.Series == nil {
			return c.unavailable("recurring posts")
		}
		return c.setSeries(ctx, storage.SeriesCancelled)
	}
	p, acc, r := c.readPost(ctx, c.cmd.PostID)
	if r != nil {
		return *r
	}
	if p.State == storage.StatePosted {
		return refuse("%s is already posted; remove it from Threads with %sdelete %s.", p.ID, c.prefix, p.ID)
	}
	if _, err := c.d.o.Queue.Cancel(ctx, p.ID); err != nil {
		return c.fail(ctx, err)
	}
	return sayf("Cancelled %s for @%s; it will not be posted.", p.ID, acc.Username)
}

// delete removes a published post from Threads, named by id or permalink.
func (c *call) delete(ctx context.Context) Reply {
	if c.d.o.Deleter == nil {
		return c.unavailable("deleting posts")
	}
	p, acc, r := c.namedPost(ctx)
	if r != nil {
		return *r
	}
	if p.State != storage.StatePosted {
		return refuse("%s is %s, not posted, so there is nothing to delete from Threads; %scancel %s stops it.", p.ID, p.State, c.prefix, p.ID)
	}
	if p.Status() == storage.StatusDeleted {
		return refuse("%s was already deleted from Threads (at %s); there is nothing left to delete.", p.ID, FormatWhen(p.DeletedAt, c.zone))
	}
	if err := c.d.o.Deleter.Delete(ctx, p.ID); err != nil {
		return c.fail(ctx, err)
	}
	return sayf("🗑️ Deleting %s from @%s on Threads; I will confirm here.", p.ID, acc.Username)
}

// namedPost reads the post the command names by id or permalink, on the sender's accounts.
func (c *call) namedPost(ctx context.Context) (storage.Post, Account, *Reply) {
	id := c.cmd.PostID
	if c.cmd.Shortcode != "" {
		found, r := c.byPermalink(ctx, c.cmd.Shortcode)
		if r != nil {
			return storage.Post{}, Account{}, r
		}
		id = found
	}
	return c.readPost(ctx, id)
}

// byPermalink finds the post id of a permalink among the sender's accounts' posts.
func (c *call) byPermalink(ctx context.Context, code string) (string, *Reply) {
	if c.d.o.Queue == nil {
		r := c.unavailable("the post queue")
		return "", &r
	}
	accs, r := c.accounts(ctx)
	if r != nil {
		return "", r
	}
	for _, a := range accs {
		ps, err := c.d.o.Queue.List(ctx, storage.ListFilter{AccountID: a.ID, States: []storage.State{storage.StatePosted}, Limit: 1000})
		if err != nil {
			rr := c.fail(ctx, err)
			return "", &rr
		}
		for _, p := range ps {
			if strings.Contains(p.Permalink, "/post/"+code) {
				return p.ID, nil
			}
		}
	}
	rr := refuse("That link is not a post Spindle published on one of your accounts, so I cannot %s it.", c.cmd.Verb)
	return "", &rr
}

// quota shows an account's use of its 24-hour quotas.
func (c *call) quota(ctx context.Context) Reply {
	if c.d.o.Quotas == nil {
		return c.unavailable("quota reports")
	}
	acc, r := c.pick(ctx, c.cmd.Account, false)
	if r != nil {
		return *r
	}
	q, err := c.d.o.Quotas.Quota(ctx, acc.ID)
	if err != nil {
		return c.fail(ctx, err)
	}
	q.Account = acc.Username
	var b strings.Builder
	fmt.Fprintf(&b, "@%s in the last 24 hours:", acc.Username)
	for _, k := range q.Kinds {
		fmt.Fprintf(&b, "\n%s: %d/%d used", k.Kind, k.Used, k.Limit)
		switch {
		case k.Used >= k.Limit && !k.NextFree.IsZero():
			fmt.Fprintf(&b, ", full; the next slot frees at %s", clockOrDay(k.NextFree, c.d.now(), c.zone))
		case k.Used > 0 && !k.NextFree.IsZero():
			fmt.Fprintf(&b, "; the oldest leaves the window at %s", clockOrDay(k.NextFree, c.d.now(), c.zone))
		}
	}
	return Reply{Text: b.String(), Quota: &q}
}
