package rss

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Jobs runs background work on a schedule; the publisher's scheduler implements it.
type Jobs interface {
	// Every runs fn every interval, first at start, never two runs of one job at once.
	Every(name string, interval time.Duration, fn func(context.Context) error) error
}

// DefaultRoundEvery is how often the poll job looks for due feeds.
const DefaultRoundEvery = 30 * time.Second

// Prune forgets seen items older than SeenHorizon, keeping each feed's SeenKeep latest.
func (m *Manager) Prune(ctx context.Context) error {
	n, err := m.store.PruneFeedItems(ctx, m.now().Add(-SeenHorizon), SeenKeep)
	if err != nil {
		return err
	}
	if n > 0 {
		m.log.InfoContext(ctx, "old seen feed items forgotten", slog.Int64("items", n))
	}
	return nil
}

// pollOnce polls one stored feed and tells the Observer how it went, unless shutdown cut it
// short (that says nothing about the feed). A panic anywhere in the poll (fetching, parsing,
// a template, the queue) fails this feed's poll with a PanicError instead of the process or
// the round: the feed records it like any failure and the other feeds go on.
func (m *Manager) pollOnce(ctx context.Context, sf storage.Feed) (res PollResult, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			m.log.ErrorContext(ctx, "feed poll panicked", slog.Int64("feed_id", sf.ID),
				slog.Any("panic", rec), slog.String("stack", string(debug.Stack())))
			m.obs.Polled(PollPanicked)
			res, err = PollResult{}, &PanicError{Value: fmt.Sprint(rec)}
		}
	}()
	res, err = m.pollFeed(ctx, sf)
	if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) { // not shutdown
		m.obs.Polled(OutcomeOf(res, err))
	}
	return res, err
}

// PanicError is a poll that panicked. Its message is for the feed's owner and says it is
// Spindle's fault; the panic value and stack go to the log only.
type PanicError struct{ Value string }

func (e *PanicError) Error() string {
	return "Spindle hit an internal error while reading this feed (details are in the server log); " +
		"it will try again at the next poll"
}

// pollFeed polls one stored feed: its daily cap counts the posts it enqueued in the last
// 24 hours, and its new posts are paced one every 24h/cap, after any it still has queued.
func (m *Manager) pollFeed(ctx context.Context, sf storage.Feed) (PollResult, error) {
	f, err := m.feedOf(sf)
	if err != nil {
		return PollResult{}, err
	}
	if f.Long, err = m.longFor(ctx, sf); err != nil {
		return PollResult{}, err
	}
	now := m.now()
	count, lastQueued, err := m.store.FeedPostStats(ctx, sf.ID, now.Add(-24*time.Hour))
	if err != nil {
		return PollResult{}, err
	}
	f.PostedToday = count
	f.Spacing = 24 * time.Hour / time.Duration(f.DailyCap)
	f.FirstSlot = now
	if lastQueued.After(now) {
		f.FirstSlot = lastQueued.Add(f.Spacing)
	}
	return m.poller.Poll(ctx, f)
}

// feedOf builds the Poller's view of a stored feed.
func (m *Manager) feedOf(sf storage.Feed) (Feed, error) {
	f := Feed{ID: sf.ID, URL: sf.URL, AccountID: sf.AccountID, Ref: originRef(sf), Images: sf.Images,
		FirstPoll: !sf.Baselined, Backfill: sf.Backfill, DailyCap: orDefault(sf.DailyCap, DefaultDailyCap),
		Validators: Validators{ETag: sf.ETag, LastModified: sf.LastModified}}
	if sf.Template != "" {
		t, err := CompileTemplate(sf.Template)
		if err != nil {
			return Feed{}, err
		}
		f.Template = t
	}
	if len(sf.Include)+len(sf.Exclude) > 0 {
		flt, err := CompileFilter(sf.Include, sf.Exclude)
		if err != nil {
			return Feed{}, err
		}
		f.Filter = flt
	}
	return f, nil
}

