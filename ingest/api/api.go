// Package api is Spindle's REST API for people who script: the routes of the integration
// guide (seeds/integration-guide.md) under /api/threads/, and GET /api/posts/{id}. Every
// request carries a bearer API token (`token` in chat, or `spindle tokens create`), and every
// action is authorised against the token's identity: its owned and granted accounts.
//
// One deliberate deviation from the guide: POST /api/threads/post does not publish before it
// answers. Spindle commits the post to its durable queue and answers 202 Accepted with the
// post's id, status and status_url; "data" holds the same id (a Spindle post id, which
// GET /api/posts/{id} and DELETE /api/threads/post/{id} accept), since the Threads media id
// and creation id exist only once the publisher has run. Poll status_url for them.
//
// Choosing the account: a token pinned to an account (tokens create --account) always uses
// it; otherwise ?account=@name (or "account" in a JSON body) names one, else the identity's
// default account.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/accounts"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Accounts is the authorisation and account service; *accounts.Service implements it.
type Accounts interface {
	RequireToken(next http.Handler) http.Handler
	ResolveAccount(ctx context.Context, id accounts.Identity, name string) (storage.Account, error)
	AccountsFor(ctx context.Context, id accounts.Identity) ([]storage.Access, error)
	CanPost(ctx context.Context, id accounts.Identity, accountID int64) error
	CanManage(ctx context.Context, id accounts.Identity, accountID int64) error
	Disconnect(ctx context.Context, id accounts.Identity, accountID int64) (storage.Account, error)
	Refresh(ctx context.Context, accountID int64) (storage.Account, error)
	Profile(ctx context.Context, accountID int64) (threads.Profile, error)
}

// Posts reads and cancels queued posts; *storage.DB implements it.
type Posts interface {
	Get(ctx context.Context, id string) (storage.Post, error)
	PostByMediaID(ctx context.Context, mediaID string) (storage.Post, error)
	List(ctx context.Context, f storage.ListFilter) ([]storage.Post, error)
	Cancel(ctx context.Context, id string) (storage.Post, error)
	Account(ctx context.Context, id int64) (storage.Account, error)
}

// Enqueuer commits a post request; *ingest.Service implements it.
type Enqueuer interface {
	Enqueue(ctx context.Context, r ingest.Request) (ingest.Accepted, error)
}

// Deleter deletes a post Spindle published from Threads, by Spindle post id; the publisher
// implements it (quota, the Graph call, the outbox event). It returns once Threads answered.
type Deleter interface {
	Delete(ctx context.Context, postID string) error
}

// Insighter reads a published post's counts from Threads (cached); the publisher implements it.
type Insighter interface {
	Insights(ctx context.Context, postID string) (publisher.PostInsights, error)
}

// Options configure a Handler. Accounts, Posts and Enqueuer are required.
type Options struct {
	Accounts Accounts
	Posts    Posts
	Enqueuer Enqueuer
	// Deleter deletes published posts; nil answers DELETE /api/threads/post/{id} with 501.
	Deleter Deleter
	// Insights reads post insights; nil answers GET /api/threads/post/{id}/insights with 501.
	Insights Insighter
	// Editor edits queued posts; nil: the Enqueuer, if it is one, else PATCH answers 501.
	Editor Editor
	// Series creates and manages recurring posts; nil answers /api/threads/series with 501.
	Series Series
	// Slots keeps the accounts' posting slots; nil answers the slot routes with 501.
	Slots Slots
	// Polls reads published polls' votes for GET /api/posts/{id} and insights; nil: none shown.
	Polls Polls
	// Approvals decides posts held for approval; nil answers approve and reject with 501.
	Approvals Approvals
	// Events keeps the event webhook subscriptions; nil answers their routes with 501.
	Events EventHooks
	// Zone is SPINDLE_TIMEZONE, the zone of a slot schedule PUT without one; nil: UTC.
	Zone *time.Location
	// PublicURL is SPINDLE_PUBLIC_URL, the base of status_url.
	PublicURL string
	Now       func() time.Time // nil: time.Now
	Logger    *slog.Logger     // nil: discard
}

