-- PostgreSQL twin of migrations/sqlite/0029, the same table.
-- 0029: Slack drafts: `/threads preview …` with [Publish] [Schedule…] [Discard]. A draft leaves
-- 'open' exactly once (a conditional UPDATE … WHERE state = 'open').
CREATE TABLE slack_drafts (
    id           TEXT   PRIMARY KEY,
    team         TEXT   NOT NULL,
    channel      TEXT   NOT NULL DEFAULT '',
    user_id      TEXT   NOT NULL,
    command      TEXT   NOT NULL,
    state        TEXT   NOT NULL DEFAULT 'open'
                 CHECK (state IN ('open', 'published', 'discarded', 'scheduled')),
    post_id      TEXT   NOT NULL DEFAULT '',
    response_url TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE INDEX slack_drafts_age ON slack_drafts (created_at);
