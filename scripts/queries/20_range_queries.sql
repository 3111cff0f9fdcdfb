-- =============================================================================
-- scripts/queries/20_range_queries.sql -- partition pruning on event_logs,
-- RANGE-partitioned by month on created_at (event_logs_2024_01, _02, _03 and
-- event_logs_default).
-- =============================================================================
-- bin/demonstrate-queries reads every scripts/queries/*.sql in name order and
-- runs each annotated query: it shows its EXPLAIN (ANALYZE, BUFFERS) plan,
-- checks the partitions it scanned against @expect, and times it next to the
-- same query on the plain table (@plain). The program holds no query text of
-- its own: everything it runs is here.
--
-- Annotations are "-- @tag: value" comment lines right above a statement; other
-- comment lines are free prose (a comment line may not start with "@" unless
-- it is an annotation). One item per annotated statement:
--
--   -- @query: NAME            a query to check (exactly one statement), with
--   -- @table: TABLE           the partitioned table it demonstrates
--   -- @shows: SENTENCE        what it shows, one line
--   -- @expect: P1, P2 | all   the leaf partitions it must scan ("all": every
--                              leaf of @table, read from the catalog)
--   -- @pruning: plan time | run time | none    (optional) how they are pruned
--   -- @param $1: VALUE        (optional, $1, $2, ... in order) sent as a
--                              parameter, never pasted into the SQL
--   -- @plan: generic | custom (optional, with parameters; default custom)
--                              generic: PREPARE under plan_cache_mode =
--                              force_generic_plan, so the values are unknown
--                              to the planner and pruning happens at run time
--
--   -- @plain: NAME            the same work on the plain <table>_old, timed
--                              beside query NAME (same parameters and plan)
--
--   -- @maintenance: NAME      statements run and timed inside BEGIN ...
--   -- @table: / @shows:       ROLLBACK (see 29_partition_maintenance.sql);
--                              unannotated statements that follow belong to it
--
-- Layouts. The unqualified @expect, @pruning and @shows describe the table as
-- bin/setup-database creates it. A re-partitioning scenario that changes what
-- a query must scan gets a layout of its own:
--
--   -- @layout: NAME           a layout of @table; its statement returns one
--   -- @table: TABLE           row, true while the layout is in force (read
--   -- @shows: SENTENCE        from the catalog); at most one layout of a
--   -- @previous_table: T      table may be in force. (optional) T keeps the
--                              layout this one replaced, for comparison
--
-- and a query says what changes in it, on lines of their own after the
-- unqualified ones:
--
--   -- @expect LAYOUT: P1, P2 | all    instead of @expect while LAYOUT is in
--   -- @pruning LAYOUT: ...             force; a tag without its LAYOUT line
--   -- @shows LAYOUT: SENTENCE          holds for every layout
--
--   -- @previous: NAME         query NAME on the @previous_table, run beside it
--                              while the layout is in force, and checked
--                              against NAME's unqualified annotations
--
-- With no layout in force the unqualified annotations are checked; a layout
-- no file declares shows as a mismatch, as a regression check should. A
-- layout-qualified expectation is as exact as any: a wrong one exits 1 and
-- names its file and line.
--
-- The layouts of event_logs: after bin/repartition add, detach, or split on a
-- table where add has run (the newest month, April, is split), every query
-- scans what the unqualified annotations say: February is the month of the
-- single-month examples, and split works on the newest month and detach on
-- the oldest, so February keeps its partition longest. Only split on the
-- layout setup-database creates changes a query: March, into weeks
-- (march_in_weeks below).
--
-- Each query can be run by hand in psql; EXPLAIN (ANALYZE, BUFFERS) in front of
-- it shows the plan the program checks. For a generic plan:
--     SET plan_cache_mode = force_generic_plan;
--     PREPARE q(timestamp) AS SELECT ... WHERE created_at >= $1 ...;
--     EXPLAIN (ANALYZE, BUFFERS) EXECUTE q('2024-02-10');
-- =============================================================================

-- @layout: march_in_weeks
-- @table: event_logs
-- @shows: bin/repartition split made March 2024 five weekly partitions, event_logs_2024_03_w1 .. _w5
SELECT count(*) FILTER (WHERE c.relname = 'event_logs_2024_03') = 0
   AND count(*) FILTER (WHERE c.relname ~ '^event_logs_2024_03_w[1-5]$') = 5
  FROM pg_catalog.pg_partition_tree('event_logs') AS t
  JOIN pg_catalog.pg_class AS c ON c.oid = t.relid
 WHERE t.isleaf;

-- @query: one_month
-- @table: event_logs
-- @shows: a one-month range on the partition key scans only that month's partition
-- @expect: event_logs_2024_02
-- @pruning: plan time
SELECT count(*)
  FROM event_logs
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';

-- @plain: one_month
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';

-- @query: range_across_two_months
-- @table: event_logs
-- @shows: a range that crosses a month boundary scans the two months it touches, no more
-- @expect: event_logs_2024_02, event_logs_2024_03
-- @pruning: plan time
-- @expect march_in_weeks: event_logs_2024_02, event_logs_2024_03_w1, event_logs_2024_03_w2
-- @shows march_in_weeks: a range that crosses a month boundary scans February and the two weeks of March it touches, no more
SELECT event_type, count(*) AS events
  FROM event_logs
 WHERE created_at >= '2024-02-15' AND created_at < '2024-03-15'
 GROUP BY event_type
 ORDER BY events DESC;

-- @plain: range_across_two_months
SELECT event_type, count(*) AS events
  FROM event_logs_old
 WHERE created_at >= '2024-02-15' AND created_at < '2024-03-15'
 GROUP BY event_type
 ORDER BY events DESC;

-- @query: before_first_month
-- @table: event_logs
-- @shows: a date before the first month can only be in DEFAULT, so only DEFAULT is scanned
-- @expect: event_logs_default
-- @pruning: plan time
SELECT count(*)
  FROM event_logs
 WHERE created_at < '2024-01-01';

-- @plain: before_first_month
SELECT count(*)
  FROM event_logs_old
 WHERE created_at < '2024-01-01';

-- @query: non_key_column_cannot_prune
-- @table: event_logs
-- @shows: the contrast: a filter on event_type, not the partition key, must scan every partition
-- @expect: all
-- @pruning: none
SELECT count(*)
  FROM event_logs
 WHERE event_type = 'purchase';

-- @plain: non_key_column_cannot_prune
SELECT count(*)
  FROM event_logs_old
 WHERE event_type = 'purchase';

-- @query: one_day_generic_plan
-- @table: event_logs
-- @shows: with a generic plan the day is a parameter the planner cannot see; the executor prunes at startup ("Subplans Removed")
-- @expect: event_logs_2024_02
-- @pruning: run time
-- @param $1: 2024-02-10
-- @plan: generic
SELECT count(*)
  FROM event_logs
 WHERE created_at >= $1::timestamp
   AND created_at < $1::timestamp + interval '1 day';

-- @plain: one_day_generic_plan
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= $1::timestamp
   AND created_at < $1::timestamp + interval '1 day';

-- @query: bound_from_subquery
-- @table: event_logs
-- @shows: a bound computed by a subquery is known only during execution: the other partitions show "(never executed)"
-- @expect: event_logs_2024_02
-- @pruning: run time
SELECT count(*)
  FROM event_logs
 WHERE created_at >= (SELECT timestamp '2024-02-20')
   AND created_at < (SELECT timestamp '2024-02-20' + interval '1 day');

-- @plain: bound_from_subquery
SELECT count(*)
  FROM event_logs_old
 WHERE created_at >= (SELECT timestamp '2024-02-20')
   AND created_at < (SELECT timestamp '2024-02-20' + interval '1 day');
