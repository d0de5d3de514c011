package storage

// Posting slots (migration 0021): an account's weekly schedule (slot_schedules) and the posts
// placed in it (slot_posts). Placement happens inside the transaction that stores the post
// (EnqueueTx with NewPost.BySlot), so two posts queued at once never take the same slot: on
// SQLite the one writer orders them, on PostgreSQL the account's slot lock (slotWrite) and the
// unique index on (account_id, slot_at) do.
//
// A mark in slot_posts holds its slot only while its post does (holdsSlot): the post is live
// (queued, publishing, or pending_approval: a held post keeps its slot's time and goes out then
// once approved) and still scheduled at the slot. Everything that reads slots, placement,
// UpcomingSlots and SetSlots, goes by that one condition, so a mark that outlived its post's
// slot (the post was cancelled, or an edit gave it an exact time) takes no slot from anyone.
//
// Which slots have passed is judged by the database's clock (slotClock), the clock the queue
// decides due-ness by, so no replica places a post in a slot that is already due.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"
)

// ErrNoSlots is returned (wrapped) when a post is to be placed by slot on an account that has
// no slot schedule.
var ErrNoSlots = errors.New("the account has no posting slots")

// ErrNoFreeSlot is returned (wrapped) when every slot within SlotHorizon is taken or over the
// daily quota.
var ErrNoFreeSlot = errors.New("no free posting slot within a year")

// pgSlotKey is the advisory lock class placements on PostgreSQL take per account ("slot").
const pgSlotKey = 0x736c6f74

// DefaultDailyPosts is Meta's posts quota per moving 24 hours, used when a caller gives none.
const DefaultDailyPosts = 250

// slotHolders are the states in which a post holds the slot it was placed in: waiting
// (queued), going out (publishing), or waiting for an approver (pending_approval), who leaves
// its time as it is: approved, it goes out at its slot.
const slotHolders = `('queued', 'publishing', 'pending_approval')`

// slotMovable are the states in which a placed post still waits, so SetSlots moves it.
const slotMovable = `('queued', 'pending_approval')`

// holdsSlot is the condition under which the mark s (slot_posts) holds its slot for the post p
// (posts) it names: p is live and still scheduled at the slot. EditQueued deletes the mark of a
// post it gives a time; the scheduled_at check also voids a mark that outlived such a change
// (a schedule change on another replica re-marking the post while the edit committed).
const holdsSlot = `p.id = s.post_id AND p.state IN ` + slotHolders + ` AND p.scheduled_at = s.slot_at`

// SlotSchedule is an account's stored schedule.
type SlotSchedule struct {
	AccountID int64
	Week      SlotWeek
	SetBy     string
	UpdatedAt time.Time
}

// SlotView is one upcoming slot: PostID is the post placed in it, empty when it is free.
type SlotView struct {
	At     time.Time
	PostID string
}

// SlotMove is a post a schedule change moved from one slot to another.
type SlotMove struct {
	Post     Post // as it was before the move
	From, To time.Time
}

// SlotChange is what SetSlots did: the posts it moved, and how many placed posts found no slot
// in the new schedule and kept their time.
type SlotChange struct {
	Schedule SlotSchedule
	Moved    []SlotMove
	Kept     int
}

// SlotChangeOptions say how SetSlots treats the posts already placed by slot.
type SlotChangeOptions struct {
	SetBy string
	// DailyPosts is the posts quota per 24 hours (SPINDLE_QUOTA_POSTS); 0 is DefaultDailyPosts.
	DailyPosts int
	// Notice makes the outbox event telling a moved post's author its new time; it is written
	// in the same transaction as the move. nil tells nobody.
	Notice func(p Post, to time.Time) OutboxEvent
}

// SlotScheduleOf reads an account's schedule; ErrNotFound when it has none.
func (db *DB) SlotScheduleOf(ctx context.Context, accountID int64) (SlotSchedule, error) {
	s, err := loadSchedule(ctx, db.r, accountID)
	if err != nil {
		return SlotSchedule{}, fmt.Errorf("storage: slots of account %d: %w", accountID, err)
	}
	return s, nil
}

