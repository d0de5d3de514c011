package telegram

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tg "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// Dispatcher runs one chat command (*bot.Dispatcher).
type Dispatcher interface {
	Handle(ctx context.Context, in bot.Incoming) bot.Reply
}

// Accounts tells which Threads accounts a person may post to (the dispatcher's bot.Accounts
// serves); drafts and media posts go to the person's default or only account.
type Accounts interface {
	AccountsFor(ctx context.Context, who bot.Identity) ([]bot.Account, error)
}

// Ingest commits post requests durably (ingest.Service).
type Ingest interface {
	Enqueue(ctx context.Context, r ingest.Request) (ingest.Accepted, error)
}

// Store keeps drafts and hosted media (storage.DB).
type Store interface {
	CreateTelegramDraft(ctx context.Context, d storage.TelegramDraft) (storage.TelegramDraft, error)
	TelegramDraft(ctx context.Context, id string) (storage.TelegramDraft, error)
	MoveTelegramDraft(ctx context.Context, id string, from, to storage.DraftState) (bool, error)
	SetTelegramDraftPost(ctx context.Context, id, postID string) error
	SaveHostedMedia(ctx context.Context, m storage.HostedMedia) error
	HostedMediaByID(ctx context.Context, id string) (storage.HostedMedia, error)
	ReleaseDraftMedia(ctx context.Context, draftID string, t time.Time) error
	ReleasePostMedia(ctx context.Context, postID string, t time.Time) error
	DueHostedMedia(ctx context.Context, now time.Time, limit int) ([]storage.HostedMedia, error)
	DeleteHostedMedia(ctx context.Context, id string) error
	TelegramDraftByMessage(ctx context.Context, chatID, messageID int64) (storage.TelegramDraft, error)
	TelegramMediaUsage(ctx context.Context, userID int64) (storage.MediaUsage, error)
	ExpireTelegramDrafts(ctx context.Context, before, now time.Time, limit int) (int, error)
	ReleaseEndedPostMedia(ctx context.Context, t time.Time, limit int) (int, error)
	UserZone(ctx context.Context, door, team, user string) (string, time.Time, error)
	AccountLongText(ctx context.Context, accountID int64) (string, error)
	// TelegramOffset and SetTelegramOffset keep the last update a long poller took in, so the
	// replica that polls next starts after it (see poll.go).
	TelegramOffset(ctx context.Context, botID int64) (updateID int64, at time.Time, ok bool, err error)
	SetTelegramOffset(ctx context.Context, botID, updateID int64) error
	// AskTelegramTime and TakeTelegramAsk keep the draft a chat waits to read a typed time
	// for, so that whichever replica the text reaches reads it as one.
	AskTelegramTime(ctx context.Context, chatID int64, draftID string, at time.Time) error
	TakeTelegramAsk(ctx context.Context, chatID int64, since time.Time) (string, error)
	AlbumStore
}

