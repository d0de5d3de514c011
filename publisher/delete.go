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
// 410, 429, 403; 409 for the kinds it does not single out).
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
	// ErrDeleteInProgress: another request, on this replica or another, is deleting the post
	// right now; Until says when its hold on the post ends if it stops (a crash).
	ErrDeleteInProgress = errors.New("post is being deleted")
	// ErrDeleteFailed: Threads refused to delete the post or one of its parts, or did not
	// say whether it had; Msg says what is gone and whether deleting again finishes the job.
	ErrDeleteFailed = errors.New("post not deleted")
	// ErrDeleteUnrecorded (also an ErrDeleteFailed): Threads deleted what it was asked, but
	// Spindle could not record it (its database); deleting again finishes the job.
	ErrDeleteUnrecorded = fmt.Errorf("deletion not recorded: %w", ErrDeleteFailed)
)

// DeleteError is why Delete did not delete, in words for the person who asked (chat shows
// UserMessage as is).
type DeleteError struct {
	Kind  error     // one of the Err… above
	Msg   string    // what happened and what to do
	Until time.Time // ErrQuotaExceeded: when the next deletion fits; ErrDeleteInProgress: when the other request's hold ends at the latest
	Scope string    // ErrMissingScope: the permission to grant
	Err   error     // the failure behind it (a Threads answer, a database error), if any
}

func (e *DeleteError) Error() string { return e.Msg }

