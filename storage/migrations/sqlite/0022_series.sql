-- 0022: recurring posts. A series is a rule ("every monday 09:00") read in its author's zone,
-- and the texts it rotates through. Each occurrence becomes an ordinary queued post when the
-- previous one falls due (storage/series.go); the post names its series and occurrence, and
-- one live post per (series, occurrence) is all the database allows, whichever process
-- materialises it.
CREATE TABLE series (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    door        TEXT    NOT NULL,
    origin_ref  TEXT    NOT NULL DEFAULT '',  -- JSON, where results of its posts are reported
    created_by  TEXT    NOT NULL DEFAULT '',  -- the author's identity key, for messages
    rule        TEXT    NOT NULL,             -- the recurrence, canonical ("every 2 weeks monday 09:00 times 10")
    zone        TEXT    NOT NULL,             -- IANA zone the rule's wall-clock times are in
    start_date  TEXT    NOT NULL,             -- YYYY-MM-DD in zone: the first day it may fall on, and the phase of "every 2 …"
    texts       TEXT    NOT NULL,             -- JSON list of texts (text/templates), used in turn
    thread      INTEGER NOT NULL DEFAULT 0,
    state       TEXT    NOT NULL DEFAULT 'active'
                CHECK (state IN ('active', 'paused', 'cancelled', 'finished')),
    made        INTEGER NOT NULL DEFAULT 0,   -- occurrences materialised as posts
    last_at     INTEGER NOT NULL DEFAULT 0,   -- the latest materialised occurrence (0: none pending)
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- The materialiser looks for active series whose pending occurrence has fallen due.
CREATE INDEX series_due ON series (state, last_at);
CREATE INDEX series_account ON series (account_id);

ALTER TABLE posts ADD COLUMN series_id INTEGER REFERENCES series (id);
ALTER TABLE posts ADD COLUMN occurrence_at INTEGER NOT NULL DEFAULT 0;

-- Never two live posts for one occurrence (a cancelled one may be replaced: pause, resume).
CREATE UNIQUE INDEX posts_series_occurrence ON posts (series_id, occurrence_at)
    WHERE series_id IS NOT NULL AND state <> 'cancelled';
