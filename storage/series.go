package storage

// Recurring posts. A series keeps at most one pending occurrence in the queue: when it is
// created, and again each time its latest occurrence falls due (last_at <= now), the next
// occurrence is materialised as an ordinary queued post, so it is listed, counted, reported
// and cancellable like any other. Materialise is a compare-and-set on (last_at, made) in the
// same transaction as the post's insert, and posts_series_occurrence allows one live post per
// (series, occurrence): two processes, or one restarted mid-way, never make an occurrence twice.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SeriesState is where a series is in its life.
type SeriesState string

// The states of a series.
const (
	SeriesActive    SeriesState = "active"
	SeriesPaused    SeriesState = "paused"
	SeriesCancelled SeriesState = "cancelled"
	SeriesFinished  SeriesState = "finished" // its end (until, times) was reached
)

// Series is one recurring post.
type Series struct {
	ID        int64
	AccountID int64
	Door      string
	OriginRef []byte
	CreatedBy string
	Rule      string // the recurrence, canonical form (recur.Rule.String)
	Zone      string
	StartDate string // YYYY-MM-DD in Zone
	Texts     []string
	Thread    bool
	State     SeriesState
	Made      int       // occurrences materialised so far
	LastAt    time.Time // the latest materialised occurrence; zero: none pending
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Ref is the id people type: "s" and the number, which no post id (they start with "p") is.
func (s Series) Ref() string { return SeriesRef(s.ID) }

// SeriesRef formats a series id as people type it.
func SeriesRef(id int64) string { return "s" + strconv.FormatInt(id, 10) }

// ParseSeriesRef reads "s12" (or "S12", "#s12"); ok is false for anything else.
func ParseSeriesRef(s string) (int64, bool) {
	s = strings.ToLower(strings.TrimPrefix(s, "#"))
	rest, ok := strings.CutPrefix(s, "s")
	if !ok || rest == "" || len(rest) > 12 || strings.Trim(rest, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(rest, 10, 64)
	return id, err == nil && id > 0
}

// NewSeries is what CreateSeries stores.
type NewSeries struct {
	AccountID int64
	Door      string
	OriginRef []byte
	CreatedBy string
	Rule      string
	Zone      string
	StartDate string
	Texts     []string
	Thread    bool
}

const seriesColumns = `id, account_id, door, origin_ref, created_by, rule, zone, start_date, texts, thread,
	state, made, last_at, created_at, updated_at`

func scanSeries(s scanner) (Series, error) {
	var (
		x                      Series
		origin, texts          string
		thread                 int
		last, created, updated int64
	)
	err := s.Scan(&x.ID, &x.AccountID, &x.Door, &origin, &x.CreatedBy, &x.Rule, &x.Zone, &x.StartDate, &texts,
		&thread, &x.State, &x.Made, &last, &created, &updated)
	if err != nil {
		return Series{}, err
	}
	if origin != "" {
		x.OriginRef = []byte(origin)
	}
	if err := json.Unmarshal([]byte(texts), &x.Texts); err != nil {
		return Series{}, fmt.Errorf("series %d: decode texts: %w", x.ID, err)
	}
	x.Thread = thread != 0
	x.LastAt, x.CreatedAt, x.UpdatedAt = fromMS(last), fromMS(created), fromMS(updated)
	return x, nil
}

// CreateSeries stores a new active series with nothing materialised yet.
func (db *DB) CreateSeries(ctx context.Context, ns NewSeries) (Series, error) {
	texts, err := json.Marshal(ns.Texts)
	if err != nil {
		return Series{}, fmt.Errorf("storage: create series: %w", err)
	}
	var s Series
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		now := ms(db.now())
		s, err = scanSeries(tx.QueryRowContext(ctx, `INSERT INTO series (account_id, door, origin_ref, created_by,
			rule, zone, start_date, texts, thread, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+seriesColumns,
			ns.AccountID, ns.Door, string(ns.OriginRef), ns.CreatedBy, ns.Rule, ns.Zone, ns.StartDate,
			string(texts), boolInt(ns.Thread), now, now))
		return err
	})
	if err != nil {
		return Series{}, fmt.Errorf("storage: create series: %w", err)
	}
	return s, nil
}

// GetSeries reads one series.
func (db *DB) GetSeries(ctx context.Context, id int64) (Series, error) {
	s, err := scanSeries(db.r.QueryRowContext(ctx, `SELECT `+seriesColumns+` FROM series WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Series{}, fmt.Errorf("storage: series %s: %w", SeriesRef(id), ErrNotFound)
	}
	if err != nil {
		return Series{}, fmt.Errorf("storage: get series %s: %w", SeriesRef(id), err)
	}
	return s, nil
}

// ListSeries returns the series of an account that are not cancelled or finished, oldest first.
func (db *DB) ListSeries(ctx context.Context, accountID int64) ([]Series, error) {
	return queryAll(ctx, db.r, "list series", scanSeries, `SELECT `+seriesColumns+` FROM series
		WHERE account_id = ? AND state IN ('active', 'paused') ORDER BY id`, accountID)
}

// DueSeries returns up to limit active series whose pending occurrence has fallen due (or that
// have none) by now (Clock): those Materialise should advance.
func (db *DB) DueSeries(ctx context.Context, now time.Time, limit int) ([]Series, error) {
	return queryAll(ctx, db.r, "due series", scanSeries, `SELECT `+seriesColumns+` FROM series
		WHERE state = 'active' AND last_at <= ? ORDER BY last_at, id LIMIT ?`, ms(now), limit)
}

// ErrSeriesMoved says a series changed since it was read (another process materialised its
// occurrence, or it was paused or cancelled): nothing was written.
var ErrSeriesMoved = errors.New("the series changed meanwhile")

// Materialise queues np as occurrence number s.Made+1 of s, at occurrence time at, if s is
// still as read (active, same last_at and made); else it writes nothing and returns
// ErrSeriesMoved. A live post for the same occurrence already there (made by a process that
// read the series before a pause and resume) also answers ErrSeriesMoved, after moving the
// series past it.
func (db *DB) Materialise(ctx context.Context, s Series, at time.Time, np NewPost) (Post, error) {
	var p Post
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE series SET last_at = ?, made = made + 1, updated_at = ?
			WHERE id = ? AND state = 'active' AND last_at = ? AND made = ?`,
			ms(at), ms(db.now()), s.ID, msOrZero(s.LastAt), s.Made)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrSeriesMoved
		}
		var taken int
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM posts WHERE series_id = ? AND occurrence_at = ?
			AND state <> 'cancelled'`, s.ID, ms(at)).Scan(&taken)
		if err != nil || taken > 0 {
			return err // the series moved past an occurrence that is already queued
		}
		np.AccountID, np.Door, np.OriginRef, np.Thread, np.ScheduledAt = s.AccountID, s.Door, s.OriginRef, s.Thread, at
		np.IdempotencyKey = ""
		if p, _, err = db.EnqueueTx(ctx, tx, np); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE posts SET series_id = ?, occurrence_at = ? WHERE id = ?`, s.ID, ms(at), p.ID)
		p.SeriesID = s.ID
		return err
	})
	if errors.Is(err, ErrSeriesMoved) {
		return Post{}, ErrSeriesMoved // wrote nothing; not a failure of the batch
	}
	if err != nil {
		return Post{}, fmt.Errorf("storage: materialise series %s: %w", s.Ref(), err)
	}
	if p.ID == "" {
		return Post{}, ErrSeriesMoved
	}
	return p, nil
}

// FinishSeries marks an active series finished (its rule has no further occurrence), if it
// is still as read.
func (db *DB) FinishSeries(ctx context.Context, s Series) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE series SET state = 'finished', updated_at = ?
			WHERE id = ? AND state = 'active' AND made = ?`, ms(db.now()), s.ID, s.Made)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: finish series %s: %w", s.Ref(), err)
	}
	return nil
}

