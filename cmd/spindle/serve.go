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

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/publisher/threads/threadstest"
	"github.com/spindle-threads/spindle/storage"
)

// shutdownGrace bounds how long in-flight work may take to finish after SIGINT/SIGTERM.
const shutdownGrace = 15 * time.Second

// app is everything serve builds. The wire* functions (wire_*.go, one per subsystem) connect
// one subsystem each; they run in order, and whatever they start they register in closers,
// which run in reverse. Each subsystem keeps what later ones need in its own embedded struct,
// declared in its wire file.
type app struct {
	metricsParts
	publisherParts
	accountsParts
	webhookParts
	feedParts
	slackParts
	telegramParts
	leaderParts

	cfg     config.Config
	log     *slog.Logger
	db      *storage.DB
	router  *mux.Router
	threads *threads.Client
	sim     *threadstest.Server // sandbox mode only
	ingest  *ingest.Service
	wake    func() // set by the publisher: run the drain now

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

// build opens the database and wires every subsystem.
func (a *app) build(ctx context.Context) error {
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

	a.buildMetrics()
	a.threads = threads.New(threads.Options{
		BaseURL: a.cfg.Threads.APIURL, AuthURL: a.cfg.Threads.AuthURL,
		AppID: a.cfg.Threads.AppID, AppSecret: a.cfg.Threads.AppSecret.Reveal(),
		RedirectURI: a.cfg.Threads.RedirectURI, Scopes: a.cfg.Threads.DefaultScopes,
		HTTPClient: &http.Client{Timeout: threads.DefaultTimeout, Transport: a.metrics.Transport(nil)},
		Logger:     a.log,
	})
	a.ingest = ingest.NewService(ingest.Options{Queue: db, Logger: a.log, MediaURLCheck: mediaURLCheck(&a.cfg), MediaProbe: mediaProbe(&a.cfg), Wake: func() {
		if a.wake != nil {
			a.wake()
		}
	}})
	a.routeHealth()
	for _, wire := range []func(context.Context) error{
		a.wireAccounts, a.wirePublisher, a.wireWebhooks, a.wireFeeds, a.wireSlack, a.wireMCP, a.wireTelegram, a.wireStatus,
	} {
		if err := wire(ctx); err != nil {
			return err
		}
	}
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
