package api

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Polls reads a published poll's results from Threads; the publisher implements it.
type Polls interface {
	PollResults(ctx context.Context, p storage.Post) (threads.PollResult, error)
}

// pollResultsJSON is a published poll's votes as Threads reports them ("pollResults" beside
// the post's "poll", which stays the list of options asked for).
type pollResultsJSON struct {
	Options    []pollOptionJSON `json:"options"`
	TotalVotes int              `json:"totalVotes"`
	ClosesAt   *time.Time       `json:"closesAt,omitempty"`
}

type pollOptionJSON struct {
	Text  string  `json:"text"`
	Votes int     `json:"votes"`
	Share float64 `json:"share"` // 0..1 of all votes
}

// pollResults asks Threads for a published poll's votes; nil when the post has no poll, is not
// (or no longer) published, or Threads could not be asked: the post is still shown.
func (h *Handler) pollResults(r *http.Request, p storage.Post) *pollResultsJSON {
	if h.polls == nil || len(p.Shape.Poll) == 0 || p.State != storage.StatePosted || p.Status() == storage.StatusDeleted {
		return nil
	}
	res, err := h.polls.PollResults(r.Context(), p)
	if err != nil {
		h.log.DebugContext(r.Context(), "poll results unavailable", slog.String("post_id", p.ID), slog.Any("error", err))
		return nil
	}
	out := &pollResultsJSON{TotalVotes: res.TotalVotes, Options: make([]pollOptionJSON, len(res.Options))}
	for i, o := range res.Options {
		share := 0.0
		if i < len(res.Shares) {
			share = res.Shares[i]
		}
		// Threads reports shares; the counts are what they are of the total.
		out.Options[i] = pollOptionJSON{Text: o, Share: share, Votes: int(math.Round(share * float64(res.TotalVotes)))}
	}
	if !res.ClosesAt.IsZero() {
		at := res.ClosesAt.UTC()
		out.ClosesAt = &at
	}
	return out
}
