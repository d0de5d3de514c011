package publisher

// The publishing state machine. Each lease runs one or more steps of it for one post and ends
// by committing where it got to (storage.Advance), so that no worker ever sleeps on Meta:
//
//	(no container) ──create──► container committed, requeued for its first status check
//	container IN_PROGRESS ──► requeued for another check (recreated after Delays.ContainerMax)
//	container FINISHED ──quota gate──► threads_publish ──► media id + permalink committed
//	container PUBLISHED (publish answer lost, or crash) ──► media id found in recent threads
//	container EXPIRED / ERROR / never ready ──► recreated (ERROR twice: failed, media problem)
//
// A carousel first creates its item containers, waits for all of them, then creates and waits
// for its own. A long text flagged thread is a chain of parts, each replying to the previous
// one; every part's progress is its own row, so each part is published exactly once.
//
// Every kind of post, text included, goes through a container whose id is committed before
// threads_publish, and a publish is committed with its quota use and result event in one
// transaction: after a crash, a timeout, a 5xx, a refused publish or any answer marked
// MaybePublished, the container's status decides, never a blind second publish. Meta publishes
// a container at most once, so even a publish request still travelling when its process died,
// processed after the restarted process looked, cannot make a second post. auto_publish_text is
// not used for that reason: its only handle is the post's text in the user's recent threads,
// which a request processed late is not yet in when the restarted process looks. A container
// created but never committed (the process died between the two) is simply never published.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// run is one lease of one post.
type run struct {
	p      *Publisher
	post   storage.Post
	lease  storage.Lease
	token  string
	userID string
	texts  []string
	parts  []storage.Part
	state  storage.PublishState
	now    time.Time
	hold   *hold // this process's claim on the post, kept alive by the heartbeat
}

// errStop ends a run after it committed its step.
var errStop = errors.New("step committed")

// process runs the state machine for one leased post until it commits a step. A panic on the
// way fails this post's step (see recovered), never the daemon.
func (p *Publisher) process(ctx context.Context, post storage.Post, h *hold) {
	r := &run{p: p, post: post, lease: storage.LeaseOf(post), now: p.now(), hold: h}
	defer func() {
		if v := recover(); v != nil {
			p.recovered(ctx, post, v)
		}
	}()
	err := r.run(ctx)
	switch {
	case err == nil, errors.Is(err, errStop):
	case errors.Is(err, storage.ErrLeaseLost), errors.Is(context.Cause(ctx), errLeaseLost):
		// Another worker has the post now and resumes it from its last committed step.
		p.log.Warn("stopped working on a post whose lease was lost", slog.String("post_id", post.ID))
	case ctx.Err() != nil:
		// Shutting down: nothing more is written; the post resumes from its last committed
		// step.
	default:
		p.unsaved(ctx, post, err)
	}
}

func (r *run) run(ctx context.Context) error {
	p := r.p
	var err error
	// The committed state first: a failure recorded below replaces its retry bookkeeping.
	if r.parts, r.state, err = p.store.Progress(ctx, r.post.ID); err != nil {
		return err
	}
	tok, uid, err := p.toks.Token(ctx, r.post.AccountID)
	if p.parked(err) {
		return r.park(ctx, nil, nil, "the Threads account needs to be linked again")
	}
	if err != nil {
		return r.failure(ctx, nil, fmt.Errorf("read the account's token: %w", err))
	}
	r.token, r.userID = tok, uid
	r.texts = partTexts(r.post)
	byNum := make([]storage.Part, len(r.texts))
	for i := range byNum {
		byNum[i] = storage.Part{PostID: r.post.ID, Part: i}
	}
	for _, pt := range r.parts {
		if pt.Part < len(byNum) {
			byNum[pt.Part] = pt
		}
	}
	r.parts = byNum
	for i := range r.parts {
		if r.parts[i].Published() {
			continue
		}
		if err := r.advancePart(ctx, i); err != nil {
			return err
		}
	}
	return r.finish(ctx, nil)
}

// partTexts is the text of each part: one, or a chain when a long text is flagged thread.
func partTexts(post storage.Post) []string {
	if post.Thread && threads.CountChars(post.Text) > threads.MaxTextChars {
		if parts := threads.Split(post.Text, threads.MaxTextChars); len(parts) > 1 {
			return parts
		}
	}
	return []string{post.Text}
}

