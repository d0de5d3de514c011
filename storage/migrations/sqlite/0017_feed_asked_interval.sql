-- 0017: the polling interval a feed asks for (RSS <ttl>, Cache-Control max-age), in ms, as of
-- its last successful poll. It outranks the configured interval when longer, and `feeds list`
-- and chat's `feed list` show both, so an operator who set 10 minutes learns why the feed is
-- polled hourly. 0: the feed asks for nothing.
ALTER TABLE feeds ADD COLUMN asked_interval_ms INTEGER NOT NULL DEFAULT 0;
