package rss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
)

// DefaultDailyCap is how many posts a feed makes per day unless it says otherwise.
const DefaultDailyCap = 10

// Seen remembers which items of a feed were already handled. The storage layer backs it
// with a table keyed (feed_id, item_id).
type Seen interface {
	// Filter returns those of ids not yet recorded for the feed, in the order given.
	Filter(ctx context.Context, feedID int64, ids []string) (fresh []string, err error)
	// Mark records ids for the feed. Recording an id again is not an error.
	Mark(ctx context.Context, feedID int64, ids []string) error
}

// Enqueuer commits a post request to the durable queue and returns the post's id. The same
// IdempotencyKey must return the existing post instead of a second one.
type Enqueuer interface {
	Enqueue(ctx context.Context, r ingest.Request) (postID string, err error)
}

// EnqueuerFunc adapts a function to Enqueuer.
type EnqueuerFunc func(ctx context.Context, r ingest.Request) (string, error)

// Enqueue calls f.
func (f EnqueuerFunc) Enqueue(ctx context.Context, r ingest.Request) (string, error) {
	return f(ctx, r)
}

// Feed is what one poll needs to know about a feed; the caller loads it from storage.
type Feed struct {
	ID        int64
	URL       string
	AccountID int64           // the Threads account that posts
	Ref       json.RawMessage // Origin.Ref: the chat or callback that hears the results
	Template  *Template       // nil means DefaultTemplate
	Filter    *Filter         // nil passes everything
	Images    bool            // attach each item's first image
	// Long sends an item whose text runs past 500 characters as one post with a text
	// attachment (its summary in full, its link as the attachment's link) instead of cutting
	// it to fit. An item with an image is fitted to one post: media takes no text attachment.
	Long bool

	// FirstPoll is true until the feed has been polled successfully once: its items are then
	// recorded as seen and only the newest Backfill of them are posted.
	FirstPoll bool
	Backfill  int
	// DailyCap is the most posts per day (0 means DefaultDailyCap); PostedToday how many
	// the feed already made today.
	DailyCap    int
	PostedToday int
	// Pacing spreads the posts of one poll: the first goes at FirstSlot (zero: now) and each
	// next one Spacing later, so a burst of new items does not flood the account. Spacing
	// is ignored without a FirstSlot.
	FirstSlot time.Time
	Spacing   time.Duration

	Validators Validators // from the last successful fetch
}

// PostedItem is an item that was committed to the queue.
type PostedItem struct {
	Item
	PostID string
	// At is when the post is scheduled; zero means as soon as possible.
	At time.Time
}

// RejectedItem is an item that could not be made into a valid post, and why.
type RejectedItem struct {
	Item
	Reason string
}

// PollResult is what a poll learned, for the caller to store and report.
type PollResult struct {
	Title    string // the feed's title, plain text
	SiteURL  string // the feed's site link
	Items    int    // entries in the document
	NewItems int    // entries not seen before
	Baseline int    // first poll: new entries recorded as seen without posting
	Filtered []Item // new entries refused by the filters, or empty (recorded as seen)
	Posted   []PostedItem
	Skipped  []Item // new entries over the daily cap, recorded as seen and never posted
	// Rejected are new entries that can never be posted (see Poller.enqueue), recorded as
	// seen so they do not stall the feed.
	Rejected []RejectedItem

	NotModified bool       // the server answered 304
	Validators  Validators // store these only when Poll returns a nil error
	// NextPollAfter is the server's lower bound on the next poll (Retry-After,
	// Cache-Control max-age, RSS <ttl>); pass it to NextAttempt as the hint.
	NextPollAfter     time.Duration
	PermanentRedirect string // store as the feed's new URL
	Gone              bool   // 410: pause the feed
}

// PollOutcome is how a poll went, from a small fixed set (PollOutcomes): it labels metrics,
// so it never names a feed or holds an error's text.
type PollOutcome string

