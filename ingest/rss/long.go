package rss

import (
	"context"

	"github.com/spindle-threads/spindle/publisher/threads"
	"github.com/spindle-threads/spindle/storage"
)

// maxLongText bounds a feed item's text when it goes out as one post with a text attachment:
// a lead of up to 500 characters and an attachment of up to 10,000.
const maxLongText = threads.MaxTextAttachmentChars + threads.MaxTextChars - 100

// longTexts is the store of long-text choices, per feed and per account (storage.DB). A
// store without it keeps every feed item within 500 characters, as before.
type longTexts interface {
	FeedLongText(ctx context.Context, feedID int64) (string, error)
	SetFeedLongText(ctx context.Context, feedID int64, v string) error
	AccountLongText(ctx context.Context, accountID int64) (string, error)
}

// longFor reports whether a feed's items go out as one long post with a text attachment: the
// feed's own choice, else its account's.
func (m *Manager) longFor(ctx context.Context, sf storage.Feed) (bool, error) {
	lt, ok := m.store.(longTexts)
	if !ok {
		return false, nil
	}
	v, err := lt.FeedLongText(ctx, sf.ID)
	if err != nil || v != storage.LongTextDefault {
		return v == storage.LongTextAttach, err
	}
	v, err = lt.AccountLongText(ctx, sf.AccountID)
	return v == storage.LongTextAttach, err
}

// setLong records a new feed's long-text choice ("" leaves it to the account).
func (m *Manager) setLong(ctx context.Context, feedID int64, v string) error {
	lt, ok := m.store.(longTexts)
	if v == "" || !ok {
		return nil
	}
	return lt.SetFeedLongText(ctx, feedID, v)
}

// FitLong renders an item for one post with a text attachment: the summary may run to about
// 10,000 characters (the ingest service cuts the lead and attaches the rest). What cannot fit
// even so (more than five links, a longer text) is fitted to one post as Fit does.
func (t *Template) FitLong(d TemplateData) (string, error) {
	long := d
	long.Summary = newShortenerUpTo(d.Summary, maxLongText+1).cut(maxLongText)
	text, err := t.render(long)
	if err == nil && threads.CountChars(text) <= maxLongText && len(threads.Links(text)) <= threads.MaxLinks {
		return text, nil
	}
	return t.Fit(d)
}