type queryRower interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func loadSchedule(ctx context.Context, q queryRower, accountID int64) (SlotSchedule, error) {
	s := SlotSchedule{AccountID: accountID}
	var (
		minutes string
		updated int64
	)
	err := q.QueryRowContext(ctx, `SELECT zone, minutes, set_by, updated_at FROM slot_schedules WHERE account_id = ?`,
		accountID).Scan(&s.Week.Zone, &minutes, &s.SetBy, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return SlotSchedule{}, ErrNotFound
	}
	if err != nil {
		return SlotSchedule{}, err
	}
	if err := json.Unmarshal([]byte(minutes), &s.Week.Minutes); err != nil {
		return SlotSchedule{}, fmt.Errorf("decode slot minutes: %w", err)
	}
	s.UpdatedAt = fromMS(updated)
	return s, nil
}

// SetSlots stores an account's schedule (replacing any) and moves the posts placed by slot
// that are still waiting to the new slots, in the order they held, each told through
// o.Notice. A post that finds no slot within SlotHorizon keeps its time (SlotChange.Kept).
// Posts given an exact time, and posts being published, are never moved; posts held for
// approval in a slot are placed posts like the others, and move.
func (db *DB) SetSlots(ctx context.Context, accountID int64, w SlotWeek, o SlotChangeOptions) (SlotChange, error) {
	if err := w.Check(); err != nil {
		return SlotChange{}, fmt.Errorf("storage: set slots: %w", err)
	}
	var out SlotChange
	err := db.slotWrite(ctx, accountID, func(tx *sql.Tx) error {
		now, err := db.slotClock(ctx, tx)
		if err != nil {
			return err
		}
		stamp := ms(db.now())
		minutes, _ := json.Marshal(w.Minutes)
		if _, err := tx.ExecContext(ctx, `INSERT INTO slot_schedules (account_id, zone, minutes, set_by, updated_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET zone = excluded.zone,
			minutes = excluded.minutes, set_by = excluded.set_by, updated_at = excluded.updated_at`,
			accountID, w.Zone, string(minutes), o.SetBy, stamp); err != nil {
			return err
		}
		out = SlotChange{Schedule: SlotSchedule{AccountID: accountID, Week: w, SetBy: o.SetBy, UpdatedAt: fromMS(stamp)}}
		out.Moved, out.Kept, err = db.movePlaced(ctx, tx, accountID, w, o, now, stamp)
		return err
	})
	if err != nil {
		return SlotChange{}, fmt.Errorf("storage: set slots: %w", err)
	}
	return out, nil
}

