-- 0015: counts kept as posts change, so that a /metrics scrape and the status page cost the
-- same after a year of history as on the first day (with 500,000 posts, counting them took
-- 0.6 s per scrape). Triggers keep them: every path that inserts, moves or deletes a post is
-- counted, including the ones added later, and the count commits with the change itself.

-- How many posts of one door are in one state.
CREATE TABLE post_counts (
    door  TEXT    NOT NULL,
    state TEXT    NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (door, state)
) STRICT, WITHOUT ROWID;

INSERT INTO post_counts (door, state, n) SELECT door, state, count(*) FROM posts GROUP BY door, state;

CREATE TRIGGER post_counts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_counts (door, state, n) VALUES (new.door, new.state, 1)
        ON CONFLICT (door, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_move AFTER UPDATE OF state ON posts WHEN old.state <> new.state BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = old.door AND state = old.state;
    INSERT INTO post_counts (door, state, n) VALUES (new.door, new.state, 1)
        ON CONFLICT (door, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_delete AFTER DELETE ON posts BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = old.door AND state = old.state;
END;

-- The publish latency histogram (from due to the last part's publish) as Prometheus wants
-- it: cumulative, and never decreasing, so retention deleting old posts leaves it alone.
-- le_ms is the bucket's upper bound in milliseconds (storage.LatencyBounds); the row with
-- le_ms = -1 holds the count of every measured post in n and their total in sum_ms.
CREATE TABLE publish_latency (
    le_ms  INTEGER PRIMARY KEY,
    n      INTEGER NOT NULL DEFAULT 0,
    sum_ms INTEGER NOT NULL DEFAULT 0
) STRICT;

INSERT INTO publish_latency (le_ms) VALUES (-1), (1000), (5000), (15000), (30000), (60000),
    (300000), (900000), (3600000), (21600000), (86400000);

-- A post's latency, measured once as it becomes posted; posts with no published part (none
-- today) are not measured, as before.
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

-- What is posted already is measured once, here.
UPDATE publish_latency SET
    n = (SELECT count(*) FROM (
            SELECT max(0, max(pp.published_at) - max(p.created_at, p.scheduled_at)) AS lat
            FROM posts p JOIN publish_parts pp ON pp.post_id = p.id
            WHERE p.state = 'posted' AND pp.published_at > 0 GROUP BY p.id)
         WHERE publish_latency.le_ms = -1 OR lat <= publish_latency.le_ms),
    sum_ms = CASE WHEN le_ms = -1 THEN (SELECT coalesce(sum(lat), 0) FROM (
            SELECT max(0, max(pp.published_at) - max(p.created_at, p.scheduled_at)) AS lat
            FROM posts p JOIN publish_parts pp ON pp.post_id = p.id
            WHERE p.state = 'posted' AND pp.published_at > 0 GROUP BY p.id)) ELSE 0 END;

-- Retention deletes finished posts oldest first, a small batch at a time.
CREATE INDEX posts_finished ON posts (updated_at) WHERE state IN ('posted', 'failed', 'cancelled');
