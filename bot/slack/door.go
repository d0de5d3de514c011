// Package slack is Spindle's Slack door: POST /slack/commands receives the /threads slash
// command, verifies Slack's signature, hands the text to the shared dispatcher (package bot)
// and acknowledges within Slack's 3-second deadline with an ephemeral reply. Results of posts
// come back later through Notify: on the command's response_url while it is valid (5 uses in
// 30 minutes, counted durably), else with chat.postMessage in the same channel, threaded under
// the confirmation of a scheduled post.
//
// Slow work (users.info for a person's time zone, the public confirmation of a scheduled post)
// runs after the acknowledgement; a person's zone is cached in storage.
//
// POST /slack/interactions takes the presses of Spindle's buttons (interact.go) and the
// submissions of its modals: a preview is a draft with Publish, Schedule… (a modal asking
// when) and Discard, kept in storage until pressed or 24 hours old (drafts.go).
package slack

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Dispatcher runs a command (bot.Dispatcher): typed (Handle), or already parsed (Run: a
// draft's preview run again as post or schedule).
type Dispatcher interface {
	Handle(ctx context.Context, in bot.Incoming) bot.Reply
	Run(ctx context.Context, in bot.Incoming, cmd bot.Command) bot.Reply
}

// Store is the door's durable state (storage.DB).
type Store interface {
	UserZone(ctx context.Context, door, team, user string) (string, time.Time, error)
	SetUserZone(ctx context.Context, door, team, user, zone string) error
	ClaimResponseURL(ctx context.Context, url string, issued time.Time, maxUses int, ttl time.Duration) (bool, error)
	SpendResponseURL(ctx context.Context, url string, maxUses int) error
	SetChatAnchor(ctx context.Context, postID, door string, ref []byte) error
	ChatAnchor(ctx context.Context, postID string) (string, []byte, error)
	Delivered(ctx context.Context, door string, eventID int64) (bool, error)
	MarkDelivered(ctx context.Context, door string, eventID int64) error
	// FirstSeen records a signed request's key and reports whether it was new: the replay
	// guard that outlives a restart and holds across replicas.
	FirstSeen(ctx context.Context, key string, expires time.Time) (bool, error)
	// Drafts: a preview waiting for Publish, Schedule… or Discard (drafts.go).
	CreateSlackDraft(ctx context.Context, d storage.SlackDraft) (storage.SlackDraft, error)
	SlackDraft(ctx context.Context, id string) (storage.SlackDraft, error)
	MoveSlackDraft(ctx context.Context, id string, from, to storage.DraftState, bornAfter time.Time) (bool, error)
	SetSlackDraftPost(ctx context.Context, id, postID string) error
	SetSlackDraftResponseURL(ctx context.Context, id, url string) error
	DeleteSlackDrafts(ctx context.Context, before time.Time, limit int) (int, error)
}

// Slack's limits on response_url, and on how long a slash command may wait for its answer.
const (
	ResponseURLUses = 5
	ResponseURLTTL  = 30 * time.Minute
	ackBudget       = 2 * time.Second // under Slack's 3 s, leaving room for the network
	zoneTTL         = 24 * time.Hour  // refetch a cached zone after this (people travel)
	zoneBudget      = time.Second     // inline users.info for schedule on a cache miss
	// confirmBudget bounds posting a schedule's public confirmation after the ack: long
	// enough to wait out a few of Slack's Retry-Afters rather than lose the confirmation.
	confirmBudget = 2 * time.Minute
)

// Options configure a Door. SigningSecret, BotToken, Dispatcher and Store are required.
type Options struct {
	SigningSecret string
	BotToken      string
	APIURL        string // Web API base with trailing slash; "" means Slack's
	Dispatcher    Dispatcher
	Store         Store
	Zone          *time.Location // SPINDLE_TIMEZONE, for people whose zone is unknown; nil: UTC
	// HTTPClient makes every call to Slack (Web API and response_url). nil: a client with a
	// 10-second timeout; slack-go's default has none, and one hung call would pin a goroutine.
	HTTPClient *http.Client
	// AllowResponseURL says whether Spindle may POST to a response_url. The URL arrives in the
	// (signed) request body; nil allows only https://hooks.slack.com. Tests allow loopback.
	AllowResponseURL func(*url.URL) bool
	MaxBody          int64            // request body limit; zero means 64 KiB
	Now              func() time.Time // nil: time.Now
	Logger           *slog.Logger     // nil: discard
}

// Door is the Slack door: an http.Handler for POST /slack/commands and a publisher.Notifier
// for posts whose origin is Slack.
type Door struct {
	secret    string
	api       *slack.Client
	http      *http.Client
	dispatch  Dispatcher
	store     Store
	zone      *time.Location
	allowURL  func(*url.URL) bool
	maxBody   int64
	now       func() time.Time
	log       *slog.Logger
	replays   *replayCache
	pace      *pacer               // per-channel pacing and Slack's Retry-After (send.go)
	health    publisher.HealthBook // calls to Slack, for Health
	wg        sync.WaitGroup       // work after an acknowledgement
	loops     sync.WaitGroup       // the drafts' sweep, which runs until Close
	bg        context.Context
	cancelBG  context.CancelFunc
	zoneFetch sync.Map // user key → struct{}: a users.info call in flight
	zones     sync.Map // user key → cachedZone: storage's cache, kept in memory too
	// scopeWarning logs once that users.info is refused for want of users:read.
	scopeWarning sync.Once
}

// cachedZone is a zone in the in-memory cache.
type cachedZone struct {
	loc     *time.Location
	fetched time.Time
}

// New returns a Door. It panics on missing required options: that is a wiring bug.
func New(o Options) *Door {
	if o.SigningSecret == "" || o.BotToken == "" || o.Dispatcher == nil || o.Store == nil {
		panic("slack: New needs SigningSecret, BotToken, Dispatcher and Store")
	}
	d := &Door{secret: o.SigningSecret, http: o.HTTPClient, dispatch: o.Dispatcher, store: o.Store,
		zone: o.Zone, allowURL: o.AllowResponseURL, maxBody: o.MaxBody, now: o.Now, log: o.Logger}
	if d.http == nil {
		d.http = &http.Client{Timeout: 10 * time.Second}
	}
	if d.zone == nil {
		d.zone = time.UTC
	}
	if d.allowURL == nil {
		d.allowURL = func(u *url.URL) bool { return u.Scheme == "https" && u.Host == "hooks.slack.com" }
	}
	if d.maxBody == 0 {
		d.maxBody = 64 << 10
	}
	if d.now == nil {
		d.now = time.Now
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	opts := []slack.Option{slack.OptionHTTPClient(d.http)}
	if o.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(o.APIURL))
	}
	d.api = slack.New(o.BotToken, opts...)
	d.replays = newReplayCache(d.now)
	d.pace = newPacer()
	d.bg, d.cancelBG = context.WithCancel(context.Background())
	d.sweepDrafts()
	return d
}

