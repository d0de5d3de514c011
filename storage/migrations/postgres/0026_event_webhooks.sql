-- PostgreSQL twin of migrations/sqlite/0026, the same tables.
-- 0026: outbound event webhooks. A subscription is a receiver URL with the event kinds it wants
-- (empty: all) and optionally one account (0: all); its signing secret is sealed by the caller.
-- A delivery is one outbox event for one subscription, its body fixed when fanned out.
CREATE TABLE event_subscriptions (
    id            BIGSERIAL PRIMARY KEY,
    url           TEXT   NOT NULL,
    events        TEXT   NOT NULL DEFAULT '',
    account_id    BIGINT NOT NULL DEFAULT 0,
    secret_sealed BYTEA  NOT NULL,
    created_at    BIGINT NOT NULL,
    rotated_at    BIGINT NOT NULL DEFAULT 0,
    prev_secret_sealed BYTEA, -- the secret before the last rotation; also signs until prev_expires_at
    prev_expires_at    BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE event_deliveries (
    id              BIGSERIAL PRIMARY KEY,
    event_id        BIGINT  NOT NULL,
    subscription_id BIGINT  NOT NULL REFERENCES event_subscriptions (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    body            BYTEA   NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         BIGINT  NOT NULL,
    created_at      BIGINT  NOT NULL,
    done_at         BIGINT  NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    claimed_until   BIGINT  NOT NULL DEFAULT 0, -- a deliverer (of any replica) is sending it until then
    UNIQUE (event_id, subscription_id)
);

CREATE INDEX event_deliveries_due ON event_deliveries (state, next_at);
CREATE INDEX event_deliveries_subscription ON event_deliveries (subscription_id, id);