func (r *run) quotaKind(i int) storage.QuotaKind {
	if i == 0 && r.post.ReplyToID == "" {
		return storage.QuotaPosts
	}
	return storage.QuotaReplies
}

// replyTo is what part i replies to: the previous part, or the post's own reply target.
func (r *run) replyTo(i int) string {
	for j := i - 1; j >= 0; j-- {
		if r.parts[j].MediaID != "" {
			return r.parts[j].MediaID
		}
	}
	return r.post.ReplyToID
}

// advancePart moves part i on. It returns nil when the part is published (and committed, for
// any but the last part), or errStop once it committed a requeue or a failure.
func (r *run) advancePart(ctx context.Context, i int) error {
	pt := &r.parts[i]
	if !pt.AutoPublishAt.IsZero() && pt.ContainerID == "" {
		return r.legacyAutoPublish(ctx, i)
	}
	if pt.ContainerID == "" && len(pt.Children) == 0 {
		if err := r.gate(ctx, i); err != nil {
			return err
		}
		return r.create(ctx, i)
	}
	if pt.ContainerID == "" {
		return r.checkChildren(ctx, i)
	}
	return r.checkAndPublish(ctx, i)
}

// autoPublishSettle is how long after an auto_publish_text request began its outcome is
// awaited before it is looked for: longer than the client's timeout, so a request still in
// flight has been answered or dropped.
const autoPublishSettle = 2 * time.Minute

// legacyAutoPublish resumes a part an earlier version began with auto_publish_text and never
// recorded the outcome of (a crash, a lost answer). Its only handle is the text in the user's
// recent threads: it waits until the request has surely settled, looks once, and if the post is
// not there goes on with a container (the container flow every post uses now).
func (r *run) legacyAutoPublish(ctx context.Context, i int) error {
	pt := &r.parts[i]
	if settled := pt.AutoPublishAt.Add(autoPublishSettle); r.p.now().Before(settled) {
		return r.requeue(ctx, pt, settled, "waiting to learn whether an earlier attempt published the post")
	}
	m, found, err := r.findPublished(ctx, i, pt.AutoPublishAt)
	if err != nil {
		return r.failure(ctx, pt, err)
	}
	if found {
		return r.published(ctx, i, m.ID, m.Permalink)
	}
	pt.AutoPublishAt = time.Time{}
	return r.advancePart(ctx, i)
}

func (r *run) container(i int) threads.Container {
	c := threads.Container{MediaType: threads.MediaTypeText, Text: r.texts[i], ReplyToID: r.replyTo(i)}
	withShape(&c, r.post, r.texts, i)
	if i == 0 {
		c.QuoteID, c.TopicTag = r.post.QuoteID, r.post.TopicTag
		c.LinkAttachment = r.post.LinkAttachment
		if len(r.post.Media) == 1 {
			m := r.post.Media[0]
			c.LinkAttachment = ""
			c.AltText = m.AltText
			if m.Kind == "video" {
				c.MediaType, c.VideoURL = threads.MediaTypeVideo, m.URL
			} else {
				c.MediaType, c.ImageURL = threads.MediaTypeImage, m.URL
			}
		}
	}
	return c
}

// create makes part i's containers and requeues the post for their first status check.
func (r *run) create(ctx context.Context, i int) error {
	pt := &r.parts[i]
	now := r.p.now()
	if i == 0 && len(r.post.Media) > 1 {
		var kids []string
		for _, m := range r.post.Media {
			c := threads.Container{IsCarouselItem: true, AltText: m.AltText}
			if m.Kind == "video" {
				c.MediaType, c.VideoURL = threads.MediaTypeVideo, m.URL
			} else {
				c.MediaType, c.ImageURL = threads.MediaTypeImage, m.URL
			}
			if err := r.held(ctx); err != nil {
				return err
			}
			id, err := r.p.api.CreateContainer(ctx, r.token, r.userID, c)
			if err != nil {
				return r.failure(ctx, pt, r.explain(err, m.URL))
			}
			kids = append(kids, id)
		}
		pt.Children, pt.ContainerAt, pt.NotReady = kids, now, 0
		return r.requeue(ctx, pt, now.Add(r.p.opts.Delays.MediaCheck), "waiting for Threads to process the carousel's media")
	}
	c := r.container(i)
	id, err := r.p.api.CreateContainer(ctx, r.token, r.userID, c)
	if err != nil {
		return r.failure(ctx, pt, r.explain(err, c.ImageURL+c.VideoURL))
	}
	pt.ContainerID, pt.ContainerAt, pt.NotReady = id, now, 0
	wait := r.p.opts.Delays.TextCheck
	if c.MediaType != threads.MediaTypeText {
		wait = r.p.opts.Delays.MediaCheck
	}
	return r.requeue(ctx, pt, now.Add(wait), "waiting for Threads to process the post")
}

