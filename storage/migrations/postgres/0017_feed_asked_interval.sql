-- PostgreSQL twin of migrations/sqlite/0017_feed_asked_interval.sql: the same column, in PostgreSQL types.
-- 0017: the polling interval a feed asks for (RSS <ttl>, Cache-Control max-age), in ms, as of
-- its last successful poll. It outranks the configured interval when longer, and `feeds list`
-- and chat's `feed list` show both. 0: the feed asks for nothing.
ALTER TABLE feeds ADD COLUMN asked_interval_ms BIGINT NOT NULL DEFAULT 0;
