-- 0031: the last Telegram update a long-polling replica took in, per bot, so the replica that
-- leads next starts after it instead of handling the old leader's unconfirmed updates again
-- (Telegram confirms an update only when the next getUpdates asks past it). Times are unix
-- milliseconds.
CREATE TABLE telegram_poll_offsets (
    bot_id     INTEGER PRIMARY KEY, -- the bot's user id (getMe): a new token for another bot starts afresh
    update_id  INTEGER NOT NULL,    -- the highest update_id taken in
    updated_at INTEGER NOT NULL
) STRICT;