// checkChildren waits for a carousel's items, then creates the carousel container.
func (r *run) checkChildren(ctx context.Context, i int) error {
	pt := &r.parts[i]
	for k, id := range pt.Children {
		st, err := r.p.api.ContainerStatus(ctx, r.token, id)
		if err != nil {
			if threads.ClassOf(err) == threads.ClassNotFound {
				return r.recreate(ctx, i, "a carousel item's container disappeared")
			}
			return r.failure(ctx, pt, r.explain(err, ""))
		}
		switch st.Status {
		case threads.StatusInProgress:
			return r.stillProcessing(ctx, i)
		case threads.StatusError:
			url := ""
			if k < len(r.post.Media) {
				url = r.post.Media[k].URL
			}
			return r.containerError(ctx, i, st.ErrorMessage, url)
		case threads.StatusFinished:
		default: // EXPIRED, or PUBLISHED which an item never is on its own
			return r.recreate(ctx, i, "a carousel item's container expired")
		}
	}
	c := r.container(i)
	c.MediaType, c.ImageURL, c.VideoURL, c.AltText, c.Children = threads.MediaTypeCarousel, "", "", "", pt.Children
	id, err := r.p.api.CreateContainer(ctx, r.token, r.userID, c)
	if err != nil {
		// Item containers are single-use too: a create whose answer was lost (or that Meta
		// processes late) may have taken them into a carousel, and Threads refuses them in
		// another. The next attempt makes new items; the old ones are never published.
		pt.Children, pt.ContainerAt = nil, time.Time{}
		if !threads.IsRetryable(err) && !threads.MaybePublished(err) && pt.Recreates == 0 {
			// A refusal may name items an earlier attempt already put in a carousel (its commit
			// was lost with its lease): try once with new items before failing the post.
			return r.recreate(ctx, i, "Threads refused the carousel ("+reasonOf(err)+")")
		}
		return r.failure(ctx, pt, r.explain(err, ""))
	}
	now := r.p.now()
	pt.ContainerID, pt.ContainerAt = id, now
	return r.requeue(ctx, pt, now.Add(r.p.opts.Delays.TextCheck), "waiting for Threads to process the carousel")
}

// published records part i as published with its media id. The last part completes the post
// in the same transaction, with its quota use and its result event.
func (r *run) published(ctx context.Context, i int, mediaID, permalink string) error {
	pt := &r.parts[i]
	now := r.p.now()
	pt.MediaID, pt.Permalink, pt.PublishedAt = mediaID, permalink, now
	// Dated by the ledger as it commits (At zero), not by this replica's clock: see reconcileQuota.
	use := storage.QuotaUse{AccountID: r.post.AccountID, Kind: r.quotaKind(i), PostID: r.post.ID}
	if i < len(r.parts)-1 {
		return r.p.store.Advance(ctx, r.lease, storage.Step{Parts: []storage.Part{*pt}, Quota: []storage.QuotaUse{use}})
	}
	return r.finish(ctx, &use)
}