// settle stores a poll's outcome and tells the feed's chat what it must know: a pause and
// its reason, items the daily cap skipped. A poll cut short by shutdown is not recorded: it
// says nothing about the feed.
func (m *Manager) settle(ctx context.Context, shutdown bool, sf storage.Feed, res PollResult, perr error) {
	if shutdown || ctx.Err() != nil {
		return
	}
	failures := 0
	if IsFailure(perr) {
		failures = sf.Failures + 1
	}
	hint := res.NextPollAfter
	if res.NotModified {
		// A 304 has no body, so no <ttl>: the feed still asks for what it asked last time.
		hint = max(hint, sf.AskedInterval)
	}
	d := m.backoff.Decide(perr, failures, sf.Interval, hint)
	rec := storage.FeedPoll{FeedID: sf.ID, OK: perr == nil, Title: res.Title, AskedInterval: hint,
		ETag: res.Validators.ETag, LastModified: res.Validators.LastModified,
		NewURL: res.PermanentRedirect, Failures: failures, NextPollAt: m.now().Add(d.After),
		Pause: d.Pause, PauseReason: d.Reason}
	if perr != nil {
		rec.LastError = Explain(perr)
	}
	if err := m.store.RecordFeedPoll(ctx, boundPoll(rec)); err != nil {
		m.log.ErrorContext(ctx, "could not store a feed poll", slog.Int64("feed_id", sf.ID), slog.Any("error", err))
	}
	name := sf.Title
	if res.Title != "" {
		name = res.Title
	}
	if name == "" {
		name = sf.URL
	}
	name = clipRunes(name, maxStoredTitle)
	attrs := []any{slog.Int64("feed_id", sf.ID), slog.Int("posted", len(res.Posted)), slog.Bool("not_modified", res.NotModified)}
	switch {
	case d.Pause:
		m.log.WarnContext(ctx, "feed paused", append(attrs, slog.String("reason", d.Reason))...)
		m.notify(ctx, sf, fmt.Sprintf("Feed %d (%s) is paused: %s", sf.ID, name, d.Reason))
	case perr != nil:
		m.log.InfoContext(ctx, "feed poll failed", append(attrs, slog.Int("failures", failures),
			slog.Duration("retry_in", d.After), slog.Any("error", perr))...)
	default:
		m.log.DebugContext(ctx, "feed polled", attrs...)
	}
	if n := len(res.Posted); sf.Baselined && n > 1 && !res.Posted[n-1].At.Equal(res.Posted[0].At) {
		// Paced posts go out over hours; without a word the feed's owner sees one post and
		// wonders where the rest went. (Add says it in its own message.)
		m.notify(ctx, sf, fmt.Sprintf("%d new items from %s: posting one every %s, the last at %s.", n, name,
			shortDuration(res.Posted[1].At.Sub(res.Posted[0].At)), res.Posted[n-1].At.UTC().Format("15:04 MST")))
	}
	for _, ri := range res.Rejected {
		m.notify(ctx, sf, fmt.Sprintf("Feed %d (%s): “%s” could not be posted and was skipped: %s",
			sf.ID, name, shortTitle(ri.Title), ri.Reason))
	}
	if n := len(res.Skipped); n > 0 {
		m.notify(ctx, sf, fmt.Sprintf("Feed %d (%s): %d new %s over its daily cap of %d posts, so %s skipped: %s.",
			sf.ID, name, n, plural(n, "item was", "items were"), orDefault(sf.DailyCap, DefaultDailyCap),
			plural(n, "it was", "they were"), quoteTitles(res.Skipped, 3)))
	}
}

// notify tells the feed's chat, or the log when it has none.
func (m *Manager) notify(ctx context.Context, sf storage.Feed, text string) {
	if m.notices == nil || sf.ReportDoor == "" {
		m.log.InfoContext(ctx, "feed notice", slog.Int64("feed_id", sf.ID), slog.String("text", text))
		return
	}
	if err := m.notices.FeedNotice(ctx, sf.ReportDoor, sf.ReportRef, text); err != nil {
		m.log.WarnContext(ctx, "could not deliver a feed notice", slog.Int64("feed_id", sf.ID),
			slog.String("door", sf.ReportDoor), slog.String("text", text), slog.Any("error", err))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// quoteTitles lists up to max titles, then how many more.
func quoteTitles(items []Item, max int) string {
	var parts []string
	for i, it := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-max))
			break
		}
		parts = append(parts, "“"+shortTitle(it.Title)+"”")
	}
	return strings.Join(parts, ", ")
}

func shortTitle(title string) string {
	if r := []rune(title); len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return title
}
