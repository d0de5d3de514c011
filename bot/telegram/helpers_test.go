package telegram_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/bot/telegram"
	"github.com/spindle-threads/spindle/bot/telegram/telegramtest"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/internal/testlog"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/publishertest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

const wait = 10 * time.Second

// accounts gives every Telegram user but the unlinked the one account, as owner and default;
// with roles set, only the users in it have the account, as its owner (true) or a grantee.
type accounts struct {
	acc      bot.Account
	unlinked []int64
	roles    map[int64]bool
}

func (a accounts) AccountsFor(_ context.Context, who bot.Identity) ([]bot.Account, error) {
	if a.roles != nil {
		id, _ := strconv.ParseInt(who.User, 10, 64)
		owner, ok := a.roles[id]
		if !ok {
			return nil, nil
		}
		acc := a.acc
		acc.Owner = owner
		return []bot.Account{acc}, nil
	}
	for _, id := range a.unlinked {
		if who.User == strconv.FormatInt(id, 10) {
			return nil, nil
		}
	}
	return []bot.Account{a.acc}, nil
}
func (accounts) LinkFor(context.Context, bot.Identity) (string, error) { return "https://link", nil }
func (accounts) Grant(context.Context, bot.Identity, int64, bot.Identity) error {
	return errors.New("not in this test")
}
func (accounts) Revoke(context.Context, bot.Identity, int64, bot.Identity) error {
	return errors.New("not in this test")
}
func (accounts) Disconnect(context.Context, bot.Identity, int64) error {
	return errors.New("not in this test")
}
func (accounts) CreateAPIToken(context.Context, bot.Identity) (string, error) {
	return "", errors.New("not in this test")
}

type mode string

const (
	polling mode = "polling"
	webhook mode = "webhook"
)

const secret = "hook_SECRET-1"

type harness struct {
	t       testing.TB
	mode    mode
	tg      *telegramtest.Server
	sim     *threadstest.Server
	db      *storage.DB
	door    *telegram.Door
	spindle *httptest.Server
	logs    *testlog.Buffer
	clock   *storagetest.Clock
	api     *threads.Client
	token   string // the Threads access token
	simUser *threadstest.User
	dir     string
	opts    telegram.Options // as the door was built
	// stop ends the door's Run and closes it; the test's cleanup calls it too.
	stop func()
	// shutdown is stop with the shutdown grace period given (stop's is wait); only the first
	// of stop and shutdown does anything.
	shutdown func(grace context.Context)
}

type options struct {
	allowed    []int64
	dispatcher telegram.Dispatcher // nil: the real bot.Dispatcher
	unlinked   []int64             // Telegram users with no Threads account
	grantee    bool                // alice was granted @alice rather than owning it
	roles      map[int64]bool      // set: only these users have @alice, as owner (true) or grantee
	// before runs on the fake before the door starts (to make Telegram fail at start).
	before func(*telegramtest.Server)
	// tweak changes the door's options before New.
	tweak func(*telegram.Options)
}

