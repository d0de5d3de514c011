package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/recur"
	"github.com/spindle-threads/spindle/ingest/rss"
	"github.com/spindle-threads/spindle/ingest/webhook/webhookstore"
	"github.com/spindle-threads/spindle/metrics"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/events"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// shutdownGrace bounds how long in-flight work may take to finish after SIGINT/SIGTERM.
const shutdownGrace = 15 * time.Second

// app is everything serve builds: the services, the doors' registry, the router, and what
// runs once the listener is up (starts) and at shutdown (closers, in reverse).
type app struct {
	cfg     config.Config
	log     *slog.Logger
	db      *storage.DB
	router  *mux.Router
	sim     *threadstest.Server // sandbox mode only
	doors   *doors
	metrics *metrics.Metrics
	threads *threads.Client

	// accounts links identities to Threads accounts, seals tokens and authorises every action.
	accounts *accounts.Service
	// publisher drains the queue; chat's `delete` and the REST API call its Delete.
	publisher *publisher.Publisher
	// scheduler runs the background jobs: the publisher's and the feeds'.
	scheduler *publisher.Scheduler
	// leader decides where the singleton work runs: the jobs registered with EveryOnLeader and
	// Telegram long polling. Set by wireLeader; leader.Always on SQLite.
	leader whileLeader
	ingest *ingest.Service
	// webhookSources keeps the webhook sources; chat's `webhook add <name>` calls its Add.
	webhookSources *webhookstore.Store
	// eventSubs adds and rotates event webhook subscriptions, for REST.
	eventSubs events.Subscriptions
	// feeds manages feeds for the chat doors: Add, List, Get, Pause, Resume, Remove.
	feeds *rss.Manager
	// series makes each recurring post's next occurrence; chat and REST create series with it.
	series *recur.Service
	// dispatcher runs chat commands for every chat door and the MCP tools.
	dispatcher *bot.Dispatcher

	closers []func(context.Context) error
	starts  []func(context.Context) error // run once the listener is up
}

func runServe(ctx context.Context, env *cliEnv, args []string) error {
	fs, cf := env.flags("serve", "spindle serve [--sandbox] [flags]")
	if rest, err := parse(fs, args); err != nil {
		return err
	} else if len(rest) > 0 {
		return usagef("serve takes no arguments, got %q", rest[0])
	}
	cfg, err := env.load(cf)
	if err != nil {
		return err
	}
	if err := cfg.ValidateServe(); err != nil {
		return err
	}
	if err := cfg.EnsureSecretKey(); err != nil {
		return err
	}
	a := &app{cfg: cfg, log: env.logger(cfg), router: mux.NewRouter()}
	defer a.close()
	if err := a.build(ctx); err != nil {
		return err
	}
	return a.serve(ctx)
}

// build opens the database and builds Spindle as wtf's cmd/wtfd does: every service first,
// each from the services built before it, then the doors, which need the services. What a
// service has to tell a door (a post's result, "Connected as @name", a feed's notice) goes
// through a.doors, where each door registers once what it offers; that lookup is the one thing
// bound after construction, so no service waits on a door and no closure stands in for one.
func (a *app) build(ctx context.Context) error {
	if err := a.open(ctx); err != nil {
		return err
	}
	a.doors = newDoors(a.log)
	a.buildMetrics()
	a.routeHealth()
	a.threads = threads.New(threads.Options{
		BaseURL: a.cfg.Threads.APIURL, AuthURL: a.cfg.Threads.AuthURL,
		AppID: a.cfg.Threads.AppID, AppSecret: a.cfg.Threads.AppSecret.Reveal(),
		RedirectURI: a.cfg.Threads.RedirectURI, Scopes: a.cfg.Threads.DefaultScopes,
		HTTPClient: &http.Client{Timeout: threads.DefaultTimeout, Transport: a.metrics.Transport(nil)},
		Logger:     a.log,
	})
	keys, err := accounts.NewKeys(a.cfg.SecretKeyBytes())
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	if err := a.buildAccounts(ctx, keys); err != nil {
		return err
	}
	if err := a.buildPublisher(ctx, a.buildEvents(keys)); err != nil {
		return err
	}
	a.ingest = ingest.NewService(ingest.Options{Queue: a.db, Now: a.db.Now, Logger: a.log, MediaURLCheck: mediaURLCheck(&a.cfg),
		MediaProbe: mediaProbe(&a.cfg), PostsPerDay: a.cfg.Quota.Posts, Wake: a.publisher.Wake, Approvals: a.db, ApprovalTTL: a.cfg.ApprovalTTL,
		ApprovalNotice: publisher.PendingApprovalEvent})
	if err := a.buildSeries(); err != nil {
		return err
	}
	a.buildWebhooks(keys)
	if err := a.buildFeeds(); err != nil {
		return err
	}
	a.buildDispatcher()

	// The doors. The command line's answers are printed where it runs, so its posts' results
	// are told to nobody.
	a.doors.register(ingest.DoorCLI, doorOffer{})
	a.buildAPI()
	a.buildSlack()
	a.buildMCP()
	if err := a.buildTelegram(ctx); err != nil {
		return err
	}
	a.routeStatus()
	return nil
}