// Close stops background work (zone lookups, confirmations, the drafts' sweep) and waits for it.
func (d *Door) Close() {
	d.cancelBG()
	d.wg.Wait()
	d.loops.Wait()
}

// background runs fn after the acknowledgement, bounded by timeout and by Close.
func (d *Door) background(timeout time.Duration, fn func(ctx context.Context)) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		ctx, cancel := context.WithTimeout(d.bg, timeout)
		defer cancel()
		fn(ctx)
	}()
}

// Ref is what the Slack door stores as a post's Origin.Ref: where the command came from and
// the response_url Slack gave it, with when it was issued (it is valid 30 minutes).
type Ref struct {
	Team        string `json:"team"`
	Channel     string `json:"channel"`
	User        string `json:"user"`
	ResponseURL string `json:"response_url,omitempty"`
	IssuedAt    int64  `json:"issued_at"` // unix milliseconds
}

// anchor is the confirmation message a post's results are threaded under.
type anchor struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// zoneOf reads a cached zone, from memory or else storage; nil when unknown or unloadable.
// The memory cache spares the acknowledgement a database read per command.
func (d *Door) zoneOf(ctx context.Context, team, user string) (*time.Location, time.Time) {
	key := team + "/" + user
	if z, ok := d.zones.Load(key); ok {
		return z.(cachedZone).loc, z.(cachedZone).fetched
	}
	name, fetched, err := d.store.UserZone(ctx, string(ingest.DoorSlack), team, user)
	if err != nil {
		return nil, time.Time{}
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fetched
	}
	d.zones.Store(key, cachedZone{loc, fetched})
	return loc, fetched
}

// fetchZone asks Slack for a user's zone and caches it.
func (d *Door) fetchZone(ctx context.Context, team, user string) *time.Location {
	u, err := d.api.GetUserInfoContext(ctx, user)
	if err != nil {
		if strings.Contains(err.Error(), "missing_scope") {
			// Every person's zone would silently fall back to SPINDLE_TIMEZONE: say so, once.
			d.scopeWarning.Do(func() {
				d.log.InfoContext(ctx, "slack: the app lacks the users:read scope, so schedule times are read in "+
					"SPINDLE_TIMEZONE instead of each person's zone; add the scope (spindle slack manifest) and reinstall")
			})
			return nil
		}
		d.log.DebugContext(ctx, "slack users.info failed", slog.String("user", user), slog.String("error", slackErr(err)))
		return nil
	}
	loc, err := time.LoadLocation(u.TZ)
	if err != nil || u.TZ == "" {
		return nil
	}
	if err := d.store.SetUserZone(ctx, string(ingest.DoorSlack), team, user, u.TZ); err != nil {
		d.log.WarnContext(ctx, "cache slack user zone", slog.Any("error", err))
	}
	d.zones.Store(team+"/"+user, cachedZone{loc, d.now()})
	return loc
}

// refreshZone fetches a zone after the acknowledgement, once at a time per user.
func (d *Door) refreshZone(team, user string) {
	key := team + "/" + user
	if _, busy := d.zoneFetch.LoadOrStore(key, struct{}{}); busy {
		return
	}
	d.background(10*time.Second, func(ctx context.Context) {
		defer d.zoneFetch.Delete(key)
		d.fetchZone(ctx, team, user)
	})
}

// slackErr describes an error from slack-go without the request URL (a response_url is a
// credential for its channel) or anything else from the request.
func slackErr(err error) string {
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	var ue *url.Error
	switch {
	case asErr(err, &se):
		return "slack: " + se.Err
	case asErr(err, &sc):
		return "slack: http " + sc.Status
	case asErr(err, &ue):
		return "slack: " + ue.Op + ": " + errText(ue.Err)
	}
	return err.Error()
}