func newHarness(t testing.TB, m mode, o options) *harness {
	t.Helper()
	h := &harness{t: t, mode: m, logs: &testlog.Buffer{}, clock: storagetest.NewLiveClock()}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.tg = telegramtest.NewServer("")
	t.Cleanup(h.tg.Close)
	h.sim = threadstest.NewServer(threadstest.Options{})
	t.Cleanup(h.sim.Close)
	h.simUser = h.sim.AddUser("alice")
	h.token = h.sim.IssueToken(h.simUser.ID, threads.DefaultScopes()...)
	h.api = threads.New(threads.Options{BaseURL: h.sim.URL, Logger: log})

	h.db = storagetest.Open(t, h.clock.Now)
	acc := storagetest.Account(t, h.db, "alice")
	svc := ingest.NewService(ingest.Options{Queue: h.db, Logger: log, Approvals: h.db})
	accs := accounts{bot.Account{ID: acc.ID, Username: "alice", Owner: !o.grantee, Default: true, Status: "active"}, o.unlinked, o.roles}
	disp := bot.NewDispatcher(bot.DispatcherOptions{Ingest: svc, Accounts: accs, Queue: h.db, Zones: h.db, Logger: log,
		Approvals: h.db, Cards: h.db})

	mux := http.NewServeMux()
	h.spindle = httptest.NewServer(mux)
	t.Cleanup(h.spindle.Close)
	h.dir = t.TempDir()
	opts := telegram.Options{
		Token: h.tg.Token, APIURL: h.tg.URL, PollTimeout: 2 * time.Second,
		HTTPClient:   &http.Client{Timeout: 5 * time.Second},
		AllowedUsers: o.allowed, PublicURL: h.spindle.URL, MediaDir: filepath.Join(h.dir, "media"),
		Dispatcher: cmpOr[telegram.Dispatcher](o.dispatcher, disp), Accounts: accs, Ingest: svc, Store: h.db,
		Logger: log, Now: h.clock.Now, AlbumWindow: 300 * time.Millisecond,
	}
	if m == webhook {
		opts.WebhookSecret = secret
	}
	if o.tweak != nil {
		o.tweak(&opts)
	}
	if o.before != nil {
		o.before(h.tg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	door, err := telegram.New(ctx, opts)
	if err != nil {
		t.Fatalf("new door: %v", err)
	}
	h.door = door
	mux.Handle("/media/", door.MediaHandler())
	mux.Handle(telegram.WebhookPath, door.WebhookHandler())
	h.opts = opts
	done := make(chan struct{})
	go func() { defer close(done); _ = door.Run(ctx) }()
	var once sync.Once
	h.shutdown = func(grace context.Context) {
		once.Do(func() {
			cancel()
			<-done
			door.Close(grace)
		})
	}
	h.stop = func() {
		grace, end := context.WithTimeout(context.Background(), wait)
		defer end()
		h.shutdown(grace)
	}
	t.Cleanup(func() {
		h.stop()
		h.checkNoToken()
	})
	// Run is up once it registered the menu (and, for webhooks, the URL).
	first := "deleteWebhook"
	if m == webhook {
		first = "setWebhook"
	}
	if len(h.tg.WaitCalls(first, 1, wait)) == 0 {
		t.Fatalf("door did not start: no %s call", first)
	}
	return h
}

// checkNoToken asserts the bot token appears in no log line and no URL handed to Threads.
func (h *harness) checkNoToken() {
	h.t.Helper()
	logs := h.logs.String()
	if logs == "" {
		h.t.Error("no log output captured; the token check would prove nothing")
	}
	for _, needle := range []string{h.tg.Token, strings.SplitN(h.tg.Token, ":", 2)[1]} {
		if strings.Contains(logs, needle) {
			h.t.Errorf("the bot token appears in the logs:\n%s", logs)
		}
		for _, f := range h.sim.Fetched() {
			if strings.Contains(f.URL, needle) {
				h.t.Errorf("a URL handed to Threads holds the bot token: %s", f.URL)
			}
		}
		for _, p := range h.sim.Ledger() {
			for _, m := range p.Media {
				if strings.Contains(m.URL, needle) {
					h.t.Errorf("published media URL holds the bot token: %s", m.URL)
				}
			}
		}
	}
}

// deliver hands updates to the door the way the mode receives them. In webhook mode they are
// posted one after another unless concurrently is set.
func (h *harness) deliver(vs ...any) {
	h.t.Helper()
	if h.mode == polling {
		h.tg.Push(vs...)
		return
	}
	for _, v := range vs {
		resp, err := telegramtest.PostWebhook(h.spindle.Client(), h.spindle.URL+telegram.WebhookPath, secret, h.tg.Update(v))
		if err != nil {
			h.t.Fatalf("webhook post: %v", err)
		}
		telegramtest.DrainBody(resp.Body)
		if resp.StatusCode != http.StatusOK {
			h.t.Fatalf("webhook answered %d, want 200", resp.StatusCode)
		}
	}
}

// deliverAtOnce delivers updates concurrently (webhook) or in one poll (polling).
func (h *harness) deliverAtOnce(vs ...any) {
	h.t.Helper()
	if h.mode == polling {
		h.tg.Push(vs...)
		return
	}
	var wg sync.WaitGroup
	for _, v := range vs {
		u := h.tg.Update(v)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := telegramtest.PostWebhook(h.spindle.Client(), h.spindle.URL+telegram.WebhookPath, secret, u)
			if err != nil {
				h.t.Errorf("webhook post: %v", err)
				return
			}
			telegramtest.DrainBody(resp.Body)
			if resp.StatusCode != http.StatusOK {
				h.t.Errorf("webhook answered %d, want 200", resp.StatusCode)
			}
		}()
	}
	wg.Wait()
}

func (h *harness) waitSent(what string, match func(telegramtest.Sent) bool) telegramtest.Sent {
	h.t.Helper()
	m, ok := h.tg.WaitSent(wait, match)
	if !ok {
		h.t.Fatalf("no message %s; sent: %+v\nlogs:\n%s", what, h.tg.Sent(), h.logs.String())
	}
	return m
}

// publishDue runs the real publisher over the harness's database until every post that is due
// now has been published (or failed) to the simulator and its result delivered through the
// door's Notifier, and returns those posts as they ended.
func (h *harness) publishDue() []storage.Post {
	h.t.Helper()
	ctx := context.Background()
	due, err := h.db.List(ctx, storage.ListFilter{States: []storage.State{storage.StateQueued}})
	if err != nil {
		h.t.Fatal(err)
	}
	stack := publishertest.New(h.t, publishertest.Options{DB: h.db, Server: h.sim, Publisher: publisher.Options{
		API: h.api, Tokens: simTokens{h}, Notifiers: map[string]publisher.Notifier{"telegram": h.door},
		Delays: publisher.Delays{TextCheck: time.Millisecond, MediaCheck: time.Millisecond, StatusPoll: time.Millisecond, NotReadyWait: time.Millisecond},
		Retry:  publisher.Retry{Base: time.Millisecond, Max: 10 * time.Millisecond, MaxAttempts: 20}}})
	ids := make([]string, len(due))
	for i, p := range due {
		ids[i] = p.ID
	}
	return stack.Finish(ids...)
}

// simTokens gives the publisher the simulator user's token for every account.
type simTokens struct{ h *harness }

func (s simTokens) Token(context.Context, int64) (string, string, error) {
	return s.h.token, s.h.simUser.ID, nil
}

func (simTokens) SaveRefreshed(context.Context, int64, string, string, time.Time) error { return nil }

func (simTokens) Refused(context.Context, int64, string) ([]byte, error) { return nil, nil }

func (h *harness) posts() []storage.Post {
	h.t.Helper()
	ps, err := h.db.List(context.Background(), storage.ListFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return ps
}

func button(m telegramtest.Sent, label string) string {
	for _, b := range m.Buttons {
		if b.Text == label {
			return b.CallbackData
		}
	}
	return ""
}

var (
	alice   = telegramtest.User(1001, "alice_tg")
	mallory = telegramtest.User(6666, "mallory")
)

func both(t *testing.T, f func(t *testing.T, m mode)) {
	for _, m := range []mode{polling, webhook} {
		t.Run(string(m), func(t *testing.T) { f(t, m) })
	}
}

var _ = models.ChatTypePrivate

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