// finish completes the post once every part is published, fetching the permalink of its
// first part (the one a person opens).
func (r *run) finish(ctx context.Context, use *storage.QuotaUse) error {
	root := &r.parts[0]
	var quota []storage.QuotaUse
	if use != nil {
		quota = []storage.QuotaUse{*use}
	}
	if root.Permalink == "" && root.MediaID != "" {
		m, err := r.p.api.Media(ctx, r.token, root.MediaID)
		if err == nil {
			root.Permalink = m.Permalink
		} else if r.p.now().Sub(root.PublishedAt) < r.p.opts.Delays.PermalinkMax && threads.IsRetryable(err) {
			// Published and committed now; the link is fetched at the next step.
			r.state.Failures++
			next := r.p.now().Add(r.backoff(r.state.Failures, err))
			if aerr := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: r.parts, Quota: quota,
				Retry: &storage.RetryAt{Next: next, Reason: "published; looking up its link"}, State: &r.state}); aerr != nil {
				return aerr
			}
			r.p.obs.Retried(failureClass(threads.ClassOf(err)))
			r.p.wakeAt(next)
			// errStop, not nil: nil would let run go on to call finish again on a post that is
			// back in the queue (a second Media call, then a lost-lease warning).
			return errStop
		}
	}
	ev := r.event(EventPosted)
	ev.MediaID, ev.Permalink = root.MediaID, root.Permalink
	if len(r.parts) > 1 {
		ev.Reason = fmt.Sprintf("posted as a thread of %d parts", len(r.parts))
	}
	r.state.Failures, r.state.FirstFailureAt = 0, time.Time{}
	err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: r.parts, Quota: quota, State: &r.state,
		Events:   []storage.OutboxEvent{r.p.outboxEvent(ev, r.post.ID+":posted")},
		Complete: &storage.Completion{MediaID: root.MediaID, Permalink: root.Permalink}})
	if err == nil {
		r.p.obs.Published()
		r.p.deliverSoon()
		r.p.log.Info("post published", slog.String("post_id", r.post.ID), slog.Int64("account_id", r.post.AccountID),
			slog.String("permalink", root.Permalink))
	}
	if err != nil {
		return err
	}
	return errStop
}

// requeue commits pt and puts the post back in the queue until next. Waiting on Meta is not a
// failure.
func (r *run) requeue(ctx context.Context, pt *storage.Part, next time.Time, why string) error {
	if err := r.p.store.Advance(ctx, r.lease, storage.Step{Parts: []storage.Part{*pt},
		Retry: &storage.RetryAt{Next: next, Reason: why}}); err != nil {
		return err
	}
	r.p.wakeAt(next)
	return errStop
}

func (r *run) stillProcessing(ctx context.Context, i int) error {
	pt := &r.parts[i]
	if r.p.now().Sub(pt.ContainerAt) > r.p.opts.Delays.ContainerMax {
		return r.recreate(ctx, i, "Threads did not finish processing the media in time")
	}
	return r.requeue(ctx, pt, r.p.now().Add(r.p.opts.Delays.StatusPoll), "waiting for Threads to process the media")
}

// recreate drops part i's containers so the next step creates new ones, up to a budget.
func (r *run) recreate(ctx context.Context, i int, why string) error {
	pt := &r.parts[i]
	pt.Recreates++
	if pt.Recreates > r.p.opts.Retry.MaxRecreate {
		return r.fail(ctx, pt, FailContainer, fmt.Sprintf("Threads could not publish the post: %s, %d times — try again later or with other media", why, pt.Recreates))
	}
	pt.ContainerID, pt.Children, pt.ContainerAt, pt.NotReady = "", nil, time.Time{}, 0
	return r.requeue(ctx, pt, r.p.now(), why+"; creating it again")
}

// containerError handles a container in status ERROR: the media's problem. It is recreated
// once (a host may have failed a fetch), then the post fails with what Threads said.
func (r *run) containerError(ctx context.Context, i int, msg, url string) error {
	pt := &r.parts[i]
	if pt.Recreates == 0 {
		return r.recreate(ctx, i, "Threads could not process the media ("+cmpOr(msg, "UNKNOWN")+")")
	}
	return r.fail(ctx, pt, FailMedia, mediaErrorReason(msg, url))
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// event is an event about this post.
func (r *run) event(k EventKind) Event {
	return Event{Kind: k, PostID: r.post.ID, AccountID: r.post.AccountID, Door: r.post.Door,
		OriginRef: r.post.OriginRef, Text: r.post.Text, At: r.p.now()}
}
