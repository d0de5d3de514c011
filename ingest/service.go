package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// Queue is the storage the service commits to.
type Queue interface {
	Enqueue(ctx context.Context, p storage.NewPost) (storage.Post, bool, error)
}

// Replays is a Queue that can tell, without writing, whether a request repeats one already
// accepted (storage.DB does). With it, a replay is answered before the media are probed: its
// post stands even if a media URL has gone since.
type Replays interface {
	Replayed(ctx context.Context, p storage.NewPost) (storage.Post, bool, error)
}

// Options configure a Service. Queue is required.
type Options struct {
	Queue  Queue
	Now    func() time.Time // nil: time.Now
	Logger *slog.Logger     // nil: discard
	// Wake is called after a post that is due now was committed, so the publisher does not wait
	// for its next tick. nil: nobody is woken.
	Wake func()
	// MaxAhead bounds how far ahead a post may be scheduled; zero means one year.
	MaxAhead time.Duration
	// MediaURLCheck, when set, vets each media URL before anything is stored (serve passes
	// netguard's CheckURL, which refuses private and loopback hosts); nil checks nothing.
	MediaURLCheck func(rawURL string) error
	// MediaProbe, when set, fetches the start of each media URL before the post is stored
	// (serve passes mediaprobe's, through netguard): a 404 or an HTML page named ".png" is
	// refused at the door instead of failing at publish time. kind is "image" or "video".
	// nil probes nothing.
	MediaProbe func(ctx context.Context, kind, rawURL string) error
	// Approvals, when set, is asked for the account's approval policy: a post it covers is held
	// in pending_approval for ApprovalTTL (zero: DefaultApprovalTTL). nil holds nothing.
	Approvals   ApprovalPolicies
	ApprovalTTL time.Duration
	// ApprovalNotice, when set, builds the event that tells the account's owner a post waits
	// (serve passes the publisher's PendingApprovalEvent); nil tells nobody.
	ApprovalNotice func(storage.Post) storage.OutboxEvent
	// PostsPerDay is the posts quota per 24 hours (SPINDLE_QUOTA_POSTS) that placing a post by
	// slot keeps within; 0 is Meta's 250.
	PostsPerDay int
}

// Service validates requests from every door and commits them to the queue.
type Service struct {
	queue    Queue
	now      func() time.Time
	log      *slog.Logger
	wake     func()
	maxAhead time.Duration
	mediaURL func(string) error
	probe    func(context.Context, string, string) error
	perDay   int
	policies ApprovalPolicies
	ttl      time.Duration
	notice   func(storage.Post) storage.OutboxEvent
}

// ApprovalPolicies reads an account's approval policy (storage.DB).
type ApprovalPolicies interface {
	ApprovalPolicyFor(ctx context.Context, accountID int64) (storage.ApprovalPolicy, error)
}

// DefaultApprovalTTL is how long a post waits for approval before it expires.
const DefaultApprovalTTL = 7 * 24 * time.Hour

// NeedsApproval reports whether policy p holds a post made through door, by a grantee or not.
// The owner's own chat posts and the command line never wait.
func NeedsApproval(p storage.ApprovalPolicy, door Door, grantee bool) bool {
	switch door {
	case DoorWebhook:
		return p.Webhooks
	case DoorFeed:
		return p.Feeds
	case DoorAPI:
		return p.API || (grantee && p.Grantees)
	case DoorCLI:
		return false
	}
	return grantee && p.Grantees
}

// NewService returns a Service. It panics without a Queue: that is a wiring bug, not input.
func NewService(o Options) *Service {
	if o.Queue == nil {
		panic("ingest: NewService needs a Queue")
	}
	s := &Service{queue: o.Queue, now: o.Now, log: o.Logger, wake: o.Wake, maxAhead: o.MaxAhead, mediaURL: o.MediaURLCheck, probe: o.MediaProbe, perDay: o.PostsPerDay, policies: o.Approvals, ttl: o.ApprovalTTL, notice: o.ApprovalNotice}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxAhead == 0 {
		s.maxAhead = 365 * 24 * time.Hour
	}
	return s
}

// MaxIdempotencyKey is the longest idempotency key the queue stores, in bytes.
const MaxIdempotencyKey = 200

// Accepted is what a door tells its user: the post id, and whether the request was a repeat
// of one already accepted (same idempotency key from the same caller, or the same signed body).
type Accepted struct {
	Post    storage.Post
	Existed bool
}

// InvalidError says a request breaks one of Threads' rules or Spindle's. Its message is for
// the person who sent it; Field names what to fix ("text", "media[1].url", "scheduled_at").
type InvalidError struct {
	Field  string
	Reason string
	// Limit is set when the request is over one of Spindle's size limits (the limit's value):
	// HTTP doors answer 413 instead of 400, since the same request made smaller would pass.
	Limit int
}

