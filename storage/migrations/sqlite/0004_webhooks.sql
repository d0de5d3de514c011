-- 0004: signed inbound webhook sources (the webhook door, issue 8).
-- Times are unix milliseconds (INTEGER) from the injected clock.

-- One row per source, addressed by name in POST /hooks/{name}. Secrets must be readable to
-- check HMACs, so they cannot be hashed: they are sealed (AES-256-GCM under a key derived from
-- SPINDLE_SECRET_KEY, bound to the source's name) by the caller; storage never sees them in
-- clear. During a rotation the previous secret keeps verifying until prev_expires_at.
CREATE TABLE webhook_sources (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    account_id         INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheme             TEXT    NOT NULL CHECK (scheme IN ('github', 'standard', 'gitlab')),
    secret_sealed      BLOB    NOT NULL,
    prev_secret_sealed BLOB,
    prev_expires_at    INTEGER NOT NULL DEFAULT 0,
    preset             TEXT    NOT NULL DEFAULT '',
    template           TEXT    NOT NULL DEFAULT '',
    branch             TEXT    NOT NULL DEFAULT '',
    events             TEXT    NOT NULL DEFAULT '',  -- JSON list of event names; '' takes all
    enabled            INTEGER NOT NULL DEFAULT 1,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    rotated_at         INTEGER NOT NULL DEFAULT 0,
    -- The latest delivery to reach the source (signed or not), for the status page. Written
    -- coalesced, at most about once a second per source, never in the enqueue transaction.
    last_delivery_at   INTEGER NOT NULL DEFAULT 0,
    last_status        INTEGER NOT NULL DEFAULT 0,
    last_error         TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX webhook_sources_account ON webhook_sources (account_id);
