package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

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
	r := &run{p: p, post: post, lease: storage.LeaseOf(post), now: p.now()}
	var err error
	if _, r.state, err = p.store.Progress(ctx, post.ID); err != nil {
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
