-- 0031: what replicas need to share the outbox and Telegram long polling. Times are unix
-- milliseconds.
--
-- The last Telegram update a long-polling replica took in, per bot, so the replica that leads
-- next starts after it instead of handling the old leader's unconfirmed updates again
-- (Telegram confirms an update only when the next getUpdates asks past it).
CREATE TABLE telegram_poll_offsets (
    bot_id     INTEGER PRIMARY KEY, -- the bot's user id (getMe): a new token for another bot starts afresh
    update_id  INTEGER NOT NULL,    -- the last update_id taken in
    updated_at INTEGER NOT NULL
) STRICT;

-- Outbox events are claimed by one replica at a time (claimed_until: the claim's end, 0 when
-- none), and an event waits while an older one of the same post is claimed, so one post's
-- results go out in the order they were written. Rows from before 0031 name no post.
ALTER TABLE outbox ADD COLUMN post_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
CREATE INDEX outbox_post_pending ON outbox (post_id, id) WHERE delivered_at = 0 AND given_up = 0 AND post_id != '';
