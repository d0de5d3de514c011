package webhookstore

import (
	"context"
	"errors"
	"strings"

	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/ingest/webhook"
	"github.com/spindle-threads/spindle/storage"
)

// Ingest is the part of *ingest.Service the door needs.
type Ingest interface {
	Enqueue(ctx context.Context, r ingest.Request) (ingest.Accepted, error)
}

// Enqueuer adapts the ingest service to webhook.Enqueuer: the post is committed before it
// returns, and a request Threads would refuse comes back as a *webhook.FieldError, which the
// handler answers 400 with the reason.
type Enqueuer struct{ Ingest Ingest }

// Enqueue implements webhook.Enqueuer.
func (e Enqueuer) Enqueue(ctx context.Context, r ingest.Request) (webhook.Accepted, error) {
	acc, err := e.Ingest.Enqueue(ctx, r)
	if err != nil {
		if fe := fieldError(err); fe != nil {
			return webhook.Accepted{}, fe
		}
		if kc, ok := errors.AsType[*storage.KeyConflictError](err); ok {
			return webhook.Accepted{}, &webhook.ConflictError{PostID: kc.PostID}
		}
		return webhook.Accepted{}, err
	}
	return webhook.Accepted{ID: acc.Post.ID, Status: string(acc.Post.State), Existed: acc.Existed}, nil
}

// fieldError folds the preflight's InvalidErrors (several are joined when several rules are
// broken) into one FieldError naming the first field and every reason; nil when err is not a
// preflight refusal.
func fieldError(err error) *webhook.FieldError {
	invalid := ingest.Problems(err)
	if len(invalid) == 0 {
		return nil
	}
	fe := &webhook.FieldError{Field: invalid[0].Field}
	reasons := []string{invalid[0].Reason}
	for _, ie := range invalid {
		fe.TooLarge = fe.TooLarge || ie.Limit > 0
	}
	for _, ie := range invalid[1:] {
		if ie.Field != "" {
			reasons = append(reasons, ie.Field+": "+ie.Reason)
		} else {
			reasons = append(reasons, ie.Reason)
		}
	}
	fe.Reason = strings.Join(reasons, "; ")
	return fe
}
