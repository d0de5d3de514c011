package storage

// Feeds: the feed door's watched feeds and the items each already handled. The rss package
// decides what a poll means; this file only keeps its outcome.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrFeedExists means the account already watches that URL.
var ErrFeedExists = errors.New("the account already watches this feed")

// ErrFeedLimit means the account already watches as many feeds as AddFeedCapped allows.
var ErrFeedLimit = errors.New("the account watches as many feeds as allowed")

// Feed is one watched feed.
type Feed struct {
	ID        int64
	URL       string
	AccountID int64
	// ReportDoor and ReportRef say where the feed's notices and results go: a chat door and
	// its own JSON address. Both empty for a feed added from the command line.
	ReportDoor string
	ReportRef  []byte
	Template   string
	Include    []string
	Exclude    []string
	Interval   time.Duration
	DailyCap   int
	Images     bool
	Backfill   int  // items the first poll posts
	Baselined  bool // the first poll recorded the feed's items
	Enabled    bool
	// PausedReason says why a disabled feed was paused, for people.
	PausedReason  string
	ETag          string
	LastModified  string
	Failures      int // failed polls in a row
	NextPollAt    time.Time
	LastSuccessAt time.Time
	LastError     string
	Title         string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// CreatedBy is the identity that added the feed from chat; 0 for the operator (command
	// line). Revoking that identity's access to the account pauses the feed.
	CreatedBy int64
	// AskedInterval is what the feed itself asked for at its last successful poll (RSS <ttl>,
	// Cache-Control max-age); when longer than Interval it is what polling follows.
	AskedInterval time.Duration
}

const feedColumns = `id, url, account_id, report_door, report_ref, template, include_terms,
	exclude_terms, interval_ms, daily_cap, images, backfill, baselined, enabled, paused_reason,
	etag, last_modified, failures, next_poll_at, last_success_at, last_error, title,
	created_at, updated_at, COALESCE(created_by, 0), asked_interval_ms`

func scanFeed(s scanner) (Feed, error) {
	var (
		f                               Feed
		ref, include, exclude           string
		interval, asked                 int64
		images, baselined, enabled      int
		next, success, created, updated int64
	)
	err := s.Scan(&f.ID, &f.URL, &f.AccountID, &f.ReportDoor, &ref, &f.Template, &include, &exclude,
		&interval, &f.DailyCap, &images, &f.Backfill, &baselined, &enabled, &f.PausedReason,
		&f.ETag, &f.LastModified, &f.Failures, &next, &success, &f.LastError, &f.Title,
		&created, &updated, &f.CreatedBy, &asked)
	if err != nil {
		return Feed{}, err
	}
	f.AskedInterval = time.Duration(asked) * time.Millisecond
	if ref != "" {
		f.ReportRef = []byte(ref)
	}
	if f.Include, err = decodeTerms(include); err != nil {
		return Feed{}, fmt.Errorf("feed %d: include terms: %w", f.ID, err)
	}
	if f.Exclude, err = decodeTerms(exclude); err != nil {
		return Feed{}, fmt.Errorf("feed %d: exclude terms: %w", f.ID, err)
	}
	f.Interval = time.Duration(interval) * time.Millisecond
	f.Images, f.Baselined, f.Enabled = images != 0, baselined != 0, enabled != 0
	f.NextPollAt, f.LastSuccessAt = fromMS(next), fromMS(success)
	f.CreatedAt, f.UpdatedAt = fromMS(created), fromMS(updated)
	return f, nil
}

func encodeTerms(terms []string) (string, error) {
	if len(terms) == 0 {
		return "", nil
	}
	b, err := json.Marshal(terms)
	return string(b), err
}

func decodeTerms(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	var terms []string
	err := json.Unmarshal([]byte(s), &terms)
	return terms, err
}

// AddFeed stores a new feed, enabled and not yet baselined, and returns it with its id. The
// same URL for the same account is refused with ErrFeedExists.
func (db *DB) AddFeed(ctx context.Context, f Feed) (Feed, error) {
	return db.AddFeedCapped(ctx, f, 0)
}

