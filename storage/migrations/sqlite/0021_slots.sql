-- 0021: posting slots. Each account may have a weekly schedule of slots (times of the week,
-- read as wall-clock times in the schedule's zone), and `queue` puts a post in the next free
-- one. A post placed by slot is marked in slot_posts, so a change of schedule can move it
-- (posts given an exact time are never moved).

CREATE TABLE slot_schedules (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    zone       TEXT    NOT NULL,               -- IANA name the times are read in
    minutes    TEXT    NOT NULL,               -- JSON list of minutes of the week from Sunday 00:00
    set_by     TEXT    NOT NULL DEFAULT '',    -- who set it, as their door names them
    updated_at INTEGER NOT NULL
) STRICT;

-- One row per post placed by slot. slot_at is the instant of its slot; a slot holds one post,
-- which the unique index enforces whatever process places it. A finished post's row stays
-- until housekeeping prunes the post (its slot is in the past, or freed by placement).
CREATE TABLE slot_posts (
    post_id    TEXT    PRIMARY KEY REFERENCES posts (id),
    account_id INTEGER NOT NULL,
    slot_at    INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX slot_posts_slot ON slot_posts (account_id, slot_at);
