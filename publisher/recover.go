package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// maxPanicFailures is how many failures in a row, the last a panic, a post may have before a
// panic fails it for good: a panic is a bug in Spindle and usually happens again on the same
// post, so its budget is smaller than a network failure's.
const maxPanicFailures = 3

// recovered handles a panic in the worker publishing post: the daemon and every other worker
// go on; this post's step is not committed (it resumes from its last committed step, the
// container's status deciding as after a crash) and the post is put back with backoff, or
// failed with a reason once it panicked maxPanicFailures times. The stack goes to the log; the
// Observer counts it under FailPanic.
func (p *Publisher) recovered(ctx context.Context, post storage.Post, v any) {
	p.log.Error("publishing a post panicked; the post is retried or failed, the daemon goes on",
		slog.String("post_id", post.ID), slog.Int64("account_id", post.AccountID),
		slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
	if ctx.Err() != nil {
		return // shutting down or lease lost: the post resumes from its last committed step
	}
	defer func() {
		// A second panic while recording the first must not end the daemon either: the lease
		// then expires and the post resumes later.
		if v := recover(); v != nil {
			p.log.Error("recording a panicked post panicked", slog.String("post_id", post.ID), slog.String("panic", fmt.Sprint(v)))
		}
	}()
	r, err := p.rerun(ctx, post)
	if err != nil {
		p.log.Warn("after a panic, read the post's state", slog.String("post_id", post.ID), slog.Any("error", err))
		return
	}
	now := p.now()
	if r.state.Failures == 0 {
		r.state.FirstFailureAt = now
	}
	r.state.Failures++
	const reason = "Spindle hit an internal error while publishing this post (it is logged for the maintainers)"
	if r.state.Failures >= maxPanicFailures {
		err = r.fail(ctx, nil, FailPanic, fmt.Sprintf("%s, %d times; it was not retried again — post it anew, and report the problem", reason, r.state.Failures))
	} else {
		next := now.Add(r.backoff(r.state.Failures, nil))
		err = p.store.Advance(ctx, r.lease, storage.Step{State: &r.state,
			Retry: &storage.RetryAt{Next: next, Reason: reason + "; trying again"}})
		if err == nil {
			p.obs.Retried(FailPanic)
			p.wakeAt(next)
		}
	}
	if err != nil && !errors.Is(err, errStop) {
		p.log.Warn("after a panic, record the post's retry", slog.String("post_id", post.ID), slog.Any("error", err))
	}
}

// unsavedReason is what the owner of a post reads while the database is out of reach.
const unsavedReason = "Spindle could not save its progress on this post (its database did not answer)"

// unsavedTries is how many times unsaved tries to put a post back before leaving it to its
// lease's expiry.
const unsavedTries = 4

// unsaved handles a step that ended in an error with nothing committed, or nothing known to
// be: the database did not answer (a restart, a failover, a connection the server ended) while
// the step read or wrote. The post goes back in the queue now, through failure's transient
// path (backoff, counted against the retry budget), in a write fenced by the lease like every
// step; the pool has by then dropped the dead connection (see storage's pgConn.ResetSession).
// Left leased, it would wait out LeaseTTL on every replica. What Threads was asked meanwhile
// is decided by the committed state, as after a crash. The put-back is tried unsavedTries
// times, at once and then 0.25 s, 1.25 s and 6.25 s after the last try, each on another
// connection: the database may be restarting (a few seconds), or ending every connection in
// the pool one by one. The fence makes a repeat harmless. If every try fails, the database
// is out of reach for longer and the lease's expiry is the fallback.
func (p *Publisher) unsaved(ctx context.Context, post storage.Post, cause error) {
	p.log.Warn("a publishing step could not be saved; the post goes back in the queue",
		slog.String("post_id", post.ID), slog.Int64("account_id", post.AccountID), slog.Any("error", cause))
	var err error
	wait := 250 * time.Millisecond
	for try := 1; ; try++ {
		var r *run
		if r, err = p.rerun(ctx, post); err == nil {
			err = r.failure(ctx, nil, &reasonError{reason: unsavedReason, err: cause})
		}
		if err == nil || errors.Is(err, errStop) || errors.Is(err, storage.ErrLeaseLost) ||
			try == unsavedTries || !pause(ctx, wait) {
			break
		}
		wait *= 5
	}
	switch {
	case ctx.Err() != nil:
		// Shutting down or the lease lost: the post resumes from its last committed step.
	case err == nil, errors.Is(err, errStop):
	case errors.Is(err, storage.ErrLeaseLost):
		// The step's commit went through after all and let the post go, or another replica
		// reclaimed it: either way its next step is in other hands.
	default:
		p.log.Warn("the post will be retried when its lease expires",
			slog.String("post_id", post.ID), slog.Any("error", err))
	}
}

// pause waits d; false if ctx ended first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// rerun is a run of post from its committed state, to record what became of a step that
// ended without committing.
func (p *Publisher) rerun(ctx context.Context, post storage.Post) (*run, error) {
	r := &run{p: p, post: post, lease: storage.LeaseOf(post), now: p.now()}
	var err error
	_, r.state, err = p.store.Progress(ctx, post.ID)
	return r, err
}
