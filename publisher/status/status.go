// Package status serves the operator's status page at GET /: each account's quota use and
// publishes per hour, the queue by state, recent posts, feeds and webhook sources, with a few
// actions (cancel, retry, pause and resume a feed) as POST forms. It is server-rendered with
// html/template so there is nothing to build and it reads on a phone.
package status

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/spindle-threads/spindle/config"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/storage"
)

// Store is what the page reads and changes.
type Store interface {
	Accounts(ctx context.Context) ([]storage.Account, error)
	QuotaWindow(ctx context.Context, accountID int64, kind storage.QuotaKind, since time.Time) (int, time.Time, error)
	QuotaHourly(ctx context.Context, accountID int64, kind storage.QuotaKind, until time.Time, hours int) ([]int, error)
	PostCounts(ctx context.Context) ([]storage.PostCount, error)
	OutboxCounts(ctx context.Context) ([]storage.OutboxCount, error)
	List(ctx context.Context, f storage.ListFilter) ([]storage.Post, error)
	Feeds(ctx context.Context, accountIDs []int64) ([]storage.Feed, error)
	Feed(ctx context.Context, id int64) (storage.Feed, error)
	WebhookSources(ctx context.Context, accountID int64) ([]storage.WebhookSource, error)
	Cancel(ctx context.Context, id string) (storage.Post, error)
	RetryFailed(ctx context.Context, id string) (storage.Post, error)
	SetFeedEnabled(ctx context.Context, id int64, enabled bool, reason string, nextPoll time.Time) (storage.Feed, error)
}

// Options configure a Handler.
type Options struct {
	Store Store
	// Password protects the page with HTTP basic auth (any user name). Unset, the page is off
	// (404) unless Open is true.
	Password config.Secret
	// Open serves the page without a password when none is set: sandbox mode only.
	Open   bool
	Logger *slog.Logger
	Now    func() time.Time // nil: time.Now
	// Location is the zone times are shown in (SPINDLE_TIMEZONE) [UTC].
	Location *time.Location
	// Doors reports each chat and webhook door's health, for the page's Doors section [none].
	Doors func(ctx context.Context) []DoorHealth
	// Events lists the event webhook subscriptions with their delivery figures, for the page's
	// failing subscriptions [none].
	Events func(ctx context.Context) ([]storage.EventSubscription, error)
	// Refresh reloads the page this often in the browser [30 s].
	Refresh time.Duration
	// Wake, when set, is called after a retry so the publisher picks the post up at once.
	Wake func()
	// Limits are the quotas the publisher keeps (SPINDLE_QUOTA_*), which the gauges measure
	// against; zero fields mean Meta's.
	Limits publisher.Limits
	// Insights gives a post's counts if they are in the insights cache (never a Threads call:
	// a page view must not spend the account's call budget), for views and likes beside
	// recent posts [none].
	Insights func(postID string) (publisher.PostInsights, bool)
}

// Handler serves the page and its actions.
type Handler struct {
	opts  Options
	mux   *http.ServeMux
	csrf  string // the token every action form carries; random per process
	pages *pages
}

// New builds the handler. Its routes: GET /, and POST /status/posts/{id}/cancel,
// /status/posts/{id}/retry, /status/feeds/{id}/pause and /status/feeds/{id}/resume.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Refresh == 0 {
		o.Refresh = 30 * time.Second
	}
	o.Limits = o.Limits.OrMeta()
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("spindle status page actions"))
	h := &Handler{opts: o, mux: http.NewServeMux(), csrf: hex.EncodeToString(mac.Sum(nil))}
	h.pages = h.mustPages()
	h.mux.HandleFunc("GET /{$}", h.page)
	h.mux.HandleFunc("POST /status/posts/{id}/cancel", h.cancel)
	h.mux.HandleFunc("POST /status/posts/{id}/retry", h.retry)
	h.mux.HandleFunc("POST /status/feeds/{id}/pause", h.pause)
	h.mux.HandleFunc("POST /status/feeds/{id}/resume", h.resume)
	return h
}

// ServeHTTP checks access, then serves the route.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case h.opts.Password.IsSet():
		_, pw, ok := r.BasicAuth()
		if !ok || !h.opts.Password.Matches(pw) {
			w.Header().Set("WWW-Authenticate", `Basic realm="Spindle status", charset="UTF-8"`)
			http.Error(w, "Sign in with the password in SPINDLE_ADMIN_PASSWORD (any user name).", http.StatusUnauthorized)
			return
		}
	case !h.opts.Open:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// checkCSRF reports whether the form carries this process's token, compared in constant time.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	if hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(h.csrf)) {
		return true
	}
	http.Error(w, "This form has expired or did not come from the status page: reload the page and try again.", http.StatusForbidden)
	return false
}