// The outcomes of a poll.
const (
	PollNewItems    PollOutcome = "new_items"    // fetched, with entries not seen before
	PollUnchanged   PollOutcome = "unchanged"    // fetched, nothing new in it
	PollNotModified PollOutcome = "not_modified" // the server answered 304
	PollGone        PollOutcome = "gone"         // the server answered 410: the feed is paused
	// PollError: the poll failed (fetch, parse, or storing its items) and counts towards the
	// feed's failures.
	PollError PollOutcome = "error"
	// PollPanicked: the poll panicked (a bug in Spindle or a library it uses); it counts as
	// a failure of the feed, and the poller goes on with the other feeds.
	PollPanicked PollOutcome = "panicked"
)

// PollOutcomes lists every PollOutcome, so that a metric can start each at zero.
func PollOutcomes() []PollOutcome {
	return []PollOutcome{PollNewItems, PollUnchanged, PollNotModified, PollGone, PollError, PollPanicked}
}

// OutcomeOf is the outcome of a poll that returned res and err.
func OutcomeOf(res PollResult, err error) PollOutcome {
	switch {
	case res.Gone || errors.Is(err, ErrGone):
		return PollGone
	case res.NotModified || errors.Is(err, ErrNotModified):
		return PollNotModified
	case err != nil:
		return PollError
	case res.NewItems > 0:
		return PollNewItems
	}
	return PollUnchanged
}

// Observer hears the outcome of every poll the Manager makes (rounds and a new feed's first
// poll); the metrics implement it. Polls run concurrently: it must be safe for concurrent use
// and must not block.
type Observer interface {
	Polled(outcome PollOutcome)
}

// noObserver is the Observer when nobody listens.
type noObserver struct{}

func (noObserver) Polled(PollOutcome) {}

// PollerOptions configures a Poller.
type PollerOptions struct {
	Fetcher  *Fetcher // required
	Seen     Seen     // required
	Enqueuer Enqueuer // required
	Logger   *slog.Logger
}

// Poller polls feeds. It keeps no state between polls and is safe for concurrent use.
type Poller struct {
	fetcher  *Fetcher
	seen     Seen
	enqueuer Enqueuer
	parser   *gofeed.Parser
	logger   *slog.Logger
	def      *Template
}

