package publisher

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// failure decides what a failed call means for the post: an expired or revoked token, or one
// lacking a permission the post needs, parks it; a transient failure requeues it with backoff within the retry budget; anything else
// fails it at once with a reason a person can act on. pt, if not nil, is committed with it.
func (r *run) failure(ctx context.Context, pt *storage.Part, err error) error {
	if ctx.Err() != nil {
		return ctx.Err() // shutting down: not the post's fault; resume later
	}
	parts := partsOf(pt)
	class := threads.ClassOf(err)
	var te *threads.Error
	switch {
	case !errors.As(err, &te):
		class = threads.ClassTransient // our own trouble (database, token store): retry
	case te.MaybePublished, te.HTTPStatus >= 500 && class != threads.ClassAuth:
		// The outcome is unknown (the post may be live) or Threads itself failed: retry; the
		// next step reconciles from the committed marker or container before anything else.
		class = threads.ClassTransient
	}
	var refused []byte // the token Threads refused, as stored: the account is parked only while it holds it
	if class == threads.ClassAuth || te != nil && te.Scope != "" {
		var replaced bool
		if refused, replaced = r.refusedToken(ctx); replaced {
			// The account holds another token than the one Threads refused (its owner linked it
			// again meanwhile, perhaps on another replica): that one decides.
			return r.retryNow(ctx, pt, "the account was linked again while this post was being published; trying again with its new token")
		}
	}
	switch {
	case class == threads.ClassAuth:
		return r.park(ctx, pt, refused, reasonOf(err))
	case te != nil && te.Scope != "":
		// The token lacks a permission this post needs (a chain's replies need
		// threads_manage_replies): only linking again fixes it, so the post waits for that
		// like an expired token, and a chain resumes from the part that was refused instead
		// of failing with its first parts live.
		r.p.forgetScope(ctx, r.post.AccountID, te.Scope)
		return r.park(ctx, pt, refused, "the Threads token of this account lacks the "+te.Scope+
			" permission this post needs (it was linked before Spindle asked for it)")
	case class.Retryable():
		if class == threads.ClassRateLimited {
			r.p.reconcileQuota(ctx, r.post.AccountID, r.token, r.userID)
		}
		now := r.p.now()
		if r.state.Failures == 0 {
			r.state.FirstFailureAt = now
		}
		r.state.Failures++
		if r.state.Failures > r.p.opts.Retry.MaxAttempts || now.Sub(r.state.FirstFailureAt) > r.p.opts.Retry.MaxTime {
			return r.fail(ctx, pt, FailRetriesExhausted, fmt.Sprintf("gave up after %d attempts over %s: %s",
				r.state.Failures, now.Sub(r.state.FirstFailureAt).Round(time.Second), reasonOf(err)))
		}
		next := now.Add(r.backoff(r.state.Failures, err))
		if err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: parts, State: &r.state,
			Retry: &storage.RetryAt{Next: next, Reason: reasonOf(err)}}); err != nil {
			return err
		}
		r.p.obs.Retried(failureClass(class))
		r.p.wakeAt(next)
		return errStop
	}
	return r.fail(ctx, pt, failureClass(class), reasonOf(err))
}

// failureClass is the FailureClass of a Threads client's class: the same name, in a label's
// spelling. A class this package does not list (one added to the client later) counts as
// permanent rather than leak into a label.
func failureClass(c threads.Class) FailureClass {
	fc := FailureClass(strings.ReplaceAll(c.String(), "-", "_"))
	if !slices.Contains(FailureClasses(), fc) {
		return FailPermanent
	}
	return fc
}

// backoff is the wait before retry n (from 1): exponential with full jitter in its upper half,
// capped, and never shorter than a Retry-After Threads gave.
func (r *run) backoff(n int, err error) time.Duration {
	o := r.p.opts.Retry
	d := o.Base << min(n-1, 20)
	if d > o.Max || d <= 0 {
		d = o.Max
	}
	d = d/2 + rand.N(d/2+1)
	if ra := threads.RetryAfter(err); ra > d {
		d = ra
	}
	return d
}

// fail marks the post failed with reason, telling its door; class is for the Observer.
func (r *run) fail(ctx context.Context, pt *storage.Part, class FailureClass, reason string) error {
	if done := r.publishedParts(); done > 0 {
		reason = fmt.Sprintf("%s (the first %d of %d parts of the thread were published)", reason, done, len(r.parts))
	}
	ev := r.event(EventFailed)
	ev.Reason = reason
	if err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: partsOf(pt), Fail: reason,
		Events: []storage.OutboxEvent{r.p.outboxEvent(ev, r.post.ID+":failed")}}); err != nil {
		return err
	}
	r.p.obs.Failed(class)
	r.p.deliverSoon()
	return errStop
}

func (r *run) publishedParts() int {
	n := 0
	for _, p := range r.parts {
		if p.Published() {
			n++
		}
	}
	return n
}

