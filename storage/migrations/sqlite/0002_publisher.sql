-- 0002: the publisher — per-part publishing progress, the local quota ledger, reconciled
-- remote usage, and the durable outbox of results. Times are unix milliseconds.

-- One row per part of a post being published: a plain post has part 0; a long text flagged
-- thread has one part per reply in its chain. Each row is the persisted state of the
-- publishing state machine (see storage/steps.go), so that no worker waits on Meta and a
-- crash resumes from the last committed step.
CREATE TABLE publish_parts (
    post_id         TEXT    NOT NULL REFERENCES posts (id),
    part            INTEGER NOT NULL,
    container_id    TEXT    NOT NULL DEFAULT '', -- the container to publish (a carousel's own)
    children        TEXT    NOT NULL DEFAULT '', -- a carousel's item container ids, comma-separated
    container_at    INTEGER NOT NULL DEFAULT 0,  -- when the containers were created
    auto_publish_at INTEGER NOT NULL DEFAULT 0,  -- an auto_publish_text create was started then
    media_id        TEXT    NOT NULL DEFAULT '',
    permalink       TEXT    NOT NULL DEFAULT '',
    published_at    INTEGER NOT NULL DEFAULT 0,
    not_ready       INTEGER NOT NULL DEFAULT 0,  -- 24/4279009 answers on this container
    recreates       INTEGER NOT NULL DEFAULT 0,  -- containers dropped (EXPIRED, ERROR, never ready)
    PRIMARY KEY (post_id, part)
) STRICT;

CREATE INDEX publish_parts_media ON publish_parts (media_id) WHERE media_id != '';

-- Per-post retry bookkeeping: transient failures and whether the owner was told the post
-- waits for quota.
CREATE TABLE publish_state (
    post_id          TEXT    PRIMARY KEY REFERENCES posts (id),
    failures         INTEGER NOT NULL DEFAULT 0,
    first_failure_at INTEGER NOT NULL DEFAULT 0,
    delayed_until    INTEGER NOT NULL DEFAULT 0,   -- the quota delay last reported
    deleted_at       INTEGER NOT NULL DEFAULT 0
) STRICT;

-- The local quota ledger: one row per publish or deletion, counted over a moving 24 hours.
CREATE TABLE quota_events (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('posts', 'replies', 'deletes')),
    at         INTEGER NOT NULL,
    post_id    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX quota_events_window ON quota_events (account_id, kind, at);

-- Usage as Threads last reported it (threads_publishing_limit): other apps count too.
CREATE TABLE quota_remote (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    kind       TEXT    NOT NULL CHECK (kind IN ('posts', 'replies', 'deletes')),
    usage      INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, kind)
) STRICT;

-- The durable outbox: every result or notable event, written in the transaction of the state
-- change it reports, delivered at least once to the door's notifier.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT    NOT NULL UNIQUE,
    door            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,       -- JSON, the publisher's Event
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    delivered_at    INTEGER NOT NULL DEFAULT 0,
    given_up        INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE delivered_at = 0 AND given_up = 0;