// Options configure a Door. Token, Dispatcher, Accounts, Ingest, Store, PublicURL and MediaDir
// are required.
type Options struct {
	Token  string
	APIURL string // Bot API base without trailing slash; "" is Telegram's
	// HTTPClient talks to the Bot API; its Timeout must exceed PollTimeout (nil: one that does).
	HTTPClient  *http.Client
	PollTimeout time.Duration // long-poll length; 0 is 50 s

	WebhookSecret string  // set: webhook mode (updates at POST /telegram/webhook)
	AllowedUsers  []int64 // empty: everyone may use the bot

	PublicURL string // SPINDLE_PUBLIC_URL: base of media URLs and the webhook
	MediaDir  string // where downloads are written, e.g. <data dir>/media
	// Media keeps the bytes of hosted media; nil keeps them as files in MediaDir (DirMedia).
	// PostgreSQL replicas use DBMedia, so that any replica's relay serves what another
	// received.
	Media MediaStore

	Dispatcher Dispatcher
	Accounts   Accounts
	Ingest     Ingest
	Store      Store

	Zone        *time.Location   // SPINDLE_TIMEZONE, for schedule times; nil: UTC
	Now         func() time.Time // nil: time.Now
	Logger      *slog.Logger     // nil: discard
	AlbumWindow time.Duration    // how long to collect an album's items; 0 is 1.5 s
	MediaGrace  time.Duration    // how long media stays after a result; 0 is 1 h
	MaxFileSize int64            // largest file downloaded; 0 is 20 MB (the Bot API's limit)

	// DraftTTL is how long a draft stays open for a button press; then housekeeping closes it
	// and deletes its media. 0 is 24 h.
	DraftTTL time.Duration
	// MaxUserFiles and MaxUserBytes cap the media one person holds in open drafts and posts
	// not yet published, so the media directory is no free storage. 0 is 50 files, 200 MB.
	MaxUserFiles int
	MaxUserBytes int64
	// Workers is how many chats are served at once (each chat in order); 0 is 16.
	Workers int
	// AckWait is how long a webhook call waits for its update to be handled before answering
	// 200 anyway (media is acknowledged at once, then downloaded); 0 is 10 s.
	AckWait time.Duration
	// RetryBase and RetryMax bound the backoff between setWebhook attempts; 0 is 1 s and 5 min.
	RetryBase, RetryMax time.Duration
}

// Door is the Telegram door.
type Door struct {
	o        Options
	media    MediaStore
	b        *tg.Bot
	botOpts  []tg.Option // b's options, for the long poller Run builds (poll.go)
	me       models.User
	log      *slog.Logger
	now      func() time.Time
	zone     *time.Location
	dl       *http.Client // file downloads
	allowed  map[int64]bool
	webhook  bool
	albums   *albums
	baseCtx  context.Context
	cancel   context.CancelFunc
	bg       sync.WaitGroup
	mu       sync.Mutex
	refused  map[int64]bool // users told once that they may not use the bot (memory only)
	notified map[int64]bool // outbox ids already replied to
	recent   map[int64]bool // update ids already taken (memory only)
	chats    *chats
	limits   *limits
	health   health
}

