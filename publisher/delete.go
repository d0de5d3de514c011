package publisher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// The kinds of *DeleteError, for errors.Is: each door answers them its own way (REST: 409,
// 410, 429, 403).
var (
	// ErrNotDeletable: the post cannot be deleted (it was never published, or Threads never
	// told its id).
	ErrNotDeletable = errors.New("post cannot be deleted")
	// ErrAlreadyDeleted: the post was deleted before.
	ErrAlreadyDeleted = errors.New("post already deleted")
	// ErrQuotaExceeded: the deletion would exceed the account's deletion quota; Until says
	// when room frees.
	ErrQuotaExceeded = errors.New("Threads quota used up")
	// ErrMissingScope: the account's token lacks the permission Scope names; linking the
	// account again fixes it.
	ErrMissingScope = errors.New("Threads permission missing")
)

// DeleteError is why Delete did not delete, in words for the person who asked (chat shows
// UserMessage as is).
type DeleteError struct {
	Kind  error     // one of the Err… above
	Msg   string    // what happened and what to do
	Until time.Time // ErrQuotaExceeded: when the next deletion fits
	Scope string    // ErrMissingScope: the permission to grant
}

func (e *DeleteError) Error() string { return e.Msg }

// Unwrap lets errors.Is match Kind.
func (e *DeleteError) Unwrap() error { return e.Kind }

// UserMessage is the message for the chat user who asked.
func (e *DeleteError) UserMessage() string { return e.Msg }

func notDeletable(kind error, format string, args ...any) error {
	return &DeleteError{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Delete removes a published post from Threads (every part of a thread, last first), counting
// each against the deletion quota, records it and tells the post's door. The chat delete verb
// and the REST API call it.
func (p *Publisher) Delete(ctx context.Context, postID string) error {
	post, err := p.store.Get(ctx, postID)
	if err != nil {
		return err
	}
	if post.State != storage.StatePosted {
		return notDeletable(ErrNotDeletable, "post %s is %s; only a published post can be deleted (a queued one can be cancelled)",
			post.ID, post.State)
	}
	parts, st, err := p.store.Progress(ctx, post.ID)
	if err != nil {
		return err
	}
	if !st.DeletedAt.IsZero() {
		return notDeletable(ErrAlreadyDeleted, "post %s was already deleted from Threads (at %s)", post.ID,
			st.DeletedAt.UTC().Format("2006-01-02 15:04 MST"))
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
		return notDeletable(ErrNotDeletable, "Threads never told Spindle the id of post %s; delete it in the Threads app", post.ID)
	}
	acct, err := p.store.Account(ctx, post.AccountID)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", post.ID, err)
	}
	if acct.Lacks(threads.ScopeDelete) {
		// Refused here, at the door, rather than by Threads after a call: the link did not grant
		// the permission (or Threads refused it since).
		return missingScope(post.ID, threads.ScopeDelete)
	}
	token, uid, err := p.toks.Token(ctx, post.AccountID)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", post.ID, err)
	}
	reserved, err := p.reserveDeletes(ctx, post, len(ids), token, uid)
	if err != nil {
		return err
	}
	var uses int
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
			if sc := threads.MissingScope(err); sc != "" {
				p.forgetScope(ctx, post.AccountID, sc)
				failed = missingScope(post.ID, sc)
			}
			break
		}
		uses++
	}
	// The reservation counted every part; the parts Threads did not delete (gone already, or
	// not reached after a failure) give their uses back.
	if err := p.store.ReleaseQuota(context.WithoutCancel(ctx), reserved[uses:]); err != nil {
		p.log.Warn("could not give back unused deletion quota; it frees when the window moves",
			slog.String("post_id", post.ID), slog.Int64("account_id", post.AccountID), slog.Any("error", err))
	}
	if failed != nil && uses == 0 {
		return failed
	}
	ev := Event{Kind: EventDeleted, PostID: post.ID, AccountID: post.AccountID, Door: post.Door,
		OriginRef: post.OriginRef, Text: post.Text, Permalink: post.Permalink, MediaID: post.MediaID, At: p.now()}
	if err := p.store.RecordDeletion(ctx, post.ID, nil, []storage.OutboxEvent{p.outboxEvent(ev, post.ID+":deleted")}); err != nil {
		return err
	}
	p.deliverSoon()
	return failed
}

// reserveDeletes takes n uses of the account's deletion quota before the calls, or answers
// why not. The quota gate (room) reconciles with Threads when the quota is nearly used and
// says when room frees; the reservation then counts and writes in one step that only one
// process at a time takes per account (storage.ReserveQuota), so two replicas deleting at
// once can never pass the limit together. The uses are counted at the reservation's time.
func (p *Publisher) reserveDeletes(ctx context.Context, post storage.Post, n int, token, uid string) ([]int64, error) {
	until := p.now().Add(time.Minute)
	for range 5 { // the race below is lost only to a deletion that took the room meanwhile
		ok, at, err := p.room(ctx, post.AccountID, storage.QuotaDeletes, n, token, uid)
		if err != nil {
			return nil, err
		}
		if !ok {
			until = at
			break
		}
		ids, ok, err := p.store.ReserveQuota(ctx, storage.QuotaReservation{AccountID: post.AccountID,
			Kind: storage.QuotaDeletes, PostID: post.ID, N: n, Limit: p.limit(storage.QuotaDeletes),
			At: p.now(), Window: quotaWindow})
		if err != nil || ok {
			return ids, err
		}
		// Another deletion took the room between the gate and the reservation: the gate now
		// says when room frees (or finds some, if that deletion gave its uses back).
	}
	return nil, &DeleteError{Kind: ErrQuotaExceeded, Until: until, Msg: fmt.Sprintf(
		"the account has used its deletion quota (%d deletions in 24 hours); try again after %s",
		p.limit(storage.QuotaDeletes), until.UTC().Format("2006-01-02 15:04 MST"))}
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

// missingScope is the refusal of a deletion the account's token has no permission for.
func missingScope(postID, scope string) *DeleteError {
	return &DeleteError{Kind: ErrMissingScope, Scope: scope, Msg: fmt.Sprintf(
		"post %s cannot be deleted: the account's Threads token lacks the %s permission; %s to grant it, then delete again",
		postID, scope, RelinkHint)}
}

// forgetScope records that Threads refused the account a call for want of scope. A failure to
// record is logged only: the refusal itself is already answered.
func (p *Publisher) forgetScope(ctx context.Context, accountID int64, scope string) {
	if err := p.store.ForgetScope(ctx, accountID, scope); err != nil {
		p.log.Warn("could not record a missing Threads permission", slog.Int64("account_id", accountID),
			slog.String("scope", scope), slog.Any("error", err))
	}
}
