package rss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// AddRequest asks to watch a feed. URL and AccountID are required; zero values of the rest
// mean the defaults.
type AddRequest struct {
	// Owner is the chat that hears the feed's notices and post results; zero for the CLI.
	Owner     ChatRef
	AccountID int64 // the Threads account that posts
	URL       string
	Template  string        // "" means DefaultTemplate
	Backfill  int           // post the newest N existing items (at most the daily cap)
	Interval  time.Duration // 0: the default interval; never below the minimum
	DailyCap  int           // 0: DefaultDailyCap
	Include   []string      // filter terms; see CompileFilter
	Exclude   []string
	Images    bool // attach each item's first image
	// LongText is how items over 500 characters go out: storage.LongTextAttach (one post with
	// a text attachment), storage.LongTextThread, or "" (the account's choice).
	LongText string
	// CreatedBy is the identity adding the feed from chat (0: the operator); revoking its
	// access to the account pauses the feed.
	CreatedBy int64
}

// AddResult is what adding a feed did.
type AddResult struct {
	Feed    FeedInfo
	Skipped int          // existing items recorded as seen and not posted
	Posted  []PostedItem // the backfill, oldest first
	// Message says it in a sentence for the person who added the feed, e.g.
	// "Watching Example Blog: 37 existing items skipped".
	Message string
}

// Add validates the request, stores the feed and polls it once at once: its current items
// are recorded as seen and nothing is posted, except the newest Backfill items (paced across
// the day like any burst). A feed that cannot be fetched or parsed is not added, and the
// error says why. Invalid options are reported as errors wrapping *ingest.InvalidError; an
// account already watching the URL gets storage.ErrFeedExists.
func (m *Manager) Add(ctx context.Context, r AddRequest) (AddResult, error) {
	sf, err := m.newFeed(r)
	if err != nil {
		return AddResult{}, err
	}
	// Stored claimed by this call until its first poll is recorded: no replica's round polls
	// the new feed beside that poll.
	sf.NextPollAt = m.now().Add(m.claimFor())
	sf, err = m.store.AddFeedCapped(ctx, sf, m.maxFeeds)
	if errors.Is(err, storage.ErrFeedExists) {
		return AddResult{}, fmt.Errorf("this account already watches %s: %w", r.URL, storage.ErrFeedExists)
	}
	if errors.Is(err, storage.ErrFeedLimit) {
		return AddResult{}, fmt.Errorf("this account already watches %d feeds, the most Spindle allows; "+
			"remove one you no longer need (feed list, then feed remove <id>) and add this one again: %w", m.maxFeeds, err)
	}
	if err != nil {
		return AddResult{}, err
	}
	if err := m.setLong(ctx, sf.ID, r.LongText); err != nil {
		if derr := m.store.DeleteFeed(context.WithoutCancel(ctx), sf.ID); derr != nil {
			m.log.WarnContext(ctx, "could not remove a feed whose settings failed", slog.Int64("feed_id", sf.ID), slog.Any("error", derr))
		}
		return AddResult{}, err
	}
	res, err := m.pollOnce(ctx, sf)
	if err != nil {
		if derr := m.store.DeleteFeed(context.WithoutCancel(ctx), sf.ID); derr != nil {
			m.log.WarnContext(ctx, "could not remove a feed that failed its first poll",
				slog.Int64("feed_id", sf.ID), slog.Any("error", derr))
		}
		return AddResult{}, &AddError{err: err}
	}
	m.settle(ctx, false, sf, res, nil)
	if stored, err := m.store.Feed(ctx, sf.ID); err == nil {
		sf = stored
	}
	out := AddResult{Feed: infoOf(sf), Skipped: res.NewItems - len(res.Posted), Posted: res.Posted}
	out.Message = fmt.Sprintf("Watching %s: %d existing items skipped", out.Feed.Name(), out.Skipped)
	if n := len(res.Posted); n > 0 {
		out.Message += fmt.Sprintf(", posting the latest %d", n)
		if n > 1 && !res.Posted[n-1].At.Equal(res.Posted[0].At) {
			out.Message += fmt.Sprintf(", one every %s", shortDuration(res.Posted[1].At.Sub(res.Posted[0].At)))
		}
	}
	m.log.InfoContext(ctx, "feed added", slog.Int64("feed_id", sf.ID), slog.String("url", sf.URL),
		slog.Int64("account_id", sf.AccountID), slog.Int("skipped", out.Skipped), slog.Int("posted", len(res.Posted)))
	return out, nil
}

// newFeed checks an AddRequest and turns it into the row to store.
func (m *Manager) newFeed(r AddRequest) (storage.Feed, error) {
	var errs []error
	invalid := func(field, format string, args ...any) {
		errs = append(errs, &ingest.InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	checkAddLengths(r, invalid)
	u, err := CheckURL(strings.TrimSpace(r.URL))
	if err != nil {
		invalid("url", "%v", err)
	}
	if r.AccountID == 0 {
		invalid("account", "no Threads account chosen; connect one first, or name it with --account")
	}
	if _, err := CompileTemplate(r.Template); err != nil {
		invalid("template", "%v", err)
	}
	if _, err := CompileFilter(r.Include, r.Exclude); err != nil {
		invalid("filter", "%v", err)
	}
	interval := r.Interval
	if interval == 0 {
		interval = m.defInterval
	}
	if interval < m.minInterval {
		invalid("interval", "interval %s is below the minimum of %s; poll less often", interval, m.minInterval)
	}
	limit := r.DailyCap
	if limit == 0 {
		limit = DefaultDailyCap
	}
	if limit < 1 || limit > MaxDailyCap {
		invalid("cap", "daily cap %d must be between 1 and %d posts", r.DailyCap, MaxDailyCap)
	}
	if r.Backfill < 0 || r.Backfill > min(limit, MaxBackfill) {
		invalid("backfill", "backfill %d must be between 0 and the daily cap (%d)", r.Backfill, min(limit, MaxBackfill))
	}
	if r.Owner.Door != "" && len(r.Owner.Ref) > 0 && !json.Valid(r.Owner.Ref) {
		invalid("owner", "the chat reference is not valid JSON")
	}
	if len(errs) > 0 {
		return storage.Feed{}, errors.Join(errs...)
	}
	return storage.Feed{URL: u.String(), AccountID: r.AccountID, ReportDoor: r.Owner.Door, ReportRef: r.Owner.Ref,
		Template: strings.TrimSpace(r.Template), Include: r.Include, Exclude: r.Exclude, Interval: interval,
		DailyCap: limit, Images: r.Images, Backfill: r.Backfill, CreatedBy: r.CreatedBy,
		// Not due before the first poll below has baselined it; settle sets the real time.
		NextPollAt: m.now().Add(interval)}, nil
}

// shortDuration prints a duration to the minute for people: 2h24m, 3h, 15m.
func shortDuration(d time.Duration) string {
	d = max(d.Round(time.Minute), time.Minute)
	h, mins := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h > 0 && mins > 0:
		return fmt.Sprintf("%dh%dm", h, mins)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", mins)
}