// NewPoller builds a Poller. A missing required dependency is a programming error and panics.
func NewPoller(opts PollerOptions) *Poller {
	if opts.Fetcher == nil || opts.Seen == nil || opts.Enqueuer == nil {
		panic("rss: NewPoller needs a Fetcher, a Seen and an Enqueuer")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	def, err := CompileTemplate(DefaultTemplate)
	if err != nil {
		panic("rss: default template: " + err.Error())
	}
	return &Poller{fetcher: opts.Fetcher, seen: opts.Seen, enqueuer: opts.Enqueuer,
		parser: NewParser(), logger: opts.Logger, def: def}
}

// Poll fetches one feed, finds its new items and enqueues those to post. A 304 returns a
// result with NotModified and a nil error; a 410 sets Gone and returns an error matching
// ErrGone. On an error the result still carries what the caller should store (hints, a
// permanent redirect), and items that were not enqueued are not marked seen, so the next
// poll retries them; the idempotency key keeps a retry from posting twice.
func (p *Poller) Poll(ctx context.Context, f Feed) (PollResult, error) {
	res := PollResult{Validators: f.Validators}
	fr, err := p.fetcher.Fetch(ctx, f.URL, f.Validators)
	if fr != nil {
		res.PermanentRedirect = fr.PermanentRedirect
		res.NextPollAfter = fr.MinInterval
	}
	switch {
	case errors.Is(err, ErrNotModified):
		res.NotModified = true
		return res, nil
	case errors.Is(err, ErrGone):
		res.Gone = true
		return res, err
	case err != nil:
		return res, err
	}
	doc, err := ParseFeed(p.parser, fr.Body, fr.ContentType)
	if err != nil {
		return res, fmt.Errorf("feed %s: %w", fr.FinalURL, err)
	}
	res.Title, res.SiteURL = PlainText(doc.Title), doc.Link
	res.NextPollAfter = max(res.NextPollAfter, ttlOf(doc))
	items := Items(doc, fr.FinalURL, f.Images)
	res.Items = len(items)
	if len(items) > MaxItemsPerPoll {
		items = items[len(items)-MaxItemsPerPoll:] // oldest first: keep the newest
	}

	fresh, err := p.fresh(ctx, f.ID, items)
	if err != nil {
		return res, err
	}
	res.NewItems = len(fresh)
	toPost, done := p.plan(f, fresh, &res)
	posted, rejected, err := p.enqueue(ctx, f, res.Title, toPost)
	res.Posted, res.Rejected = posted, rejected
	for _, pi := range posted {
		done = append(done, pi.ID)
	}
	for _, ri := range rejected {
		done = append(done, ri.ID)
	}
	if len(done) > 0 {
		if merr := p.seen.Mark(ctx, f.ID, done); merr != nil {
			return res, errors.Join(err, fmt.Errorf("record seen items of feed %d: %w", f.ID, merr))
		}
	}
	if err != nil {
		return res, err
	}
	res.Validators = fr.Validators
	p.logger.DebugContext(ctx, "feed polled", slog.Int64("feed_id", f.ID), slog.Int("items", res.Items),
		slog.Int("new", res.NewItems), slog.Int("posted", len(res.Posted)), slog.Int("skipped", len(res.Skipped)))
	return res, nil
}

// fresh returns the items not seen before, oldest first.
func (p *Poller) fresh(ctx context.Context, feedID int64, items []Item) ([]Item, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ID
	}
	newIDs, err := p.seen.Filter(ctx, feedID, ids)
	if err != nil {
		return nil, fmt.Errorf("look up seen items of feed %d: %w", feedID, err)
	}
	isNew := make(map[string]bool, len(newIDs))
	for _, id := range newIDs {
		isNew[id] = true
	}
	out := make([]Item, 0, len(newIDs))
	for _, it := range items {
		if isNew[it.ID] {
			out = append(out, it)
		}
	}
	return out, nil
}

// plan splits new items (oldest first) into those to post and the ids to record as seen
// without posting: the first poll's baseline, filtered items and items over the cap.
func (p *Poller) plan(f Feed, fresh []Item, res *PollResult) (toPost []Item, done []string) {
	var pass []Item
	for _, it := range fresh {
		// An entry with neither text nor link has nothing to post; it counts as filtered.
		if (it.Title != "" || it.Link != "") && f.Filter.Match(it) {
			pass = append(pass, it)
		} else {
			res.Filtered = append(res.Filtered, it)
			done = append(done, it.ID)
		}
	}
	if f.FirstPoll {
		keep := min(max(f.Backfill, 0), len(pass))
		for _, it := range pass[:len(pass)-keep] {
			done = append(done, it.ID)
		}
		res.Baseline = len(pass) - keep
		pass = pass[len(pass)-keep:]
	}
	limit := f.DailyCap
	if limit <= 0 {
		limit = DefaultDailyCap
	}
	room := min(max(limit-f.PostedToday, 0), len(pass))
	res.Skipped = pass[room:]
	for _, it := range res.Skipped {
		done = append(done, it.ID)
	}
	return pass[:room], done
}

