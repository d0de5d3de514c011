-- 0001: the core — linked Threads accounts and the post queue.
-- Times are unix milliseconds (INTEGER) from the injected clock.

CREATE TABLE accounts (
    id                 INTEGER PRIMARY KEY,
    threads_user_id    TEXT    NOT NULL UNIQUE,
    username           TEXT    NOT NULL,
    -- The long-lived access token, sealed with AES-256-GCM under the secret key; NULL once
    -- disconnected. Never stored or logged in clear.
    token_sealed       BLOB,
    token_expires_at   INTEGER NOT NULL DEFAULT 0,
    token_refreshed_at INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL DEFAULT 'active'
                       CHECK (status IN ('active', 'needs_reconnect', 'disconnected')),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX accounts_username ON accounts (username);

-- The post queue; the state machine is documented at the top of posts.go.
CREATE TABLE posts (
    seq              INTEGER PRIMARY KEY,          -- arrival order
    id               TEXT    NOT NULL UNIQUE,      -- short human-typeable id, e.g. p7k2m9x
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    door             TEXT    NOT NULL,
    origin_ref       TEXT    NOT NULL DEFAULT '',  -- JSON, opaque to all but the door
    text             TEXT    NOT NULL DEFAULT '',
    media            TEXT    NOT NULL DEFAULT '',  -- JSON list of {kind, url, alt_text}
    reply_to_id      TEXT    NOT NULL DEFAULT '',
    quote_id         TEXT    NOT NULL DEFAULT '',
    link_attachment  TEXT    NOT NULL DEFAULT '',
    topic_tag        TEXT    NOT NULL DEFAULT '',
    thread           INTEGER NOT NULL DEFAULT 0,
    scheduled_at     INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'publishing', 'posted', 'failed', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_expires_at INTEGER NOT NULL DEFAULT 0,
    container_id     TEXT    NOT NULL DEFAULT '',
    media_id         TEXT    NOT NULL DEFAULT '',
    permalink        TEXT    NOT NULL DEFAULT '',
    last_error       TEXT    NOT NULL DEFAULT '',
    idempotency_key  TEXT,
    request_id       TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;

-- Idempotency is per door: the same key from the same door is the same post.
CREATE UNIQUE INDEX posts_idempotency ON posts (door, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- Lease reads due posts in due order, probes per account when busy accounts fill the head,
-- and reads every post in flight.
CREATE INDEX posts_due ON posts (state, next_attempt_at, seq);
CREATE INDEX posts_account_due ON posts (account_id, state, next_attempt_at, seq);
CREATE INDEX posts_in_flight ON posts (state, lease_expires_at) WHERE state = 'publishing';
CREATE INDEX posts_door_created ON posts (door, created_at);
