-- PostgreSQL twin of migrations/sqlite/0031, the same table.
-- 0031: the last Telegram update a long-polling replica took in, per bot, so the replica that
-- leads next starts after it instead of handling the old leader's unconfirmed updates again.
CREATE TABLE telegram_poll_offsets (
    bot_id     BIGINT PRIMARY KEY,
    update_id  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