// Handler serves the REST API. Mount it for every path under /api/threads/ and /api/posts/.
type Handler struct {
	acct   Accounts
	posts  Posts
	enq    Enqueuer
	del    Deleter
	ins    Insighter
	edit   Editor
	series Series
	slots  Slots
	polls  Polls
	events EventHooks
	zone   *time.Location

	approvals Approvals
	public    string
	now       func() time.Time
	log       *slog.Logger
	mux       http.Handler
}

// Prefixes the Handler serves; the router mounts it at each.
var Prefixes = []string{"/api/threads/", "/api/posts/", "/api/events/"}

// New returns a Handler. It panics without Accounts, Posts or Enqueuer: a wiring bug.
func New(o Options) *Handler {
	if o.Accounts == nil || o.Posts == nil || o.Enqueuer == nil {
		panic("api: New needs Accounts, Posts and Enqueuer")
	}
	h := &Handler{acct: o.Accounts, posts: o.Posts, enq: o.Enqueuer, del: o.Deleter, ins: o.Insights, edit: o.Editor, series: o.Series,
		slots: o.Slots, polls: o.Polls, events: o.Events, zone: o.Zone, approvals: o.Approvals,
		public: strings.TrimSuffix(o.PublicURL, "/"), now: o.Now, log: o.Logger}
	if ed, ok := o.Enqueuer.(Editor); ok && h.edit == nil {
		h.edit = ed
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	for _, r := range h.routes() {
		mux.Handle(r.pattern, r.h)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, httperr.CodeNotFound, "there is no "+r.Method+" "+r.URL.Path+"; the API's routes are listed in the integration guide")
	})
	h.mux = o.Accounts.RequireToken(mux)
	return h
}

type route struct {
	pattern string
	h       http.HandlerFunc
}

func (h *Handler) routes() []route {
	return []route{
		{"GET /api/threads/connection", h.getConnection},
		{"DELETE /api/threads/connection", h.deleteConnection},
		{"POST /api/threads/refresh", h.refresh},
		{"GET /api/threads/me", h.me},
		{"POST /api/threads/post", h.createPost},
		{"DELETE /api/threads/post/{id}", h.deletePost},
		{"GET /api/threads/post/{id}/insights", h.postInsights},
		{"POST /api/threads/post/{id}/approve", h.approvePost},
		{"POST /api/threads/post/{id}/reject", h.rejectPost},
		{"POST /api/threads/post/schedule", h.schedulePost},
		{"GET /api/threads/post/schedule", h.listScheduled},
		{"DELETE /api/threads/post/schedule/{id}", h.cancelScheduled},
		{"PATCH /api/threads/post/schedule/{id}", h.editScheduled},
		{"POST /api/threads/series", h.createSeries},
		{"GET /api/threads/series", h.listSeries},
		{"DELETE /api/threads/series/{id}", h.cancelSeries},
		{"GET /api/posts/{id}", h.getPost},
		{"POST /api/threads/post/queue", h.queuePost},
		{"GET /api/threads/slots", h.getSlots},
		{"PUT /api/threads/slots", h.putSlots},
		{"DELETE /api/threads/slots", h.deleteSlots},
		{"POST /api/events/subscriptions", h.addSubscription},
		{"GET /api/events/subscriptions", h.listSubscriptions},
		{"DELETE /api/events/subscriptions/{id}", h.deleteSubscription},
		{"POST /api/events/subscriptions/{id}/rotate", h.rotateSubscription},
		{"POST /api/events/deliveries/{id}/redeliver", h.redeliverEvent},
	}
}

// ServeHTTP authenticates the bearer token and routes the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Handler) statusURL(id string) string { return h.public + "/api/posts/" + id }
