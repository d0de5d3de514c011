-- 0033: nothing for SQLite. On PostgreSQL this migration makes post_counts_move lock its two
-- shared rows in one order; SQLite's one writer never interleaves two of them.
SELECT 1;
