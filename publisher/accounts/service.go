package accounts

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/ingest/httperr"
	"github.com/spindle-threads/spindle/publisher"
	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Threads is the part of the Graph API client linking and refreshing need; *threads.Client
// implements it.
type Threads interface {
	AuthorizeURL(state string) string
	ExchangeCode(ctx context.Context, code string) (threads.ShortLivedToken, error)
	ExchangeLongLived(ctx context.Context, shortToken string) (threads.Token, error)
	Refresh(ctx context.Context, token string) (threads.Token, error)
	Me(ctx context.Context, token string) (threads.Profile, error)
}

// IdentityNotifier tells a person something in their own chat: "Connected as @name", "your
// account was disconnected". The chat doors implement it for their identities; an error is
// logged and otherwise ignored, since the browser page says the same.
type IdentityNotifier interface {
	NotifyIdentity(ctx context.Context, id Identity, text string) error
}

// Defaults of Options.
const (
	DefaultLinkTTL  = 15 * time.Minute
	DefaultStateTTL = 15 * time.Minute
)

// Options configure a Service. DB, Threads and Keys are required.
type Options struct {
	DB      Store // *storage.DB
	Threads Threads
	Keys    *Keys
	// PublicURL is SPINDLE_PUBLIC_URL, the base of connect links.
	PublicURL string
	// SuccessRedirectURI and FailureRedirectURI are THREADS_SUCCESS_REDIRECT_URI and
	// THREADS_FAILURE_REDIRECT_URI; empty shows a small page instead.
	SuccessRedirectURI, FailureRedirectURI string
	// Notifier tells identities about their accounts; nil tells nobody.
	Notifier IdentityNotifier
	Now      func() time.Time // nil: time.Now
	Logger   *slog.Logger     // nil: discard
	// LinkTTL and StateTTL bound a connect link and an OAuth state; zero means 15 minutes.
	LinkTTL, StateTTL time.Duration
	// PostNotice makes the outbox event that tells a post's author it was cancelled and why
	// (publisher.CancelledNotice); nil tells nobody. A takeover uses it.
	PostNotice func(p storage.Post, reason string, at time.Time) storage.OutboxEvent
}

// Service links identities to Threads accounts and answers who may do what.
type Service struct {
	// The storage, one small interface per concern (store.go), all from Options.DB.
	ids        IdentityStore
	accts      AccountStore
	access     AccessStore
	links      LinkStore
	apiTokens  APITokenStore
	dependents DependentStore

	threads  Threads
	keys     *Keys
	public   string
	success  string
	failure  string
	notifier IdentityNotifier
	now      func() time.Time
	log      *slog.Logger
	linkTTL  time.Duration
	stateTTL time.Duration
	notice   func(p storage.Post, reason string, at time.Time) storage.OutboxEvent
}

// New returns a Service. It panics without DB, Threads or Keys: that is a wiring bug.
func New(o Options) *Service {
	if o.DB == nil || o.Threads == nil || o.Keys == nil {
		panic("accounts: New needs DB, Threads and Keys")
	}
	s := &Service{ids: o.DB, accts: o.DB, access: o.DB, links: o.DB, apiTokens: o.DB, dependents: o.DB,
		threads: o.Threads, keys: o.Keys, public: strings.TrimSuffix(o.PublicURL, "/"), success: o.SuccessRedirectURI, failure: o.FailureRedirectURI, notifier: o.Notifier,
		now: o.Now, log: o.Logger, linkTTL: cmp.Or(o.LinkTTL, DefaultLinkTTL), stateTTL: cmp.Or(o.StateTTL, DefaultStateTTL),
		notice: o.PostNotice}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// Errors callers match with errors.Is. Each is wrapped with a message saying what to do, and
// each knows its HTTP answer (httperr). ErrForbidden and ErrNeedsReconnect are the one
// sentinel of their meaning, declared in httperr and publisher, so the chat dispatcher and the
// publisher recognise them without translation.
var (
	ErrForbidden        = httperr.ErrForbidden
	ErrNoAccount        = httperr.New(http.StatusNotFound, httperr.CodeNoAccount, "no Threads account")
	ErrAmbiguousAccount = httperr.New(http.StatusConflict, httperr.CodeAmbiguousAccount, "more than one Threads account")
	ErrNotConnected     = httperr.New(http.StatusConflict, httperr.CodeNotConnected, "the Threads account is disconnected")
	ErrNeedsReconnect   = publisher.ErrNeedsReconnect
	ErrTokenInvalid     = httperr.New(http.StatusUnauthorized, httperr.CodeUnauthorized, "invalid API token")
	ErrTokenRevoked     = httperr.New(http.StatusUnauthorized, httperr.CodeUnauthorized, "revoked API token")
)

// notify tells an identity something, logging (never returning) a failure.
func (s *Service) notify(ctx context.Context, id Identity, text string) {
	if s.notifier == nil || id.ID == 0 {
		return
	}
	if err := s.notifier.NotifyIdentity(ctx, id, text); err != nil {
		s.log.WarnContext(ctx, "could not tell identity", slog.Int64("identity_id", id.ID),
			slog.String("door", id.Door), slog.String("error", err.Error()))
	}
}

// notifyOwner tells the owner of an account, if it has one.
func (s *Service) notifyOwner(ctx context.Context, accountID int64, text string) {
	owner, err := s.access.AccountOwner(ctx, accountID)
	if err != nil {
		if !errors.Is(err, storage.ErrNotFound) {
			s.log.WarnContext(ctx, "could not find account owner", slog.Int64("account_id", accountID), slog.String("error", err.Error()))
		}
		return
	}
	s.notify(ctx, fromStorage(owner), text)
}