// SetSeriesState pauses, resumes or cancels a series. Pausing and cancelling also cancel its
// occurrence still queued (a post already publishing goes out); resuming lets the
// materialiser queue the next occurrence from now on (missed ones are skipped). A finished or
// cancelled series cannot change: *SeriesStateError.
func (db *DB) SetSeriesState(ctx context.Context, id int64, to SeriesState) (s Series, cancelled []string, err error) {
	err = db.batch.do(ctx, func(tx *sql.Tx) error {
		cancelled = cancelled[:0]
		var err error
		if s, err = scanSeries(tx.QueryRowContext(ctx, `SELECT `+seriesColumns+` FROM series WHERE id = ?`, id)); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("series %s: %w", SeriesRef(id), ErrNotFound)
		} else if err != nil {
			return err
		}
		if s.State == SeriesCancelled || s.State == SeriesFinished || s.State == to {
			return &SeriesStateError{Ref: s.Ref(), State: s.State, To: to}
		}
		now := ms(db.now())
		if to != SeriesActive {
			rows, err := tx.QueryContext(ctx, `UPDATE posts SET state = 'cancelled', updated_at = ?
				WHERE series_id = ? AND state = 'queued' RETURNING id`, now, id)
			if err != nil {
				return err
			}
			for rows.Next() {
				var pid string
				if err := rows.Scan(&pid); err != nil {
					rows.Close()
					return err
				}
				cancelled = append(cancelled, pid)
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		// The cancelled occurrences no longer count, and last_at 0 makes the series due at once
		// on resume: its next occurrence is the first one after that moment.
		s, err = scanSeries(tx.QueryRowContext(ctx, `UPDATE series SET state = ?, made = made - ?, last_at = CASE WHEN ? > 0 THEN 0 ELSE last_at END,
			updated_at = ? WHERE id = ? RETURNING `+seriesColumns, string(to), len(cancelled), len(cancelled), now, id))
		return err
	})
	if err != nil {
		return Series{}, nil, fmt.Errorf("storage: series %s: %w", SeriesRef(id), err)
	}
	return s, cancelled, nil
}

// SeriesStateError says a series cannot go to the state asked for from the one it is in.
type SeriesStateError struct {
	Ref   string
	State SeriesState
	To    SeriesState
}

func (e *SeriesStateError) Error() string {
	if e.State == e.To {
		return fmt.Sprintf("series %s is already %s", e.Ref, e.State)
	}
	return fmt.Sprintf("series %s is %s, so it cannot change any more", e.Ref, e.State)
}

// SeriesPosts returns the posts of a series that are queued or publishing.
func (db *DB) SeriesPosts(ctx context.Context, id int64) ([]Post, error) {
	return queryAll(ctx, db.r, "series posts", scanPost, `SELECT `+postColumns+` FROM posts
		WHERE series_id = ? AND state IN ('queued', 'publishing') ORDER BY next_attempt_at`, id)
}

// identityKeyOf is the key of the identity whose id is the placeholder (door:user, or
// door:team:user: the form bot.Identity.Key and accounts.Identity.Key make), which is what
// series.created_by holds.
const identityKeyOf = `(SELECT CASE WHEN team = '' THEN door || ':' || "user" ELSE door || ':' || team || ':' || "user" END
	FROM identities WHERE id = ?)`

// stopSeriesTx moves the active and paused series where selects to state to (paused when a
// person's access is taken back, cancelled on a takeover) and cancels their waiting posts:
// a series must not keep publishing for someone who may no longer post.
func stopSeriesTx(ctx context.Context, tx *sql.Tx, now int64, to SeriesState, where string, args ...any) error {
	_, err := tx.ExecContext(ctx, `UPDATE series SET state = ?, last_at = 0, updated_at = ?,
		made = made - (SELECT count(*) FROM posts p WHERE p.series_id = series.id AND p.state = 'queued')
		WHERE state IN ('active', 'paused') AND `+where, append([]any{string(to), now}, args...)...)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE posts SET state = 'cancelled', updated_at = ?
		WHERE state = 'queued' AND series_id IN (SELECT id FROM series WHERE `+where+`)`,
		append([]any{now}, args...)...)
	return err
}
