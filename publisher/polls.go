package publisher

import (
	"context"
	"errors"
	"fmt"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// shapesReader is the client call that reads a published post's shapes (its poll's votes);
// the threads client has it, and an API without it reports no results.
type shapesReader interface {
	Shapes(ctx context.Context, token, mediaID string) (threads.PublishedShapes, error)
}

// ErrNoPoll says a post has no poll results to read: it asked for no poll, is not published,
// or the API cannot read them.
var ErrNoPoll = errors.New("no poll results to read")

// PollResults reads a published poll's results from Threads: the options, each one's share
// of the votes, the number of votes and when voting closes.
func (p *Publisher) PollResults(ctx context.Context, post storage.Post) (threads.PollResult, error) {
	sr, ok := p.api.(shapesReader)
	if !ok || len(post.Shape.Poll) == 0 || post.State != storage.StatePosted || post.MediaID == "" {
		return threads.PollResult{}, ErrNoPoll
	}
	token, _, err := p.toks.Token(ctx, post.AccountID)
	if err != nil {
		return threads.PollResult{}, fmt.Errorf("poll results of post %s: %w", post.ID, err)
	}
	sh, err := sr.Shapes(ctx, token, post.MediaID)
	if err != nil {
		return threads.PollResult{}, fmt.Errorf("poll results of post %s: %s", post.ID, reasonOf(err))
	}
	if sh.Poll == nil {
		return threads.PollResult{}, ErrNoPoll
	}
	return *sh.Poll, nil
}
