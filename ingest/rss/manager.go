package rss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Manager defaults.
const (
	// DefaultInterval is a new feed's polling interval when the Manager is given none
	// (SPINDLE_FEED_INTERVAL's default).
	DefaultInterval = 10 * time.Minute
	// DefaultMinInterval is the shortest interval a feed may ask for.
	DefaultMinInterval = time.Minute
	// DefaultConcurrency is how many feeds one poll round fetches at once.
	DefaultConcurrency = 8
	// DefaultPerHost is how many feeds of one host one poll round fetches at once.
	DefaultPerHost = 2
	// MaxDailyCap bounds a feed's daily cap: no more than Threads allows an account a day.
	MaxDailyCap = threads.MaxPosts
	// MaxBackfill bounds how many existing items adding a feed may post.
	MaxBackfill = 50
	// SeenHorizon is how long seen items are remembered; SeenKeep how many of each feed's
	// most recent are kept whatever their age.
	SeenHorizon = 90 * 24 * time.Hour
	SeenKeep    = 1000
	// DefaultMaxFeedsPerAccount is how many feeds one Threads account may watch. Each feed
	// costs a fetch per interval and rows of seen items; without a cap one chat user could
	// add thousands and turn Spindle into a crawler.
	DefaultMaxFeedsPerAccount = 50
	// MaxItemsPerPoll is how many entries of a document one poll considers: the newest. A
	// hostile feed of 100,000 entries costs no more than a blog's; it must stay below
	// SeenKeep so the entries considered are always remembered.
	MaxItemsPerPoll = 200
	// DefaultPollTimeout bounds one feed's poll once it has its slots: the fetch (itself
	// bounded by the Fetcher's timeout), parsing and queueing its posts. A feed over it fails
	// that poll; the others never wait for it.
	DefaultPollTimeout = 2 * time.Minute
	// dueBatch bounds the feeds one poll round takes on.
	dueBatch = 2000
)

// ErrNotFound means no feed has that id within the caller's scope.
var ErrNotFound = errors.New("no such feed")

// Notices tells a feed's chat about the feed itself: why it was paused, what the daily cap
// made it skip, what became of its posts. door and ref are the ChatRef the feed was added
// with. Delivery is best effort; an error is logged.
type Notices interface {
	FeedNotice(ctx context.Context, door string, ref json.RawMessage, text string) error
}

// ManagerOptions configures a Manager. Store, Fetcher and Enqueuer are required.
type ManagerOptions struct {
	Store    Store
	Fetcher  *Fetcher
	Enqueuer Enqueuer
	Notices  Notices  // nil: notices are only logged
	Observer Observer // hears each poll's outcome (the metrics); nil: nobody
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now

	DefaultInterval time.Duration // config FeedInterval; 0: DefaultInterval
	MinInterval     time.Duration // config MinFeedInterval(); 0: DefaultMinInterval
	MaxFailures     int           // failed polls in a row that pause a feed; 0: DefaultMaxFailures
	Concurrency     int           // 0: DefaultConcurrency
	PerHost         int           // 0: DefaultPerHost
	PollTimeout     time.Duration // one feed's poll; 0: DefaultPollTimeout
	// MaxFeedsPerAccount caps the feeds one account watches; 0: DefaultMaxFeedsPerAccount.
	MaxFeedsPerAccount int
	// Jitter is the extra wait added to each next poll (see Backoff); nil: up to 10 %.
	Jitter func(time.Duration) time.Duration
	// Signals are for tests, which wait on them (see TestSignals); nil: off.
	Signals *TestSignals
}

// Manager adds, lists, pauses and removes feeds, and polls those that are due. Chat doors and
// the command line call it; it is safe for concurrent use.
type Manager struct {
	store   Store
	fetcher *Fetcher
	poller  *Poller
	notices Notices
	obs     Observer
	log     *slog.Logger
	now     func() time.Time
	backoff Backoff

	defInterval, minInterval time.Duration
	concurrency, perHost     int
	maxFeeds                 int
	pollTimeout              time.Duration
	flights                  *flights
	signals                  *TestSignals // off in production
}

