package publisher

// The quota gate. Threads allows each account 250 posts, 1,000 replies and 100 deletions in
// any 24 hours, across every app it uses. Spindle counts its own publishes in a local ledger
// (committed with each publish) and asks Threads (threads_publishing_limit) once local use
// passes a threshold or a rate-limit answer arrives; the larger count wins. A post that would
// exceed a quota waits in the queue until enough uses leave the window: it never fails for it.

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

const quotaWindow = 24 * time.Hour

// room says whether n more uses of kind fit now; if not, until is when they should. Now is
// the ledger's (the database's clock on PostgreSQL), as are the uses it counts and until.
func (p *Publisher) room(ctx context.Context, accountID int64, kind storage.QuotaKind, n int, token, userID string) (ok bool, until time.Time, err error) {
	limit := p.limit(kind)
	for reconciled := false; ; reconciled = true {
		u, err := p.store.QuotaStanding(ctx, accountID, kind, quotaWindow)
		if err != nil {
			return false, time.Time{}, err
		}
		now, since := u.Now, u.Now.Add(-quotaWindow) // the ledger's clock, which dates the uses
		local, rq := u.Local, u.Remote
		used, total := local, limit
		if u.Reported && rq.CheckedAt.After(since) {
			used = max(used, rq.Usage+u.SinceReport)
			if rq.Total > 0 {
				total = min(total, rq.Total)
			}
		}
		stale := !u.Reported || now.Sub(rq.CheckedAt) >= p.opts.ReconcileEvery
		if !reconciled && stale && token != "" && float64(used+n) > p.opts.ReconcileAt*float64(total) {
			if p.reconcileQuota(ctx, accountID, token, userID) {
				continue
			}
		}
		if used+n <= total {
			return true, time.Time{}, nil
		}
		// Wait until enough local uses leave the window; if Threads' count (other apps) is what
		// fills it, look again after the reconcile interval.
		need := used + n - total
		if need <= local {
			at, err := p.store.QuotaNth(ctx, accountID, kind, since, need)
			if err != nil {
				return false, time.Time{}, err
			}
			if !at.IsZero() {
				return false, at.Add(quotaWindow + time.Millisecond), nil
			}
		}
		return false, now.Add(p.opts.ReconcileEvery), nil
	}
}

// gate holds part i back when its quota is used up: the post is requeued until the window
// moves, and its owner is told once. It returns nil when the part may go out.
func (r *run) gate(ctx context.Context, i int) error {
	kind := r.quotaKind(i)
	ok, until, err := r.p.room(ctx, r.post.AccountID, kind, 1, r.token, r.userID)
	if err != nil || ok {
		return err
	}
	if r.state.DelayedUntil.IsZero() {
		if until, err = r.p.ownSlot(ctx, r.post, kind, until); err != nil {
			return err
		}
	}
	pt := r.parts[i]
	step := storage.Step{Parts: []storage.Part{pt},
		Retry: &storage.RetryAt{Next: until, Reason: fmt.Sprintf("waiting for the Threads %s quota (%d a day) until %s",
			kind, r.p.limit(kind), until.UTC().Format(time.RFC3339))}}
	if r.state.DelayedUntil.IsZero() {
		r.state.DelayedUntil, r.state.DelayedKind = until, kind
		ev := r.event(EventDelayed)
		ev.Until = until
		ev.Reason = fmt.Sprintf("the account has used its Threads %s quota (%d in 24 hours); the post will go out at %s",
			kind, r.p.limit(kind), until.UTC().Format("2006-01-02 15:04 MST"))
		step.State = &r.state
		step.Events = []storage.OutboxEvent{r.p.outboxEvent(ev, r.post.ID+":delayed")}
	}
	if err := r.p.store.Advance(ctx, r.lease, step); err != nil {
		return err
	}
	r.p.deliverSoon()
	r.p.wakeAt(until)
	return errStop
}

