package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// A Telegram chat's draft waiting for a typed schedule time: after "Schedule…" the person's
// next text is read as the time. It is kept here so that whichever replica that text reaches
// knows (webhook mode behind a load balancer).

// AskTelegramTime records that draftID, in chatID, waits for a typed time since at; it
// replaces what the chat waited for before.
func (db *DB) AskTelegramTime(ctx context.Context, chatID int64, draftID string, at time.Time) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO telegram_time_asks (chat_id, draft_id, asked_at) VALUES (?, ?, ?)
			ON CONFLICT (chat_id) DO UPDATE SET draft_id = excluded.draft_id, asked_at = excluded.asked_at`,
			chatID, draftID, ms(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: ask for a typed time: %w", err)
	}
	return nil
}

// TakeTelegramAsk returns and forgets the draft chatID waits for a typed time for, if it was
// asked about after since (an older question was moot: its draft has expired); "" when none.
// Of two texts racing on two replicas, one takes it.
func (db *DB) TakeTelegramAsk(ctx context.Context, chatID int64, since time.Time) (string, error) {
	var draftID string
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		var asked int64
		err := tx.QueryRowContext(ctx, `DELETE FROM telegram_time_asks WHERE chat_id = ? RETURNING draft_id, asked_at`,
			chatID).Scan(&draftID, &asked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			draftID = ""
			return nil
		case err != nil:
			return err
		case asked < ms(since):
			draftID = ""
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("storage: take the typed-time question: %w", err)
	}
	return draftID, nil
}
