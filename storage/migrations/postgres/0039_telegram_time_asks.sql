-- PostgreSQL twin of migrations/sqlite/0039_telegram_time_asks.sql: the same columns, in PostgreSQL types.
CREATE TABLE telegram_time_asks (
    chat_id  BIGINT PRIMARY KEY,
    draft_id TEXT NOT NULL,
    asked_at BIGINT NOT NULL
);