// open takes the data dir's lock, starts the simulator in sandbox mode and opens the database.
func (a *app) open(ctx context.Context) error {
	// One daemon per data dir, before the database is touched: the publisher's start-up
	// ReleaseLeases would otherwise expire the live leases of a daemon already running.
	lock, err := storage.LockDataDir(a.cfg.DataDir)
	if err != nil {
		return err
	}
	a.closers = append(a.closers, func(context.Context) error { return lock.Release() })
	if a.cfg.Sandbox {
		a.startSimulator(ctx)
	}
	db, err := openStore(ctx, a.cfg)
	if err != nil {
		return err
	}
	a.db = db
	a.closers = append(a.closers, func(context.Context) error { return db.Close() })
	a.log.Info("database ready", slog.String("path", db.Path()), slog.Int("schema", storage.LatestVersion()))
	return nil
}

// startSimulator runs the Threads simulator in-process and points the client at it: the API
// on its own loopback port, the consent page also under /sandbox/threads on Spindle's router so
// a browser reaching SPINDLE_PUBLIC_URL can use it.
func (a *app) startSimulator(ctx context.Context) {
	a.sim = threadstest.NewServer(threadstest.Options{HTTPClient: sandboxMediaClient(ctx, &a.cfg)})
	a.closers = append(a.closers, func(context.Context) error { a.sim.Close(); return nil })
	a.router.PathPrefix("/sandbox/threads/").Handler(http.StripPrefix("/sandbox/threads", a.sim.Handler()))
	a.cfg.Threads.APIURL = a.sim.URL
	a.cfg.Threads.AuthURL = a.cfg.PublicURL + "/sandbox/threads/oauth/authorize"
	a.cfg.Threads.AppID = a.sim.AppID()
	a.cfg.Threads.AppSecret = config.NewSecret(a.sim.AppSecret())
	a.log.Info("sandbox: publishing to the built-in Threads simulator, nothing reaches Meta",
		slog.String("simulator", a.sim.URL))
}

// serve listens until ctx ends, then shuts down in order: stop accepting requests and let those
// in flight finish, then stop the background jobs (closers, in reverse), then the database.
func (a *app) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SPINDLE_ADDR): %w", a.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.requestLog(a.router),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("spindle is listening", slog.String("addr", ln.Addr().String()),
		slog.String("public_url", a.cfg.PublicURL), slog.Bool("sandbox", a.cfg.Sandbox), slog.String("version", version))
	for _, start := range a.starts {
		if err := start(ctx); err != nil {
			srv.Close()
			return err
		}
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down: finishing requests in flight", slog.Duration("grace", shutdownGrace))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.log.Warn("http shutdown", slog.Any("error", err))
	}
	return nil
}

// close runs the closers in reverse order under the grace period.
func (a *app) close() {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	for i := len(a.closers) - 1; i >= 0; i-- {
		if err := a.closers[i](ctx); err != nil {
			a.log.Warn("shutdown step failed", slog.Any("error", err))
		}
	}
	if a.db != nil {
		a.log.Info("stopped")
	}
}

// routeHealth mounts liveness and readiness.
func (a *app) routeHealth() {
	a.router.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}).Methods(http.MethodGet, http.MethodHead)
	// Readiness: the database is reachable, current and writable (a real write); the body
	// also reports each door's health (readiness.go).
	dataDir := a.cfg.DataDir
	a.router.Handle("/readyz", &readiness{db: a.db, timeout: readyTimeout, doors: a.doorReports,
		free: func() (uint64, error) { return freeBytes(dataDir) }, minFree: minFreeBytes}).
		Methods(http.MethodGet, http.MethodHead)
}