// AddFeedCapped is like AddFeed, but refuses with ErrFeedLimit when the account already
// watches limit feeds (0: no limit). The count and the insert are one statement, so two adds
// racing cannot both pass the cap.
func (db *DB) AddFeedCapped(ctx context.Context, f Feed, limit int) (Feed, error) {
	include, err := encodeTerms(f.Include)
	if err != nil {
		return Feed{}, fmt.Errorf("storage: add feed: %w", err)
	}
	exclude, err := encodeTerms(f.Exclude)
	if err != nil {
		return Feed{}, fmt.Errorf("storage: add feed: %w", err)
	}
	now := ms(db.now())
	var out Feed
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `INSERT INTO feeds (url, account_id, report_door, report_ref,
			template, include_terms, exclude_terms, interval_ms, daily_cap, images, backfill,
			next_poll_at, created_at, updated_at, created_by)
			SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
			WHERE ? = 0 OR (SELECT COUNT(*) FROM feeds WHERE account_id = ?) < ?
			ON CONFLICT (account_id, url) DO NOTHING
			RETURNING `+feedColumns,
			f.URL, f.AccountID, f.ReportDoor, string(f.ReportRef), f.Template, include, exclude,
			f.Interval.Milliseconds(), f.DailyCap, boolInt(f.Images), f.Backfill,
			ms(f.NextPollAt), now, now, nullID(f.CreatedBy), limit, f.AccountID, limit)
		var err error
		out, err = scanFeed(row)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM feeds WHERE account_id = ? AND url = ?)`,
			f.AccountID, f.URL).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return ErrFeedExists
		}
		return ErrFeedLimit
	})
	if err != nil {
		return Feed{}, fmt.Errorf("storage: add feed %s: %w", f.URL, err)
	}
	return out, nil
}

// Feed reads one feed by id.
func (db *DB) Feed(ctx context.Context, id int64) (Feed, error) {
	f, err := scanFeed(db.r.QueryRowContext(ctx, `SELECT `+feedColumns+` FROM feeds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Feed{}, fmt.Errorf("storage: feed %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Feed{}, fmt.Errorf("storage: feed %d: %w", id, err)
	}
	return f, nil
}

// Feeds lists the feeds of the given accounts, or of every account when accountIDs is nil,
// in the order they were added.
func (db *DB) Feeds(ctx context.Context, accountIDs []int64) ([]Feed, error) {
	q, args := `SELECT `+feedColumns+` FROM feeds`, []any{}
	if accountIDs != nil {
		if len(accountIDs) == 0 {
			return nil, nil
		}
		q += ` WHERE account_id IN (?` + strings.Repeat(", ?", len(accountIDs)-1) + `)`
		for _, id := range accountIDs {
			args = append(args, id)
		}
	}
	return db.feeds(ctx, q+` ORDER BY id`, args...)
}

// DueFeeds returns up to limit enabled feeds whose next poll is at or before now, the most
// overdue first.
func (db *DB) DueFeeds(ctx context.Context, now time.Time, limit int) ([]Feed, error) {
	return db.feeds(ctx, `SELECT `+feedColumns+` FROM feeds WHERE enabled = 1 AND next_poll_at <= ?
		ORDER BY next_poll_at, id LIMIT ?`, ms(now), limit)
}

func (db *DB) feeds(ctx context.Context, q string, args ...any) ([]Feed, error) {
	return queryAll(ctx, db.r, "list feeds", scanFeed, q, args...)
}

// DeleteFeed removes a feed and its seen items. Its posts stay in the queue.
func (db *DB) DeleteFeed(ctx context.Context, id int64) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM feeds WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: delete feed %d: %w", id, err)
	}
	return nil
}

// SetFeedEnabled pauses (enabled false, with a reason for people) or resumes a feed. Resuming
// clears the failure count and the reason and makes the feed due at nextPoll.
func (db *DB) SetFeedEnabled(ctx context.Context, id int64, enabled bool, reason string, nextPoll time.Time) (Feed, error) {
	var out Feed
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var row *sql.Row
		if enabled {
			row = tx.QueryRowContext(ctx, `UPDATE feeds SET enabled = 1, paused_reason = '', failures = 0,
				next_poll_at = ?, updated_at = ? WHERE id = ? RETURNING `+feedColumns, ms(nextPoll), ms(db.now()), id)
		} else {
			row = tx.QueryRowContext(ctx, `UPDATE feeds SET enabled = 0, paused_reason = ?, updated_at = ?
				WHERE id = ? RETURNING `+feedColumns, reason, ms(db.now()), id)
		}
		var err error
		out, err = scanFeed(row)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		return err
	})
	if err != nil {
		return Feed{}, fmt.Errorf("storage: update feed %d: %w", id, err)
	}
	return out, nil
}