// ownSlot is when this post's own slot of the kind quota frees: the posts of the account
// already waiting for that quota were told earlier slots, and each takes one before it (posts
// waiting for another quota take none). Without it every waiting post was told the
// time the first slot frees, and all but one of those notices were wrong.
func (p *Publisher) ownSlot(ctx context.Context, post storage.Post, kind storage.QuotaKind, first time.Time) (time.Time, error) {
	ahead, err := p.store.QuotaWaiting(ctx, post.AccountID, post.ID, kind)
	if err != nil || ahead == 0 {
		return first, err
	}
	// No token: the first room call has just reconciled when that was due.
	_, until, err := p.room(ctx, post.AccountID, kind, 1+ahead, "", "")
	if err != nil {
		return first, err
	}
	if until.Before(first) {
		return first, nil
	}
	return until, nil
}

// reconcileQuota asks Threads for the account's usage and stores it; it reports whether that
// worked. Failures are logged: the local ledger still gates.
//
// The report is stamped before the call, with the clock that stamps the local uses (the
// ledger's: the database's on PostgreSQL), not when the answer arrives. The gate counts
// Threads' figure plus the local uses after the stamp; a use recorded (here or by another
// replica) while the call is in flight may be missing from Threads' figure, so it must fall
// after the stamp to be counted at all. Stamped at the answer, each such use was counted
// nowhere and Spindle went one over the quota per overlapping use. Stamped before, a use
// Threads counted too may be counted twice, which only holds a post back until the next
// reconcile. Stamped by each replica's own clock, a use of a replica whose clock is behind
// fell before the stamp of a replica whose clock is ahead, and was counted nowhere again. A use
// stamped in the stamp's own millisecond is left out (uses count strictly after the stamp,
// here and in storage.ReserveDeletion): a use is stamped once Threads answered its publish or
// deletion, so Threads performed that before this call, sent in the same millisecond, could
// reach it.
func (p *Publisher) reconcileQuota(ctx context.Context, accountID int64, token, userID string) bool {
	checked, err := p.store.Clock(ctx)
	if err != nil {
		p.log.Warn("could not read the database clock to reconcile the quota; the local count still applies",
			slog.Int64("account_id", accountID), slog.Any("error", err))
		return false
	}
	l, err := p.api.PublishingLimit(ctx, token, userID)
	if err != nil {
		p.log.Warn("could not read the Threads publishing limits; the local count still applies",
			slog.Int64("account_id", accountID), slog.Any("error", err))
		return false
	}
	for kind, q := range map[storage.QuotaKind]struct {
		reported     bool
		usage, total int
	}{
		storage.QuotaPosts:   {l.Posts.Reported, l.Posts.Usage, l.Posts.Total},
		storage.QuotaReplies: {l.Replies.Reported, l.Replies.Usage, l.Replies.Total},
		storage.QuotaDeletes: {l.Deletes.Reported, l.Deletes.Usage, l.Deletes.Total},
	} {
		if !q.reported {
			continue
		}
		if err := p.store.SetRemoteQuota(ctx, storage.RemoteQuota{AccountID: accountID, Kind: kind,
			Usage: q.usage, Total: q.total, CheckedAt: checked}); err != nil {
			p.log.Warn("could not store reconciled quota", slog.Int64("account_id", accountID), slog.Any("error", err))
			return false
		}
	}
	return true
}

// ReconcileQuotas is the quota job: it reconciles every active account whose local use of a
// quota passed the threshold, so that another app's posts are noticed before a publish.
func (p *Publisher) ReconcileQuotas(ctx context.Context) error {
	accounts, err := p.store.Accounts(ctx)
	if err != nil {
		return err
	}
	now, err := p.store.Clock(ctx) // the ledger's, which dates the uses
	if err != nil {
		return err
	}
	since := now.Add(-quotaWindow)
	for _, a := range accounts {
		if a.Status != storage.AccountActive {
			continue
		}
		busy := false
		for _, k := range []storage.QuotaKind{storage.QuotaPosts, storage.QuotaReplies, storage.QuotaDeletes} {
			n, _, err := p.store.QuotaWindow(ctx, a.ID, k, since)
			if err != nil {
				return err
			}
			busy = busy || float64(n) >= p.opts.ReconcileAt*float64(p.limit(k))
		}
		if !busy {
			continue
		}
		token, uid, err := p.toks.Token(ctx, a.ID)
		if err != nil {
			continue
		}
		p.reconcileQuota(ctx, a.ID, token, uid)
	}
	return nil
}