// refusedToken reads the account's token as stored while it is the one this run read and
// Threads refused: park marks the account only while it holds those bytes, since a relink may
// still commit between this read and that write. replaced says the account holds another
// token already: the refusal is then no reason to park it, since its new token (a relink
// committed during the call) may well work. A failure to read says no: the refusal stands.
func (r *run) refusedToken(ctx context.Context) (sealed []byte, replaced bool) {
	sealed, err := r.p.toks.Refused(ctx, r.post.AccountID, r.token)
	return sealed, errors.Is(err, storage.ErrTokenReplaced)
}

// retryNow puts the post back in the queue, due at once, without counting a failure: nothing
// was wrong with it, only with what this run had read.
func (r *run) retryNow(ctx context.Context, pt *storage.Part, why string) error {
	if err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: partsOf(pt),
		Retry: &storage.RetryAt{Next: r.p.now(), Reason: why}}); err != nil {
		return err
	}
	return errStop
}

// park puts the post back in the queue because the account's token is expired or revoked: the
// account is marked needs_reconnect (the queue does not lease its posts meanwhile) and, the
// first time, the owner is told how to reconnect. After reconnecting the posts go out. With
// refused set, the account is marked only while it holds that token: linked again by then, it
// stays active and the post, due at once, goes out with the new token.
func (r *run) park(ctx context.Context, pt *storage.Part, refused []byte, why string) error {
	ev := r.event(EventWaitingReconnect)
	ev.Reason = why + " — " + RelinkHint + ", and the post will go out"
	now := r.p.now()
	err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: partsOf(pt),
		NeedsReconnect:  true,
		Refused:         refused,
		ReconnectEvents: []storage.OutboxEvent{r.p.outboxEvent(ev, fmt.Sprintf("%s:reconnect:%d", r.post.ID, now.UnixMilli()))},
		Retry:           &storage.RetryAt{Next: now, Reason: "waiting for the account to be linked again"}})
	if err != nil {
		return err
	}
	r.p.deliverSoon()
	return errStop
}

// explain turns a Threads error into one a person understands, naming the media URL when
// Threads could not fetch it. The class is kept (it wraps the *threads.Error).
func (r *run) explain(err error, url string) error {
	var te *threads.Error
	if !errors.As(err, &te) {
		return err
	}
	if url != "" && (te.Subcode == 2207052 || (te.Class == threads.ClassValidation && strings.Contains(te.Reason, "fetch"))) {
		what := "image"
		if strings.Contains(te.Op, "video") || isVideo(r.post, url) {
			what = "video"
		}
		return &reasonError{reason: fmt.Sprintf("Threads rejected the %s: it could not be downloaded from %s; make sure the URL is public, answers without a redirect and serves a JPEG, PNG or MP4", what, url), err: err}
	}
	return err
}

func isVideo(p storage.Post, url string) bool {
	for _, m := range p.Media {
		if m.URL == url {
			return m.Kind == "video"
		}
	}
	return false
}

// reasonError carries a person's reason and keeps the error it explains for errors.As.
type reasonError struct {
	reason string
	err    error
}

func (e *reasonError) Error() string { return e.reason }
func (e *reasonError) Unwrap() error { return e.err }

// reasonOf is the sentence a person reads about err: never a token (the client redacts them).
func reasonOf(err error) string {
	var re *reasonError
	if errors.As(err, &re) {
		return re.reason
	}
	var te *threads.Error
	if errors.As(err, &te) {
		s := "Threads refused to " + te.Op + ": " + te.Reason
		if te.Class.Retryable() {
			s = "Threads could not " + te.Op + ": " + te.Reason
		}
		if te.Message != "" {
			s += fmt.Sprintf(" (Threads said: %q)", te.Message)
		}
		if te.Scope != "" {
			s += "; " + RelinkHint + " and grant " + te.Scope
		}
		return s
	}
	return err.Error()
}

// mediaErrorReason explains a container in status ERROR.
func mediaErrorReason(msg, url string) string {
	where := ""
	if url != "" {
		where = " from " + url
	}
	switch msg {
	case "FAILED_DOWNLOADING_VIDEO":
		return "Threads rejected the video: it could not be downloaded" + where + "; make sure the URL is public and serves an MP4"
	case "INVALID_ASPEC_RATIO", "INVALID_BIT_RATE", "INVALID_DURATION", "INVALID_FRAME_RATE",
		"INVALID_AUDIO_CHANNELS", "INVALID_AUDIO_CHANNEL_LAYOUT", "FAILED_PROCESSING_VIDEO", "FAILED_PROCESSING_AUDIO":
		return "Threads could not process the media" + where + " (" + msg + "); check it meets Threads' format limits (MP4/MOV, H.264, at most 5 minutes, aspect ratio between 0.01:1 and 10:1)"
	}
	return "Threads could not process the media" + where + " (" + cmpOr(msg, "UNKNOWN") + "); make sure the URL is public and the file is a valid JPEG, PNG or MP4"
}

// partsOf is the progress of the part a step writes along with its outcome: none when pt is nil.
func partsOf(pt *storage.Part) []storage.Part {
	if pt == nil {
		return nil
	}
	return []storage.Part{*pt}
}
