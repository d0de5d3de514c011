-- PostgreSQL twin of migrations/sqlite/0021_slots.sql: the same tables, in PostgreSQL types.
-- 0021: posting slots. Each account may have a weekly schedule of slots (times of the week,
-- read as wall-clock times in the schedule's zone), and `queue` puts a post in the next free
-- one. A post placed by slot is marked in slot_posts, so a change of schedule can move it
-- (posts given an exact time are never moved).

CREATE TABLE slot_schedules (
    account_id BIGINT  PRIMARY KEY REFERENCES accounts (id),
    zone       TEXT    NOT NULL,
    minutes    TEXT    NOT NULL,
    set_by     TEXT    NOT NULL DEFAULT '',
    updated_at BIGINT  NOT NULL
);

CREATE TABLE slot_posts (
    post_id    TEXT    PRIMARY KEY REFERENCES posts (id),
    account_id BIGINT  NOT NULL,
    slot_at    BIGINT  NOT NULL
);

CREATE UNIQUE INDEX slot_posts_slot ON slot_posts (account_id, slot_at);
