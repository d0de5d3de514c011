-- PostgreSQL twin of migrations/sqlite/0038_telegram_albums.sql: the same columns, in PostgreSQL types.
CREATE TABLE telegram_album_items (
    media_group_id TEXT NOT NULL,
    message_id     BIGINT NOT NULL,
    message        TEXT NOT NULL,
    received_at    BIGINT NOT NULL,
    PRIMARY KEY (media_group_id, message_id)
);
