-- 0005: the feed door — watched feeds and the items each has already handled.
-- Times are unix milliseconds (INTEGER) from the injected clock.

-- One watched feed. AUTOINCREMENT because a feed's id is part of its posts' idempotency keys
-- ("feed:<id>:<item>"): a removed feed's id must never be handed to a new feed, or the new
-- feed's items could be mistaken for the old one's posts.
CREATE TABLE feeds (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT    NOT NULL,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- Where the feed's notices and post results go: a chat door and its own JSON address,
    -- opaque here. Empty for feeds added from the command line.
    report_door     TEXT    NOT NULL DEFAULT '',
    report_ref      TEXT    NOT NULL DEFAULT '',
    template        TEXT    NOT NULL DEFAULT '',
    include_terms   TEXT    NOT NULL DEFAULT '',   -- JSON list of filter terms
    exclude_terms   TEXT    NOT NULL DEFAULT '',   -- JSON list of filter terms
    interval_ms     INTEGER NOT NULL,
    daily_cap       INTEGER NOT NULL DEFAULT 10,
    images          INTEGER NOT NULL DEFAULT 0,
    backfill        INTEGER NOT NULL DEFAULT 0,    -- items the first poll posts
    baselined       INTEGER NOT NULL DEFAULT 0,    -- 1 once the first poll recorded the items
    enabled         INTEGER NOT NULL DEFAULT 1,
    paused_reason   TEXT    NOT NULL DEFAULT '',
    etag            TEXT    NOT NULL DEFAULT '',
    last_modified   TEXT    NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 0,    -- failed polls in a row
    next_poll_at    INTEGER NOT NULL,
    last_success_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    title           TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- An account watches a URL once.
CREATE UNIQUE INDEX feeds_account_url ON feeds (account_id, url);
-- The poll job looks for enabled feeds that are due.
CREATE INDEX feeds_due ON feeds (enabled, next_poll_at);

-- Items of a feed already handled (posted, baselined, filtered or skipped). Pruned after a long
-- horizon, always keeping each feed's most recent ones.
CREATE TABLE feed_items (
    feed_id INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    item_id TEXT    NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (feed_id, item_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX feed_items_age ON feed_items (feed_id, seen_at);
