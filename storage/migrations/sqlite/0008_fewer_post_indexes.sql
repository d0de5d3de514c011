-- 0008: every enqueue, lease and completion writes the posts table's indexes, and under group
-- commit the pages those writes touch are most of what a commit costs.
--
-- posts_door_created served no query (lists go by account or by arrival order; per-door
-- counts scan the table anyway), so it goes.
--
-- posts_due only ever serves the due scan, which asks for queued posts: as a partial index of
-- the queued posts alone it stays small, and a lease or a completion removes an entry instead
-- of moving it to another state's part of the index.

DROP INDEX IF EXISTS posts_door_created;

DROP INDEX posts_due;
CREATE INDEX posts_due ON posts (next_attempt_at, seq) WHERE state = 'queued';
