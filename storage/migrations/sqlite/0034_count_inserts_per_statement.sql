-- 0034: nothing for SQLite. On PostgreSQL this migration counts the posts one statement
-- inserts in one statement (SQLite has no statement-level triggers, and inserts posts one at
-- a time under its one writer).
SELECT 1;