func (e *InvalidError) Error() string { return e.Reason }

// Enqueue validates r and commits it. It returns only once the post is durable. A request that
// breaks a rule gets an error wrapping *InvalidError (several joined when several rules are
// broken) and nothing is stored.
func (s *Service) Enqueue(ctx context.Context, r Request) (Accepted, error) {
	if err := s.Validate(r); err != nil {
		return Accepted{}, err
	}
	r = AttachLong(r) // as Validate checked it
	// A door may pass a caller's id through (X-Request-Id, a delivery id); only a sane one is
	// stored and logged, else the HTTP request's own, else a fresh one. A replay is recognised
	// before the checks that only a new request needs (permissions, media), which may fail now
	// where they passed when it was accepted.
	for _, id := range []string{r.RequestID, RequestIDFrom(ctx), NewRequestID()} {
		if SaneRequestID(id) {
			r.RequestID = id
			break
		}
	}
	np := s.newPost(r)
	scope, _ := needsScope(r)
	if rp, ok := s.queue.(Replays); ok && (len(r.Media) > 0 || scope != "") && (np.IdempotencyKey != "" || np.BodyDigest != "") {
		p, existed, err := rp.Replayed(ctx, np)
		if _, ok := errors.AsType[*storage.KeyConflictError](err); ok || errors.Is(err, storage.ErrNoSlots) || errors.Is(err, storage.ErrNoFreeSlot) {
			return Accepted{}, fmt.Errorf("ingest: nothing was stored: %w", err)
		}
		if err != nil {
			return Accepted{}, fmt.Errorf("ingest: could not queue the post, nothing was stored; try again: %w", err)
		}
		if existed {
			s.log.InfoContext(ctx, "post accepted", slog.String("post_id", p.ID), slog.String("door", string(r.Origin.Door)),
				slog.Int64("account_id", r.AccountID), slog.Bool("existed", true), slog.String("request_id", r.RequestID))
			return Accepted{Post: p, Existed: true}, nil
		}
	}
	if err := s.checkScopes(ctx, r); err != nil {
		return Accepted{}, err
	}
	if err := s.probeMedia(ctx, r); err != nil {
		return Accepted{}, err
	}
	if err := s.holdIfNeeded(ctx, r, &np); err != nil {
		return Accepted{}, err
	}
	p, existed, err := s.queue.Enqueue(ctx, np)
	if _, ok := errors.AsType[*storage.KeyConflictError](err); ok || errors.Is(err, storage.ErrNoSlots) || errors.Is(err, storage.ErrNoFreeSlot) {
		return Accepted{}, fmt.Errorf("ingest: nothing was stored: %w", err)
	}
	if err != nil {
		return Accepted{}, fmt.Errorf("ingest: could not queue the post, nothing was stored; try again: %w", err)
	}
	s.log.InfoContext(ctx, "post accepted",
		slog.String("post_id", p.ID), slog.String("door", string(r.Origin.Door)),
		slog.Int64("account_id", r.AccountID), slog.Bool("existed", existed),
		slog.String("request_id", r.RequestID), slog.Time("scheduled_at", p.ScheduledAt))
	if !existed && s.wake != nil && !p.NextAttemptAt.After(s.now()) {
		s.wake()
	}
	return Accepted{Post: p, Existed: existed}, nil
}

// holdIfNeeded asks np to wait for approval when the account's policy covers r.
func (s *Service) holdIfNeeded(ctx context.Context, r Request, np *storage.NewPost) error {
	if s.policies == nil {
		return nil
	}
	p, err := s.policies.ApprovalPolicyFor(ctx, r.AccountID)
	if err != nil {
		return fmt.Errorf("ingest: could not read the approval policy, nothing was stored; try again: %w", err)
	}
	// A person's door must say who posts (Author); one that does not is treated as a grantee,
	// so a door that forgets cannot open a way around the owner's policy.
	grantee := r.Grantee || (r.Author == "" && personDoor(r.Origin.Door))
	if NeedsApproval(p, r.Origin.Door, grantee) {
		np.Approval = storage.ApprovalHold{Author: r.Author, ExpiresAt: s.now().Add(cmp.Or(s.ttl, DefaultApprovalTTL)), Notice: s.notice}
	}
	return nil
}

// personDoor reports whether door carries posts typed by a person (chat, REST), as opposed to
// the machine doors (webhook, feed) and the operator's command line.
func personDoor(door Door) bool {
	return door == DoorSlack || door == DoorTelegram || door == DoorAPI
}

