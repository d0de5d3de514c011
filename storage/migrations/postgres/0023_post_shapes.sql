-- PostgreSQL twin of migrations/sqlite/0023_post_shapes.sql: the same column and tables, in
-- PostgreSQL types.
-- 0023: the richer Threads post shapes (polls, text attachments, spoilers, reply control,
-- ghost posts, locations, GIFs) travel with the post, so a queued or scheduled post publishes
-- them. One JSON column rather than a column each: only the publisher and the doors' displays
-- read them, always whole, and Meta keeps adding shapes.
ALTER TABLE posts ADD COLUMN shape TEXT NOT NULL DEFAULT '';

-- How a text over 500 characters goes out when its request does not say: 'thread' (a reply
-- chain, the default) or 'attach' (one post with a text attachment). Per account.
CREATE TABLE account_settings (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    long_text  TEXT   NOT NULL DEFAULT '' CHECK (long_text IN ('', 'thread', 'attach')),
    updated_at BIGINT NOT NULL
);

-- The same choice per feed; '' follows the account's setting.
CREATE TABLE feed_settings (
    feed_id    BIGINT PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
    long_text  TEXT   NOT NULL DEFAULT '' CHECK (long_text IN ('', 'thread', 'attach')),
    updated_at BIGINT NOT NULL
);

-- A Telegram draft keeps the shapes Telegram expressed natively (a poll, spoiler entities, a
-- photo sent with its spoiler flag) until the person presses Publish.
ALTER TABLE telegram_drafts ADD COLUMN shape TEXT NOT NULL DEFAULT '';
