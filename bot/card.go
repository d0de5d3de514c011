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

// ApprovalCard is what an approver sees of a post waiting for their decision: the exact
// preview of what would go out (Meta's character count, how a long text is split or attached,
// the media), when, on which account and by whom. It is built once from the stored post
// (NewApprovalCard), then each door renders it with Approve and Reject buttons, in the zone of
// the person it is for; the `approvals` list shows the same card per post.
type ApprovalCard struct {
	PostID  string
	Account string // username, without "@"
	Author  string // who wrote it, as people read it ("Bob", "a feed")
	Text    string // the whole text as written (a long one may be cut on display)
	Chars   int    // Meta's count of the whole text
	Limit   int    // Meta's limit for one post (500)
	// Parts is how the text goes out: one part for a single post, several for a chain of
	// replies. With Attached > 0 the one part is the post and Attached more characters go
	// under it as a text attachment.
	Parts    []CardPart
	Attached int
	Media    []CardMedia
	Links    []string  // the links in the text, as Threads will see them
	Shape    []string  // the post's shapes in words (a poll, spoilers, reply control, …)
	When     time.Time // when it goes out once approved; zero: as soon as it is approved
	Expires  time.Time // when the request expires unanswered; zero if unknown
	// Waiting is whether the post still waits for a decision as the card was built.
	Waiting bool
	// Round is the round of the approval request the card shows (storage.Approval.Rounds; 0
	// if unknown). Its buttons carry it (DecisionRef), so a press decides only this text:
	// after an edit, round Round+1 waits with other words, and the press is refused.
	Round int
}

// CardPart is one post of the split plan: its count and first words.
type CardPart struct {
	Chars int
	Words string
}

// CardMedia is one attachment of the post.
type CardMedia struct {
	Kind string // image, video
	URL  string
	Alt  string
}

// NewApprovalCard builds the card of p, a post on account, written by author (a display name;
// "" says nobody), whose request expires at expires. It reads the post as stored, after
// ingest: a long text with a text attachment is already cut, a chain is split as the
// publisher will split it.
func NewApprovalCard(p storage.Post, account, author string, expires time.Time) ApprovalCard {
	c := ApprovalCard{PostID: p.ID, Account: account, Author: author, Text: p.Text, Limit: threads.MaxTextChars,
		Expires: expires, Shape: storedShapeNotes(p.Shape), Waiting: p.State == storage.StatePendingApproval}
	c.Chars = threads.CountChars(p.Text)
	if ta := p.Shape.TextAttachment; ta != nil && ta.Plaintext != "" {
		c.Attached = threads.CountChars(ta.Plaintext)
		c.Text = p.Text + "\n" + ta.Plaintext
		c.Chars = threads.CountChars(p.Text) + c.Attached
	}
	parts := []string{p.Text}
	if p.Thread && c.Attached == 0 {
		if split := threads.Split(p.Text, threads.MaxTextChars); len(split) > 1 {
			parts = split
		}
	}
	for _, s := range parts {
		c.Parts = append(c.Parts, CardPart{Chars: threads.CountChars(s), Words: firstWords(s)})
	}
	c.Links = threads.Links(c.Text)
	for _, m := range p.Media {
		c.Media = append(c.Media, CardMedia{Kind: m.Kind, URL: m.URL, Alt: m.AltText})
	}
	// The store sets the schedule of a post meant for "now" to its creation; only a later one
	// is a schedule the approver should see.
	if p.ScheduledAt.Sub(p.CreatedAt) > time.Second {
		c.When = p.ScheduledAt
	}
	return c
}

// storedShapeNotes describes a stored post's shapes in a few words each.
func storedShapeNotes(s storage.Shape) []string {
	var out []string
	if len(s.Poll) > 0 {
		out = append(out, "a poll: "+strings.Join(s.Poll, " / "))
	}
	if n := len(s.Spoilers); n > 0 {
		out = append(out, plural(n, "spoiler")+" hidden in the text")
	}
	if s.SpoilerMedia {
		out = append(out, "the media hidden as a spoiler")
	}
	if s.ReplyControl != "" {
		out = append(out, "replies: "+ingest.ReplyWord(s.ReplyControl))
	}
	if s.Ghost {
		out = append(out, "a ghost post (archived after 24 hours)")
	}
	if s.LocationID != "" {
		out = append(out, "location "+s.LocationID)
	}
	return out
}

// Title is the card's first line: which post waits, for which account, by whom.
func (c ApprovalCard) Title() string {
	return fmt.Sprintf("⏸️ Post %s for @%s by %s waits for your approval", c.PostID, c.Account, orDefault(c.Author, "someone"))
}

// Plan says how the text goes out, with Meta's count: one post, a chain, or one post with the
// rest attached.
func (c ApprovalCard) Plan() string {
	switch {
	case c.Attached > 0:
		return fmt.Sprintf("📏 %d characters as Threads counts them: one post of %d, with %d more attached as text.",
			c.Chars, c.Chars-c.Attached, c.Attached)
	case len(c.Parts) > 1:
		var b strings.Builder
		fmt.Fprintf(&b, "📏 %d characters as Threads counts them, over the %d of one post: a thread of %d posts.", c.Chars, c.Limit, len(c.Parts))
		for i, p := range c.Parts {
			fmt.Fprintf(&b, "\n   %d/%d (%d): %s", i+1, len(c.Parts), p.Chars, p.Words)
		}
		return b.String()
	}
	return fmt.Sprintf("📏 %d of %d characters as Threads counts them: one post.", c.Chars, c.Limit)
}