// enqueue builds and commits one request per item, oldest first, and stops at the first
// failure of the queue so the rest are retried by the next poll. An item that can never be
// posted (its template fails on it, or the post it makes breaks Threads' rules: an
// *ingest.InvalidError) is rejected instead, so that one bad item cannot stall its feed.
func (p *Poller) enqueue(ctx context.Context, f Feed, feedTitle string, items []Item) (posted []PostedItem, rejected []RejectedItem, err error) {
	for _, it := range items {
		req, err := p.Request(f, feedTitle, it)
		if err != nil {
			rejected = append(rejected, RejectedItem{Item: it, Reason: err.Error()})
			continue
		}
		req.ScheduledAt = slot(f, len(posted))
		id, err := p.enqueuer.Enqueue(ctx, req)
		if len(req.Media) > 0 && mediaRefused(err) {
			// The item's image cannot be fetched (a 404, a page instead of an image): the
			// item still goes out, as text, rather than being lost with its image.
			p.logger.InfoContext(ctx, "feed item image refused; posting it as text", slog.Int64("feed_id", f.ID),
				slog.String("image", req.Media[0].URL), slog.Any("reason", err))
			req = textOnly(req, it)
			id, err = p.enqueuer.Enqueue(ctx, req)
		}
		var invalid *ingest.InvalidError
		switch {
		case errors.As(err, &invalid):
			rejected = append(rejected, RejectedItem{Item: it, Reason: err.Error()})
			continue
		case err != nil:
			return posted, rejected, fmt.Errorf("enqueue item %q of feed %d: %w", it.Title, f.ID, err)
		}
		posted = append(posted, PostedItem{Item: it, PostID: id, At: req.ScheduledAt})
	}
	return posted, rejected, nil
}

// slot is when the i-th post of a poll goes out. Pacing needs a FirstSlot: the Poller has
// no clock of its own.
func slot(f Feed, i int) time.Time {
	if f.Spacing <= 0 || f.FirstSlot.IsZero() {
		return f.FirstSlot
	}
	return f.FirstSlot.Add(time.Duration(i) * f.Spacing)
}

// Request builds the post request for one item of a feed.
func (p *Poller) Request(f Feed, feedTitle string, it Item) (ingest.Request, error) {
	tmpl := f.Template
	if tmpl == nil {
		tmpl = p.def
	}
	data := TemplateData{Title: it.Title, Link: it.Link, Summary: it.Summary,
		Author: it.Author, FeedTitle: feedTitle, Published: it.Published}
	long := f.Long && it.Image == ""
	fit := tmpl.Fit
	if long {
		fit = tmpl.FitLong
	}
	text, err := fit(data)
	if err != nil {
		return ingest.Request{}, fmt.Errorf("feed %d, item %q: %w", f.ID, it.Title, err)
	}
	req := ingest.Request{
		Origin:         ingest.Origin{Door: ingest.DoorFeed, Ref: f.Ref},
		AccountID:      f.AccountID,
		Text:           text,
		IdempotencyKey: IdempotencyKey(f.ID, it.ID),
		Long:           long,
	}
	if it.Image != "" {
		req.Media = []ingest.Media{{Kind: ingest.MediaImage, URL: it.Image, AltText: preTrim(it.Title)}}
		return req, nil
	}
	return textOnly(req, it), nil
}

// textOnly is req without media: the item's link is attached when the text does not carry it
// (it did not fit, or the template omits it) and Threads' link limit leaves room.
func textOnly(req ingest.Request, it Item) ingest.Request {
	req.Media = nil
	if it.Link != "" && !strings.Contains(req.Text, it.Link) && len(threads.Links(req.Text)) < threads.MaxLinks {
		req.LinkAttachment = it.Link
	}
	return req
}

// mediaRefused reports whether err refuses a request for its media (the door's probe of the
// image URL, or a media rule), among any other reasons joined with it.
func mediaRefused(err error) bool {
	if ie, ok := err.(*ingest.InvalidError); ok {
		return strings.HasPrefix(ie.Field, "media")
	}
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(e.Unwrap(), mediaRefused)
	case interface{ Unwrap() error }:
		return mediaRefused(e.Unwrap())
	}
	return false
}

// IdempotencyKey is the key of an item's post: the same item of the same feed never
// posts twice, even when the feed re-publishes it or a poll is retried.
func IdempotencyKey(feedID int64, itemID string) string {
	return fmt.Sprintf("feed:%d:%s", feedID, itemID)
}
