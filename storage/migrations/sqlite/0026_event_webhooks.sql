-- 0026: outbound event webhooks. A subscription is a receiver URL with the event kinds it wants
-- (empty: all) and optionally one account (0: all); its signing secret is sealed by the caller.
-- A delivery is one outbox event for one subscription: written once when the event is fanned
-- out (UNIQUE (event_id, subscription_id), so a repeated fan-out adds nothing), its body fixed
-- then so a retry or a redelivery sends the same bytes under the same webhook-id. state is
-- pending, delivered (acknowledged with a 2xx: never sent again unless asked) or failed (given
-- up). Times are unix milliseconds.
CREATE TABLE event_subscriptions (
    id            INTEGER PRIMARY KEY,
    url           TEXT    NOT NULL,
    events        TEXT    NOT NULL DEFAULT '', -- JSON array of event names; '' means all
    account_id    INTEGER NOT NULL DEFAULT 0,  -- 0: every account
    secret_sealed BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    rotated_at    INTEGER NOT NULL DEFAULT 0,
    prev_secret_sealed BLOB, -- the secret before the last rotation; also signs until prev_expires_at
    prev_expires_at    INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE event_deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        INTEGER NOT NULL, -- the outbox id; the outbox row may be gone
    subscription_id INTEGER NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    body            BLOB    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    claimed_until   INTEGER NOT NULL DEFAULT 0, -- a deliverer (of any replica) is sending it until then
    UNIQUE (event_id, subscription_id)
) STRICT;

CREATE INDEX event_deliveries_due ON event_deliveries (state, next_at);
CREATE INDEX event_deliveries_subscription ON event_deliveries (subscription_id, id);
