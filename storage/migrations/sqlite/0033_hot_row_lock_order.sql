-- 0033: nothing for SQLite. On PostgreSQL this migration makes the counting triggers lock their
-- shared rows in one order; SQLite's one writer never interleaves two of them, and its
-- latency trigger already skips posts with no published part.
SELECT 1;
