-- 0029: Slack drafts. `/threads preview …` answers with [Publish] [Schedule…] [Discard]; the
-- draft is the preview's command as typed, kept so a press queues exactly what was previewed.
-- A draft leaves 'open' exactly once (a conditional UPDATE … WHERE state = 'open'), so two
-- presses, or a press Slack delivers twice, act once. The Slack door owns the Go for this
-- table (storage/slack_drafts.go). post_id has no foreign key, as telegram_drafts: a draft is
-- deleted by age (DeleteSlackDrafts) long before nothing else refers to its post.
CREATE TABLE slack_drafts (
    id           TEXT    PRIMARY KEY,
    team         TEXT    NOT NULL,
    channel      TEXT    NOT NULL DEFAULT '',
    user_id      TEXT    NOT NULL,
    command      TEXT    NOT NULL,              -- "preview [options] <text>", verbatim
    state        TEXT    NOT NULL DEFAULT 'open'
                 CHECK (state IN ('open', 'published', 'discarded', 'scheduled')),
    post_id      TEXT    NOT NULL DEFAULT '',
    response_url TEXT    NOT NULL DEFAULT '',   -- of the last press: where the outcome replaces the message
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX slack_drafts_age ON slack_drafts (created_at);
