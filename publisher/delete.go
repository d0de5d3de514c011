package publisher

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// ErrNotDeletable is returned (wrapped, with the reason) for a post that cannot be deleted.
var ErrNotDeletable = errors.New("post cannot be deleted")

// ErrQuotaExceeded is returned (wrapped) when a deletion would exceed the deletion quota.
var ErrQuotaExceeded = errors.New("Threads quota used up")

// Delete removes a published post from Threads (every part of a thread, last first), counting
// each against the deletion quota, records it and tells the post's door. The chat delete verb
// and the REST API call it.
func (p *Publisher) Delete(ctx context.Context, postID string) error {
	post, err := p.store.Get(ctx, postID)
	if err != nil {
		return err
	}
	if post.State != storage.StatePosted {
		return fmt.Errorf("%w: post %s is %s; only a published post can be deleted (a queued one can be cancelled)",
			ErrNotDeletable, post.ID, post.State)
	}
	st, err := p.store.PostPublishState(ctx, post.ID)
	if err != nil {
		return err
	}
	if !st.DeletedAt.IsZero() {
		return fmt.Errorf("%w: post %s was already deleted", ErrNotDeletable, post.ID)
	}
	parts, err := p.store.Parts(ctx, post.ID)
	if err != nil {
		return err
	}
	var ids []string
	for _, pt := range parts {
		if pt.MediaID != "" {
			ids = append(ids, pt.MediaID)
		}
	}
	if len(ids) == 0 && post.MediaID != "" {
		ids = []string{post.MediaID}
	}
	if len(ids) == 0 {
		return fmt.Errorf("%w: Threads never told Spindle the id of post %s; delete it in the Threads app", ErrNotDeletable, post.ID)
	}
	p.deleteMu.Lock()
	defer p.deleteMu.Unlock()
	token, uid, err := p.toks.Token(ctx, post.AccountID)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", post.ID, err)
	}
	ok, until, err := p.room(ctx, post.AccountID, storage.QuotaDeletes, len(ids), token, uid)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: the account may delete %d posts in 24 hours; try again after %s",
			ErrQuotaExceeded, p.limit(storage.QuotaDeletes), until.UTC().Format("2006-01-02 15:04 MST"))
	}
	var uses []storage.QuotaUse
	var failed error
	for i := len(ids) - 1; i >= 0; i-- {
		err := p.api.Delete(ctx, token, ids[i])
		if threads.ClassOf(err) == threads.ClassNotFound && err != nil {
			continue // already gone
		}
		if err != nil {
			if threads.IsAuth(err) {
				_ = p.needsReconnectByID(ctx, post.AccountID, reasonOf(err))
			}
			failed = fmt.Errorf("delete post %s: %s", post.ID, reasonOf(err))
			break
		}
		uses = append(uses, storage.QuotaUse{AccountID: post.AccountID, Kind: storage.QuotaDeletes, At: p.now(), PostID: post.ID})
	}
	if failed != nil && len(uses) == 0 {
		return failed
	}
	ev := Event{Kind: EventDeleted, PostID: post.ID, AccountID: post.AccountID, Door: post.Door,
		OriginRef: post.OriginRef, Text: post.Text, Permalink: post.Permalink, MediaID: post.MediaID, At: p.now()}
	if err := p.store.RecordDeletion(ctx, post.ID, uses, []storage.OutboxEvent{p.outboxEvent(ev, post.ID+":deleted")}); err != nil {
		return err
	}
	p.deliverSoon()
	return failed
}

func (p *Publisher) needsReconnectByID(ctx context.Context, accountID int64, why string) error {
	accounts, err := p.store.Accounts(ctx)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if a.ID == accountID {
			return p.needsReconnect(ctx, a, why)
		}
	}
	return nil
}
