-- PostgreSQL twin of migrations/sqlite/0007_telegram.sql: the same tables and columns, in PostgreSQL types
-- (BIGINT for SQLite's INTEGER, BYTEA for BLOB, identity columns for rowid keys).
-- 0007: the Telegram door's media hosting. Meta fetches media from a public URL, and Telegram's
-- file URLs carry the bot token, so the door downloads each photo or video into
-- <data dir>/media and serves it at /media/<id> until the post's result is known.

-- Drafts themselves live in telegram_drafts (0006).

CREATE TABLE telegram_media (
    id           TEXT    PRIMARY KEY,           -- unguessable (128 random bits), in the URL
    draft_id     TEXT    NOT NULL,              -- the draft the file belongs to
    file_name    TEXT    NOT NULL,              -- inside <data dir>/media
    content_type TEXT    NOT NULL,
    size         BIGINT NOT NULL,
    delete_after BIGINT NOT NULL DEFAULT 0,    -- 0: serve until the post's result is known
    created_at   BIGINT NOT NULL
);

CREATE INDEX telegram_media_draft ON telegram_media (draft_id);
CREATE INDEX telegram_media_due ON telegram_media (delete_after) WHERE delete_after > 0;

-- A post's result finds its draft, and so the media to let go of.
CREATE INDEX IF NOT EXISTS telegram_drafts_post ON telegram_drafts (post_id) WHERE post_id <> '';
