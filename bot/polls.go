package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Polls reads a published poll's results from Threads (the publisher's PollResults).
type Polls interface {
	PollResults(ctx context.Context, p storage.Post) (threads.PollResult, error)
}

// pollLine is status's line about a published poll's votes, or "" when there is none to
// show (no poll, not reported, or Threads could not be asked: status still answers).
func (c *call) pollLine(ctx context.Context, p storage.Post) string {
	if c.d.o.Polls == nil || len(p.Shape.Poll) == 0 || p.State != storage.StatePosted || p.Status() == storage.StatusDeleted {
		return ""
	}
	r, err := c.d.o.Polls.PollResults(ctx, p)
	if err != nil {
		c.d.log.DebugContext(ctx, "poll results unavailable", slog.String("post_id", p.ID), slog.Any("error", err))
		return ""
	}
	return formatPoll(r, c.d.now(), c.zone)
}

// formatPoll renders poll results: "📊 Soup 75% · Salad 25% — 4 votes; voting closes …".
func formatPoll(r threads.PollResult, now time.Time, zone *time.Location) string {
	var opts []string
	for i, o := range r.Options {
		share := 0.0
		if i < len(r.Shares) {
			share = r.Shares[i]
		}
		opts = append(opts, fmt.Sprintf("%s %.0f%%", o, share*100))
	}
	s := "📊 " + strings.Join(opts, " · ") + " — " + plural(r.TotalVotes, "vote")
	switch {
	case r.ClosesAt.IsZero():
	case r.ClosesAt.After(now):
		s += "; voting closes " + FormatWhen(r.ClosesAt, zone)
	default:
		s += "; voting closed"
	}
	return s + "."
}