// ClearSlots removes an account's schedule and reports whether it had one. Posts placed by
// slot keep their times (and their mark, so a later schedule moves them).
func (db *DB) ClearSlots(ctx context.Context, accountID int64) (bool, error) {
	var had bool
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM slot_schedules WHERE account_id = ?`, accountID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		had = n > 0
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("storage: clear slots: %w", err)
	}
	return had, nil
}

// UpcomingSlots returns the account's next n slots after now (slotClock: the slots placement
// would consider), each with the post that holds it, if any; ErrNotFound when the account has
// no schedule.
func (db *DB) UpcomingSlots(ctx context.Context, accountID int64, n int) ([]SlotView, error) {
	s, err := loadSchedule(ctx, db.r, accountID)
	if err != nil {
		return nil, fmt.Errorf("storage: upcoming slots: %w", err)
	}
	now, err := db.slotClock(ctx, db.r)
	if err != nil {
		return nil, fmt.Errorf("storage: upcoming slots: %w", err)
	}
	taken := map[int64]string{}
	rows, err := db.r.QueryContext(ctx, `SELECT s.slot_at, s.post_id FROM slot_posts s JOIN posts p ON `+holdsSlot+`
		WHERE s.account_id = ? AND s.slot_at > ?`, accountID, ms(now))
	if err != nil {
		return nil, fmt.Errorf("storage: upcoming slots: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			at int64
			id string
		)
		if err := rows.Scan(&at, &id); err != nil {
			return nil, fmt.Errorf("storage: upcoming slots: %w", err)
		}
		taken[at] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("storage: upcoming slots: %w", err)
	}
	var out []SlotView
	for at := range s.Week.After(now, now.Add(SlotHorizon)) {
		if len(out) >= n {
			break
		}
		out = append(out, SlotView{At: at, PostID: taken[ms(at)]})
	}
	return out, nil
}

// slotWrite runs a write that reads an account's slots and places posts in them. On SQLite it
// is one write of the group committer, alone on the one writer. On PostgreSQL the writes of
// one account take turns under an advisory lock held to commit and read in READ COMMITTED, so
// each reads what the previous one committed: under SERIALIZABLE, concurrent placements read
// what each other write and fail each other until their retries run out (16 producers did in
// BenchmarkPlaceBySlot). The unique index on (account_id, slot_at) backs the lock.
func (db *DB) slotWrite(ctx context.Context, accountID int64, fn func(*sql.Tx) error) error {
	if !db.pg {
		return db.batch.do(ctx, fn)
	}
	return retrying(ctx, func() error {
		return txOnce(ctx, db.w, nil, func(tx *sql.Tx) error {
			if err := db.lockSlots(ctx, tx, accountID); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// lockSlots takes the account's slot lock on PostgreSQL until the transaction ends (again in
// the same transaction is a no-op); SQLite's one writer needs none.
func (db *DB) lockSlots(ctx context.Context, tx *sql.Tx, accountID int64) error {
	if !db.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(pgSlotKey), int32(accountID))
	return err
}

// slotClock is the instant placement counts slots from: the database's clock (leaseClock),
// by which Lease decides what is due, so that no replica whose clock is behind the database's
// places a post in a slot that is already due (it would go out at once, beside the post that
// held that slot before it). On SQLite, and with a clock injected, that is db.now.
//
// When this process's clock is ahead of the database's, its reading is taken instead: a new
// post's row (insertNew) never gets a time before this process's clock, and a slot post's time
// must be its slot exactly. That only skips the slots inside the skew; what is free, and
// whether a slot has passed, stays the database's to decide.
func (db *DB) slotClock(ctx context.Context, q rowQuerier) (time.Time, error) {
	now, err := db.leaseClock(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	if local := db.now(); local.After(now) {
		now = local
	}
	return now, nil
}

// placeTx finds the next free slot of the account for a new post and returns its instant.
func (db *DB) placeTx(ctx context.Context, tx *sql.Tx, accountID int64, dailyPosts int) (time.Time, error) {
	if err := db.lockSlots(ctx, tx, accountID); err != nil {
		return time.Time{}, err
	}
	s, err := loadSchedule(ctx, tx, accountID)
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, ErrNoSlots
	}
	if err != nil {
		return time.Time{}, err
	}
	now, err := db.slotClock(ctx, tx)
	if err != nil {
		return time.Time{}, err
	}
	p, err := loadPlacer(ctx, tx, accountID, s.Week, dailyPosts, now, nil)
	if err != nil {
		return time.Time{}, err
	}
	at, ok := p.next(now)
	if !ok {
		return time.Time{}, ErrNoFreeSlot
	}
	return at, nil
}

// markSlotTx records that post id was placed in the slot at at. A mark left at that instant
// that holds nothing (holdsSlot: its post was cancelled, failed, or given another time) is
// deleted first. A mark that still holds the slot for another post is never taken over:
// placement chose at because nothing holds it, so such a mark is a bug, refused rather than
// turned into two posts in one slot.
func markSlotTx(ctx context.Context, tx *sql.Tx, accountID int64, id string, at time.Time) error {
	var holder string
	err := tx.QueryRowContext(ctx, `SELECT s.post_id FROM slot_posts s JOIN posts p ON `+holdsSlot+`
		WHERE s.account_id = ? AND s.slot_at = ? AND s.post_id <> ?`, accountID, ms(at), id).Scan(&holder)
	switch {
	case err == nil:
		return fmt.Errorf("place post %s at %s: %w by post %s", id, at.UTC().Format(time.RFC3339), errSlotHeld, holder)
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM slot_posts WHERE account_id = ? AND slot_at = ? AND post_id <> ?`,
		accountID, ms(at), id); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO slot_posts (post_id, account_id, slot_at) VALUES (?, ?, ?)
		ON CONFLICT (post_id) DO UPDATE SET slot_at = excluded.slot_at`, id, accountID, ms(at))
	return err
}

// errSlotHeld says a slot placement chose is held by another live post (see markSlotTx).
var errSlotHeld = errors.New("the slot is held")

// movePlaced re-places the account's waiting slot posts under the schedule w, counting slots
// from now (slotClock); stamp is the time written as the moved posts' updated_at and their
// notices'.
//
// A post is moved only if it is still where waitingPlaced read it (live, at its slot): on
// PostgreSQL this transaction reads in READ COMMITTED, and an edit on another replica may give
// the post an exact time in between. The guarded UPDATE then matches nothing and the post
// keeps the edit's time; the mark written for it holds nothing (holdsSlot) and is removed.
func (db *DB) movePlaced(ctx context.Context, tx *sql.Tx, accountID int64, w SlotWeek, o SlotChangeOptions, now time.Time, stamp int64) ([]SlotMove, int, error) {
	placed, err := waitingPlaced(ctx, tx, accountID, now)
	if err != nil || len(placed) == 0 {
		return nil, 0, err
	}
	moving := map[string]bool{}
	for _, pp := range placed {
		moving[pp.post.ID] = true
	}
	p, err := loadPlacer(ctx, tx, accountID, w, o.DailyPosts, now, moving)
	if err != nil {
		return nil, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM slot_posts WHERE account_id = ? AND slot_at > ? AND post_id IN (
		SELECT id FROM posts WHERE account_id = ? AND state IN `+slotMovable+`)`, accountID, ms(now), accountID); err != nil {
		return nil, 0, err
	}
	var (
		moves []SlotMove
		kept  int
	)
	for _, pp := range placed {
		to, ok := p.next(now)
		if !ok {
			kept++
			to = pp.at // it keeps its time, and its mark unless a moved post took that instant
			if _, err := tx.ExecContext(ctx, `INSERT INTO slot_posts (post_id, account_id, slot_at) VALUES (?, ?, ?)
				ON CONFLICT DO NOTHING`, pp.post.ID, accountID, ms(to)); err != nil {
				return nil, 0, err
			}
			continue
		}
		if err := markSlotTx(ctx, tx, accountID, pp.post.ID, to); err != nil {
			return nil, 0, err
		}
		if to.Equal(pp.at) {
			continue
		}
		res, err := tx.ExecContext(ctx, `UPDATE posts SET scheduled_at = ?, next_attempt_at = ?, updated_at = ?
			WHERE id = ? AND state IN `+slotMovable+` AND scheduled_at = ?`, ms(to), ms(to), stamp, pp.post.ID, ms(pp.at))
		if err != nil {
			return nil, 0, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, 0, err
		} else if n == 0 { // edited, cancelled or decided meanwhile: not a slot post to move any more
			if _, err := tx.ExecContext(ctx, `DELETE FROM slot_posts WHERE post_id = ?`, pp.post.ID); err != nil {
				return nil, 0, err
			}
			continue
		}
		moves = append(moves, SlotMove{Post: pp.post, From: pp.at, To: to})
	}
	if o.Notice != nil {
		var events []OutboxEvent
		for _, m := range moves {
			events = append(events, o.Notice(m.Post, m.To))
		}
		if err := addOutbox(ctx, tx, stamp, events); err != nil {
			return nil, 0, err
		}
	}
	return moves, kept, nil
}

