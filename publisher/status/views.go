package status

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// DoorHealth is one door's recent history, as the page shows it.
type DoorHealth struct {
	Door        string // "slack", "telegram", "webhooks", …
	Enabled     bool
	LastSuccess time.Time // zero: none since start
	LastError   string    // empty: none since the last success
	LastErrorAt time.Time
}

// postView is one row of Recent posts: who, where from, what, and when in the operator's zone.
type postView struct {
	storage.Post
	Account string // @username, or the id of an account gone since
	Snippet string
	When    string // created, or the scheduled time for a post that waits
	Later   bool   // queued for a time still ahead: not stuck, waiting
	// Counts are the post's views and likes from the insights cache, when it holds them.
	Counts *publisher.PostInsights
}

// snippetLen bounds a post's text on the page; the permalink or `status` has the rest.
const snippetLen = 80

func (h *Handler) postViews(posts []storage.Post, names map[int64]string, now time.Time) []postView {
	out := make([]postView, 0, len(posts))
	for _, p := range posts {
		v := postView{Post: p, Account: names[p.AccountID], Snippet: snippet(p.Text)}
		if v.Account == "" {
			v.Account = fmt.Sprintf("account %d", p.AccountID)
		}
		at := p.CreatedAt
		if p.State == storage.StateQueued && p.ScheduledAt.After(now) {
			at, v.Later = p.ScheduledAt, true
		}
		v.When = h.local(at)
		if h.opts.Insights != nil && p.State == storage.StatePosted {
			if in, ok := h.opts.Insights(p.ID); ok {
				v.Counts = &in
			}
		}
		out = append(out, v)
	}
	return out
}

// local formats t in the page's zone, with the zone's name so nobody has to guess.
func (h *Handler) local(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(h.opts.Location).Format("Mon 2 Jan 15:04 MST")
}

func snippet(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= snippetLen {
		return text
	}
	r := []rune(text)
	return string(r[:snippetLen-1]) + "…"
}

// outboxView sums the outbox by state: what waits for delivery, and what was given up on.
type outboxView struct {
	Pending, GivenUp int
	GivenUpDoors     []string
}

func outboxSummary(counts []storage.OutboxCount) outboxView {
	var v outboxView
	for _, c := range counts {
		switch c.State {
		case "pending":
			v.Pending += c.N
		case "given_up":
			v.GivenUp += c.N
			v.GivenUpDoors = append(v.GivenUpDoors, fmt.Sprintf("%s: %d", c.Door, c.N))
		}
	}
	return v
}

// axis is the chart's time axis: a label every six hours, at the hour it marks.
type tick struct {
	X     int
	Label string
}

func (h *Handler) axis(now time.Time) []tick {
	var out []tick
	for i := 0; i <= chartHours; i += 6 {
		start := now.Add(time.Duration(i-chartHours) * time.Hour).In(h.opts.Location)
		out = append(out, tick{X: i * 10, Label: start.Format("15:04")})
	}
	return out
}
