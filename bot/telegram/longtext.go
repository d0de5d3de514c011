package telegram

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spindle-threads/spindle/bot"
	"github.com/spindle-threads/spindle/ingest"
	"github.com/spindle-threads/spindle/storage"
)

// attachLong reports whether a draft's text over 500 characters goes out as one post with a
// text attachment, as the account chose with longtext attach, rather than as a chain (the
// default, and longtext thread). A draft with media always chains: Meta takes a text
// attachment on text posts only.
func (d *Door) attachLong(ctx context.Context, accountID int64, media []storage.Media) (bool, error) {
	if len(media) > 0 || accountID == 0 {
		return false, nil
	}
	v, err := d.o.Store.AccountLongText(ctx, accountID)
	if err != nil {
		return false, fmt.Errorf("long text choice of account %d: %w", accountID, err)
	}
	long, _ := ingest.LongText(false, false, v, true)
	return long, nil
}

// preview is the draft's preview for userID, told how a long text goes out on the account the
// draft would go to (their default or only one); when that is not known yet, as a chain.
func (d *Door) preview(ctx context.Context, userID int64, text string, media []storage.Media, shape storage.Shape) string {
	attach := false
	who := bot.Identity{Door: ingest.DoorTelegram, User: fmt.Sprint(userID)}
	if acc, problem := d.account(ctx, who, "", ""); problem == "" {
		var err error
		if attach, err = d.attachLong(ctx, acc.ID, media); err != nil {
			d.log.Warn("telegram: preview without the account's long text choice", slog.Int64("account_id", acc.ID), slog.Any("error", err))
		}
	}
	return preview(text, media, shape, attach)
}