// NewManager builds a Manager. A missing required dependency is a programming error and panics.
func NewManager(o ManagerOptions) *Manager {
	if o.Store == nil || o.Fetcher == nil || o.Enqueuer == nil {
		panic("rss: NewManager needs a Store, a Fetcher and an Enqueuer")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.Signals == nil {
		o.Signals = &TestSignals{} // every signal off
	}
	m := &Manager{signals: o.Signals, store: o.Store, fetcher: o.Fetcher, notices: o.Notices, obs: o.Observer, log: o.Logger, now: o.Now,
		backoff:     Backoff{MaxFailures: o.MaxFailures, Jitter: o.Jitter},
		defInterval: orDefault(o.DefaultInterval, DefaultInterval), minInterval: orDefault(o.MinInterval, DefaultMinInterval),
		concurrency: orDefault(o.Concurrency, DefaultConcurrency), perHost: orDefault(o.PerHost, DefaultPerHost),
		maxFeeds: orDefault(o.MaxFeedsPerAccount, DefaultMaxFeedsPerAccount), pollTimeout: orDefault(o.PollTimeout, DefaultPollTimeout)}
	m.flights = newFlights(m.concurrency)
	m.poller = NewPoller(PollerOptions{Fetcher: o.Fetcher, Seen: StoreSeen{o.Store}, Enqueuer: o.Enqueuer, Logger: o.Logger})
	return m
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Scope says whose feeds a call may see or change. The zero Scope matches nothing, so a
// chat door that forgets to fill it in exposes nothing.
type Scope struct {
	all bool
	ids []int64
}

// AllAccounts is the scope of the operator (the command line): every feed.
func AllAccounts() Scope { return Scope{all: true} }

// Accounts is the scope of someone who may act for the given Threads accounts.
func Accounts(ids ...int64) Scope { return Scope{ids: slices.Clone(ids)} }

func (s Scope) has(accountID int64) bool { return s.all || slices.Contains(s.ids, accountID) }

// storeIDs is what Store.Feeds takes: nil for all, else the ids (never nil).
func (s Scope) storeIDs() []int64 {
	if s.all {
		return nil
	}
	return append([]int64{}, s.ids...)
}

// FeedInfo is a feed as people see it.
type FeedInfo struct {
	ID           int64         `json:"id"`
	URL          string        `json:"url"`
	Title        string        `json:"title"`
	AccountID    int64         `json:"account_id"`
	Template     string        `json:"template,omitempty"`
	Include      []string      `json:"include,omitempty"`
	Exclude      []string      `json:"exclude,omitempty"`
	Interval     time.Duration `json:"-"`
	IntervalSecs int64         `json:"interval_seconds"`
	// AskedInterval is what the feed asks for (RSS <ttl>, max-age); polling follows it when
	// it is longer than Interval.
	AskedInterval     time.Duration `json:"-"`
	AskedIntervalSecs int64         `json:"asked_interval_seconds,omitempty"`
	DailyCap          int           `json:"daily_cap"`
	Images            bool          `json:"images"`
	Enabled           bool          `json:"enabled"`
	PausedReason      string        `json:"paused_reason,omitempty"`
	Failures          int           `json:"failures"`
	LastError         string        `json:"last_error,omitempty"`
	LastSuccess       time.Time     `json:"last_success,omitzero"`
	NextPoll          time.Time     `json:"next_poll,omitzero"`
	Chat              ChatRef       `json:"chat,omitzero"`
}

// Every says how often the feed is polled, for people: "every 10m", or, when the feed asks
// for longer (which polling follows), both: "every 10m (the feed asks for 1h)".
func (f FeedInfo) Every() string {
	s := "every " + shortDuration(f.Interval)
	if f.AskedInterval > f.Interval {
		s += " (the feed asks for " + shortDuration(f.AskedInterval) + ")"
	}
	return s
}

// Name is the feed's title, else its URL.
func (f FeedInfo) Name() string {
	if f.Title != "" {
		return f.Title
	}
	return f.URL
}

func infoOf(f storage.Feed) FeedInfo {
	return FeedInfo{ID: f.ID, URL: f.URL, Title: f.Title, AccountID: f.AccountID, Template: f.Template,
		Include: f.Include, Exclude: f.Exclude, Interval: f.Interval, IntervalSecs: int64(f.Interval / time.Second), DailyCap: f.DailyCap, Images: f.Images,
		AskedInterval: f.AskedInterval, AskedIntervalSecs: int64(f.AskedInterval / time.Second),
		Enabled: f.Enabled, PausedReason: f.PausedReason, Failures: f.Failures, LastError: f.LastError,
		LastSuccess: f.LastSuccessAt, NextPoll: f.NextPollAt,
		Chat: ChatRef{Door: f.ReportDoor, Ref: json.RawMessage(f.ReportRef)}}
}

// List returns the feeds in scope, in the order they were added.
func (m *Manager) List(ctx context.Context, scope Scope) ([]FeedInfo, error) {
	if !scope.all && len(scope.ids) == 0 {
		return nil, nil
	}
	fs, err := m.store.Feeds(ctx, scope.storeIDs())
	if err != nil {
		return nil, err
	}
	out := make([]FeedInfo, 0, len(fs))
	for _, f := range fs {
		out = append(out, infoOf(f))
	}
	return out, nil
}

// Get returns one feed in scope; a feed outside it is ErrNotFound, like a missing one.
func (m *Manager) Get(ctx context.Context, scope Scope, id int64) (FeedInfo, error) {
	f, err := m.get(ctx, scope, id)
	return infoOf(f), err
}

func (m *Manager) get(ctx context.Context, scope Scope, id int64) (storage.Feed, error) {
	f, err := m.store.Feed(ctx, id)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && !scope.has(f.AccountID)) {
		return storage.Feed{}, fmt.Errorf("feed %d: %w; list feeds to see their ids", id, ErrNotFound)
	}
	return f, err
}

// Remove stops watching a feed and forgets its items. Posts it already queued stay queued.
func (m *Manager) Remove(ctx context.Context, scope Scope, id int64) (FeedInfo, error) {
	f, err := m.get(ctx, scope, id)
	if err != nil {
		return FeedInfo{}, err
	}
	if err := m.store.DeleteFeed(ctx, id); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return FeedInfo{}, fmt.Errorf("feed %d: %w", id, ErrNotFound)
		}
		return FeedInfo{}, err
	}
	m.log.InfoContext(ctx, "feed removed", slog.Int64("feed_id", id), slog.String("url", f.URL))
	return infoOf(f), nil
}

// Pause stops polling a feed until Resume. reason is shown in listings; empty means
// "paused by hand".
func (m *Manager) Pause(ctx context.Context, scope Scope, id int64, reason string) (FeedInfo, error) {
	if _, err := m.get(ctx, scope, id); err != nil {
		return FeedInfo{}, err
	}
	if reason == "" {
		reason = "paused by hand"
	}
	f, err := m.store.SetFeedEnabled(ctx, id, false, reason, time.Time{})
	return infoOf(f), m.notFound(id, err)
}

// Resume polls a paused feed again, at once, with its failure count cleared.
func (m *Manager) Resume(ctx context.Context, scope Scope, id int64) (FeedInfo, error) {
	if _, err := m.get(ctx, scope, id); err != nil {
		return FeedInfo{}, err
	}
	f, err := m.store.SetFeedEnabled(ctx, id, true, "", m.now())
	return infoOf(f), m.notFound(id, err)
}

func (m *Manager) notFound(id int64, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("feed %d: %w", id, ErrNotFound)
	}
	return err
}
