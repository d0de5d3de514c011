package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// TelegramOffset returns the highest update id a long poller of the bot took in and when it
// was stored; ok is false when none was.
func (db *DB) TelegramOffset(ctx context.Context, botID int64) (updateID int64, at time.Time, ok bool, err error) {
	var stored int64
	err = db.r.QueryRowContext(ctx, `SELECT update_id, updated_at FROM telegram_poll_offsets WHERE bot_id = ?`,
		botID).Scan(&updateID, &stored)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, nil
	}
	if err != nil {
		return 0, time.Time{}, false, fmt.Errorf("storage: telegram offset: %w", err)
	}
	return updateID, fromMS(stored), true, nil
}

// SetTelegramOffset records that the bot's long poller took in updateID. The last write wins,
// not the largest id: after a week without updates Telegram numbers the next one at random,
// possibly lower, and a poller that kept the old, higher id would skip every update after.
func (db *DB) SetTelegramOffset(ctx context.Context, botID, updateID int64) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO telegram_poll_offsets (bot_id, update_id, updated_at)
			VALUES (?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET update_id = excluded.update_id, updated_at = excluded.updated_at`, botID, updateID, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: set telegram offset: %w", err)
	}
	return nil
}
