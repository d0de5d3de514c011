package publisher

// The publish step: a committed container whose status decides, and the reconciliation of a
// publish whose answer was lost. See work.go for the whole state machine.

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// checkAndPublish looks at the committed container and acts on its status.
func (r *run) checkAndPublish(ctx context.Context, i int) error {
	pt := &r.parts[i]
	st, err := r.p.api.ContainerStatus(ctx, r.token, pt.ContainerID)
	if err != nil {
		if threads.ClassOf(err) == threads.ClassNotFound {
			return r.recreate(ctx, i, "the container disappeared")
		}
		return r.failure(ctx, pt, r.explain(err, ""))
	}
	switch st.Status {
	case threads.StatusInProgress:
		return r.stillProcessing(ctx, i)
	case threads.StatusPublished:
		return r.reconcile(ctx, i)
	case threads.StatusExpired:
		return r.recreate(ctx, i, "the container expired before it was published")
	case threads.StatusError:
		url := ""
		if len(r.post.Media) == 1 && i == 0 {
			url = r.post.Media[0].URL
		}
		return r.containerError(ctx, i, st.ErrorMessage, url)
	case threads.StatusFinished:
	default:
		return r.failure(ctx, pt, fmt.Errorf("Threads reported an unknown container status %q — will check again", st.Status))
	}
	if err := r.gate(ctx, i); err != nil {
		return err
	}
	if err := r.held(ctx); err != nil {
		return err
	}
	id, err := r.p.api.Publish(ctx, r.token, r.userID, pt.ContainerID)
	if err == nil {
		return r.published(ctx, i, id, "")
	}
	// Whatever the answer (lost, 5xx, or a refusal because another request of ours published
	// this container first, say one still travelling when a previous process died), the
	// container's status decides: PUBLISHED means the post is live, once.
	if st, serr := r.p.api.ContainerStatus(ctx, r.token, pt.ContainerID); serr == nil && st.Status == threads.StatusPublished {
		return r.reconcile(ctx, i)
	}
	if threads.IsMediaNotReady(err) {
		pt.NotReady++
		if pt.NotReady >= r.p.opts.Retry.MaxNotReady {
			return r.recreate(ctx, i, "Threads kept answering that the media was not ready")
		}
		return r.requeue(ctx, pt, r.p.now().Add(r.p.opts.Delays.NotReadyWait), "Threads had not finished processing the media")
	}
	return r.failure(ctx, pt, r.explain(err, ""))
}

// reconcile completes a part whose container reports PUBLISHED although the publish answer
// was lost: it finds the media id among the user's recent threads and never publishes again.
func (r *run) reconcile(ctx context.Context, i int) error {
	pt := &r.parts[i]
	m, found, err := r.findPublished(ctx, i, pt.ContainerAt)
	if err != nil {
		return r.failure(ctx, pt, err)
	}
	if !found {
		// Published, but not findable (a reply is not listed among recent threads): record it
		// as published without its id rather than ever publish it twice.
		r.p.log.Warn("post published but its media id could not be found; recording it without a link",
			slog.String("post_id", r.post.ID), slog.Int("part", i))
	}
	return r.published(ctx, i, m.ID, m.Permalink)
}

// reconcileSlack widens the window findPublished searches before the container's creation:
// that time is read off this process's wall clock, which may have jumped since or be ahead of
// Meta's. A wider window only costs a longer list; MediaIDTaken keeps an older post with the
// same text that Spindle recorded from being claimed twice.
const reconcileSlack = 15 * time.Minute

// findPublished looks for part i among the posts published since (a little before) since: same
// text, not already recorded by another post; the oldest such wins.
func (r *run) findPublished(ctx context.Context, i int, since time.Time) (threads.MediaObject, bool, error) {
	if r.quotaKind(i) != storage.QuotaPosts {
		return threads.MediaObject{}, false, nil // replies are not listed: see reconcile
	}
	recent, err := r.p.api.RecentThreads(ctx, r.token, r.userID, since.Add(-reconcileSlack), 100)
	if err != nil {
		return threads.MediaObject{}, false, r.explain(err, "")
	}
	want := strings.TrimSpace(r.texts[i])
	var best threads.MediaObject
	found := false
	for _, m := range recent { // newest first
		if strings.TrimSpace(m.Text) != want {
			continue
		}
		taken, err := r.p.store.MediaIDTaken(ctx, m.ID)
		if err != nil {
			return threads.MediaObject{}, false, err
		}
		if !taken {
			best, found = m, true
		}
	}
	return best, found, nil
}
