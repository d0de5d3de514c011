-- 0018: signed requests already handled, remembered in the database so that a captured request
-- replayed after a restart, or to another replica, is still refused (Slack signs a timestamp
-- it accepts for 5 minutes either way, so a key is kept for 10).
CREATE TABLE seen_requests (
    key        TEXT    PRIMARY KEY, -- door-prefixed, canonical: "slack:" + the MAC in lower-case hex
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX seen_requests_expiry ON seen_requests (expires_at);