// New connects to the Bot API (getMe) and returns a Door ready to Run.
func New(ctx context.Context, o Options) (*Door, error) {
	switch {
	case o.Token == "":
		return nil, errors.New("telegram: TELEGRAM_BOT_TOKEN is empty; set it to the token @BotFather gave you")
	case o.Dispatcher == nil || o.Accounts == nil || o.Ingest == nil || o.Store == nil:
		return nil, errors.New("telegram: Dispatcher, Accounts, Ingest and Store are required")
	case o.PublicURL == "" || o.MediaDir == "":
		return nil, errors.New("telegram: PublicURL and MediaDir are required")
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.PollTimeout <= 0 {
		o.PollTimeout = 50 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: o.PollTimeout + 15*time.Second}
	}
	if o.AlbumWindow <= 0 {
		o.AlbumWindow = 1500 * time.Millisecond
	}
	if o.MediaGrace <= 0 {
		o.MediaGrace = time.Hour
	}
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = 20 << 20
	}
	defaults(&o)
	d := &Door{o: o, log: o.Logger, now: o.Now, zone: o.Zone, webhook: o.WebhookSecret != "",
		allowed: map[int64]bool{}, refused: map[int64]bool{}, notified: map[int64]bool{},
		recent: map[int64]bool{}, limits: newLimits(),
		dl: &http.Client{Timeout: 2 * time.Minute, Transport: o.HTTPClient.Transport}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	d.chats = newChats(o.Workers, d.log)
	d.media = o.Media
	if d.media == nil {
		d.media = DirMedia{Dir: o.MediaDir, Known: func(ctx context.Context, name string) bool {
			_, err := o.Store.HostedMediaByID(ctx, name)
			return !errors.Is(err, storage.ErrNotFound)
		}}
	}
	api := *o.HTTPClient // watched for Health, without changing the caller's client
	api.Transport = healthTransport{next: cmp.Or(api.Transport, http.DefaultTransport), d: d}
	if d.now == nil {
		d.now = time.Now
	}
	if d.zone == nil {
		d.zone = time.UTC
	}
	for _, id := range o.AllowedUsers {
		d.allowed[id] = true
	}
	d.baseCtx, d.cancel = context.WithCancel(context.WithoutCancel(ctx))
	d.albums = newAlbums(d.baseCtx, o.AlbumWindow, o.Store, d.albumReady, d.log)
	opts := []tg.Option{
		tg.WithSkipGetMe(), // called below, to learn the bot's username
		tg.WithHTTPClient(o.PollTimeout, &api),
		tg.WithMiddlewares(d.recoverMiddleware),
		// Each update goes to its chat's queue: chats are served in parallel, one chat in order.
		tg.WithDefaultHandler(func(_ context.Context, _ *tg.Bot, u *models.Update) { d.enqueue(u) }),
		tg.WithErrorsHandler(func(err error) {
			d.log.Warn("telegram: bot API error", slog.String("error", d.redact(err.Error())))
		}),
		tg.WithNotAsyncHandlers(), // hand updates over in order; chats does the rest
	}
	if o.APIURL != "" {
		opts = append(opts, tg.WithServerURL(strings.TrimRight(o.APIURL, "/")))
	}
	b, err := tg.New(o.Token, opts...)
	if err != nil {
		return nil, fmt.Errorf("telegram: %s", d.redact(err.Error()))
	}
	d.b, d.botOpts = b, opts
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	me, err := b.GetMe(cctx)
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe failed (is TELEGRAM_BOT_TOKEN right and TELEGRAM_API_URL reachable?): %s", d.redact(err.Error()))
	}
	d.me = *me
	return d, nil
}

// Username is the bot's @username, from getMe.
func (d *Door) Username() string { return d.me.Username }

// redact removes the bot token from a text bound for a log line or an error.
func (d *Door) redact(s string) string {
	if d.o.Token == "" {
		return s
	}
	return strings.ReplaceAll(s, d.o.Token, "<bot-token>")
}

// Run registers the command menu, then receives updates until ctx ends: by long polling, or in
// webhook mode by registering <public URL>/telegram/webhook (updates then arrive at
// WebhookHandler). It also deletes hosted media whose time has come. It returns when ctx ends.
//
// Long polling is at most once: the library confirms an update (by asking for the next offset)
// before its handler finished, so an update in hand when the process dies is lost and the
// person sends it again. Each update taken in is recorded in the database, and a poller starts
// after the last one recorded, so a replica that takes over long polling (a new leader) does
// not handle the updates the old one took in but had not yet confirmed to Telegram; and the
// poller confirms only what it handed over (see poller), so when ctx ends (the term, or
// shutdown) the updates it had not taken in are the next poller's. Webhook mode waits (up to
// AckWait) for a command to be handled before answering, so Telegram redelivers what was not
// taken in; media is acknowledged first and downloaded after. setWebhook is retried with
// backoff until it works or ctx ends.
func (d *Door) Run(ctx context.Context) error {
	if err := d.setCommands(ctx); err != nil {
		d.log.Warn("telegram: could not register the command menu; commands still work", slog.String("error", d.redact(err.Error())))
	}
	d.bg.Add(1)
	go func() { defer d.bg.Done(); d.sweepLoop(ctx) }()
	if d.webhook {
		if d.registerWebhook(ctx) {
			d.log.Info("telegram: receiving updates by webhook", slog.String("bot", d.me.Username), slog.String("url", d.o.PublicURL+WebhookPath))
		}
		<-ctx.Done()
		return nil
	}
	// getUpdates does not work while a webhook is set: clear one left by an earlier webhook run.
	if _, err := d.b.DeleteWebhook(ctx, &tg.DeleteWebhookParams{}); err != nil {
		d.log.Warn("telegram: deleteWebhook failed; polling may be refused", slog.String("error", d.redact(err.Error())))
	}
	d.log.Info("telegram: receiving updates by long polling", slog.String("bot", d.me.Username))
	poller, err := d.poller(ctx)
	if err != nil {
		return err
	}
	d.health.receiving.Store(true)
	poller.Start(ctx)
	d.health.receiving.Store(false) // this replica no longer leads, or shuts down
	return nil
}

