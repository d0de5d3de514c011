-- PostgreSQL twin of migrations/sqlite/0006_chat.sql: the same tables and columns, in PostgreSQL types
-- (BIGINT for SQLite's INTEGER, BYTEA for BLOB, identity columns for rowid keys).
-- 0006: chat doors' state (Slack and Telegram). Times are unix milliseconds (BIGINT).

-- A chat channel bound to an account: "post" there goes to it without --account. door is
-- 'slack' (team = team_id, channel = channel id); set_by is who bound it, for the audit.
CREATE TABLE chat_routes (
    door        TEXT    NOT NULL,
    team        TEXT    NOT NULL DEFAULT '',
    channel     TEXT    NOT NULL,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    set_by      TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (door, team, channel)
);

-- Slack response_urls: each may be used 5 times within 30 minutes of the command. Only the
-- SHA-256 of the URL is kept (the URL itself lets anyone post into the channel). uses counts
-- claims durably, so a restart does not hand out a sixth use.
CREATE TABLE slack_response_urls (
    hash       BYTEA    PRIMARY KEY,
    expires_at BIGINT NOT NULL,
    uses       BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX slack_response_urls_expiry ON slack_response_urls (expires_at);

-- The time zone a chat user has set (Slack users.info), cached so commands need no API call.
CREATE TABLE chat_user_zones (
    door       TEXT    NOT NULL,
    team       TEXT    NOT NULL DEFAULT '',
    "user"     TEXT    NOT NULL,
    zone       TEXT    NOT NULL,
    fetched_at BIGINT NOT NULL,
    PRIMARY KEY (door, team, "user")
);

-- The chat message a post's later results are threaded under (a Slack confirmation's channel
-- and ts), as the door's own JSON.
CREATE TABLE chat_anchors (
    post_id    TEXT    PRIMARY KEY,
    door       TEXT    NOT NULL,
    ref        TEXT    NOT NULL,
    created_at BIGINT NOT NULL
);

-- Outbox events a door has already shown, so an at-least-once redelivery is not shown twice.
CREATE TABLE chat_deliveries (
    door         TEXT    NOT NULL,
    event_id     BIGINT NOT NULL,
    delivered_at BIGINT NOT NULL,
    PRIMARY KEY (door, event_id)
);

-- Telegram drafts: plain text sent to the bot, waiting for [Publish] [Schedule…] [Discard].
-- The Telegram door owns the Go for this table (storage/telegram.go).
CREATE TABLE telegram_drafts (
    id         TEXT    PRIMARY KEY,
    chat_id    BIGINT NOT NULL,
    user_id    BIGINT NOT NULL,
    message_id BIGINT NOT NULL DEFAULT 0,
    text       TEXT    NOT NULL DEFAULT '',
    media      TEXT    NOT NULL DEFAULT '',
    state      TEXT    NOT NULL DEFAULT 'open'
               CHECK (state IN ('open', 'published', 'discarded', 'scheduled')),
    post_id    TEXT    NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX telegram_drafts_chat ON telegram_drafts (chat_id, state);