// FeedPoll is the outcome of one poll, as RecordFeedPoll stores it.
type FeedPoll struct {
	FeedID int64
	OK     bool // the poll succeeded (a 304 included)
	// Title replaces the stored title when not empty; ETag and LastModified replace the
	// stored validators when OK.
	Title        string
	ETag         string
	LastModified string
	// NewURL replaces the feed's URL (a permanent redirect) unless the account already
	// watches that URL.
	NewURL     string
	Failures   int // failed polls in a row, after this one
	NextPollAt time.Time
	LastError  string // kept for people; cleared when OK
	// AskedInterval is the feed's own hint on this successful poll (0: none); stored when OK.
	AskedInterval time.Duration
	// Pause disables the feed with PauseReason.
	Pause       bool
	PauseReason string
}

// RecordFeedPoll stores a poll's outcome. A feed removed or paused meanwhile stays removed or
// paused. A successful poll marks the feed baselined.
func (db *DB) RecordFeedPoll(ctx context.Context, p FeedPoll) error {
	now := ms(db.now())
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var err error
		if p.OK {
			_, err = tx.ExecContext(ctx, `UPDATE feeds SET etag = ?, last_modified = ?, failures = 0,
				next_poll_at = ?, last_success_at = ?, last_error = '', baselined = 1,
				title = CASE WHEN ? != '' THEN ? ELSE title END, asked_interval_ms = ?, updated_at = ? WHERE id = ?`,
				p.ETag, p.LastModified, ms(p.NextPollAt), now, p.Title, p.Title, p.AskedInterval.Milliseconds(), now, p.FeedID)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE feeds SET failures = ?, next_poll_at = ?, last_error = ?,
				updated_at = ? WHERE id = ?`, p.Failures, ms(p.NextPollAt), p.LastError, now, p.FeedID)
		}
		if err != nil {
			return err
		}
		if p.Pause {
			if _, err := tx.ExecContext(ctx, `UPDATE feeds SET enabled = 0, paused_reason = ? WHERE id = ?`,
				p.PauseReason, p.FeedID); err != nil {
				return err
			}
		}
		if p.NewURL != "" {
			// If the account already watches the new URL, the old one stays.
			_, err = tx.ExecContext(ctx, db.sql(moveFeedURL), p.NewURL, p.FeedID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: record poll of feed %d: %w", p.FeedID, err)
	}
	return nil
}

// FeedPostStats counts the posts a feed enqueued since a time (for its daily cap) and finds
// the latest scheduled time of its posts still queued (for pacing). A feed's posts are
// those of door "feed" whose idempotency key starts with "feed:<id>:".
func (db *DB) FeedPostStats(ctx context.Context, feedID int64, since time.Time) (count int, lastQueued time.Time, err error) {
	// A range on the key instead of LIKE, so the (door, idempotency_key) index is used:
	// ';' is the character after ':'.
	lo, hi := fmt.Sprintf("feed:%d:", feedID), fmt.Sprintf("feed:%d;", feedID)
	var last int64
	err = db.r.QueryRowContext(ctx, `SELECT
			COUNT(*) FILTER (WHERE created_at >= ?),
			COALESCE(MAX(scheduled_at) FILTER (WHERE state = 'queued'), 0)
		FROM posts WHERE door = 'feed' AND idempotency_key >= ? AND idempotency_key < ?`,
		ms(since), lo, hi).Scan(&count, &last)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("storage: count posts of feed %d: %w", feedID, err)
	}
	return count, fromMS(last), nil
}

// moveFeedURL follows a feed's permanent redirect unless the account already watches the new
// URL. PostgreSQL has no UPDATE OR IGNORE, so it asks first ($1 is used twice).
var moveFeedURL = pair{
	sqlite: `UPDATE OR IGNORE feeds SET url = ? WHERE id = ?`,
	postgres: `UPDATE feeds SET url = $1 WHERE id = $2
		AND NOT EXISTS (SELECT 1 FROM feeds o WHERE o.account_id = feeds.account_id AND o.url = $1)`,
}
