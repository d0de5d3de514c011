-- PostgreSQL twin of migrations/sqlite/0031, the same tables and columns.
-- 0031: what replicas need to share the outbox and Telegram long polling.
CREATE TABLE telegram_poll_offsets (
    bot_id     BIGINT PRIMARY KEY,
    update_id  BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE outbox ADD COLUMN post_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
CREATE INDEX outbox_post_pending ON outbox (post_id, id) WHERE delivered_at = 0 AND given_up = 0 AND post_id != '';