// MediaLines describe each attachment (its kind, URL and alt text), then the text's links.
func (c ApprovalCard) MediaLines() []string {
	var out []string
	for i, m := range c.Media {
		s := fmt.Sprintf("🖼️ %s: %s", orDefault(m.Kind, "media"), m.URL)
		if len(c.Media) > 1 {
			s = fmt.Sprintf("🖼️ %d/%d %s: %s", i+1, len(c.Media), orDefault(m.Kind, "media"), m.URL)
		}
		if m.Alt != "" {
			s += " (alt: “" + short(m.Alt) + "”)"
		}
		out = append(out, s)
	}
	if len(c.Links) > 0 {
		out = append(out, "🔗 "+upperFirst(plural(len(c.Links), "link"))+": "+strings.Join(c.Links, " "))
	}
	return out
}

// Schedule says when the post goes out once approved, in zone.
func (c ApprovalCard) Schedule(zone *time.Location) string {
	s := "🗓️ Goes out as soon as it is approved"
	if !c.When.IsZero() {
		s = "🗓️ Goes out " + FormatWhen(c.When, zone) + " once approved (or at once if that time has passed)"
	}
	if !c.Expires.IsZero() {
		s += "; the request expires " + FormatWhen(c.Expires, zone)
	}
	return s + "."
}

// maxCardText bounds the post's text on a card; the count and the plan describe all of it.
const maxCardText = 1200

// CardText is the post's text as a card quotes it, cut at maxCardText characters.
func (c ApprovalCard) CardText() string {
	if r := []rune(c.Text); len(r) > maxCardText {
		return string(r[:maxCardText-1]) + "…"
	}
	return c.Text
}

// Render is the whole card as plain text, in zone: the fallback for doors without rich
// messages and the body of Telegram's card.
func (c ApprovalCard) Render(zone *time.Location) string {
	var b strings.Builder
	b.WriteString(c.Title() + ":\n\n")
	b.WriteString("“" + c.CardText() + "”\n\n")
	b.WriteString(c.Plan())
	for _, m := range c.MediaLines() {
		b.WriteString("\n" + m)
	}
	if len(c.Shape) > 0 {
		b.WriteString("\n✨ With " + strings.Join(c.Shape, ", ") + ".")
	}
	b.WriteString("\n" + c.Schedule(zone))
	return b.String()
}

// CardStore is what building a card reads (storage.DB): the post, its approval request, the
// account's username and the author's display name.
type CardStore interface {
	Get(ctx context.Context, id string) (storage.Post, error)
	ApprovalOf(ctx context.Context, postID string) (storage.Approval, error)
	Account(ctx context.Context, id int64) (storage.Account, error)
	IdentityByKey(ctx context.Context, door, team, user string) (storage.Identity, error)
}

// LoadApprovalCard builds the card of the post postID from s. It reads the request (its round)
// before the post: an edit writes both in one transaction, so the text read after round N is
// round N's or a later one's, and a card can show newer text than its round (a press is then
// refused as stale, and the edit's own card follows), never older text with a newer round,
// whose press would approve words nobody was shown.
func LoadApprovalCard(ctx context.Context, s CardStore, postID string) (ApprovalCard, error) {
	a, err := s.ApprovalOf(ctx, postID)
	if err != nil {
		return ApprovalCard{}, fmt.Errorf("approval card of %s: request: %w", postID, err)
	}
	p, err := s.Get(ctx, postID)
	if err != nil {
		return ApprovalCard{}, fmt.Errorf("approval card of %s: %w", postID, err)
	}
	acc, err := s.Account(ctx, p.AccountID)
	if err != nil {
		return ApprovalCard{}, fmt.Errorf("approval card of %s: account: %w", postID, err)
	}
	c := NewApprovalCard(p, acc.Username, authorName(ctx, s, a.Author, p.Door), a.ExpiresAt)
	c.Round = a.Rounds
	return c, nil
}

// Ref is what the card's Approve and Reject buttons type after the verb: the post id and the
// round shown (DecisionRef).
func (c ApprovalCard) Ref() string { return DecisionRef(c.PostID, c.Round) }

// authorName is the display name of the identity key who wrote a post ("slack:T1:U2",
// "telegram:42"), or what wrote it when no person did (a feed, a webhook).
func authorName(ctx context.Context, s CardStore, key, door string) string {
	if key == "" {
		switch ingest.Door(door) {
		case ingest.DoorFeed:
			return "a feed"
		case ingest.DoorWebhook:
			return "a webhook"
		}
		return "someone (the " + orDefault(door, "unknown") + " door)"
	}
	parts := strings.Split(key, ":")
	var team, user string
	switch len(parts) {
	case 2:
		user = parts[1]
	case 3:
		team, user = parts[1], parts[2]
	default:
		return key
	}
	if id, err := s.IdentityByKey(ctx, parts[0], team, user); err == nil && id.Name != "" {
		return id.Name
	}
	return key
}
