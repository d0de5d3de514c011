package publisher

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Queue is the part of the store the drain uses: leasing posts and committing their steps.
type Queue interface {
	// Lease claims up to n due posts for ttl, by the database's clock; held are posts this
	// process still works on, never to be reclaimed.
	Lease(ctx context.Context, n int, ttl time.Duration, held ...string) ([]storage.Post, error)
	Extend(ctx context.Context, l storage.Lease, ttl time.Duration) error
	Get(ctx context.Context, id string) (storage.Post, error)
	Advance(ctx context.Context, l storage.Lease, s storage.Step) error
	Progress(ctx context.Context, postID string) ([]storage.Part, storage.PublishState, error)
	MediaIDTaken(ctx context.Context, mediaID string) (bool, error)
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// Quotas is the local quota ledger and the usage reconciled with Threads.
type Quotas interface {
	QuotaWindow(ctx context.Context, accountID int64, kind storage.QuotaKind, since time.Time) (int, time.Time, error)
	QuotaNth(ctx context.Context, accountID int64, kind storage.QuotaKind, since time.Time, k int) (time.Time, error)
	QuotaWaiting(ctx context.Context, accountID int64, postID string, kind storage.QuotaKind) (int, error)
	QuotaStanding(ctx context.Context, accountID int64, kind storage.QuotaKind, window time.Duration) (storage.QuotaStanding, error)
	SetRemoteQuota(ctx context.Context, q storage.RemoteQuota) error
	// Clock is the clock the ledger dates uses with (the database's on PostgreSQL).
	Clock(ctx context.Context) (time.Time, error)
	PruneQuota(ctx context.Context, before time.Time) (int64, error)
}

// Outbox is the durable outbox of results.
type Outbox interface {
	AddOutbox(ctx context.Context, events ...storage.OutboxEvent) error
	ClaimOutbox(ctx context.Context, claimFor time.Duration, limit int) ([]storage.OutboxItem, error)
	RenewOutboxClaim(ctx context.Context, id int64, token time.Time, claimFor time.Duration) (time.Time, bool, error)
	ReleaseOutboxClaim(ctx context.Context, id int64, token time.Time) error
	OutboxDelivered(ctx context.Context, id int64) error
	OutboxRetry(ctx context.Context, it storage.OutboxItem, next time.Time, reason string, giveUp bool) error
	PruneOutbox(ctx context.Context, before time.Time) (int64, error)
	PruneFinished(ctx context.Context, before time.Time, limit int) (int, error)
}

// Accounts lists linked accounts, marks one needs_reconnect (telling its owner once) and
// records a permission Threads refused, so the doors refuse what needs it from then on.
type Accounts interface {
	Accounts(ctx context.Context) ([]storage.Account, error)
	Account(ctx context.Context, id int64) (storage.Account, error)
	MarkNeedsReconnect(ctx context.Context, accountID int64, refused []byte, events []storage.OutboxEvent) (bool, error)
	ForgetScope(ctx context.Context, accountID int64, scope string) error
}

// Store is everything the publisher keeps in the database; *storage.DB implements it.
type Store interface {
	Queue
	Quotas
	Deletions
	Outbox
	Accounts
}

// API is the part of the Threads client the publisher calls; *threads.Client implements it.
type API interface {
	CreateContainer(ctx context.Context, token, userID string, c threads.Container) (string, error)
	ContainerStatus(ctx context.Context, token, containerID string) (threads.Status, error)
	Publish(ctx context.Context, token, userID, containerID string) (string, error)
	Media(ctx context.Context, token, mediaID string) (threads.MediaObject, error)
	RecentThreads(ctx context.Context, token, userID string, since time.Time, limit int) ([]threads.MediaObject, error)
	Delete(ctx context.Context, token, mediaID string) error
	PublishingLimit(ctx context.Context, token, userID string) (threads.Limits, error)
	MediaInsights(ctx context.Context, token, mediaID string) (threads.Insights, error)
	UserInsights(ctx context.Context, token, userID string, since, until time.Time) (threads.AccountCounts, error)
	Refresh(ctx context.Context, token string) (threads.Token, error)
}

// ErrNeedsReconnect is what a TokenSource returns (wrapped) when an account has no usable
// token: its posts wait until the account is linked again. It is the one sentinel of that
// meaning (accounts.ErrNeedsReconnect is this value), answered 409 needs_reconnect over HTTP.
var ErrNeedsReconnect = httperr.New(http.StatusConflict, httperr.CodeNeedsReconnect, "the Threads account must be connected again")

// TokenSource gives the access token of an account in clear, and stores a refreshed one. The
// accounts package implements it over the sealed tokens in storage.
type TokenSource interface {
	// Token returns the account's access token and its Threads user id, or an error wrapping
	// ErrNeedsReconnect when the account is not active or has no token.
	Token(ctx context.Context, accountID int64) (token, threadsUserID string, err error)
	// SaveRefreshed seals and stores token, which the refresh job obtained from the token
	// from, only if the account still holds from: a token stored during the refresh (a
	// relink, another replica's refresh) wins, and the error wraps storage.ErrTokenReplaced.
	SaveRefreshed(ctx context.Context, accountID int64, from, token string, expiresAt time.Time) error
	// Refused returns the sealed bytes of the account's token while it is token, the one
	// Threads just refused, so that the account is marked for reconnecting only while it
	// holds them (storage.Step.Refused). It is nil for an account with no token, and the error
	// wraps storage.ErrTokenReplaced when the account holds another token by now.
	Refused(ctx context.Context, accountID int64, token string) ([]byte, error)
}

// Limits are the per-account quotas over a moving 24 hours. Zero fields mean Meta's. An
// operator sets them lower (SPINDLE_QUOTA_*) to leave room for posts made in the Threads app.
type Limits struct {
	Posts, Replies, Deletes int
}

// MetaLimits are the most Meta allows, the default of every field.
func MetaLimits() Limits {
	return Limits{Posts: threads.MaxPosts, Replies: threads.MaxReplies, Deletes: threads.MaxDeletes}
}

// OrMeta fills the zero fields with Meta's limits.
func (l Limits) OrMeta() Limits {
	m := MetaLimits()
	return Limits{Posts: cmp.Or(l.Posts, m.Posts), Replies: cmp.Or(l.Replies, m.Replies), Deletes: cmp.Or(l.Deletes, m.Deletes)}
}

// Of is the limit of one kind of use.
func (l Limits) Of(k storage.QuotaKind) int {
	switch k {
	case storage.QuotaReplies:
		return l.Replies
	case storage.QuotaDeletes:
		return l.Deletes
	}
	return l.Posts
}

// Delays tune the state machine's waits. Zero fields mean the defaults in brackets.
type Delays struct {
	TextCheck    time.Duration // first status check of a text container [2 s]
	MediaCheck   time.Duration // first status check of an image, video or carousel [30 s, Meta's advice]
	StatusPoll   time.Duration // later checks while IN_PROGRESS [15 s]
	NotReadyWait time.Duration // after a 24/4279009 answer [10 s]
	ContainerMax time.Duration // a container still IN_PROGRESS after this is recreated [15 min]
	PermalinkMax time.Duration // stop retrying the permalink lookup after this [10 min]
}

// Retry is the retry budget of transient failures.
type Retry struct {
	MaxAttempts int           // transient failures before failing for good [8]
	MaxTime     time.Duration // or time since the first of them [6 h]
	Base        time.Duration // first backoff [5 s]
	Max         time.Duration // backoff cap [10 min]
	MaxNotReady int           // 24/4279009 answers before recreating the container [3]
	MaxRecreate int           // containers dropped before failing [3]
}

// Options configure a Publisher.
type Options struct {
	Store  Store
	API    API
	Tokens TokenSource
	// ParkedErrors are further errors (matched with errors.Is) by which Tokens says an account
	// has no usable token, like ErrNeedsReconnect: its posts wait instead of failing. Wire
	// accounts.ErrNeedsReconnect and accounts.ErrNotConnected here.
	ParkedErrors []error
	// Notifiers deliver events by door ("slack", "telegram", "webhook", "feed", ...).
	// Notifiers[""] receives account-level events (EventNeedsReconnect) that belong to no post.
	// An event for a door without a notifier is marked delivered and dropped.
	Notifiers map[string]Notifier
	// Doors, when set, is asked for a door's Notifier each time an event is delivered, in
	// place of Notifiers: a daemon builds its publisher before its doors (which need the
	// publisher), and registers them after.
	Doors Doors

	Workers      int           // posts published at once, one per account [8]
	PollInterval time.Duration // the drain job's interval [5 s]
	// LeaseTTL is how long a claim on a post lasts without renewal [2 min]. While a worker runs,
	// a heartbeat renews it every LeaseTTL/4; a post is reclaimed only when its worker is gone.
	LeaseTTL time.Duration
	Now      func() time.Time
	Logger   *slog.Logger

	Limits         Limits
	ReconcileAt    float64       // reconcile with Threads once local use passes this share [0.8]
	ReconcileEvery time.Duration // at most this often per account [5 min]
	Delays         Delays
	Retry          Retry
	// NoAutoPublish is kept for compatibility and has no effect: every post, text included,
	// goes through a committed container (see work.go), never auto_publish_text.
	//
	// Deprecated: text posts no longer use auto_publish_text.
	NoAutoPublish bool
	// RefreshBefore refreshes long-lived tokens this close to expiry [7 days].
	RefreshBefore time.Duration
	// Retention is how long housekeeping keeps finished posts [0: forever].
	Retention time.Duration
	// Observer hears of each post published, failed or put back for a retry, as it happens
	// (the metrics, issue 10) [nobody].
	Observer Observer
	// Deliveries hears of each result delivery that failed (the metrics) [the Observer, when
	// it implements DeliveryObserver; else nobody].
	Deliveries DeliveryObserver
	// Signals are for tests, which wait on them (see TestSignals) [nil: off].
	Signals *TestSignals
}

// Doors finds the Notifier of a door ("" for account-level events); nil when the door has
// none, so its events are marked delivered and dropped.
type Doors interface {
	Notifier(door string) Notifier
}

// notifierMap is Options.Notifiers as Doors.
type notifierMap map[string]Notifier

func (m notifierMap) Notifier(door string) Notifier { return m[door] }

// Publisher drains the queue to Threads. It is safe for concurrent use.
type Publisher struct {
	opts  Options
	store Store
	api   API
	toks  TokenSource
	log   *slog.Logger
	now   func() time.Time
	obs   Observer

	woken   atomic.Bool
	waking  atomic.Bool // Wake is asking again until a drain takes its wake (askAgain)
	drainMu sync.Mutex  // one drain at a time, whoever calls it
	schedMu sync.Mutex
	sched   *Scheduler
	timer   *time.Timer
	// dispatchMu makes one delivery round's claim and its hand-over to the lanes one step, so
	// two rounds here (the job and a caller of Deliver) cannot interleave one post's events.
	dispatchMu sync.Mutex
	insights   insightsCache
	acctIns    accountInsightsCache

	// Result delivery (outbox.go): one lane per destination, who hears of failures, and each
	// door's delivery health for readiness.
	lanes      *lanes
	deliveries DeliveryObserver
	health     deliveryHealth

	holds holds // the posts this process is working on

	signals *TestSignals // off in production
}

// New returns a Publisher; register its jobs with Register, or call Drain yourself.
func New(o Options) *Publisher {
	o.Workers = cmp.Or(o.Workers, 8)
	if o.Doors == nil {
		o.Doors = notifierMap(o.Notifiers)
	}
	o.PollInterval = cmp.Or(o.PollInterval, 5*time.Second)
	o.LeaseTTL = cmp.Or(o.LeaseTTL, 2*time.Minute)
	o.Limits = o.Limits.OrMeta()
	o.ReconcileAt = cmp.Or(o.ReconcileAt, 0.8)
	o.ReconcileEvery = cmp.Or(o.ReconcileEvery, 5*time.Minute)
	d := &o.Delays
	d.TextCheck = cmp.Or(d.TextCheck, 2*time.Second)
	d.MediaCheck = cmp.Or(d.MediaCheck, 30*time.Second)
	d.StatusPoll = cmp.Or(d.StatusPoll, 15*time.Second)
	d.NotReadyWait = cmp.Or(d.NotReadyWait, 10*time.Second)
	d.ContainerMax = cmp.Or(d.ContainerMax, 15*time.Minute)
	d.PermalinkMax = cmp.Or(d.PermalinkMax, 10*time.Minute)
	r := &o.Retry
	r.MaxAttempts = cmp.Or(r.MaxAttempts, 8)
	r.MaxTime = cmp.Or(r.MaxTime, 6*time.Hour)
	r.Base = cmp.Or(r.Base, 5*time.Second)
	r.Max = cmp.Or(r.Max, 10*time.Minute)
	r.MaxNotReady = cmp.Or(r.MaxNotReady, 3)
	r.MaxRecreate = cmp.Or(r.MaxRecreate, 3)
	o.RefreshBefore = cmp.Or(o.RefreshBefore, 7*24*time.Hour)
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Observer == nil {
		o.Observer = noObserver{}
	}
	if o.Deliveries == nil {
		o.Deliveries, _ = o.Observer.(DeliveryObserver)
	}
	if o.Deliveries == nil {
		o.Deliveries = noObserver{}
	}
	if o.Signals == nil {
		o.Signals = &TestSignals{} // every signal off
	}
	p := &Publisher{opts: o, store: o.Store, api: o.API, toks: o.Tokens, log: o.Logger, now: o.Now, obs: o.Observer,
		deliveries: o.Deliveries, signals: o.Signals}
	p.lanes = newLanes(p.deliver, p.deliverSoon)
	return p
}

func (p *Publisher) limit(k storage.QuotaKind) int { return p.opts.Limits.Of(k) }

// parked reports whether a TokenSource error means the account waits for a reconnect.
func (p *Publisher) parked(err error) bool {
	if errors.Is(err, ErrNeedsReconnect) {
		return true
	}
	for _, e := range p.opts.ParkedErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Observer hears what becomes of posts as it happens; the metrics implement it (issue 10).
// Each call follows the commit of the step it reports, so a step whose commit failed (a lost
// lease) reports nothing and its retry is not counted twice. Workers call it concurrently, on
// the publishing path: it must be safe for concurrent use and must not block.
type Observer interface {
	// Published: every part of a post is on Threads and the post is committed posted.
	Published()
	// Failed: a post failed for good, for a reason of class.
	Failed(class FailureClass)
	// Retried: a failure of class put a post back in the queue with backoff.
	Retried(class FailureClass)
}

// FailureClass is why a publishing step failed, from a small fixed set (FailureClasses): it
// labels metrics, so it never holds a post id, an account or an error's text.
type FailureClass string

// The failure classes. Most follow the Threads client's classes (threads.Class); the last
// three are the publisher's own ways of giving up.
const (
	FailPermanent     FailureClass = "permanent"       // refused for a reason no retry fixes
	FailTransient     FailureClass = "transient"       // network, 5xx, timeouts, our database
	FailRateLimited   FailureClass = "rate_limited"    // Threads said to slow down
	FailAuth          FailureClass = "auth"            // the token is expired or revoked
	FailPermission    FailureClass = "permission"      // the app lacks a permission
	FailValidation    FailureClass = "validation"      // Threads refused the post's content
	FailMediaNotReady FailureClass = "media_not_ready" // published too soon after creating
	FailNotFound      FailureClass = "not_found"       // the object is gone
	FailRestricted    FailureClass = "restricted"      // Threads restricted the account
	// FailMedia: Threads could not process the media (its container ended in ERROR twice).
	FailMedia FailureClass = "media"
	// FailContainer: the containers kept expiring, vanishing or never got ready, more times
	// than Retry.MaxRecreate.
	FailContainer FailureClass = "container"
	// FailRetriesExhausted: retryable failures went on past Retry.MaxAttempts or MaxTime.
	FailRetriesExhausted FailureClass = "retries_exhausted"
	// FailPanic: Spindle itself failed on the post (a bug, logged with its stack): the worker
	// recovered, and the post was retried or, after maxPanicFailures, failed.
	FailPanic FailureClass = "panic"
)

// FailureClasses lists every FailureClass, so that a metric can start each at zero.
func FailureClasses() []FailureClass {
	return []FailureClass{FailPermanent, FailTransient, FailRateLimited, FailAuth, FailPermission,
		FailValidation, FailMediaNotReady, FailNotFound, FailRestricted, FailMedia, FailContainer,
		FailRetriesExhausted, FailPanic}
}

// noObserver is the Observer when nobody listens.
type noObserver struct{}

func (noObserver) Published()           {}
func (noObserver) Failed(FailureClass)  {}
func (noObserver) Retried(FailureClass) {}