// Close stops the door once Run has returned. The updates already taken in and queued in
// their chats were confirmed to Telegram, which will not send them again, so they are handled
// first, on a live context, for as long as ctx (the shutdown grace) allows; whatever is still
// running when ctx ends is cancelled. Then album timers and background work stop, and Close
// waits for them.
func (d *Door) Close(ctx context.Context) {
	d.albums.stop()
	drained := make(chan struct{})
	go func() { defer close(drained); d.chats.close() }()
	select {
	case <-drained:
	case <-ctx.Done():
		d.log.Warn("telegram: the shutdown grace period ended with chat messages still being handled; they are cut short and their senders get no answer")
	}
	d.cancel()
	<-drained
	d.bg.Wait()
}

// defaults fills the zero values of the options added for limits and pacing.
func defaults(o *Options) {
	o.DraftTTL = cmp.Or(o.DraftTTL, 24*time.Hour)
	o.MaxUserFiles = cmp.Or(o.MaxUserFiles, 50)
	o.MaxUserBytes = cmp.Or(o.MaxUserBytes, 200<<20)
	o.Workers = cmp.Or(o.Workers, 16)
	o.AckWait = cmp.Or(o.AckWait, 10*time.Second)
	o.RetryBase = cmp.Or(o.RetryBase, time.Second)
	o.RetryMax = cmp.Or(o.RetryMax, 5*time.Minute)
}

func (d *Door) setCommands(ctx context.Context) error {
	var cmds []models.BotCommand
	for _, v := range bot.Verbs() {
		if v.Door == "slack" {
			continue
		}
		cmds = append(cmds, models.BotCommand{Command: v.Name, Description: v.Summary})
	}
	_, err := d.b.SetMyCommands(ctx, &tg.SetMyCommandsParams{Commands: cmds, Scope: &models.BotCommandScopeDefault{}})
	return err
}

// recoverMiddleware keeps a panicking handler from killing the process (the library has no
// recovery of its own).
func (d *Door) recoverMiddleware(next tg.HandlerFunc) tg.HandlerFunc {
	return func(ctx context.Context, b *tg.Bot, u *models.Update) {
		defer d.recovered(u)
		next(ctx, b, u)
	}
}

func (d *Door) recovered(u *models.Update) {
	if p := recover(); p != nil {
		d.log.Error("telegram: update handler panicked", slog.Int64("update_id", u.ID),
			slog.String("panic", d.redact(fmt.Sprint(p))), slog.String("stack", string(debug.Stack())))
	}
}

// updateTimeout bounds the work on one update; mediaTimeout one with a photo or video to
// download (a 20 MB video over a slow link).
const (
	updateTimeout = 60 * time.Second
	mediaTimeout  = 5 * time.Minute
)

// hasMedia reports whether u carries a photo or video to download.
func hasMedia(u *models.Update) bool {
	return u.Message != nil && (len(u.Message.Photo) > 0 || u.Message.Video != nil)
}

// process handles one update, whichever way it arrived.
func (d *Door) process(ctx context.Context, u *models.Update) {
	timeout := updateTimeout
	if hasMedia(u) {
		timeout = mediaTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case u.CallbackQuery != nil:
		d.onCallback(ctx, u.CallbackQuery)
	case u.Message != nil:
		d.onMessage(ctx, u.Message)
	}
}
