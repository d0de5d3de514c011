-- 0035: publish_latency gets a slot column, as post_counts did in 0024, so that on PostgreSQL
-- each connection adds its measurements to rows of its own (with one row per bucket, every
-- completion of every replica waited for the one before it to commit). Readers sum over slots.
-- SQLite has one writer and keeps slot 0 alone, so its key stays le_ms and neither the table
-- nor its trigger needs rebuilding.
ALTER TABLE publish_latency ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