// Validate checks r without storing anything: Threads' rules (the same preflight the publisher
// relies on) and Spindle's own (an account, a known door, a schedule within reach).
func (s *Service) Validate(r Request) error {
	attached := r.TextAttachment == nil
	r = AttachLong(r)
	attached = attached && r.TextAttachment != nil
	var errs []error
	if attached {
		var kept []threads.Spoiler
		kept, errs = spoilersInLead(r)
		r.Spoilers = kept
	}
	if r.AccountID == 0 {
		errs = append(errs, &InvalidError{Field: "account", Reason: "no Threads account chosen; connect one first, or name it with --account"})
	}
	if r.Origin.Door == "" {
		errs = append(errs, &InvalidError{Field: "origin", Reason: "the request has no door"})
	}
	if r.BySlot && !r.ScheduledAt.IsZero() {
		errs = append(errs, &InvalidError{Field: "scheduled_at", Reason: "a post goes either in the next free slot or at a time, not both; drop the time"})
	}
	if !r.ScheduledAt.IsZero() && r.ScheduledAt.After(s.now().Add(s.maxAhead)) {
		errs = append(errs, &InvalidError{Field: "scheduled_at", Reason: fmt.Sprintf(
			"scheduled_at %s is more than %d days ahead; pick an earlier time", r.ScheduledAt.UTC().Format(time.RFC3339), int(s.maxAhead.Hours()/24))})
	}
	if len(r.IdempotencyKey) > MaxIdempotencyKey {
		errs = append(errs, &InvalidError{Field: "idempotency_key", Reason: fmt.Sprintf("idempotency_key is longer than %d characters", MaxIdempotencyKey)})
	}
	if err := checkThreadParts(r); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, checkChainShapes(r)...)
	errs = append(errs, checkLengths(r)...)
	errs = append(errs, s.checkMediaURLs(r)...)
	if err := threads.Validate(s.threadsPost(r)); err != nil {
		errs = append(errs, fromThreads(err)...)
	}
	return errors.Join(errs...)
}

// threadsPost is the post Threads will see. A request flagged Thread may run past 500
// characters: the publisher splits it into a chain, so each part is checked instead.
func (s *Service) threadsPost(r Request) threads.Post {
	p := threads.Post{Text: r.Text, ReplyToID: r.ReplyToID, QuoteID: r.QuoteID,
		LinkAttachment: r.LinkAttachment, TopicTag: strings.TrimPrefix(r.TopicTag, "#"),
		ReplyControl: r.ReplyControl, Poll: r.Poll, TextAttachment: r.TextAttachment, Spoilers: r.Spoilers,
		SpoilerMedia: r.SpoilerMedia, Ghost: r.Ghost, LocationID: r.LocationID, GIF: r.GIF}
	for _, m := range r.Media {
		p.Media = append(p.Media, threads.Media{Kind: string(m.Kind), URL: m.URL, AltText: m.AltText})
	}
	if r.Thread && threads.CountChars(r.Text) > threads.MaxTextChars {
		// The chain's spoilers are checked against the whole text (checkChainShapes).
		p.Text, p.Spoilers = threads.Split(r.Text, threads.MaxTextChars)[0], nil
	}
	return p
}

// fromThreads turns the preflight's validation errors into InvalidErrors.
func fromThreads(err error) []error {
	var out []error
	for _, leaf := range leaves(err) {
		var ve *threads.ValidationError
		if errors.As(leaf, &ve) {
			out = append(out, &InvalidError{Field: ve.Field, Reason: ve.Reason})
		} else {
			out = append(out, &InvalidError{Reason: leaf.Error()})
		}
	}
	return out
}

func (s *Service) newPost(r Request) storage.NewPost {
	np := storage.NewPost{
		AccountID: r.AccountID, Door: string(r.Origin.Door), OriginRef: r.Origin.Ref,
		Text: r.Text, ReplyToID: r.ReplyToID, QuoteID: r.QuoteID, LinkAttachment: r.LinkAttachment,
		TopicTag: strings.TrimPrefix(r.TopicTag, "#"), Thread: r.Thread, ScheduledAt: r.ScheduledAt,
		IdempotencyKey: r.IdempotencyKey, IdempotencyScope: r.KeyScope, BodyDigest: r.BodyDigest,
		RequestID: r.RequestID, BySlot: r.BySlot, SlotDailyPosts: s.perDay, Shape: shapeOf(r),
	}
	if r.StrictKey && r.IdempotencyKey != "" {
		np.RequestDigest = RequestDigest(r)
	}
	for _, m := range r.Media {
		np.Media = append(np.Media, storage.Media{Kind: string(m.Kind), URL: m.URL, AltText: m.AltText})
	}
	return np
}
