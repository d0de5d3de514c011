package accounts

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/spindle-threads/spindle/storage"
)

// Taking access back takes its effects back too: what a revoked grantee or a disconnecting
// owner set up on the account (feeds, webhook sources) is paused, and the posts held under an
// owner who disconnected are cancelled, not published, when someone else connects the account.

// link stores a linked account; on a takeover it cancels the previous owner's held posts,
// telling their authors, and tells the previous owner what happened.
func (s *Service) link(ctx context.Context, a storage.Account, id Identity) (storage.Account, error) {
	reason := fmt.Sprintf("Not published: @%s was connected to Spindle by someone else after its owner disconnected it, so the posts queued before were cancelled. Post it again if you still have the right to.", a.Username)
	o := storage.LinkOptions{Reason: reason}
	if s.notice != nil {
		now := s.now()
		o.Notice = func(p storage.Post) storage.OutboxEvent { return s.notice(p, reason, now) }
	}
	acct, t, err := s.accts.LinkAccountWith(ctx, a, id.ID, o)
	if err != nil || t.PreviousOwner == 0 {
		return acct, err
	}
	s.log.InfoContext(ctx, "threads account taken over", slog.Int64("account_id", acct.ID),
		slog.Int64("previous_owner", t.PreviousOwner), slog.Int64("identity_id", id.ID),
		slog.Int("cancelled_posts", len(t.Cancelled)), slog.Int("paused", t.Paused.Len()))
	if prev, err := s.IdentityByID(ctx, t.PreviousOwner); err == nil {
		msg := fmt.Sprintf("@%s, which you disconnected, was connected to Spindle by %s, who now owns it.", acct.Username, id)
		if n := len(t.Cancelled); n > 0 {
			msg += fmt.Sprintf(" %d post(s) still held for it were cancelled, not published.", n)
		}
		s.notify(ctx, prev, msg+pausedSentence(t.Paused))
	}
	return acct, nil
}

// pauseAddedBy pauses what identityID added to accountID, logging a failure: the access is
// already taken back, and the pause must not undo that.
func (s *Service) pauseAddedBy(ctx context.Context, accountID, identityID int64, reason string) storage.Paused {
	p, err := s.dependents.PauseAddedBy(ctx, accountID, identityID, reason)
	if err != nil {
		s.log.ErrorContext(ctx, "could not pause feeds and webhooks", slog.Int64("account_id", accountID),
			slog.Int64("identity_id", identityID), slog.String("error", err.Error()))
	}
	return p
}

// pausedSentence says what was paused, or nothing.
func pausedSentence(p storage.Paused) string {
	if p.Len() == 0 {
		return ""
	}
	var names []string
	for _, f := range p.Feeds {
		names = append(names, fmt.Sprintf("feed %d (%s)", f.ID, f.URL))
	}
	for _, w := range p.Sources {
		names = append(names, "webhook "+w.Name)
	}
	return " Paused what was added for it: " + strings.Join(names, ", ") + "."
}
