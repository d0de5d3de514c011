package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Shape is what a post carries beyond text and media: Threads' polls, text attachments,
// spoilers, reply control, ghost posts, locations and GIFs. It is stored as one JSON column
// (posts.shape) that only the publisher and the doors' displays read; the ingest service
// validated it.
type Shape struct {
	Poll           []string        `json:"poll,omitempty"`
	TextAttachment *TextAttachment `json:"text_attachment,omitempty"`
	Spoilers       []Spoiler       `json:"spoilers,omitempty"`
	SpoilerMedia   bool            `json:"spoiler_media,omitempty"`
	ReplyControl   string          `json:"reply_control,omitempty"`
	Ghost          bool            `json:"ghost,omitempty"`
	LocationID     string          `json:"location_id,omitempty"`
	GIF            *GIF            `json:"gif,omitempty"`
}

// TextAttachment is long text shown under the post, with an optional link.
type TextAttachment struct {
	Plaintext string `json:"plaintext"`
	LinkURL   string `json:"link,omitempty"`
}

// Spoiler is a hidden range of the post's text, in characters (code points).
type Spoiler struct {
	Offset int `json:"offset"`
	Length int `json:"length"`
}

// GIF is a GIF by its provider's id.
type GIF struct {
	ID       string `json:"id"`
	Provider string `json:"provider"`
}

// IsZero reports whether the shape asks for nothing beyond a plain post.
func (s Shape) IsZero() bool {
	return len(s.Poll) == 0 && s.TextAttachment == nil && len(s.Spoilers) == 0 && !s.SpoilerMedia &&
		s.ReplyControl == "" && !s.Ghost && s.LocationID == "" && s.GIF == nil
}

// encodeShape is the column value of s: ” for a plain post, so the rows of posts that ask for
// nothing stay as they were before 0023.
func encodeShape(s Shape) (string, error) {
	if s.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encode shape: %w", err)
	}
	return string(b), nil
}

func decodeShape(id, col string, s *Shape) error {
	if col == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(col), s); err != nil {
		return fmt.Errorf("post %s: decode shape: %w", id, err)
	}
	return nil
}

// Long-text choices: how a text over 500 characters goes out when its request does not say.
const (
	LongTextDefault = ""       // follow the account (for a feed) or the reply chain (for an account)
	LongTextThread  = "thread" // a reply chain
	LongTextAttach  = "attach" // one post with a text attachment
)

// ErrBadLongText is returned for a long-text choice other than the LongText* values.
var ErrBadLongText = errors.New("long text must be thread or attach")

func checkLongText(v string) error {
	switch v {
	case LongTextDefault, LongTextThread, LongTextAttach:
		return nil
	}
	return fmt.Errorf("%w, not %q", ErrBadLongText, v)
}

// AccountLongText returns the account's long-text choice; LongTextDefault if it made none.
func (db *DB) AccountLongText(ctx context.Context, accountID int64) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT long_text FROM account_settings WHERE account_id = ?`, accountID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return LongTextDefault, nil
	}
	if err != nil {
		return "", fmt.Errorf("storage: account %d long text: %w", accountID, err)
	}
	return v, nil
}

// SetAccountLongText records the account's long-text choice.
func (db *DB) SetAccountLongText(ctx context.Context, accountID int64, v string) error {
	if err := checkLongText(v); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO account_settings (account_id, long_text, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (account_id) DO UPDATE SET long_text = excluded.long_text, updated_at = excluded.updated_at`,
			accountID, v, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set account %d long text: %w", accountID, err)
	}
	return nil
}

// FeedLongText returns the feed's long-text choice; LongTextDefault if it made none.
func (db *DB) FeedLongText(ctx context.Context, feedID int64) (string, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT long_text FROM feed_settings WHERE feed_id = ?`, feedID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return LongTextDefault, nil
	}
	if err != nil {
		return "", fmt.Errorf("storage: feed %d long text: %w", feedID, err)
	}
	return v, nil
}

// SetFeedLongText records the feed's long-text choice.
func (db *DB) SetFeedLongText(ctx context.Context, feedID int64, v string) error {
	if err := checkLongText(v); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feed_settings (feed_id, long_text, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (feed_id) DO UPDATE SET long_text = excluded.long_text, updated_at = excluded.updated_at`,
			feedID, v, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set feed %d long text: %w", feedID, err)
	}
	return nil
}