// Unwrap lets errors.Is match Kind, and errors.As find the failure behind it.
func (e *DeleteError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// UserMessage is the message for the chat user who asked.
func (e *DeleteError) UserMessage() string { return e.Msg }

func notDeletable(kind error, format string, args ...any) error {
	return &DeleteError{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Deletions is what deleting a post keeps in the store (storage/deletion.go): a claim that
// lets one request at a time delete a post across replicas, the quota use reserved for each
// part, and each part's outcome.
type Deletions interface {
	ClaimDeletion(ctx context.Context, postID string, ttl time.Duration) (storage.Deletion, error)
	ReserveDeletion(ctx context.Context, c storage.DeletionClaim, r storage.QuotaReservation) ([]storage.DeletionPart, bool, error)
	SettleDeletion(ctx context.Context, c storage.DeletionClaim, s storage.DeletionStep) error
}

// deleteClaimTTL is how long a deletion's claim on its post lasts after its last write. Each
// call to Threads follows a write that renews the claim and is bounded by deleteCallTimeout,
// so a live deleter keeps its claim however many parts it deletes; a deleter that crashed
// holds the post this long at most, then another request finishes what it left.
const deleteClaimTTL = time.Minute

// deleteCallTimeout bounds one DELETE call: half the claim, the rest left for the writes
// around it. A call cut off by it has an unknown outcome, like any other without an answer.
const deleteCallTimeout = deleteClaimTTL / 2

// Delete removes a published post from Threads (every part of a thread, last first), counting
// each against the deletion quota, records it and tells the post's door. The chat delete verb
// and the REST API call it.
//
// One request at a time deletes a post, whichever replica it reaches: it claims the post in
// the database first, and a second request meanwhile is answered ErrDeleteInProgress. Each
// part's outcome is committed before the next call, so a deletion that stops half-way (a
// refusal, a lost answer, a crash) leaves the post undeleted with its parts' progress, and
// deleting it again deletes only the parts left.
func (p *Publisher) Delete(ctx context.Context, postID string) error {
	post, err := p.store.Get(ctx, postID)
	if err != nil {
		return err
	}
	if post.State != storage.StatePosted {
		return notDeletable(ErrNotDeletable, "post %s is %s; only a published post can be deleted (a queued one can be cancelled)",
			post.ID, post.State)
	}
	if !post.DeletedAt.IsZero() {
		return alreadyDeleted(post.ID, post.DeletedAt)
	}
	parts, _, err := p.store.Progress(ctx, post.ID)
	if err != nil {
		return err
	}
	if !hasMediaID(post, parts) {
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
	d, err := p.store.ClaimDeletion(ctx, post.ID, deleteClaimTTL)
	if err != nil {
		return fmt.Errorf("delete post %s: %w", post.ID, err)
	}
	switch {
	case !d.DeletedAt.IsZero():
		return alreadyDeleted(post.ID, d.DeletedAt)
	case !d.Claimed():
		return inProgress(post.ID, d.BusyUntil)
	}
	return p.deleteClaimed(ctx, post, d, token, uid)
}

// hasMediaID reports whether Threads told the id of the post or of one of its parts.
func hasMediaID(post storage.Post, parts []storage.Part) bool {
	for _, pt := range parts {
		if pt.MediaID != "" {
			return true
		}
	}
	return post.MediaID != ""
}

// deleteClaimed deletes what is left of a claimed post, last part first (a reply before what
// it replies to), commits each part's outcome before the next call, and ends the claim.
//
// A part's quota use is released only when Threads said it did not delete the part (a
// refusal, or "not found" for a use reserved by this attempt). Without an answer that says so
// (a 5xx, no answer at all) Threads may have deleted the part and counted it: the use stays,
// and the part's next attempt reuses it, so the local ledger never falls behind Threads'.
func (p *Publisher) deleteClaimed(ctx context.Context, post storage.Post, d storage.Deletion, token, uid string) error {
	// What Threads did is recorded even when the caller went away meanwhile.
	wctx := context.WithoutCancel(ctx)
	c := d.DeletionClaim
	if len(d.Parts) == 0 { // no id to delete: nothing may be recorded deleted
		p.settleAfterFailure(wctx, post, c, storage.DeletionStep{Stop: true})
		return notDeletable(ErrNotDeletable, "Threads never told Spindle the id of post %s; delete it in the Threads app", post.ID)
	}
	// need counts the new uses the parts left take, as storage.ReserveDeletion counts them: a
	// part without a use, or whose earlier use has left the window (it counts again).
	total, gone, need := len(d.Parts), 0, 0
	since := p.now().Add(-quotaWindow)
	for _, pt := range d.Parts {
		switch {
		case pt.Gone:
			gone++
		case pt.Use == 0 || !pt.UseAt.After(since):
			need++
		}
	}
	left, err := p.reserveDeletes(ctx, post, c, need, token, uid)
	if err != nil {
		p.settleAfterFailure(wctx, post, c, storage.DeletionStep{Stop: true})
		return err
	}
	for i := len(left) - 1; i >= 0; i-- {
		pt := left[i]
		callCtx, cancel := context.WithTimeout(ctx, deleteCallTimeout)
		err := p.api.Delete(callCtx, token, pt.MediaID)
		cancel()
		out := deleteOutcomeOf(err)
		var step storage.DeletionStep
		if out == deleteDone || out == deleteGone {
			step.Gone = []int{pt.Part}
			gone++
		}
		if (out == deleteGone || out == deleteRefused) && !pt.Earlier {
			step.Unused = []int{pt.Part} // this call counted nothing at Threads
		}
		if out == deleteRefused || out == deleteUnknown {
			for _, q := range left[:i] { // not reached: their new uses go back
				if !q.Earlier {
					step.Unused = append(step.Unused, q.Part)
				}
			}
			step.Stop = true
			if out == deleteRefused {
				p.learnFromRefusal(ctx, post.AccountID, err)
			}
			p.settleAfterFailure(wctx, post, c, step)
			return deleteFailed(post.ID, err, out, gone, total)
		}
		if i == 0 {
			step.Done, step.Events = true, p.deletedEvents(post)
		}
		if err := p.store.SettleDeletion(wctx, c, step); err != nil {
			return unrecorded(post.ID, err, gone, total)
		}
	}
	if len(left) == 0 {
		// Every part is gone already, yet the post is not recorded deleted: record it.
		if err := p.store.SettleDeletion(wctx, c, storage.DeletionStep{Done: true, Events: p.deletedEvents(post)}); err != nil {
			return unrecorded(post.ID, err, gone, total)
		}
	}
	p.deliverSoon()
	return nil
}

// deletedEvents tells the post's door that it was deleted.
func (p *Publisher) deletedEvents(post storage.Post) []storage.OutboxEvent {
	ev := Event{Kind: EventDeleted, PostID: post.ID, AccountID: post.AccountID, Door: post.Door,
		OriginRef: post.OriginRef, Text: post.Text, Permalink: post.Permalink, MediaID: post.MediaID, At: p.now()}
	return []storage.OutboxEvent{p.outboxEvent(ev, post.ID+":deleted")}
}

// settleAfterFailure commits the step of a deletion that stops. A failure to commit is logged
// only: the uses it would have released stay counted until the window moves (erring on the
// side of Meta's limit), and the claim lapses after deleteClaimTTL.
func (p *Publisher) settleAfterFailure(ctx context.Context, post storage.Post, c storage.DeletionClaim, s storage.DeletionStep) {
	if err := p.store.SettleDeletion(ctx, c, s); err != nil {
		p.log.Warn("could not record where a deletion stopped; its unused quota frees when the window moves",
			slog.String("post_id", post.ID), slog.Int64("account_id", post.AccountID), slog.Any("error", err))
	}
}

// deleteOutcome is what the answer to one DELETE call says about its part.
type deleteOutcome int

const (
	// deleteDone: Threads deleted the part, and counted it.
	deleteDone deleteOutcome = iota
	// deleteGone: Threads answered that the part does not exist: it was deleted before (by
	// an attempt whose answer was lost, or in the Threads app). This call counted nothing.
	deleteGone
	// deleteRefused: Threads answered that it did not delete the part. Nothing counted.
	deleteRefused
	// deleteUnknown: no answer, or one that does not say: Threads may have deleted the part
	// and counted it.
	deleteUnknown
)

// deleteOutcomeOf reads a DELETE call's error. Only an answer can say a deletion was not done:
// an error Threads answered with a status below 500 (or in a 2xx body, or success false). No
// answer (a network failure, a timeout, a cancelled call), a 5xx (Threads has answered 5xx to
// calls it performed: threads-api.md §9 pitfall 3), an answer that could not be read, or a
// transient class leave it unknown.
func deleteOutcomeOf(err error) deleteOutcome {
	if err == nil {
		return deleteDone
	}
	var te *threads.Error
	switch {
	case !errors.As(err, &te), te.HTTPStatus == 0, te.HTTPStatus >= 500, te.Class == threads.ClassTransient:
		return deleteUnknown
	case te.Class == threads.ClassNotFound:
		return deleteGone
	}
	return deleteRefused
}

// learnFromRefusal acts on what a refusal says about the account: a token Threads no longer
// accepts, or a permission it lacks. Only a refusal tells it: an answer lost in a 5xx might
// carry any code (threads-api.md §9, 5xx with code 10 on a call that was performed).
func (p *Publisher) learnFromRefusal(ctx context.Context, accountID int64, err error) {
	if threads.IsAuth(err) {
		_ = p.needsReconnectByID(ctx, accountID, reasonOf(err))
	}
	if sc := threads.MissingScope(err); sc != "" {
		p.forgetScope(ctx, accountID, sc)
	}
}

// deleteFailed is the error of a deletion that stopped at a call: how much of the post is
// gone, why it stopped, and whether deleting it again finishes the job. Every word stays true
// because a deletion started again deletes only the parts left and counts none twice.
func deleteFailed(postID string, err error, out deleteOutcome, gone, total int) error {
	if sc := threads.MissingScope(err); sc != "" && out == deleteRefused {
		e := missingScope(postID, sc)
		if gone > 0 {
			e.Msg = fmt.Sprintf("post %s is only partly deleted (%s): the account's Threads token lacks the %s permission; %s to grant it, then delete again to remove the rest",
				postID, partsGone(gone, total), sc, RelinkHint)
		}
		return e
	}
	var state, advice string
	switch {
	case gone > 0:
		state = fmt.Sprintf("is only partly deleted (%s)", partsGone(gone, total))
	case out == deleteUnknown:
		state = "may not be deleted (Threads did not answer whether it deleted it)"
	default:
		state = "was not deleted"
	}
	switch {
	case out == deleteUnknown && total == 1:
		advice = "; delete it again to finish: if Threads did delete it, Spindle records that without counting it twice against the deletion quota"
	case out == deleteUnknown:
		advice = "; delete it again to finish: only what is left on Threads is deleted, and nothing is counted twice against the deletion quota"
	case gone > 0 && threads.IsRetryable(err):
		advice = "; deleting it again removes only what is left on Threads"
	case gone > 0:
		advice = "; once that is fixed, deleting it again removes only what is left on Threads"
	}
	return &DeleteError{Kind: ErrDeleteFailed, Err: err, Msg: fmt.Sprintf("post %s %s: %s%s", postID, state, reasonOf(err), advice)}
}

// unrecorded is the error of a deletion Threads performed but Spindle could not record: the
// part's quota use stays counted, and deleting again finds the part gone and records it.
func unrecorded(postID string, err error, gone, total int) error {
	if errors.Is(err, storage.ErrDeletionClaimLost) {
		return takenOver(postID, err)
	}
	return &DeleteError{Kind: ErrDeleteUnrecorded, Err: err, Msg: fmt.Sprintf(
		"post %s: Threads deleted what it was asked (%s), but Spindle could not record it; delete it again in a minute to finish: nothing is deleted or counted twice",
		postID, partsGone(gone, total))}
}

// takenOver is the error of a deletion whose claim lapsed and was taken by another request
// (this one stalled longer than deleteClaimTTL): that request finishes the job.
func takenOver(postID string, err error) error {
	return &DeleteError{Kind: ErrDeleteInProgress, Err: err, Msg: fmt.Sprintf(
		"post %s is being deleted by another request, which took over from this one; its status reads deleted once that finishes, and if it does not within a minute, delete it again",
		postID)}
}

// partsGone says how much of a post is gone from Threads.
func partsGone(gone, total int) string {
	if total == 1 {
		return "the post is gone from Threads"
	}
	verb := "are"
	if gone == 1 {
		verb = "is"
	}
	return fmt.Sprintf("%d of its %d parts %s gone from Threads", gone, total, verb)
}

// alreadyDeleted is the refusal of a post deleted before.
func alreadyDeleted(postID string, at time.Time) error {
	return notDeletable(ErrAlreadyDeleted, "post %s was already deleted from Threads (at %s)", postID,
		at.UTC().Format("2006-01-02 15:04 MST"))
}

// inProgress is the answer to a deletion asked while another request deletes the post: that
// request tells the post's door when it is done; until is when its hold ends at the latest,
// should it have crashed.
func inProgress(postID string, until time.Time) error {
	return &DeleteError{Kind: ErrDeleteInProgress, Until: until, Msg: fmt.Sprintf(
		"post %s is being deleted by another request right now; its status reads deleted once that finishes, and if it does not, delete it again after %s",
		postID, until.UTC().Format("2006-01-02 15:04:05 MST"))}
}

// reserveDeletes reserves the quota uses of the claimed post's parts left before the calls,
// n of them new (a part holding an earlier attempt's use reuses it), and returns those parts,
// or answers why not. The quota gate (room) reconciles with Threads when the quota is nearly
// used and says when room frees; the reservation then counts and writes in one step that only
// one process at a time takes per account (storage.ReserveDeletion), so two replicas deleting
// at once can never pass the limit together. The uses are counted at the reservation's time.
func (p *Publisher) reserveDeletes(ctx context.Context, post storage.Post, c storage.DeletionClaim, n int, token, uid string) ([]storage.DeletionPart, error) {
	until := p.now().Add(time.Minute)
	for range 5 { // the race below is lost only to a deletion that took the room meanwhile
		if n > 0 {
			ok, at, err := p.room(ctx, post.AccountID, storage.QuotaDeletes, n, token, uid)
			if err != nil {
				return nil, err
			}
			if !ok {
				until = at
				break
			}
		}
		parts, ok, err := p.store.ReserveDeletion(ctx, c, storage.QuotaReservation{AccountID: post.AccountID,
			Limit: p.limit(storage.QuotaDeletes), Window: quotaWindow}) // dated by the ledger's clock
		if errors.Is(err, storage.ErrDeletionClaimLost) {
			return nil, takenOver(post.ID, err)
		}
		if err != nil || ok {
			return parts, err
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
