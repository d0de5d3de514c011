package storage

import (
	"context"
	"database/sql"
	"fmt"
	"hash/fnv"
	"slices"
	"time"
)

// Telegram albums. Each item of an album (one media_group_id) is an update of its own, with
// no marker for the last one, so the door collects items until none has come for a window.
// The items wait here rather than in the memory of the process that received them: behind a
// load balancer the items of one album reach different replicas, and whichever looks first
// once the album is quiet takes all of it. Times are the database's (leaseClock), so replicas
// whose clocks disagree still agree on when an album went quiet.

// AlbumItem is one item of an album: its Telegram message id and the message as received.
type AlbumItem struct {
	MessageID int64
	Message   []byte
}

// AddAlbumItem files an item under its media group. An item filed again (Telegram sending
// an update again after a webhook answer it did not get) is kept once.
func (db *DB) AddAlbumItem(ctx context.Context, group string, it AlbumItem) error {
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error {
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO telegram_album_items (media_group_id, message_id, message, received_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (media_group_id, message_id) DO NOTHING`,
			group, it.MessageID, string(it.Message), ms(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: add album item: %w", err)
	}
	return nil
}

// TakeAlbum takes the items of group, oldest message first, once none has arrived for quiet:
// they are deleted as they are returned, so one caller alone gets them. While the album is
// not quiet yet it returns no items and how long to wait before asking again; when another
// caller took it already, neither.
func (db *DB) TakeAlbum(ctx context.Context, group string, quiet time.Duration) ([]AlbumItem, time.Duration, error) {
	var (
		items []AlbumItem
		wait  time.Duration
	)
	err := db.guardedWrite(ctx, func(tx *sql.Tx) error {
		items, wait = nil, 0
		if db.pg {
			// Takers of one album take turns: the second finds it gone.
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, albumLockKey(group)); err != nil {
				return err
			}
		}
		now, err := db.leaseClock(ctx, tx)
		if err != nil {
			return err
		}
		var newest sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT max(received_at) FROM telegram_album_items WHERE media_group_id = ?`,
			group).Scan(&newest); err != nil || !newest.Valid {
			return err
		}
		if quietAt := fromMS(newest.Int64).Add(quiet); quietAt.After(now) {
			wait = quietAt.Sub(now)
			return nil
		}
		items, err = queryTx(ctx, tx, scanAlbumItem, `DELETE FROM telegram_album_items WHERE media_group_id = ?
			RETURNING message_id, message`, group)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("storage: take album: %w", err)
	}
	slices.SortFunc(items, func(a, b AlbumItem) int { return int(a.MessageID - b.MessageID) })
	return items, wait, nil
}

// QuietAlbums lists up to limit albums no item has come to for quiet: albums whose collector
// went away (the replica that received their last item stopped) for another to take.
func (db *DB) QuietAlbums(ctx context.Context, quiet time.Duration, limit int) ([]string, error) {
	now, err := db.leaseClock(ctx, db.r)
	if err != nil {
		return nil, fmt.Errorf("storage: quiet albums: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT media_group_id FROM telegram_album_items GROUP BY media_group_id
		HAVING max(received_at) <= ? ORDER BY min(received_at) LIMIT ?`, ms(now.Add(-quiet)), limit)
	if err != nil {
		return nil, fmt.Errorf("storage: quiet albums: %w", err)
	}
	defer rows.Close()
	var groups []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, fmt.Errorf("storage: quiet albums: %w", err)
		}
		groups = append(groups, g)
	}
	return groups, rows.Err()
}

func scanAlbumItem(s scanner) (AlbumItem, error) {
	var (
		it  AlbumItem
		msg string
	)
	err := s.Scan(&it.MessageID, &msg)
	it.Message = []byte(msg)
	return it, err
}

// albumLockKey is the advisory lock of one album's takers on PostgreSQL.
func albumLockKey(group string) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "album:%s", group)
	return int64(h.Sum64())
}
