-- 0008: every enqueue writes each of the posts table's indexes, and under group commit the
-- pages those writes touch are most of what a commit costs. posts_door_created served no
-- query (lists go by account or by arrival order; per-door counts scan the table anyway),
-- so it goes.

DROP INDEX IF EXISTS posts_door_created;
