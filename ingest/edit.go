package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spindle-threads/spindle/storage"
)

// Editor changes a queued post in place; *storage.DB implements it. A Service whose Queue is
// also an Editor can Edit.
type Editor interface {
	EditQueued(ctx context.Context, id string, e storage.PostEdit) (storage.Post, error)
}

// Edit is a change to a queued post, as every door asks for it. A nil field is kept.
type Edit struct {
	Text  *string
	Media *[]Media // a pointer to an empty list removes the media
	// ScheduledAt, when not zero, moves the post; it must be in the future.
	ScheduledAt time.Time
	// Grantee and Author say who edits, as Request's fields do: an edit the account's approval
	// policy covers, or any edit of a post waiting for approval, sends it back for approval.
	Grantee bool
	Author  string
}

// ErrNoEditor is returned by Edit when the queue cannot edit posts (a wiring gap).
var ErrNoEditor = errors.New("ingest: this queue cannot edit posts")

// Edit runs the preflight again on p as it would be after e (length, media URLs and their
// probe, Threads' rules) and then changes it in the queue, only while it is still queued: a
// post the publisher took meanwhile is a *storage.StateError and nothing changes. The caller
// has already checked that the person may act on p (the same check as a cancel).
func (s *Service) Edit(ctx context.Context, p storage.Post, e Edit) (storage.Post, error) {
	ed, ok := s.queue.(Editor)
	if !ok {
		return storage.Post{}, ErrNoEditor
	}
	if e.Text == nil && e.Media == nil && e.ScheduledAt.IsZero() {
		return storage.Post{}, &InvalidError{Field: "text", Reason: "nothing to change: give a new text, time or media URL"}
	}
	r := requestOf(p)
	if e.Text != nil {
		r.Text = *e.Text
	}
	if e.Media != nil {
		r.Media = *e.Media
	}
	if !e.ScheduledAt.IsZero() {
		if !e.ScheduledAt.After(s.now()) {
			return storage.Post{}, &InvalidError{Field: "scheduled_at", Reason: fmt.Sprintf(
				"the new time %s is in the past; pick a future time", e.ScheduledAt.UTC().Format(time.RFC3339))}
		}
		r.ScheduledAt = e.ScheduledAt
	}
	if err := s.Validate(r); err != nil {
		return storage.Post{}, err
	}
	if e.Media != nil {
		if err := s.probeMedia(ctx, r); err != nil {
			return storage.Post{}, err
		}
	}
	pe := storage.PostEdit{Text: e.Text, ScheduledAt: e.ScheduledAt}
	if e.Media != nil {
		ms := []storage.Media{}
		for _, m := range *e.Media {
			ms = append(ms, storage.Media{Kind: string(m.Kind), URL: m.URL, AltText: m.AltText})
		}
		pe.Media = &ms
	}
	if err := s.reholdIfNeeded(ctx, p, e, &pe); err != nil {
		return storage.Post{}, err
	}
	out, err := ed.EditQueued(ctx, p.ID, pe)
	if err != nil {
		return storage.Post{}, fmt.Errorf("ingest: edit %s: %w", p.ID, err)
	}
	s.log.InfoContext(ctx, "post edited", slog.String("post_id", out.ID), slog.Int64("account_id", out.AccountID),
		slog.Bool("text", e.Text != nil), slog.Bool("media", e.Media != nil), slog.Time("scheduled_at", out.ScheduledAt))
	if s.wake != nil && !out.NextAttemptAt.After(s.now()) {
		s.wake()
	}
	return out, nil
}

// requestOf is the request a stored post would have come from, for validating it again.
func requestOf(p storage.Post) Request {
	r := Request{Origin: Origin{Door: Door(p.Door)}, AccountID: p.AccountID, Text: p.Text,
		ReplyToID: p.ReplyToID, QuoteID: p.QuoteID, LinkAttachment: p.LinkAttachment,
		TopicTag: p.TopicTag, Thread: p.Thread}
	for _, m := range p.Media {
		r.Media = append(r.Media, Media{Kind: MediaKind(m.Kind), URL: m.URL, AltText: m.AltText})
	}
	return r
}

// reholdIfNeeded asks the edit to send p back for approval: always when it waits for one (an
// approver has not seen the new text, whoever edited it, the operator's command line too: a
// new round, so a decision on the old one decides nothing), and when the account's policy
// covers the editor.
func (s *Service) reholdIfNeeded(ctx context.Context, p storage.Post, e Edit, pe *storage.PostEdit) error {
	hold := p.State == storage.StatePendingApproval
	if !hold && s.policies != nil {
		pol, err := s.policies.ApprovalPolicyFor(ctx, p.AccountID)
		if err != nil {
			return fmt.Errorf("ingest: could not read the approval policy, nothing was changed; try again: %w", err)
		}
		hold = NeedsApproval(pol, Door(p.Door), e.Grantee)
	}
	if hold {
		pe.Rehold = storage.ApprovalHold{Author: e.Author, ExpiresAt: s.now().Add(cmp.Or(s.ttl, DefaultApprovalTTL)), Notice: s.notice}
	}
	return nil
}
