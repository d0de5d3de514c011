-- 0035: publish_latency gets a slot, as post_counts did in 0024, so that on PostgreSQL each
-- connection adds its measurements to rows of its own: with one row per bucket, every
-- completion of every replica waited for the one before it to commit, and three replicas
-- drained slower than one. Readers sum over slots. SQLite has one writer and keeps slot 0
-- alone. The table is rebuilt for its new key; the trigger that fills it is dropped first and
-- created again, unchanged, on it.
DROP TRIGGER publish_latency_posted;

CREATE TABLE publish_latency_slotted (
    le_ms  INTEGER NOT NULL,
    n      INTEGER NOT NULL DEFAULT 0,
    sum_ms INTEGER NOT NULL DEFAULT 0,
    slot   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (le_ms, slot)
) STRICT, WITHOUT ROWID;

INSERT INTO publish_latency_slotted (le_ms, n, sum_ms, slot) SELECT le_ms, n, sum_ms, 0 FROM publish_latency;
DROP TABLE publish_latency;
ALTER TABLE publish_latency_slotted RENAME TO publish_latency;

CREATE TRIGGER publish_latency_posted AFTER UPDATE OF state ON posts
WHEN new.state = 'posted' AND old.state <> 'posted'
    AND EXISTS (SELECT 1 FROM publish_parts WHERE post_id = new.id AND published_at > 0)
BEGIN
    UPDATE publish_latency SET
        n = n + 1,
        sum_ms = sum_ms + CASE WHEN le_ms = -1 THEN (
            SELECT max(0, max(published_at) - max(new.created_at, new.scheduled_at))
            FROM publish_parts WHERE post_id = new.id AND published_at > 0) ELSE 0 END
    WHERE le_ms = -1 OR le_ms >= (
        SELECT max(0, max(published_at) - max(new.created_at, new.scheduled_at))
        FROM publish_parts WHERE post_id = new.id AND published_at > 0);
END;