type placedPost struct {
	post Post
	at   time.Time
}

// waitingPlaced lists the account's posts that wait in a slot after now (queued, or held for
// approval), in slot order.
func waitingPlaced(ctx context.Context, tx *sql.Tx, accountID int64, now time.Time) ([]placedPost, error) {
	rows, err := tx.QueryContext(ctx, `SELECT slot_at, `+postColumns+` FROM (SELECT s.slot_at, p.* FROM slot_posts s
		JOIN posts p ON `+holdsSlot+` WHERE s.account_id = ? AND s.slot_at > ? AND p.state IN `+slotMovable+`) x
		ORDER BY slot_at, seq`, accountID, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []placedPost
	for rows.Next() {
		var at int64
		p, err := scanPost(prefixScanner{rows, &at})
		if err != nil {
			return nil, err
		}
		out = append(out, placedPost{post: p, at: fromMS(at)})
	}
	return out, rows.Err()
}

// prefixScanner scans one leading column into first, then the rest as a post.
type prefixScanner struct {
	s     scanner
	first *int64
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.s.Scan(append([]any{p.first}, dest...)...)
}

// placer finds free slots in memory, from what one transaction read: the slots already held,
// and the instants that count against the daily posts quota.
type placer struct {
	week    SlotWeek
	taken   map[int64]bool
	planned []int64 // sorted: quota uses in the last day, and every waiting post's due time
	limit   int
	until   time.Time
}

// loadPlacer reads the account's held slots (holdsSlot) and quota plan; posts in skip (being
// moved) count for neither. A post held for approval counts for both: approved, it goes out
// at its time.
func loadPlacer(ctx context.Context, tx *sql.Tx, accountID int64, w SlotWeek, limit int, now time.Time, skip map[string]bool) (*placer, error) {
	if limit <= 0 {
		limit = DefaultDailyPosts
	}
	p := &placer{week: w, taken: map[int64]bool{}, limit: limit, until: now.Add(SlotHorizon)}
	rows, err := tx.QueryContext(ctx, `SELECT s.slot_at, s.post_id FROM slot_posts s JOIN posts p ON `+holdsSlot+`
		WHERE s.account_id = ? AND s.slot_at > ?`, accountID, ms(now))
	if err != nil {
		return nil, err
	}
	if err := scanTimes(rows, skip, func(at int64) { p.taken[at] = true }); err != nil {
		return nil, err
	}
	// Replies count against their own quota; the first part of a chain is the one post.
	rows, err = tx.QueryContext(ctx, `SELECT next_attempt_at, id FROM posts
		WHERE account_id = ? AND state IN `+slotHolders+` AND reply_to_id = ''
		UNION ALL SELECT at, post_id FROM quota_events WHERE account_id = ? AND kind = 'posts' AND at > ?`,
		accountID, accountID, ms(now.Add(-24*time.Hour)))
	if err != nil {
		return nil, err
	}
	if err := scanTimes(rows, skip, func(at int64) { p.planned = append(p.planned, at) }); err != nil {
		return nil, err
	}
	slices.Sort(p.planned)
	return p, nil
}

func scanTimes(rows *sql.Rows, skip map[string]bool, add func(int64)) error {
	defer rows.Close()
	for rows.Next() {
		var (
			at int64
			id string
		)
		if err := rows.Scan(&at, &id); err != nil {
			return err
		}
		if !skip[id] {
			add(at)
		}
	}
	return rows.Err()
}

// next takes the first free slot after now that keeps every 24-hour window it falls in within
// the quota, and reports false when there is none before the horizon.
func (p *placer) next(now time.Time) (time.Time, bool) {
	for at := range p.week.After(now, p.until) {
		t := ms(at)
		if p.taken[t] || !p.fits(t) {
			continue
		}
		p.taken[t] = true
		i, _ := slices.BinarySearch(p.planned, t)
		p.planned = slices.Insert(p.planned, i, t)
		return at, true
	}
	return time.Time{}, false
}

const dayMS = int64(24 * time.Hour / time.Millisecond)

// fits reports whether one more post at t keeps every moving window (s-24h, s] that holds t,
// for s in [t, t+24h), within the limit. The count in a window only rises at a planned
// instant, so s = t and the planned instants after it are the windows to check.
func (p *placer) fits(t int64) bool {
	upTo := func(x int64) int { return sort.Search(len(p.planned), func(i int) bool { return p.planned[i] > x }) }
	count := func(s int64) int { return upTo(s) - upTo(s-dayMS) }
	if count(t)+1 > p.limit {
		return false
	}
	for i := upTo(t); i < len(p.planned) && p.planned[i] < t+dayMS; i++ {
		if count(p.planned[i])+1 > p.limit {
			return false
		}
	}
	return true
}
