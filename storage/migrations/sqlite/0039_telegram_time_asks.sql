-- 0039: a Telegram draft waiting for a typed schedule time is recorded here, not in one
-- process's memory (storage/telegram_asks.go). After "Schedule…" the person's next text is read
-- as the time; in webhook mode behind a load balancer that text reaches any replica, and one
-- that had not seen the press made a new draft of it. One row per chat: the draft asked about
-- last.
CREATE TABLE telegram_time_asks (
    chat_id  INTEGER PRIMARY KEY,
    draft_id TEXT NOT NULL,
    asked_at INTEGER NOT NULL
);
